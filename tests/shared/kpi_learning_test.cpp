// Learning KPIs worked out by hand: score distribution and pass rate, pre/post gain per
// course and per objective, item difficulty and point-biserial discrimination.
#include <catch2/catch.hpp>

#include <cmath>

#include "kpi_fixtures.hpp"
#include "trailpack/kpi/learning.hpp"

using namespace trailpack;
using namespace trailpack::kpi;

namespace {

const std::vector<Learner> kRoster = {{"ann", "A", "", ""}, {"bob", "A", "", ""}, {"cid", "B", "", ""}, {"dan", "B", "", ""}};
const std::vector<Assignment> kAssigned = {{"ann", "k1"}, {"bob", "k1"}, {"cid", "k1"}, {"dan", "k1"}, {"eve", "k1"}};

LearnerCourseFacts base(const std::string& user) {
  LearnerCourseFacts f;
  f.user_id = user;
  f.course_id = "k1";
  f.statements = 1;
  return f;
}

ItemFacts quiz(const std::string& id, int attempts, std::optional<double> best, bool passed) {
  ItemFacts i;
  i.item_id = id;
  i.type = "quiz";
  i.started = true;
  i.attempts = attempts;
  i.best_score = best;
  i.passed = passed;
  return i;
}

}  // namespace

TEST_CASE("kpi learning: the bin of a score", "[kpi][learning]") {
  CHECK(score_bin(0.0) == 0);
  CHECK(score_bin(0.0999) == 0);
  CHECK(score_bin(0.1) == 1);
  CHECK(score_bin(0.7) == 7);
  CHECK(score_bin(0.1 * 3) == 3);     // 0.30000000000000004
  CHECK(score_bin(0.69999999) == 6);
  CHECK(score_bin(0.95) == 9);
  CHECK(score_bin(1.0) == 9);         // the last bin holds 100 %
  CHECK(score_bin(-0.2) == 0);
  CHECK(score_bin(1.5) == 9);
}

TEST_CASE("kpi learning: score distribution and pass rate per quiz", "[kpi][learning]") {
  // pre (k1's pre-test): ann 2 attempts best .95 passed; bob 1 attempt .7; cid 1 attempt 0;
  // dan started without finishing (no attempt): not counted; eve is out of the roster.
  std::vector<LearnerCourseFacts> f = {base("ann"), base("bob"), base("cid"), base("dan"), base("eve")};
  f[0].items = {quiz("pre", 2, 0.95, true)};
  f[1].items = {quiz("pre", 1, 0.7, false)};
  f[2].items = {quiz("pre", 1, 0.0, false)};
  f[3].items = {quiz("pre", 0, std::nullopt, false)};
  f[4].items = {quiz("pre", 1, 1.0, true)};
  const auto rows = scores({test::kpi_fixture::k1()}, kRoster, kAssigned, f);
  REQUIRE(rows.size() == 2);  // k1's quizzes: pre and post
  const auto& pre = rows[0];
  CHECK(pre.item_id == "pre");
  CHECK(pre.role == "pretest");
  CHECK(pre.learners == 3);
  CHECK(pre.attempts == 4);
  CHECK(pre.passed == 1);
  CHECK(pre.best_score_sum == Approx(1.65));
  CHECK(*pre.mean_best_score == Approx(0.55));
  CHECK(*pre.pass_rate == Approx(1.0 / 3.0));
  CHECK(pre.distribution == std::array<std::int64_t, kScoreBins>{1, 0, 0, 0, 0, 0, 0, 1, 0, 1});
  // post: nobody finished it.
  CHECK(rows[1].item_id == "post");
  CHECK(rows[1].learners == 0);
  CHECK_FALSE(rows[1].mean_best_score);
  CHECK_FALSE(rows[1].pass_rate);
}

TEST_CASE("kpi learning: pre-test to post-test gain per course", "[kpi][learning]") {
  // ann .4 -> .9; bob .6 -> (none); cid (none) -> .5; dan .2 -> .6; eve (out) .0 -> 1.
  std::vector<LearnerCourseFacts> f = {base("ann"), base("bob"), base("cid"), base("dan"), base("eve")};
  f[0].pretest_score = 0.4, f[0].posttest_score = 0.9;
  f[1].pretest_score = 0.6;
  f[2].posttest_score = 0.5;
  f[3].pretest_score = 0.2, f[3].posttest_score = 0.6;
  f[4].pretest_score = 0.0, f[4].posttest_score = 1.0;
  const auto rows = course_gain(kRoster, kAssigned, f);
  REQUIRE(rows.size() == 1);
  const auto& r = rows[0];
  CHECK(r.key == "k1");
  CHECK(r.pre_n == 3);               // ann, bob, dan: (.4 + .6 + .2) / 3 = .4
  CHECK(*r.mean_pre == Approx(0.4));
  CHECK(r.post_n == 3);              // ann, cid, dan: (.9 + .5 + .6) / 3
  CHECK(*r.mean_post == Approx(2.0 / 3.0));
  CHECK(r.paired_n == 2);            // ann, dan: ((.9 + .6) - (.4 + .2)) / 2 = .45
  CHECK(*r.mean_gain == Approx(0.45));
}

