// Progress as a projection of statements: sequencing and locks, completion rules,
// scores and attempts, pre/post-test gain, test-out, resume point, time spent, voiding;
// and the order-independence property that lets devices sync statements in any order.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <random>

#include "trailpack/bundle/course.hpp"
#include "trailpack/progress/projection.hpp"
#include "trailpack/uuid.hpp"
#include "trailpack/xapi/builder.hpp"

using namespace trailpack;
using namespace trailpack::progress;
using nlohmann::json;
namespace verbs = xapi::verbs;

namespace {

constexpr TimeMs kT0 = 1795338000000;  // 2026-11-22T09:00:00Z
constexpr TimeMs kMin = 60000;

json course_json(const std::string& sequencing = "linear") {
  auto tf = [](const std::string& id) {
    return json{{"id", id}, {"type", "true_false"}, {"prompt", "P " + id}, {"answer", true}};
  };
  const json para = json::array({{{"type", "paragraph"}, {"spans", {{{"text", "Text"}}}}}});
  return {{"id", "c1"},
          {"version", 1},
          {"title", "Course"},
          {"sequencing", sequencing},
          {"modules",
           {{{"id", "m1"},
             {"title", "Start"},
             {"items",
              {{{"id", "intro"}, {"type", "card"}, {"title", "Intro"}, {"blocks", para}},
               {{"id", "pre"}, {"type", "quiz"}, {"title", "Pre"}, {"role", "pretest"}, {"test_out", true},
                {"pass_mark", 0.8}, {"questions", {tf("pq1"), tf("pq2")}}},
               {{"id", "deck"}, {"type", "flashcards"}, {"title", "Deck"},
                {"cards", {{{"id", "f1"}, {"front", "a"}, {"back", "b"}}}}}}}},
            {{"id", "m2"},
             {"title", "Core"},
             {"prerequisites", {"m1"}},
             {"items",
              {{{"id", "lesson"}, {"type", "card"}, {"title", "Lesson"}, {"blocks", para}},
               {{"id", "quiz"}, {"type", "quiz"}, {"title", "Quiz"}, {"max_attempts", 2}, {"pass_mark", 0.8},
                {"questions", {tf("q1"), tf("q2")}}},
               {{"id", "scen"}, {"type", "scenario"}, {"title", "Scenario"}, {"start", "n1"},
                {"nodes", {{{"id", "n1"}, {"blocks", para}, {"outcome", 1}}}}},
               {{"id", "hot"}, {"type", "survey"}, {"title", "Hot"},
                {"survey", {{{"id", "s1"}, {"type", "rating"}, {"prompt", "Rate"}}}}}}}},
            {{"id", "m3"},
             {"title", "End"},
             {"items",
              {{{"id", "post"}, {"type", "quiz"}, {"title", "Post"}, {"role", "posttest"}, {"pass_mark", 0.5},
                {"questions", {tf("t1")}}},
               {{"id", "cold"}, {"type", "survey"}, {"title", "Cold"}, {"role", "cold"},
                {"survey", {{{"id", "s2"}, {"type", "rating"}, {"prompt", "Rate"}}}}}}}}}}};
}

bundle::Course course(const std::string& sequencing = "linear") {
  auto c = bundle::parse_course(course_json(sequencing));
  REQUIRE(c);
  return *c;
}

std::string item(const std::string& id) { return bundle::item_iri("c1", id); }

// Builds statements the way the engine does, with ids from a counter.
class Log {
 public:
  std::vector<json> all;

  json& add(const std::string& verb, const std::string& object, TimeMs at, json result = nullptr,
            const std::string& attempt = "", const std::string& parent = "") {
    std::array<std::uint8_t, 16> b{};
    const std::uint64_t n = ++counter_;
    for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(15 - i)] = static_cast<std::uint8_t>(n >> (8 * i));
    xapi::Envelope env;
    env.id = uuid_v4_from_bytes(b);
    env.actor = xapi::account_agent("https://trailpack.example.org", "ann", "Ann");
    env.timestamp = at;
    env.registration = "e05aa883-acaf-40ad-bf54-02c8ce485fb0";
    env.language = "en";
    env.grouping = json::array({xapi::activity(bundle::course_iri("c1"), "Course", "en", xapi::activity_types::kCourse)});
    if (!parent.empty()) env.parents = json::array({xapi::activity(parent, "", "", "")});
    if (!attempt.empty()) env.extensions[xapi::ext::kAttempt] = attempt;
    all.push_back(xapi::make_statement(env, verb, xapi::activity(object, "", "", ""), std::move(result)));
    return all.back();
  }

