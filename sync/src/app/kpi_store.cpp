// Upkeep of the KPI summary tables (see kpi_store.hpp and docs/kpis.md#storage).
#include "app/kpi_store.hpp"

#include <chrono>
#include <set>
#include <tuple>

#include "app/app.hpp"
#include "log.hpp"
#include "trailpack/kpi/facts.hpp"
#include "trailpack/kpi/health.hpp"
#include "trailpack/xapi/statement.hpp"

namespace trailpack::server {

using nlohmann::json;

std::shared_ptr<const bundle::Course> KpiCourseCache::get(const std::string& id, std::int64_t version) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = courses_.find({id, version});
  return it == courses_.end() ? nullptr : it->second;
}

void KpiCourseCache::put(const std::string& id, std::int64_t version, std::shared_ptr<const bundle::Course> course) {
  std::lock_guard<std::mutex> lock(mutex_);
  // Only current versions are asked for: older ones of the same course can go.
  for (auto it = courses_.begin(); it != courses_.end();)
    it = it->first.first == id && it->first.second != version ? courses_.erase(it) : std::next(it);
  courses_[{id, version}] = std::move(course);
}

std::shared_ptr<const bundle::Course> App::published_course(db::Connection& c, const std::string& id) {
  auto v = c.query("SELECT current_version FROM courses WHERE id = $1", {id});
  if (v.empty()) return nullptr;
  const std::int64_t version = v[0].i64(0);
  if (auto hit = kpi_courses_->get(id, version)) return hit;
  auto rows = c.query("SELECT course_json FROM bundles WHERE course_id = $1 AND version = $2", {id, version});
  if (rows.empty()) return nullptr;
  auto parsed = bundle::parse_course(json::parse(rows[0].str(0)));
  if (!parsed) return nullptr;
  auto course = std::make_shared<const bundle::Course>(std::move(parsed).value());
  kpi_courses_->put(id, version, course);
  return course;
}