TEST_CASE("kpi learning: overall gain over several courses", "[kpi][learning]") {
  // k1: pre .4, .6, .2 (n 3); post .9, .5, .6 (n 3); paired ann .4 -> .9, dan .2 -> .6.
  // k2: pre .5 (n 1); post .8, .7 (n 2); paired fay .5 -> .8.
  GainRow k1{"k1", 3, 1.2, 3, 2.0, 2, 0.6, 1.5};
  GainRow k2{"k2", 1, 0.5, 2, 1.5, 1, 0.5, 0.8};
  const GainRow all = gain_total({k1, k2});
  CHECK(all.key == "all");
  CHECK(all.pre_n == 4);  // (1.2 + .5) / 4 = .425
  CHECK(*all.mean_pre == Approx(0.425));
  CHECK(all.post_n == 5);  // (2.0 + 1.5) / 5 = .7
  CHECK(*all.mean_post == Approx(0.7));
  CHECK(all.paired_n == 3);  // ((.9 + .6 + .8) - (.4 + .2 + .5)) / 3 = 1.2 / 3 = .4
  CHECK(*all.mean_gain == Approx(0.4));
  // No rows: nothing to measure, not 0.
  const GainRow none = gain_total({});
  CHECK(none.paired_n == 0);
  CHECK_FALSE(none.mean_gain);
  CHECK_FALSE(none.mean_pre);
}

TEST_CASE("kpi learning: gain per learning objective", "[kpi][learning]") {
  // ann: A .5 -> 1, B 0 -> .5; dan: A 1 -> 1, B (none) -> 0.
  std::vector<LearnerCourseFacts> f = {base("ann"), base("dan")};
  f[0].objectives = {{"A", 0.5, 1.0}, {"B", 0.0, 0.5}};
  f[1].objectives = {{"A", 1.0, 1.0}, {"B", std::nullopt, 0.0}};
  const auto rows = objective_gain("k1", kRoster, kAssigned, f);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].key == "A");
  CHECK(*rows[0].mean_pre == 0.75);
  CHECK(*rows[0].mean_post == 1.0);
  CHECK(rows[0].paired_n == 2);
  CHECK(*rows[0].mean_gain == 0.25);  // (2 - 1.5) / 2
  CHECK(rows[1].key == "B");
  CHECK(rows[1].pre_n == 1);
  CHECK(*rows[1].mean_pre == 0.0);
  CHECK(rows[1].post_n == 2);
  CHECK(*rows[1].mean_post == 0.25);
  CHECK(rows[1].paired_n == 1);
  CHECK(*rows[1].mean_gain == 0.5);
  CHECK(objective_gain("other", kRoster, kAssigned, f).empty());
}

TEST_CASE("kpi learning: difficulty and point-biserial discrimination from sums", "[kpi][learning]") {
  // Totals X = 1, .5 (correct) and .5, 0 (incorrect): p = .5, M1 = .75, M0 = .25,
  // mean .5, variance (1 + .25 + .25 + 0) / 4 - .25 = .125, so
  // r = (.75 - .25) / sqrt(.125) * sqrt(.5 * .5) = 1 / sqrt(2).
  ItemSums s{4, 2, 2.0, 1.5, 1.5};
  auto st = item_stats(s);
  CHECK(*st.difficulty == 0.5);
  CHECK(*st.discrimination == Approx(1 / std::sqrt(2.0)));
  // Everyone correct: no discrimination.
  st = item_stats(ItemSums{3, 3, 1.5, 1.0, 1.5});
  CHECK(*st.difficulty == 1.0);
  CHECK_FALSE(st.discrimination);
  // Every total equal: no spread.
  st = item_stats(ItemSums{2, 1, 1.0, 0.5, 0.5});
  CHECK(*st.difficulty == 0.5);
  CHECK_FALSE(st.discrimination);
  // No answer at all.
  st = item_stats(ItemSums{});
  CHECK_FALSE(st.difficulty);
  CHECK_FALSE(st.discrimination);
}

TEST_CASE("kpi learning: item analysis, hardest question first", "[kpi][learning]") {
  // First attempts at quiz q: ann total .5 (x1 right, x2 wrong), bob 1.0 (both right),
  // cid 0 (both wrong); eve is out of the roster.
  // x1: X = .5, 1, 0; correct ann, bob: p = 2/3, M1 = .75, M0 = 0, variance 1.25/3 - .25 = 1/6:
  //     r = .75 / sqrt(1/6) * sqrt(2/9) = sqrt(3)/2.
  // x2: correct bob only: p = 1/3, M1 = 1, M0 = .25: r = .75 / sqrt(1/6) * sqrt(2/9) = sqrt(3)/2.
  std::vector<LearnerCourseFacts> f = {base("ann"), base("bob"), base("cid"), base("eve")};
  f[0].answers = {{"q", "x1", true, 1, 0.5}, {"q", "x2", false, 0, 0.5}};
  f[1].answers = {{"q", "x1", true, 1, 1.0}, {"q", "x2", true, 1, 1.0}};
  f[2].answers = {{"q", "x1", false, 0, 0.0}, {"q", "x2", false, 0, 0.0}};
  f[3].answers = {{"q", "x1", false, 0, 0.0}, {"q", "x3", true, 1, 1.0}};
  const auto rows = item_analysis(kRoster, kAssigned, f);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].question_id == "x2");
  CHECK(rows[0].sums.n == 3);
  CHECK(rows[0].sums.correct == 1);
  CHECK(*rows[0].stats.difficulty == Approx(1.0 / 3.0));
  CHECK(*rows[0].stats.discrimination == Approx(std::sqrt(3.0) / 2));
  CHECK(rows[1].question_id == "x1");
  CHECK(*rows[1].stats.difficulty == Approx(2.0 / 3.0));
  CHECK(*rows[1].stats.discrimination == Approx(std::sqrt(3.0) / 2));
}