  std::string card(const std::string& id, TimeMs at, TimeMs duration = 0, bool completion = true) {
    return add(verbs::kExperienced, item(id), at, {{"completion", completion}, {"duration", format_duration(duration)}})["id"];
  }
  void attempt(const std::string& quiz, const std::string& attempt, TimeMs at) {
    add(verbs::kAttempted, item(quiz), at, nullptr, attempt);
  }
  void answer(const std::string& quiz, const std::string& question, const std::string& attempt, TimeMs at,
              double scaled, TimeMs duration = 0) {
    add(verbs::kAnswered, bundle::question_iri("c1", question), at,
        {{"success", scaled >= 1}, {"score", {{"scaled", scaled}}}, {"duration", format_duration(duration)}}, attempt,
        item(quiz));
  }
  std::string finish(const std::string& quiz, const std::string& attempt, TimeMs at, double scaled, bool passed,
                     TimeMs duration = 0) {
    return add(passed ? verbs::kPassed : verbs::kFailed, item(quiz), at,
               {{"score", {{"scaled", scaled}}}, {"success", passed}, {"completion", true},
                {"duration", format_duration(duration)}},
               attempt)["id"];
  }
  // A whole attempt: attempted, one answer per question, then passed or failed.
  void take(const std::string& quiz, const std::string& attempt, TimeMs at, double scaled, bool passed) {
    this->attempt(quiz, attempt, at);
    answer(quiz, quiz == "post" ? "t1" : (quiz == "pre" ? "pq1" : "q1"), attempt, at + 1000, scaled);
    finish(quiz, attempt, at + 2000, scaled, passed);
  }
  void scenario(TimeMs at, std::optional<double> scaled) {
    json result = {{"completion", true}};
    if (scaled) result["score"] = {{"scaled", *scaled}};
    add(verbs::kCompleted, item("scen"), at, result);
  }
  void survey(const std::string& id, TimeMs at) { add(verbs::kResponded, item(id), at, {{"completion", true}}); }
  void void_statement(const std::string& target, TimeMs at) {
    json& v = add(verbs::kVoided, item("intro"), at);
    v["object"] = {{"objectType", "StatementRef"}, {"id", target}};
  }

 private:
  std::uint64_t counter_ = 0;
};

const ItemProgress& at(const CourseProgress& p, const std::string& id) {
  const ItemProgress* ip = p.item(id);
  REQUIRE(ip != nullptr);
  return *ip;
}

// Finishes every required item of m1 and m2 (pre-test failed, so no test-out).
void through_module_two(Log& log) {
  log.card("intro", kT0 + 1 * kMin);
  log.take("pre", "a-pre", kT0 + 2 * kMin, 0.5, false);
  log.card("lesson", kT0 + 3 * kMin);
  log.take("quiz", "a-q1", kT0 + 4 * kMin, 1.0, true);
  log.scenario(kT0 + 5 * kMin, 1.0);
  log.survey("hot", kT0 + 6 * kMin);
}

}  // namespace

