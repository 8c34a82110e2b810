// Engagement KPIs on a roster of four learners, worked out by hand.
//
// Roster: ann (team A, site N, operator), bob (A, S, operator), cid (B, N, lead),
// dan (B, S, operator). eve is assigned but not in the roster (a learner outside the
// scope): she must count nowhere.
// Assignments: everyone to c1; ann and cid to c2; eve to c1.
// Period: days 10 to 20 (from day 10 00:00 to day 20 00:00, exclusive).
// Facts:   ann c1 started day 5, completed day 12, 100 s   | ann c2 started 1, completed 3, 30 s
//          bob c1 started day 15, not completed, 50 s      | cid c2 nothing
//          cid c1 started day 25 (after the period), 70 s  | dan c1 nothing
//          eve c1 started 1, completed 2
// Activity: ann c1 day 12, ann c2 day 11, bob c1 day 9 and 19.5, cid c1 day 25,
//           dan (no course) day 15, eve c1 day 15.
#include <catch2/catch.hpp>

#include "kpi_fixtures.hpp"
#include "trailpack/kpi/engagement.hpp"

using namespace trailpack;
using namespace trailpack::kpi;
using trailpack::test::kpi_fixture::kDay;

namespace {

const std::vector<Learner> kRoster = {
    {"ann", "A", "N", "operator"}, {"bob", "A", "S", "operator"}, {"cid", "B", "N", "lead"}, {"dan", "B", "S", "operator"}};
const std::vector<Assignment> kAssigned = {{"ann", "c1"}, {"bob", "c1"}, {"cid", "c1"}, {"dan", "c1"},
                                           {"ann", "c2"}, {"cid", "c2"}, {"eve", "c1"}};
const Period kPeriod{10 * kDay, 20 * kDay};

LearnerCourseFacts fact(const std::string& user, const std::string& course, TimeMs started, TimeMs completed, TimeMs time) {
  LearnerCourseFacts f;
  f.user_id = user;
  f.course_id = course;
  f.statements = 3;
  f.started_at = started;
  f.completed = completed > 0;
  f.completed_at = completed;
  f.time_spent_ms = time;
  return f;
}

std::vector<LearnerCourseFacts> facts() {
  return {fact("ann", "c1", 5 * kDay, 12 * kDay, 100'000), fact("bob", "c1", 15 * kDay, 0, 50'000),
          fact("cid", "c1", 25 * kDay, 0, 70'000),         fact("ann", "c2", 1 * kDay, 3 * kDay, 30'000),
          fact("eve", "c1", 1 * kDay, 2 * kDay, 1'000)};
}

const std::vector<Activity> kActivity = {{"ann", "c1", 12 * kDay}, {"ann", "c2", 11 * kDay}, {"bob", "c1", 9 * kDay},
                                         {"bob", "c1", 19 * kDay + kDay / 2}, {"cid", "c1", 25 * kDay},
                                         {"dan", "", 15 * kDay}, {"eve", "c1", 15 * kDay}};

bundle::Course two_module_course() {
  using nlohmann::json;
  const json para = json::array({{{"type", "paragraph"}, {"spans", {{{"text", "T"}}}}}});
  auto c = bundle::parse_course(json{
      {"id", "c1"}, {"version", 1}, {"title", "C1"}, {"sequencing", "free"},
      {"modules",
       {{{"id", "m1"}, {"title", "M1"},
         {"items", {{{"id", "q"}, {"type", "quiz"}, {"title", "Q"},
                     {"questions", {{{"id", "x"}, {"type", "true_false"}, {"prompt", "?"}, {"answer", true}}}}},
                    {{"id", "d"}, {"type", "flashcards"}, {"title", "D"}, {"cards", {{{"id", "f"}, {"front", "a"}, {"back", "b"}}}}}}}},
        {{"id", "m2"}, {"title", "M2"}, {"items", {{{"id", "k"}, {"type", "card"}, {"title", "K"}, {"blocks", para}}}}}}}});
  REQUIRE(c);
  return *c;
}

ModuleFacts module(const std::string& id, TimeMs started, TimeMs completed) {
  ModuleFacts m;
  m.module_id = id;
  m.started = started > 0;
  m.started_at = started;
  m.completed = completed > 0;
  m.completed_at = completed;
  return m;
}

ItemFacts item(const std::string& id, const std::string& type, TimeMs started, TimeMs completed) {
  ItemFacts i;
  i.item_id = id;
  i.type = type;
  i.started = true;
  i.started_at = started;
  i.completed = completed > 0;
  i.completed_at = completed;
  return i;
}

}  // namespace

TEST_CASE("kpi engagement: rates, the basic helpers", "[kpi][engagement]") {
  CHECK_FALSE(rate(0, 0));
  CHECK(*rate(1, 4) == 0.25);
  CHECK(*rate(0, 3) == 0.0);
  CHECK_FALSE(mean(5.0, 0));
  CHECK(*mean(5.0, 2) == 2.5);
  CHECK(day_of(0) == 0);
  CHECK(day_of(kDay - 1) == 0);
  CHECK(day_of(kDay) == 1);
  CHECK(day_of(-1) == -1);  // floor, not truncation
  CHECK(day_of(-kDay) == -1);
  CHECK(Period{10, 20}.contains(10));
  CHECK_FALSE(Period{10, 20}.contains(20));
  CHECK(*dimension_from("job_role") == Dimension::job_role);
  CHECK_FALSE(dimension_from("colour"));
}

TEST_CASE("kpi engagement: participation, completion, time and active learners per course", "[kpi][engagement]") {
  const auto f = facts();
  const auto rows = engagement(kRoster, kAssigned, f, kActivity, kPeriod, Dimension::course);
  REQUIRE(rows.size() == 2);
  // c1: 4 assigned (eve is out of the roster). Started before day 20: ann (5), bob (15);
  // cid started on day 25. Completed before day 20: ann (12), within the period too.
  // Active in the period on c1: ann (12), bob (19.5; day 9 is before). Time: 100 + 50 s.
  const auto& c1 = rows[0];
  CHECK(c1.key == "c1");
  CHECK(c1.assigned == 4);
  CHECK(c1.started == 2);
  CHECK(c1.completed == 1);
  CHECK(c1.completed_in_period == 1);
  CHECK(c1.active_learners == 2);
  CHECK(c1.time_spent_ms == 150'000);
  CHECK(*c1.participation_rate == 0.5);
  CHECK(*c1.completion_rate == 0.25);
  CHECK(*c1.avg_time_spent_ms == 75'000);
  // c2: ann and cid assigned; ann started (1) and completed (3) before the period; active on day 11.
  const auto& c2 = rows[1];
  CHECK(c2.key == "c2");
  CHECK(c2.assigned == 2);
  CHECK(c2.started == 1);
  CHECK(c2.completed == 1);
  CHECK(c2.completed_in_period == 0);
  CHECK(c2.active_learners == 1);
  CHECK(c2.time_spent_ms == 30'000);
  CHECK(*c2.participation_rate == 0.5);
  CHECK(*c2.completion_rate == 0.5);
  CHECK(*c2.avg_time_spent_ms == 30'000);
}

TEST_CASE("kpi engagement: the same per team", "[kpi][engagement]") {
  const auto f = facts();
  const auto rows = engagement(kRoster, kAssigned, f, kActivity, kPeriod, Dimension::team);
  REQUIRE(rows.size() == 2);
  // Team A: pairs ann-c1, bob-c1, ann-c2: all started; ann-c1 and ann-c2 completed;
  // active learners ann and bob (ann counted once); time 100 + 50 + 30 s.
  CHECK(rows[0].key == "A");
  CHECK(rows[0].assigned == 3);
  CHECK(rows[0].started == 3);
  CHECK(rows[0].completed == 2);
  CHECK(rows[0].completed_in_period == 1);
  CHECK(rows[0].active_learners == 2);
  CHECK(rows[0].time_spent_ms == 180'000);
  CHECK(*rows[0].participation_rate == 1.0);
  CHECK(*rows[0].completion_rate == Approx(2.0 / 3.0));
  CHECK(*rows[0].avg_time_spent_ms == 60'000);
  // Team B: cid-c1 (started after the period), dan-c1, cid-c2: nothing yet.
  CHECK(rows[1].key == "B");
  CHECK(rows[1].assigned == 3);
  CHECK(rows[1].started == 0);
  CHECK(rows[1].active_learners == 0);
  CHECK(*rows[1].participation_rate == 0.0);
  CHECK_FALSE(rows[1].avg_time_spent_ms);  // no one started: undefined, not 0
}

TEST_CASE("kpi engagement: active-learner rate over the period", "[kpi][engagement]") {
  // Any activity: ann (11, 12), bob (19.5), dan (15, outside any course) of 4 learners.
  const auto all = active_learners(kRoster, kAssigned, kActivity, kPeriod);
  CHECK(all.learners == 4);
  CHECK(all.active == 3);
  CHECK(*all.rate == 0.75);
  // On c1 only: ann and bob of the 4 assigned to c1.
  const auto c1 = active_learners(kRoster, kAssigned, kActivity, kPeriod, "c1");
  CHECK(c1.learners == 4);
  CHECK(c1.active == 2);
  CHECK(*c1.rate == 0.5);
  // c2: ann of ann and cid.
  CHECK(*active_learners(kRoster, kAssigned, kActivity, kPeriod, "c2").rate == 0.5);
  // Nobody assigned: undefined.
  CHECK_FALSE(active_learners(kRoster, {}, kActivity, kPeriod).rate);
}

TEST_CASE("kpi engagement: activity per day", "[kpi][engagement]") {
  const auto days = activity_by_day(kRoster, kAssigned, kActivity, Period{10 * kDay, 13 * kDay});
  REQUIRE(days.size() == 3);
  CHECK(days[0].day == 10);
  CHECK(days[0].active_learners == 0);
  CHECK(days[0].statements == 0);
  CHECK(days[1].day == 11);  // ann on c2
  CHECK(days[1].active_learners == 1);
  CHECK(days[1].statements == 1);
  CHECK(days[2].day == 12);  // ann on c1
  CHECK(days[2].statements == 1);
  CHECK(activity_by_day(kRoster, kAssigned, kActivity, Period{5, 5}).empty());
}

TEST_CASE("kpi engagement: completion per module", "[kpi][engagement]") {
  auto f = facts();
  // ann: m1 started 5, done 6; m2 started 7, done 12. bob: m1 started 15, done 16.
  // cid: m1 started 25, done 26 (after the period).
  f[0].modules = {module("m1", 5 * kDay, 6 * kDay), module("m2", 7 * kDay, 12 * kDay)};
  f[1].modules = {module("m1", 15 * kDay, 16 * kDay), module("m2", 0, 0)};
  f[2].modules = {module("m1", 25 * kDay, 26 * kDay), module("m2", 0, 0)};
  const auto rows = module_completion(two_module_course(), kRoster, kAssigned, f, kPeriod);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].module_id == "m1");
  CHECK(rows[0].position == 0);
  CHECK(rows[0].assigned == 4);
  CHECK(rows[0].started == 2);    // ann, bob
  CHECK(rows[0].completed == 2);  // ann, bob
  CHECK(*rows[0].completion_rate == 0.5);
  CHECK(rows[1].module_id == "m2");
  CHECK(rows[1].started == 1);
  CHECK(rows[1].completed == 1);
  CHECK(*rows[1].completion_rate == 0.25);
}

TEST_CASE("kpi engagement: participation in interactive activities", "[kpi][engagement]") {
  auto f = facts();
  // ann: quiz q started 5 done 6, deck d started 7. bob: q started 15. cid: q 25/26, d 25.
  f[0].items = {item("q", "quiz", 5 * kDay, 6 * kDay), item("d", "flashcards", 7 * kDay, 0)};
  f[1].items = {item("q", "quiz", 15 * kDay, 0)};
  f[2].items = {item("q", "quiz", 25 * kDay, 26 * kDay), item("d", "flashcards", 25 * kDay, 0)};
  const auto rows = interactions({two_module_course()}, kRoster, kAssigned, f, kPeriod);
  // c1 has a quiz and a deck; no scenario, no survey: two rows.
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].type == "quiz");
  CHECK(rows[0].items == 1);
  CHECK(rows[0].assigned == 4);
  CHECK(rows[0].engaged == 2);           // ann, bob (cid after the period)
  CHECK(rows[0].item_completions == 1);  // ann
  CHECK(*rows[0].participation_rate == 0.5);
  CHECK(rows[1].type == "flashcards");
  CHECK(rows[1].engaged == 1);
  CHECK(rows[1].item_completions == 0);
  CHECK(*rows[1].participation_rate == 0.25);
}

TEST_CASE("kpi engagement: completion of a learning path", "[kpi][engagement]") {
  const auto f = facts();
  // c1 mandatory, c2 optional; ann, bob and cid assigned. ann completed c1 (12) ->
  // done; bob started c1, not done; cid started c1 after the period.
  bundle::LearningPath path{"p", "Path", {{"c1", true}, {"c2", false}}};
  const auto r = path_completion(path, {"ann", "bob", "cid"}, f, kPeriod);
  CHECK(r.path_id == "p");
  CHECK(r.assigned == 3);
  CHECK(r.started == 2);
  CHECK(r.completed == 1);
  CHECK(*r.completion_rate == Approx(1.0 / 3.0));
  // No mandatory course: every course counts. ann completed both.
  bundle::LearningPath optional{"o", "Optional", {{"c1", false}, {"c2", false}}};
  CHECK(path_completion(optional, {"ann", "bob"}, f, kPeriod).completed == 1);
  // Before ann completed c1 (period ending on day 12): nobody.
  CHECK(path_completion(path, {"ann"}, f, Period{0, 12 * kDay}).completed == 0);
}