namespace kpi_store {

namespace {

db::Value opt(const std::optional<double>& v) { return v ? db::Value(*v) : db::Value(nullptr); }
db::Value flag(bool b) { return std::int64_t{b ? 1 : 0}; }

// The tables keyed by (user_id, course_id) that refresh_pair rewrites.
constexpr const char* kPairTables[] = {"kpi_learner_module", "kpi_learner_item", "kpi_learner_objective", "kpi_answers",
                                       "kpi_survey_answers", "kpi_learner_course"};

}  // namespace

std::string day_sql(const std::string& col) {
  // (t - ((t % D) + D) % D) / D: floor division for negative times too; % and / on
  // BIGINT truncate toward zero on SQLite and PostgreSQL alike.
  return "((" + col + " - ((" + col + " % 86400000) + 86400000) % 86400000) / 86400000)";
}

void refresh_pair(App& app, db::Connection& c, const std::string& user, const std::string& course_id) {
  for (const char* t : kPairTables) c.exec(std::string("DELETE FROM ") + t + " WHERE user_id = $1 AND course_id = $2", {user, course_id});
  auto course = app.published_course(c, course_id);
  if (!course) return;  // facts exist for published courses only; publishing refreshes them
  std::vector<xapi::StatementView> views;
  for (const auto& r : c.query("SELECT body, timestamp_ms FROM statements WHERE user_id = $1 AND course_id = $2 AND voided = 0",
                               {user, course_id})) {
    auto v = xapi::view_of(json::parse(r.str(0)));
    v.timestamp = r.i64(1);  // the stored time of the action (the LRS's when the statement has none)
    views.push_back(std::move(v));
  }
  const kpi::LearnerCourseFacts f = kpi::facts_of(*course, std::move(views));
  if (!f.started()) return;
  c.exec("INSERT INTO kpi_learner_course(user_id, course_id, course_version, statements, started_ms, last_activity_ms, "
         "completed, completed_ms, completion, time_spent_ms, best_score, pretest_score, posttest_score) "
         "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
         {user, course_id, f.course_version, std::int64_t{f.statements}, f.started_at, f.last_activity, flag(f.completed),
          f.completed_at, f.completion, f.time_spent_ms, opt(f.best_score), opt(f.pretest_score), opt(f.posttest_score)});
  for (const auto& m : f.modules)
    c.exec("INSERT INTO kpi_learner_module(user_id, course_id, module_id, started, started_ms, completed, completed_ms) "
           "VALUES ($1,$2,$3,$4,$5,$6,$7)",
           {user, course_id, m.module_id, flag(m.started), m.started_at, flag(m.completed), m.completed_at});
  for (const auto& i : f.items)
    c.exec("INSERT INTO kpi_learner_item(user_id, course_id, item_id, item_type, started_ms, completed, completed_ms, "
           "attempts, best_score, passed, time_spent_ms) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
           {user, course_id, i.item_id, i.type, i.started_at, flag(i.completed), i.completed_at, std::int64_t{i.attempts},
            opt(i.best_score), flag(i.passed), i.time_spent_ms});
  for (const auto& o : f.objectives)
    c.exec("INSERT INTO kpi_learner_objective(user_id, course_id, objective, pre_score, post_score) VALUES ($1,$2,$3,$4,$5)",
           {user, course_id, o.objective, opt(o.pre), opt(o.post)});
  for (const auto& a : f.answers)
    c.exec("INSERT INTO kpi_answers(user_id, course_id, item_id, question_id, correct, score, attempt_score) "
           "VALUES ($1,$2,$3,$4,$5,$6,$7)",
           {user, course_id, a.item_id, a.question_id, flag(a.correct), a.score, a.attempt_score});
  for (const auto& a : f.survey_answers)
    c.exec("INSERT INTO kpi_survey_answers(user_id, course_id, item_id, question_id, role, kind, rating, choice, answer_text, "
           "answered_ms) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
           {user, course_id, a.item_id, a.question_id, a.role, a.kind,
            a.rating ? db::Value(std::int64_t{*a.rating}) : db::Value(nullptr),
            a.choice.empty() ? db::Value(nullptr) : db::Value(a.choice),
            a.text.empty() ? db::Value(nullptr) : db::Value(a.text), a.answered_at});
}

void apply(App& app, db::Connection& c, const Change& change) {
  // Activity per (learner, UTC day of the action, course): +1 per stored learning
  // statement, -1 when one is voided. Voiding statements are no learning activity.
  std::map<std::tuple<std::string, std::int64_t, std::string>, std::int64_t> days;
  std::set<std::pair<std::string, std::string>> pairs;
  for (const auto& s : change.inserted) {
    if (s.user_id.empty()) continue;
    if (!s.voided && s.verb != xapi::verbs::kVoided) days[{s.user_id, kpi::day_of(s.timestamp), s.course_id}]++;
    if (!s.course_id.empty()) pairs.insert({s.user_id, s.course_id});
  }
  // The caller locked the learners it stored statements for; a voided statement may be
  // another learner's (an xAPI client voiding it): lock them too before rewriting facts.
  std::set<std::string> locked;
  for (const auto& s : change.inserted) locked.insert(s.user_id);
  for (const auto& s : change.voided)
    if (!s.user_id.empty() && locked.insert(s.user_id).second) app.serialize_writers(c, s.user_id);
  for (const auto& s : change.voided) {
    if (s.user_id.empty()) continue;
    if (s.verb != xapi::verbs::kVoided) days[{s.user_id, kpi::day_of(s.timestamp), s.course_id}]--;
    if (!s.course_id.empty()) pairs.insert({s.user_id, s.course_id});
  }
  for (const auto& [key, delta] : days) {
    const auto& [user, day, course] = key;
    if (delta > 0) {
      c.exec("INSERT INTO kpi_activity_days(user_id, day, course_id, statements) VALUES ($1,$2,$3,$4) "
             "ON CONFLICT (user_id, day, course_id) DO UPDATE SET statements = kpi_activity_days.statements + excluded.statements",
             {user, day, course, delta});
    } else if (delta < 0) {
      c.exec("UPDATE kpi_activity_days SET statements = statements + $4 WHERE user_id = $1 AND day = $2 AND course_id = $3",
             {user, day, course, delta});
      c.exec("DELETE FROM kpi_activity_days WHERE user_id = $1 AND day = $2 AND course_id = $3 AND statements <= 0",
             {user, day, course});
    }
  }

  // Sync lag per (learner, UTC day of arrival), for statements pushed by devices.
  struct Lag {
    std::int64_t n = 0, sum = 0, max = 0;
    std::array<std::int64_t, kpi::kLagBuckets> buckets{};
  };
  std::map<std::pair<std::string, std::int64_t>, Lag> lags;
  for (const auto& s : change.inserted) {
    if (s.user_id.empty() || !s.from_device) continue;
    const TimeMs lag = std::max<TimeMs>(0, s.stored - s.timestamp);
    Lag& l = lags[{s.user_id, kpi::day_of(s.stored)}];
    l.n++;
    l.sum += lag;
    l.max = std::max(l.max, lag);
    l.buckets[static_cast<std::size_t>(kpi::lag_bucket(lag))]++;
  }
  for (const auto& [key, l] : lags)
    c.exec("INSERT INTO kpi_sync_days(user_id, day, statements, lag_sum_ms, lag_max_ms, under_1h, under_1d, under_7d, over_7d) "
           "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (user_id, day) DO UPDATE SET "
           "statements = kpi_sync_days.statements + excluded.statements, "
           "lag_sum_ms = kpi_sync_days.lag_sum_ms + excluded.lag_sum_ms, "
           "lag_max_ms = CASE WHEN excluded.lag_max_ms > kpi_sync_days.lag_max_ms THEN excluded.lag_max_ms ELSE kpi_sync_days.lag_max_ms END, "
           "under_1h = kpi_sync_days.under_1h + excluded.under_1h, under_1d = kpi_sync_days.under_1d + excluded.under_1d, "
           "under_7d = kpi_sync_days.under_7d + excluded.under_7d, over_7d = kpi_sync_days.over_7d + excluded.over_7d",
           {key.first, key.second, l.n, l.sum, l.max, l.buckets[0], l.buckets[1], l.buckets[2], l.buckets[3]});

  for (const auto& [user, course] : pairs) refresh_pair(app, c, user, course);
}

}  // namespace kpi_store