TEST_CASE("projection of no statements: locks and the first item", "[projection]") {
  const auto p = project_course(course(), {});
  CHECK(p.course_id == "c1");
  CHECK_FALSE(p.completed);
  CHECK(p.completion == 0.0);
  CHECK(p.completed_at == 0);
  CHECK(p.statements == 0);
  CHECK(p.resume_item == "intro");
  REQUIRE(p.modules.size() == 3);
  CHECK_FALSE(p.modules[0].locked);
  CHECK(p.modules[0].required_total == 2);  // intro, pre (flashcards are optional)
  CHECK(p.modules[1].locked);
  CHECK(p.modules[1].lock_reason == "prerequisite:m1");
  CHECK(p.modules[2].locked);
  CHECK(p.modules[2].lock_reason == "previous_module");
  CHECK(p.modules[2].required_total == 1);  // post; the cold survey is optional
  REQUIRE(p.items.size() == 9);
  CHECK(at(p, "intro").status == "not_started");
  CHECK_FALSE(at(p, "intro").locked);
  CHECK(at(p, "pre").locked);
  CHECK(at(p, "pre").lock_reason == "previous_item");
  CHECK(at(p, "deck").lock_reason == "previous_item");
  CHECK(at(p, "lesson").lock_reason == "module_locked");
  CHECK(at(p, "post").lock_reason == "module_locked");
  CHECK_FALSE(p.pretest_score);
  CHECK_FALSE(p.gain);
  CHECK(p.item("nope") == nullptr);
}

TEST_CASE("sequencing", "[projection][sequencing]") {
  SECTION("linear: each required item unlocks the next") {
    Log log;
    log.card("intro", kT0);
    auto p = project_course(course(), log.all);
    CHECK(at(p, "intro").status == "completed");
    CHECK_FALSE(at(p, "pre").locked);
    CHECK(at(p, "deck").locked);  // behind the unfinished pre-test
    CHECK(at(p, "deck").lock_reason == "previous_item");
    CHECK(p.modules[1].lock_reason == "prerequisite:m1");
    CHECK(p.resume_item == "pre");
  }
  SECTION("linear: a finished module unlocks the next one and its first item") {
    Log log;
    log.card("intro", kT0);
    log.take("pre", "a1", kT0 + kMin, 0.5, false);
    auto p = project_course(course(), log.all);
    CHECK(p.modules[0].completed);
    CHECK_FALSE(at(p, "deck").locked);  // optional items unlock too
    CHECK_FALSE(p.modules[1].locked);
    CHECK_FALSE(at(p, "lesson").locked);
    CHECK(at(p, "quiz").lock_reason == "previous_item");
    CHECK(p.modules[2].lock_reason == "previous_module");
  }
  SECTION("free order: no item or module waits for the previous one; prerequisites still hold") {
    auto p = project_course(course("free"), {});
    CHECK_FALSE(at(p, "pre").locked);
    CHECK_FALSE(at(p, "deck").locked);
    CHECK(p.modules[1].locked);
    CHECK(p.modules[1].lock_reason == "prerequisite:m1");
    CHECK(at(p, "quiz").lock_reason == "module_locked");
    CHECK_FALSE(p.modules[2].locked);
    CHECK_FALSE(at(p, "post").locked);
    CHECK(at(p, "cold").lock_reason == "after_course");  // a cold evaluation waits for the course, in any order
  }
  SECTION("recorded work is never hidden behind a lock") {
    Log log;
    log.card("lesson", kT0);  // e.g. synced from a device with an older course version
    auto p = project_course(course(), log.all);
    CHECK(p.modules[1].locked);
    CHECK_FALSE(at(p, "lesson").locked);
    CHECK(at(p, "lesson").lock_reason.empty());
    CHECK(at(p, "lesson").status == "completed");
  }
}

