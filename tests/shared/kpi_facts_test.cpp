// Facts of one learner in one course (what the server's KPI tables hold), from a
// statement log written by hand. Every expected value is worked out in the comments.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "kpi_fixtures.hpp"
#include "trailpack/kpi/facts.hpp"
#include "trailpack/progress/review.hpp"

using namespace trailpack;
using namespace trailpack::test::kpi_fixture;
using nlohmann::json;
namespace verbs = xapi::verbs;

namespace {

// Ann's log in k1 (minutes after kT0):
//  -100 lesson experienced, voided at 50 (must count for nothing)
//   0 intro (60 s)
//   1-4 pre attempt a1: p1 right, p2 wrong -> 0.5, failed (180 s)
//   5 deck card f1 reviewed (10 s): the deck is started, not done (f2 never reviewed)
//  10 lesson (120 s)
//  11-14 post attempt b1: t1 right, t2 wrong -> 1/3, failed (120 s)
//  20-23 post attempt b2: t1 right, t2 half -> (1 + 0.5*2)/3 = 2/3, failed (90 s)
//  30-31 scenario: one choice (30 s), completed with 0.5
//  39 hot: r = 2; 40 hot: r = 4 (the latest counts), len = right, txt = "More examples"; completed (45 s)
//  41 cold: r = "9" (not on the 1..5 scale: ignored)
Log ann_log() {
  Log log;
  const std::string voided = log.card("lesson", kT0 - 100 * kMin);
  log.card("intro", kT0, 60'000);
  log.attempt("pre", "a1", kT0 + 1 * kMin, {"p1", "p2"});
  log.answer("pre", "p1", "a1", kT0 + 2 * kMin, 1.0);
  log.answer("pre", "p2", "a1", kT0 + 3 * kMin, 0.0);
  log.finish("pre", "a1", kT0 + 4 * kMin, 0.5, false, 180'000);
  log.add(verbs::kAnswered, progress::flashcard_iri("k1", "deck", "f1"), kT0 + 5 * kMin,
          {{"response", "good"}, {"success", true}, {"duration", "PT10S"}}, "", log.item("deck"));
  log.card("lesson", kT0 + 10 * kMin, 120'000);
  log.attempt("post", "b1", kT0 + 11 * kMin, {"t1", "t2"});
  log.answer("post", "t1", "b1", kT0 + 12 * kMin, 1.0);
  log.answer("post", "t2", "b1", kT0 + 13 * kMin, 0.0);
  log.finish("post", "b1", kT0 + 14 * kMin, 1.0 / 3, false, 120'000);
  log.attempt("post", "b2", kT0 + 20 * kMin, {"t1", "t2"});
  log.answer("post", "t1", "b2", kT0 + 21 * kMin, 1.0);
  log.answer("post", "t2", "b2", kT0 + 22 * kMin, 0.5);
  log.finish("post", "b2", kT0 + 23 * kMin, 2.0 / 3, false, 90'000);
  log.add(verbs::kAnswered, log.item("scen") + ":node:n1", kT0 + 30 * kMin, {{"response", "go"}, {"duration", "PT30S"}},
          "run1", log.item("scen"));
  log.add(verbs::kCompleted, log.item("scen"), kT0 + 31 * kMin,
          {{"completion", true}, {"success", false}, {"score", {{"scaled", 0.5}}}}, "run1");
  log.respond("hot", "r", "2", kT0 + 39 * kMin);
  log.respond("hot", "r", "4", kT0 + 40 * kMin);
  log.respond("hot", "len", "right", kT0 + 40 * kMin);
  log.respond("hot", "txt", "More examples", kT0 + 40 * kMin);
  log.add(verbs::kCompleted, log.item("hot"), kT0 + 40 * kMin, {{"completion", true}, {"duration", "PT45S"}});
  log.respond("cold", "applied", "9", kT0 + 41 * kMin);
  log.void_statement(voided, kT0 + 50 * kMin);
  return log;
}

const kpi::ItemFacts& item(const kpi::LearnerCourseFacts& f, const std::string& id) {
  auto it = std::find_if(f.items.begin(), f.items.end(), [&](const auto& i) { return i.item_id == id; });
  REQUIRE(it != f.items.end());
  return *it;
}

}  // namespace

TEST_CASE("kpi facts: course summary of one learner", "[kpi][facts]") {
  const auto f = kpi::facts_of(k1(), views(ann_log().all));
  CHECK(f.course_id == "k1");
  CHECK(f.course_version == 2);
  // 25 statements logged; the voided card and the voiding statement do not count.
  CHECK(f.statements == 23);
  CHECK(f.started_at == kT0);                // not the voided card at -100 min
  CHECK(f.last_activity == kT0 + 41 * kMin);
  // Required: intro, pre, lesson, post, scen, hot. All but post (never passed) are done.
  CHECK_FALSE(f.completed);
  CHECK(f.completed_at == 0);
  CHECK(f.completion == Approx(5.0 / 6.0));
  // 60 + 180 (a1) + 10 (deck) + 120 + 120 (b1) + 90 (b2) + 30 (scenario) + 45 (hot) seconds.
  CHECK(f.time_spent_ms == 655'000);
  CHECK(*f.best_score == Approx(2.0 / 3.0));  // post b2; pre 0.5, scenario 0.5
  CHECK(*f.pretest_score == 0.5);
  CHECK(*f.posttest_score == Approx(2.0 / 3.0));
}

TEST_CASE("kpi facts: modules and items", "[kpi][facts]") {
  const auto f = kpi::facts_of(k1(), views(ann_log().all));
  REQUIRE(f.modules.size() == 3);
  // m1: intro (0) and pre (finished at 4) are its required items.
  CHECK(f.modules[0].module_id == "m1");
  CHECK(f.modules[0].position == 0);
  CHECK(f.modules[0].started);
  CHECK(f.modules[0].started_at == kT0);
  CHECK(f.modules[0].completed);
  CHECK(f.modules[0].completed_at == kT0 + 4 * kMin);
  // m2: post is not done.
  CHECK(f.modules[1].started);
  CHECK(f.modules[1].started_at == kT0 + 10 * kMin);
  CHECK_FALSE(f.modules[1].completed);
  CHECK(f.modules[1].completed_at == 0);
  // m3 has no required item: complete from the learner's first statement in the course.
  // The cold answer "9" is off the scale but still a statement on the survey.
  CHECK(f.modules[2].started);
  CHECK(f.modules[2].completed);
  CHECK(f.modules[2].completed_at == kT0);

  // Items with a statement, in course order: all eight.
  REQUIRE(f.items.size() == 8);
  const auto& pre = item(f, "pre");
  CHECK(pre.type == "quiz");
  CHECK(pre.role == "pretest");
  CHECK(pre.module_id == "m1");
  CHECK(pre.started_at == kT0 + 1 * kMin);
  CHECK(pre.completed);  // a pre-test is done once taken
  CHECK(pre.completed_at == kT0 + 4 * kMin);
  CHECK(pre.attempts == 1);
  CHECK(*pre.best_score == 0.5);
  CHECK_FALSE(pre.passed);
  CHECK(pre.time_spent_ms == 180'000);
  const auto& deck = item(f, "deck");
  CHECK(deck.started);
  CHECK_FALSE(deck.completed);
  CHECK(deck.started_at == kT0 + 5 * kMin);
  const auto& post = item(f, "post");
  CHECK(post.attempts == 2);
  CHECK_FALSE(post.completed);
  CHECK(*post.best_score == Approx(2.0 / 3.0));
  CHECK(post.time_spent_ms == 210'000);
  const auto& scen = item(f, "scen");
  CHECK(scen.completed);
  CHECK(scen.completed_at == kT0 + 31 * kMin);
  CHECK(*scen.best_score == 0.5);
  const auto& hot = item(f, "hot");
  CHECK(hot.role == "hot");
  CHECK(hot.completed_at == kT0 + 40 * kMin);
  const auto& lesson = item(f, "lesson");
  CHECK(lesson.started_at == kT0 + 10 * kMin);  // the voided -100 statement is gone
}

TEST_CASE("kpi facts: answers of the first finished attempt, for item analysis", "[kpi][facts]") {
  const auto f = kpi::facts_of(k1(), views(ann_log().all));
  // pre a1 (total 0.5), post b1 (total 1/3); b2 is not the first attempt.
  REQUIRE(f.answers.size() == 4);
  CHECK(f.answers[0].item_id == "pre");
  CHECK(f.answers[0].question_id == "p1");
  CHECK(f.answers[0].correct);
  CHECK(f.answers[0].score == 1.0);
  CHECK(f.answers[0].attempt_score == 0.5);
  CHECK(f.answers[1].question_id == "p2");
  CHECK_FALSE(f.answers[1].correct);
  CHECK(f.answers[1].score == 0.0);
  CHECK(f.answers[2].item_id == "post");
  CHECK(f.answers[2].question_id == "t1");
  CHECK(f.answers[2].attempt_score == Approx(1.0 / 3.0));
  CHECK(f.answers[3].question_id == "t2");
  CHECK_FALSE(f.answers[3].correct);
}

TEST_CASE("kpi facts: mastery per objective before and after", "[kpi][facts]") {
  const auto f = kpi::facts_of(k1(), views(ann_log().all));
  // Pre-test: the first finished attempt (a1). A = p1: 1/1; B = p2: 0/1.
  // Post-test: the best attempt (b2). A = t1: 1/1; B = t2: 0.5 * 2 points / 2 points.
  REQUIRE(f.objectives.size() == 2);
  CHECK(f.objectives[0].objective == "A");
  CHECK(*f.objectives[0].pre == 1.0);
  CHECK(*f.objectives[0].post == 1.0);
  CHECK(f.objectives[1].objective == "B");
  CHECK(*f.objectives[1].pre == 0.0);
  CHECK(*f.objectives[1].post == 0.5);
}

TEST_CASE("kpi facts: an unanswered drawn question earns nothing for its objective", "[kpi][facts]") {
  Log log;
  log.attempt("post", "b1", kT0, {"t1", "t2"});
  log.answer("post", "t1", "b1", kT0 + kMin, 1.0);  // t2 drawn, never answered
  log.finish("post", "b1", kT0 + 2 * kMin, 1.0 / 3, false, 0);
  const auto f = kpi::facts_of(k1(), views(log.all));
  REQUIRE(f.objectives.size() == 2);
  CHECK(*f.objectives[0].post == 1.0);   // A: t1
  CHECK(*f.objectives[1].post == 0.0);   // B: t2, 0 of 2 points
  CHECK_FALSE(f.objectives[1].pre);
  REQUIRE(f.answers.size() == 1);        // item analysis counts answered questions only
}

TEST_CASE("kpi facts: survey answers, the latest per question, on the scale", "[kpi][facts]") {
  const auto f = kpi::facts_of(k1(), views(ann_log().all));
  // hot: r (latest: 4), len, txt; cold "9" is not a rating of a 1..5 scale.
  REQUIRE(f.survey_answers.size() == 3);
  CHECK(f.survey_answers[0].question_id == "r");
  CHECK(f.survey_answers[0].kind == "rating");
  CHECK(f.survey_answers[0].role == "hot");
  CHECK(*f.survey_answers[0].rating == 4);
  CHECK(f.survey_answers[0].answered_at == kT0 + 40 * kMin);
  CHECK(f.survey_answers[1].choice == "right");
  CHECK(f.survey_answers[2].text == "More examples");
}

TEST_CASE("kpi facts: nothing started, and order does not matter", "[kpi][facts]") {
  const auto none = kpi::facts_of(k1(), {});
  CHECK_FALSE(none.started());
  CHECK(none.statements == 0);
  CHECK(none.started_at == 0);
  CHECK(none.modules.empty());
  CHECK(none.items.empty());

  auto log = ann_log().all;
  const auto expected = kpi::facts_of(k1(), views(log));
  std::mt19937 rng(7);
  for (int round = 0; round < 5; ++round) {
    std::shuffle(log.begin(), log.end(), rng);
    auto shuffled = log;
    shuffled.push_back(log[3]);  // a duplicate too
    const auto f = kpi::facts_of(k1(), views(shuffled));
    CHECK(f.statements == expected.statements);
    CHECK(f.started_at == expected.started_at);
    CHECK(f.time_spent_ms == expected.time_spent_ms);
    CHECK(f.answers.size() == expected.answers.size());
    CHECK(*f.objectives[1].post == *expected.objectives[1].post);
    CHECK(*f.survey_answers[0].rating == 4);
  }
}
