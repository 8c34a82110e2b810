// Impact (hot and cold evaluations) and data-health KPIs, worked out by hand.
#include <catch2/catch.hpp>

#include "kpi_fixtures.hpp"
#include "trailpack/kpi/health.hpp"
#include "trailpack/kpi/impact.hpp"

using namespace trailpack;
using namespace trailpack::kpi;
using trailpack::test::kpi_fixture::kDay;

namespace {

const std::vector<Learner> kRoster = {{"ann", "A", "N", ""}, {"bob", "A", "S", ""}, {"cid", "B", "N", ""}, {"dan", "B", "S", ""}};
const std::vector<Assignment> kAssigned = {{"ann", "k1"}, {"bob", "k1"}, {"cid", "k1"}, {"dan", "k1"}, {"eve", "k1"}};
const Period kPeriod{10 * kDay, 20 * kDay};

SurveyAnswerFacts rating(const std::string& item, const std::string& q, int r, TimeMs at) {
  SurveyAnswerFacts a;
  a.item_id = item;
  a.role = item == "cold" ? "cold" : "hot";
  a.question_id = q;
  a.kind = "rating";
  a.rating = r;
  a.answered_at = at;
  return a;
}

SurveyAnswerFacts choice(const std::string& c, TimeMs at) {
  SurveyAnswerFacts a;
  a.item_id = "hot";
  a.role = "hot";
  a.question_id = "len";
  a.kind = "choice";
  a.choice = c;
  a.answered_at = at;
  return a;
}

SurveyAnswerFacts text(const std::string& t, TimeMs at) {
  SurveyAnswerFacts a;
  a.item_id = "hot";
  a.role = "hot";
  a.question_id = "txt";
  a.kind = "text";
  a.text = t;
  a.answered_at = at;
  return a;
}

// ann: hot r 4, len right, txt (day 12); cold applied 3 (day 15).
// bob: hot r 2, len right (day 15). cid: hot r 5 on day 25 (after the period).
// eve (out of the roster): hot r 1 on day 12.
std::vector<LearnerCourseFacts> facts() {
  std::vector<LearnerCourseFacts> f(4);
  const char* users[] = {"ann", "bob", "cid", "eve"};
  for (int i = 0; i < 4; ++i) {
    f[i].user_id = users[i];
    f[i].course_id = "k1";
    f[i].statements = 1;
  }
  f[0].survey_answers = {rating("hot", "r", 4, 12 * kDay), choice("right", 12 * kDay), text("More", 12 * kDay),
                         rating("cold", "applied", 3, 15 * kDay)};
  f[1].survey_answers = {rating("hot", "r", 2, 15 * kDay), choice("right", 15 * kDay)};
  f[2].survey_answers = {rating("hot", "r", 5, 25 * kDay)};
  f[3].survey_answers = {rating("hot", "r", 1, 12 * kDay)};
  return f;
}

}  // namespace

TEST_CASE("kpi impact: hot and cold evaluations per question", "[kpi][impact]") {
  const auto rows = surveys({test::kpi_fixture::k1()}, kRoster, kAssigned, facts(), kPeriod, Dimension::course);
  REQUIRE(rows.size() == 4);  // hot: r, len, txt; cold: applied
  // r: ann 4, bob 2 (cid after the period, eve out): mean 3.
  CHECK(rows[0].item_id == "hot");
  CHECK(rows[0].role == "hot");
  CHECK(rows[0].question_id == "r");
  CHECK(rows[0].kind == "rating");
  CHECK(rows[0].responses == 2);
  CHECK(*rows[0].mean_rating == 3.0);
  CHECK(rows[0].counts == std::map<std::string, std::int64_t>{{"1", 0}, {"2", 1}, {"3", 0}, {"4", 1}, {"5", 0}});
  CHECK(rows[1].question_id == "len");
  CHECK(rows[1].responses == 2);
  CHECK_FALSE(rows[1].mean_rating);
  CHECK(rows[1].counts == std::map<std::string, std::int64_t>{{"long", 0}, {"right", 2}, {"short", 0}});
  CHECK(rows[2].question_id == "txt");
  CHECK(rows[2].responses == 1);
  CHECK(rows[2].counts.empty());
  CHECK(rows[3].role == "cold");
  CHECK(rows[3].question_id == "applied");
  CHECK(rows[3].responses == 1);
  CHECK(*rows[3].mean_rating == 3.0);

  // Cold only.
  const auto cold = surveys({test::kpi_fixture::k1()}, kRoster, kAssigned, facts(), kPeriod, Dimension::course, "cold");
  REQUIRE(cold.size() == 1);
  CHECK(cold[0].question_id == "applied");
  // A question nobody answered still has its row.
  const auto empty = surveys({test::kpi_fixture::k1()}, kRoster, kAssigned, facts(), Period{0, kDay}, Dimension::course, "cold");
  REQUIRE(empty.size() == 1);
  CHECK(empty[0].responses == 0);
  CHECK_FALSE(empty[0].mean_rating);
}