TEST_CASE("completion rules", "[projection][completion]") {
  SECTION("a card completes with experienced (completion true), not with completion false") {
    Log log;
    log.card("intro", kT0, 0, false);
    auto p = project_course(course(), log.all);
    CHECK(at(p, "intro").status == "in_progress");
    log.card("intro", kT0 + kMin);
    p = project_course(course(), log.all);
    CHECK(at(p, "intro").status == "completed");
  }
  SECTION("a quiz must be passed") {
    Log log;
    log.card("intro", kT0);
    log.take("pre", "a0", kT0, 0.5, false);
    log.card("lesson", kT0);
    log.take("quiz", "a1", kT0 + kMin, 0.5, false);
    auto p = project_course(course(), log.all);
    const auto& q = at(p, "quiz");
    CHECK(q.status == "in_progress");
    CHECK(q.attempts == 1);
    CHECK_FALSE(q.passed);
    CHECK_FALSE(q.attempts_exhausted);
    CHECK(at(p, "scen").locked);
    log.take("quiz", "a2", kT0 + 2 * kMin, 1.0, true);
    p = project_course(course(), log.all);
    CHECK(at(p, "quiz").status == "completed");
    CHECK(at(p, "quiz").passed);
    CHECK(at(p, "quiz").attempts == 2);
    CHECK_FALSE(at(p, "scen").locked);
  }
  SECTION("an unfinished attempt is in progress and is not counted") {
    Log log;
    log.attempt("quiz", "a1", kT0);
    log.answer("quiz", "q1", "a1", kT0 + 1000, 1.0);
    auto p = project_course(course(), log.all);
    const auto& q = at(p, "quiz");
    CHECK(q.status == "in_progress");
    CHECK(q.attempts == 0);
    REQUIRE(q.attempt_list.size() == 1);
    CHECK(q.attempt_list[0].attempt_id == "a1");
    CHECK(q.attempt_list[0].started == kT0);
    CHECK(q.attempt_list[0].answered == 1);
    CHECK_FALSE(q.attempt_list[0].scaled);
    CHECK_FALSE(q.best_score);
  }
  SECTION("exhausted attempts complete the quiz as failed so the learner is not stuck") {
    Log log;
    log.take("quiz", "a1", kT0, 0.25, false);
    log.take("quiz", "a2", kT0 + kMin, 0.5, false);
    auto p = project_course(course(), log.all);
    const auto& q = at(p, "quiz");
    CHECK(q.attempts == 2);
    CHECK(q.attempts_exhausted);
    CHECK_FALSE(q.passed);
    CHECK(q.status == "completed");
  }
  SECTION("a pre-test is done once taken, passed or not") {
    Log log;
    log.take("pre", "a1", kT0, 0.0, false);
    auto p = project_course(course(), log.all);
    CHECK(at(p, "pre").status == "completed");
    CHECK_FALSE(at(p, "pre").passed);
    CHECK_FALSE(p.completed);
  }
  SECTION("every required item done completes the course; optional ones do not matter") {
    Log log;
    through_module_two(log);
    auto p = project_course(course(), log.all);
    CHECK_FALSE(p.completed);
    CHECK(p.completion == Approx(6.0 / 7.0));
    CHECK(p.modules[1].completed);
    CHECK(p.modules[1].required_done == 4);
    CHECK(p.resume_item == "post");
    log.take("post", "a-post", kT0 + 10 * kMin, 1.0, true);
    p = project_course(course(), log.all);
    CHECK(p.completed);
    CHECK(p.completion == 1.0);
    CHECK(at(p, "deck").status == "not_started");
    CHECK(at(p, "cold").status == "not_started");  // due after completion, so not required
    CHECK(p.resume_item == "deck");                // nothing required is left
  }
  SECTION("surveys complete when responded; scenarios when completed") {
    Log log;
    log.survey("hot", kT0);
    log.scenario(kT0 + kMin, std::nullopt);
    auto p = project_course(course(), log.all);
    CHECK(at(p, "hot").status == "completed");
    CHECK(at(p, "scen").status == "completed");
    CHECK_FALSE(at(p, "scen").best_score);
  }
}

TEST_CASE("completed_at is when the course was completed, not the latest activity", "[projection][completion]") {
  Log log;
  through_module_two(log);
  log.take("post", "a-post", kT0 + 10 * kMin, 1.0, true);  // passed at +10 min + 2 s
  auto p = project_course(course(), log.all);
  REQUIRE(p.completed);
  CHECK(p.completed_at == kT0 + 10 * kMin + 2000);
  // Reviewing flashcards or answering the cold survey later must not move it (the cold
  // survey is due a number of days after completion).
  log.card("deck", kT0 + 60 * kMin);
  log.survey("cold", kT0 + 30LL * 24 * 60 * kMin);
  log.take("post", "a-post-2", kT0 + 90 * kMin, 0.5, true);
  p = project_course(course(), log.all);
  CHECK(p.completed_at == kT0 + 10 * kMin + 2000);
  CHECK(p.last_activity == kT0 + 30LL * 24 * 60 * kMin);

  SECTION("a course completed by testing out: when the pre-test was passed") {
    Log t;
    t.card("intro", kT0);
    t.take("pre", "a1", kT0 + kMin, 1.0, true);
    t.card("deck", kT0 + 5 * kMin);
    auto q = project_course(course(), t.all);
    CHECK(q.completed);
    CHECK(q.completed_at == kT0 + kMin + 2000);
  }
}