void App::refresh_kpi_course(const std::string& course_id) {
  std::vector<std::string> learners;
  db_->read([&](db::Connection& c) {
    for (const auto& r : c.query("SELECT DISTINCT user_id FROM statements WHERE course_id = $1 AND user_id IS NOT NULL", {course_id}))
      learners.push_back(r.str(0));
  });
  // Batches keep each transaction short; every learner is locked like a push would.
  constexpr std::size_t kBatch = 200;
  for (std::size_t start = 0; start < learners.size(); start += kBatch) {
    db_->write([&](db::Connection& c) {
      for (std::size_t i = start; i < std::min(learners.size(), start + kBatch); ++i) {
        serialize_writers(c, learners[i]);
        kpi_store::refresh_pair(*this, c, learners[i], course_id);
      }
    });
  }
}

bool App::rebuild_kpis(bool only_if_pending) {
  const auto started = std::chrono::steady_clock::now();
  bool ran = false;
  std::int64_t pairs = 0;
  // One transaction: another process starting at the same time waits on the lock, then
  // finds nothing pending.
  db_->write([&](db::Connection& c) {
    ran = false;
    pairs = 0;
    serialize_writers(c, "trailpack:kpi-rebuild");
    if (only_if_pending) {
      auto state = c.query("SELECT value FROM kpi_state WHERE key = 'rebuild'");
      if (state.empty() || state[0].str(0) != "pending") return;
    }
    ran = true;
    for (const char* t : {"kpi_learner_module", "kpi_learner_item", "kpi_learner_objective", "kpi_answers",
                          "kpi_survey_answers", "kpi_learner_course", "kpi_activity_days", "kpi_sync_days"})
      c.exec(std::string("DELETE FROM ") + t);
    c.exec("INSERT INTO kpi_activity_days(user_id, day, course_id, statements) "
           "SELECT user_id, " + kpi_store::day_sql("timestamp_ms") + ", COALESCE(course_id, ''), COUNT(*) FROM statements "
           "WHERE user_id IS NOT NULL AND voided = 0 AND verb <> $1 GROUP BY 1, 2, 3",
           {std::string(xapi::verbs::kVoided)});
    const std::string lag = "(CASE WHEN stored_ms > timestamp_ms THEN stored_ms - timestamp_ms ELSE 0 END)";
    auto bucket = [&](const std::string& cond) { return "SUM(CASE WHEN " + cond + " THEN 1 ELSE 0 END)"; };
    c.exec("INSERT INTO kpi_sync_days(user_id, day, statements, lag_sum_ms, lag_max_ms, under_1h, under_1d, under_7d, over_7d) "
           "SELECT user_id, " + kpi_store::day_sql("stored_ms") + ", COUNT(*), SUM(" + lag + "), MAX(" + lag + "), " +
           bucket(lag + " < 3600000") + ", " + bucket(lag + " >= 3600000 AND " + lag + " < 86400000") + ", " +
           bucket(lag + " >= 86400000 AND " + lag + " < 604800000") + ", " + bucket(lag + " >= 604800000") +
           " FROM statements WHERE user_id IS NOT NULL AND device_id IS NOT NULL GROUP BY 1, 2");
    auto rows = c.query("SELECT DISTINCT s.user_id, s.course_id FROM statements s JOIN courses k ON k.id = s.course_id "
                        "WHERE s.user_id IS NOT NULL AND s.voided = 0 ORDER BY 1, 2");
    for (const auto& r : rows) {
      kpi_store::refresh_pair(*this, c, r.str(0), r.str(1));
      ++pairs;
    }
    c.exec("INSERT INTO kpi_state(key, value) VALUES ('rebuild', 'done') ON CONFLICT (key) DO UPDATE SET value = 'done'");
  });
  if (ran)
    log_event("info", "kpi_rebuilt",
              {{"pairs", pairs},
               {"ms", std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count()}});
  return ran;
}

}  // namespace trailpack::server