TEST_CASE("kpi impact: by site", "[kpi][impact]") {
  const auto rows = surveys({test::kpi_fixture::k1()}, kRoster, kAssigned, facts(), kPeriod, Dimension::site, "hot");
  // r: ann (N) 4, bob (S) 2; len: N right, S right; txt: N. Groups without answers have no row.
  REQUIRE(rows.size() == 5);
  CHECK(rows[0].question_id == "r");
  CHECK(rows[0].group == "N");
  CHECK(*rows[0].mean_rating == 4.0);
  CHECK(rows[1].group == "S");
  CHECK(*rows[1].mean_rating == 2.0);
  CHECK(rows[2].question_id == "len");
  CHECK(rows[4].question_id == "txt");
  CHECK(rows[4].group == "N");
}

TEST_CASE("kpi health: sync-lag buckets", "[kpi][health]") {
  CHECK(lag_bucket(-5) == 0);
  CHECK(lag_bucket(3'599'999) == 0);
  CHECK(lag_bucket(3'600'000) == 1);
  CHECK(lag_bucket(kDay - 1) == 1);
  CHECK(lag_bucket(kDay) == 2);
  CHECK(lag_bucket(7 * kDay - 1) == 2);
  CHECK(lag_bucket(7 * kDay) == 3);
  CHECK(std::string(lag_bucket_names()[3]) == "over_7d");
}

TEST_CASE("kpi health: sync lag of the statements stored in the period", "[kpi][health]") {
  // Stored in [0, 10 days): lags 1 s, 2 days, and -1 day (a device clock ahead: 0).
  // The fourth was stored on day 11.
  const std::vector<Arrival> arrivals = {{0, 1000}, {0, 2 * kDay}, {10 * kDay, 9 * kDay}, {0, 11 * kDay}};
  const auto s = sync_lag(arrivals, Period{0, 10 * kDay});
  CHECK(s.statements == 3);
  CHECK(s.lag_sum_ms == 1000 + 2 * kDay);
  CHECK(s.lag_max_ms == 2 * kDay);
  CHECK(s.buckets == std::array<std::int64_t, kLagBuckets>{2, 0, 1, 0});
  CHECK(*s.mean_lag_ms == Approx((1000.0 + 2 * kDay) / 3));
  CHECK_FALSE(sync_lag({}, Period{0, 1}).mean_lag_ms);
}

TEST_CASE("kpi health: how late statements arrive", "[kpi][health]") {
  // 50 under 1 h, 30 under 1 day, 20 under 7 days: half arrive at once, 80 % within a
  // day, all within 7 days.
  const auto cdf = lag_cdf({50, 30, 20, 0});
  CHECK(cdf.known);
  CHECK(cdf.at_0 == 0.5);
  CHECK(cdf.at_1d == 0.8);
  CHECK(cdf.at_7d == 1.0);
  CHECK(arrived_share(cdf, 0) == 0.5);
  CHECK(arrived_share(cdf, kDay / 2) == Approx(0.65));     // half way from .5 to .8
  CHECK(arrived_share(cdf, 4 * kDay) == Approx(0.9));      // half way from .8 to 1
  CHECK(arrived_share(cdf, -kDay) == 0.5);                 // a clock ahead: as if now
  // 7 to 28 days: linear up to 1.
  const auto late = lag_cdf({0, 0, 7, 3});
  CHECK(arrived_share(late, 7 * kDay) == 0.7);
  CHECK(arrived_share(late, 14 * kDay) == Approx(0.8));
  CHECK(arrived_share(late, 28 * kDay) == 1.0);
  CHECK_FALSE(lag_cdf({0, 0, 0, 0}).known);
}

TEST_CASE("kpi health: estimate of activity not synced yet", "[kpi][health]") {
  // Now: noon on day 100. With the distribution above (F: .5 at once, .8 after a day, 1
  // after 7 days), what arrived for each day is a share F of what was done:
  //   day 100 (age 0):  10 seen, F .5 -> 10 more expected
  //   day  99 (age 1d):  8 seen, F .8 -> 2
  //   day  96 (age 4d):  9 seen, F .9 -> 1
  //   day  90 (age 10d): 5 seen, F 1  -> 0
  //   day  72 is outside the 28 days (73..100); day 101 is in the future.
  const auto cdf = lag_cdf({50, 30, 20, 0});
  const TimeMs now = 100 * kDay + kDay / 2;
  const std::map<std::int64_t, std::int64_t> seen = {{100, 10}, {99, 8}, {96, 9}, {90, 5}, {72, 40}, {101, 3}};
  CHECK(*unsynced_estimate(cdf, seen, now) == Approx(13.0));
  CHECK(*unsynced_estimate(cdf, {}, now) == 0.0);
  // Nothing arrived yet from which to learn the delays: unknown, not 0.
  CHECK_FALSE(unsynced_estimate(lag_cdf({0, 0, 0, 0}), seen, now));
  // A share below 5 % counts as 5 %: at most 19 more per statement seen.
  CHECK(*unsynced_estimate(lag_cdf({0, 0, 0, 10}), {{100, 1}}, now) == Approx(19.0));
}