TEST_CASE("scores: best and last, attempts in start order", "[projection][scores]") {
  Log log;
  log.take("quiz", "b-second", kT0 + 2 * kMin, 0.75, false);
  log.take("quiz", "a-first", kT0, 0.5, false);
  auto p = project_course(course(), log.all);
  const auto& q = at(p, "quiz");
  CHECK(q.attempts == 2);
  CHECK(q.best_score == 0.75);
  CHECK(q.last_score == 0.75);
  REQUIRE(q.attempt_list.size() == 2);
  CHECK(q.attempt_list[0].attempt_id == "a-first");
  CHECK(q.attempt_list[1].attempt_id == "b-second");
  CHECK(q.attempt_list[1].passed == false);
  CHECK(q.attempt_list[1].answered == 1);

  SECTION("a later, lower score is the last one, not the best") {
    Log l2;
    l2.take("post", "p1", kT0, 0.9, true);
    l2.take("post", "p2", kT0 + kMin, 0.6, true);
    auto p2 = project_course(course(), l2.all);
    CHECK(at(p2, "post").best_score == 0.9);
    CHECK(at(p2, "post").last_score == 0.6);
  }
  SECTION("scenario: best and last outcome") {
    Log l3;
    l3.scenario(kT0, 0.75);
    l3.scenario(kT0 + kMin, 0.25);
    auto p3 = project_course(course(), l3.all);
    CHECK(at(p3, "scen").best_score == 0.75);
    CHECK(at(p3, "scen").last_score == 0.25);
  }
}

TEST_CASE("pre-test and post-test: scores and gain", "[projection][scores]") {
  Log log;
  log.take("pre", "a-pre-1", kT0, 0.25, false);
  log.take("pre", "a-pre-2", kT0 + kMin, 0.5, false);
  log.take("post", "a-post-1", kT0 + 2 * kMin, 0.75, true);
  log.take("post", "a-post-2", kT0 + 3 * kMin, 1.0, true);
  auto p = project_course(course(), log.all);
  CHECK(p.pretest_score == 0.25);   // the first finished pre-test counts
  CHECK(p.posttest_score == 1.0);   // the best post-test counts
  REQUIRE(p.gain);
  CHECK(*p.gain == Approx(0.75));
  SECTION("no gain without both") {
    Log only;
    only.take("pre", "a", kT0, 0.25, false);
    auto q = project_course(course(), only.all);
    CHECK(q.pretest_score == 0.25);
    CHECK_FALSE(q.posttest_score);
    CHECK_FALSE(q.gain);
  }
}

TEST_CASE("test out: a passed pre-test that allows it completes the course", "[projection][completion]") {
  Log log;
  log.card("intro", kT0);
  log.take("pre", "a1", kT0 + kMin, 1.0, true);
  auto p = project_course(course(), log.all);
  CHECK(p.completed);
  CHECK(p.completion == 1.0);
  CHECK(at(p, "pre").passed);
  CHECK(at(p, "lesson").status == "not_started");
  SECTION("a failed pre-test does not") {
    Log f;
    f.take("pre", "a1", kT0, 0.75, false);
    CHECK_FALSE(project_course(course(), f.all).completed);
  }
  SECTION("a passed pre-test without test_out does not") {
    json j = course_json();
    j["modules"][0]["items"][1]["test_out"] = false;
    auto c = bundle::parse_course(j);
    REQUIRE(c);
    CHECK_FALSE(project_course(*c, log.all).completed);
  }
}

TEST_CASE("resume point", "[projection][resume]") {
  SECTION("the item of the latest activity when it is not finished") {
    Log log;
    log.card("intro", kT0);
    log.take("pre", "a1", kT0 + kMin, 0.5, false);
    log.card("lesson", kT0 + 2 * kMin);
    log.attempt("quiz", "a2", kT0 + 3 * kMin);
    CHECK(project_course(course(), log.all).resume_item == "quiz");
  }
  SECTION("otherwise the first unlocked item not completed") {
    Log log;
    log.card("intro", kT0 + kMin);
    CHECK(project_course(course(), log.all).resume_item == "pre");
  }
  SECTION("the first unfinished required item, not an optional one skipped earlier") {
    Log log;
    through_module_two(log);  // the flashcards in module 1 were skipped
    CHECK(project_course(course(), log.all).resume_item == "post");
  }
  SECTION("optional items once nothing required is left") {
    Log log;
    through_module_two(log);
    log.take("post", "a-post", kT0 + 10 * kMin, 1.0, true);
    CHECK(project_course(course(), log.all).resume_item == "deck");
  }
}

TEST_CASE("time spent", "[projection][time]") {
  Log log;
  log.card("intro", kT0, 90000);
  log.card("intro", kT0 + kMin, 30000);
  SECTION("cards: every visit counts") {
    auto p = project_course(course(), log.all);
    CHECK(at(p, "intro").time_spent_ms == 120000);
    CHECK(at(p, "intro").last_activity == kT0 + kMin);
    CHECK(p.time_spent_ms == 120000);
    CHECK(p.last_activity == kT0 + kMin);
  }
  SECTION("a finished quiz attempt counts its duration once, not again per answer") {
    log.attempt("quiz", "a1", kT0 + 2 * kMin);
    log.answer("quiz", "q1", "a1", kT0 + 2 * kMin + 30000, 1.0, 30000);
    log.answer("quiz", "q2", "a1", kT0 + 2 * kMin + 60000, 1.0, 30000);
    log.finish("quiz", "a1", kT0 + 2 * kMin + 90000, 1.0, true, 90000);
    auto p = project_course(course(), log.all);
    CHECK(at(p, "quiz").time_spent_ms == 90000);
    CHECK(p.time_spent_ms == 120000 + 90000);
  }
  SECTION("an unfinished attempt counts its answers") {
    log.attempt("quiz", "a1", kT0 + 2 * kMin);
    log.answer("quiz", "q1", "a1", kT0 + 2 * kMin + 30000, 1.0, 25000);
    log.answer("quiz", "q2", "a1", kT0 + 2 * kMin + 60000, 0.0, 20000);
    auto p = project_course(course(), log.all);
    CHECK(at(p, "quiz").time_spent_ms == 45000);
  }
}

TEST_CASE("voided statements and statements of other courses are ignored", "[projection][voiding]") {
  Log log;
  log.card("intro", kT0);
  log.take("pre", "a0", kT0, 0.5, false);
  log.card("lesson", kT0);
  log.attempt("quiz", "a1", kT0 + kMin);
  const std::string passed = log.finish("quiz", "a1", kT0 + kMin + 1000, 1.0, true, 5000);
  const std::string extra = log.card("deck", kT0 + 2 * kMin, 7000);
  auto before = project_course(course(), log.all);
  CHECK(at(before, "quiz").passed);
  CHECK(before.statements == 8);

  log.void_statement(passed, kT0 + 3 * kMin);
  const json first_void = log.all.back();
  log.void_statement(extra, kT0 + 3 * kMin);
  log.all.back()["object"]["id"] = [&] {  // statement ids compare case-insensitively
    std::string s = extra;
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  }();
  auto p = project_course(course(), log.all);
  CHECK_FALSE(at(p, "quiz").passed);
  CHECK(at(p, "quiz").attempts == 0);
  CHECK(at(p, "quiz").status == "in_progress");
  CHECK(at(p, "deck").status == "not_started");
  CHECK(at(p, "deck").time_spent_ms == 0);
  CHECK(p.statements == 6);  // neither the voided statements nor the voiding ones

  SECTION("a voiding statement cannot itself be voided") {
    log.void_statement(first_void["id"], kT0 + 4 * kMin);
    CHECK_FALSE(at(project_course(course(), log.all), "quiz").passed);
  }
  SECTION("other courses, including ids that only share a prefix, are ignored") {
    Log other;
    other.card("intro", kT0);
    for (json s : other.all) {
      for (const char* course : {"urn:trailpack:course:c10:item:lesson", "urn:trailpack:course:c2:item:quiz"}) {
        s["id"] = "00000000-0000-4000-8000-0000000000" + std::to_string(10 + log.all.size());
        s["object"]["id"] = course;
        log.all.push_back(s);
      }
    }
    auto q = project_course(course(), log.all);
    CHECK(q.statements == 6);
    CHECK(at(q, "lesson").status == "completed");
  }
}

TEST_CASE("duplicates are counted once", "[projection]") {
  Log log;
  log.card("intro", kT0, 60000);
  log.all.push_back(log.all.back());
  json shouted = log.all.back();
  std::string id = shouted["id"];
  for (char& c : id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  shouted["id"] = id;
  log.all.push_back(shouted);
  auto p = project_course(course(), log.all);
  CHECK(p.statements == 1);
  CHECK(at(p, "intro").time_spent_ms == 60000);
}

namespace {

// A realistic learner history: every item type, several attempts, voiding, a course
// completed statement, other courses.
std::vector<json> realistic_history() {
  Log log;
  log.card("intro", kT0, 45000);
  log.card("intro", kT0 + 500, 5000, false);
  log.attempt("pre", "a-pre", kT0 + kMin);
  log.answer("pre", "pq1", "a-pre", kT0 + kMin + 10000, 1.0, 10000);
  log.answer("pre", "pq2", "a-pre", kT0 + kMin + 20000, 0.0, 10000);
  log.finish("pre", "a-pre", kT0 + kMin + 21000, 0.5, false, 21000);
  log.card("deck", kT0 + 2 * kMin, 12000);
  log.card("lesson", kT0 + 3 * kMin, 80000);
  log.attempt("quiz", "a-q1", kT0 + 4 * kMin);
  log.answer("quiz", "q1", "a-q1", kT0 + 4 * kMin + 5000, 0.0, 5000);
  log.answer("quiz", "q2", "a-q1", kT0 + 4 * kMin + 9000, 1.0, 4000);
  log.finish("quiz", "a-q1", kT0 + 4 * kMin + 9000, 0.5, false, 9000);  // same ms as the answer
  log.attempt("quiz", "a-q2", kT0 + 5 * kMin);
  log.answer("quiz", "q1", "a-q2", kT0 + 5 * kMin + 5000, 1.0, 5000);
  log.answer("quiz", "q2", "a-q2", kT0 + 5 * kMin + 9000, 1.0, 4000);
  const std::string wrong = log.finish("quiz", "a-q2", kT0 + 5 * kMin + 9500, 0.9, false, 9500);
  log.void_statement(wrong, kT0 + 5 * kMin + 9600);
  log.finish("quiz", "a-q2", kT0 + 5 * kMin + 9700, 1.0, true, 9700);
  log.scenario(kT0 + 6 * kMin, 0.5);
  log.scenario(kT0 + 6 * kMin, 1.0);  // same timestamp: ordered by id
  log.survey("hot", kT0 + 7 * kMin);
  log.attempt("post", "a-post", kT0 + 8 * kMin);
  log.answer("post", "t1", "a-post", kT0 + 8 * kMin + 3000, 1.0, 3000);
  log.finish("post", "a-post", kT0 + 8 * kMin + 3000, 1.0, true, 3000);
  log.add(verbs::kCompleted, bundle::course_iri("c1"), kT0 + 8 * kMin + 3001, {{"completion", true}});
  log.attempt("post", "a-post-2", kT0 + 9 * kMin);  // unfinished
  log.card("deck", kT0 + 20 * kMin, 2000);
  log.add(verbs::kExperienced, "urn:trailpack:course:c2:item:intro", kT0 + kMin, {{"completion", true}});
  log.add(verbs::kExperienced, "urn:trailpack:course:c10:item:intro", kT0 + kMin, {{"completion", true}});
  return log.all;
}

}  // namespace

TEST_CASE("a realistic history projects as expected", "[projection]") {
  const auto p = project_course(course(), realistic_history());
  CHECK(p.completed);
  CHECK(p.completed_at == kT0 + 8 * kMin + 3000);
  CHECK(p.statements == 25);  // 29 made, minus 2 of other courses, the voided one and the voiding one
  CHECK(p.pretest_score == 0.5);
  CHECK(p.posttest_score == 1.0);
  CHECK(*p.gain == Approx(0.5));
  CHECK(at(p, "quiz").attempts == 2);
  CHECK(at(p, "quiz").best_score == 1.0);
  CHECK(at(p, "quiz").last_score == 1.0);
  CHECK(at(p, "quiz").time_spent_ms == 9000 + 9700);
  CHECK(at(p, "scen").best_score == 1.0);
  CHECK(at(p, "post").attempt_list.size() == 2);
  CHECK(at(p, "post").status == "completed");
  CHECK(at(p, "deck").time_spent_ms == 14000);
  CHECK(at(p, "intro").time_spent_ms == 50000);
  CHECK(p.time_spent_ms == 50000 + 21000 + 14000 + 80000 + 18700 + 3000);
  CHECK(p.resume_item == "cold");  // the latest item is done and nothing required is left
}

TEST_CASE("order independence: permutations and duplicates give byte-identical projections",
          "[projection][property]") {
  const bundle::Course c = course();
  const std::vector<json> history = realistic_history();
  const std::string expected = to_json(project_course(c, history)).dump();
  std::mt19937_64 rng(20261122);
  for (int round = 0; round < 200; ++round) {
    std::vector<json> input = history;
    // Random duplications: some statements arrive two or three times, some with the id
    // upper-cased (statement ids compare case-insensitively).
    for (const auto& s : history) {
      const auto roll = rng() % 10;
      if (roll < 3) input.push_back(s);
      if (roll == 0) input.push_back(s);
      if (roll == 9) {
        json upper = s;
        std::string id = upper["id"];
        for (char& ch : id) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        upper["id"] = id;
        input.push_back(upper);
      }
    }
    std::shuffle(input.begin(), input.end(), rng);
    INFO("round " << round);
    REQUIRE(to_json(project_course(c, input)).dump() == expected);
  }
}

TEST_CASE("to_json has the documented shape", "[projection]") {
  Log log;
  log.card("intro", kT0, 1000);
  const json j = to_json(project_course(course(), log.all));
  CHECK(j["course_id"] == "c1");
  CHECK(j["completed"] == false);
  CHECK(j["completion"] == Approx(1.0 / 7.0));
  CHECK(j["resume_item"] == "pre");
  CHECK(j["pretest_score"].is_null());
  CHECK(j["gain"].is_null());
  CHECK(j["statements"] == 1);
  CHECK(j["modules"][1] == json{{"id", "m2"},
                                {"locked", true},
                                {"lock_reason", "prerequisite:m1"},
                                {"completed", false},
                                {"required_done", 0},
                                {"required_total", 4}});
  CHECK(j["items"][0] == json{{"id", "intro"},
                              {"type", "card"},
                              {"status", "completed"},
                              {"locked", false},
                              {"time_spent_ms", 1000},
                              {"last_activity", kT0}});
  CHECK(j["items"][1] == json{{"id", "pre"},
                              {"type", "quiz"},
                              {"status", "not_started"},
                              {"locked", false},
                              {"time_spent_ms", 0},
                              {"last_activity", 0},
                              {"attempts", 0},
                              {"attempts_exhausted", false},
                              {"best_score", nullptr},
                              {"last_score", nullptr},
                              {"passed", false}});
  CHECK(j["items"][2]["lock_reason"] == "previous_item");
}
