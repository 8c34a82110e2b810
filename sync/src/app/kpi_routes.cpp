// The KPI dashboards' API: /api/v1/admin/kpi/... (docs/http-api.md#kpis). Every
// endpoint answers one table, as JSON or (?format=csv) CSV, over the caller's scope and
// filters (kpi_scope.hpp). Counts and sums come from SQL over the KPI summary tables
// (kpi_store.hpp); the formulas that finish them (rates, means, point-biserial, bins,
// estimates) are the shared ones in trailpack/kpi, so the numbers match the reference
// aggregates the unit tests check by hand. Definitions: docs/kpis.md.
#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "app/app.hpp"
#include "app/kpi_scope.hpp"
#include "app/kpi_store.hpp"
#include "trailpack/kpi/engagement.hpp"
#include "trailpack/kpi/health.hpp"
#include "trailpack/kpi/impact.hpp"
#include "trailpack/kpi/learning.hpp"

namespace trailpack::server {

using nlohmann::json;
using kpi_api::Scope;
using kpi_api::Sql;
using kpi_api::Table;

namespace {

json opt(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

// Published courses (current versions) the course filter lets through, by id.
std::vector<std::shared_ptr<const bundle::Course>> courses_in(App& app, const Scope& s) {
  std::vector<std::shared_ptr<const bundle::Course>> out;
  app.db().read([&](db::Connection& c) {
    for (const auto& r : c.query("SELECT id FROM courses ORDER BY id"))
      if (s.filters.course.empty() || r.str(0) == s.filters.course)
        if (auto course = app.published_course(c, r.str(0))) out.push_back(course);
  });
  return out;
}

const bundle::Course* find_course(const std::vector<std::shared_ptr<const bundle::Course>>& list, const std::string& id) {
  for (const auto& c : list)
    if (c->id == id) return c.get();
  return nullptr;
}

std::string title_of(const std::vector<std::shared_ptr<const bundle::Course>>& list, const std::string& id) {
  const auto* c = find_course(list, id);
  return c ? c->title : std::string();
}

const bundle::Item* find_item(const bundle::Course* c, const std::string& id) { return c ? c->find_item(id) : nullptr; }

db::Rows query(App& app, const std::string& sql, const db::Params& params) {
  db::Rows rows;
  app.db().read([&](db::Connection& c) { rows = c.query(sql, params); });
  return rows;
}

kpi::Dimension dimension_param(const Request& req) {
  const std::string by = kpi_api::text_param(req, "by");
  if (by.empty()) return kpi::Dimension::course;
  auto d = kpi::dimension_from(by);
  if (!d) throw HttpError{400, "invalid_parameter", "by must be course, team, site or job_role", "by", {}};
  return *d;
}

// The SQL column of a dimension over `assigned a` joined with `scope s`.
std::string dimension_column(kpi::Dimension d) {
  switch (d) {
    case kpi::Dimension::course: return "a.course_id";
    case kpi::Dimension::team: return "s.team";
    case kpi::Dimension::site: return "s.site";
    case kpi::Dimension::job_role: return "s.job_role";
  }
  return "a.course_id";
}

std::string required_course(const Request& req, const Scope& s) {
  if (s.filters.course.empty()) throw HttpError{400, "invalid_parameter", "course is required", "course", {}};
  (void)req;
  return s.filters.course;
}

json meta_of(const Scope& s) { return json{{"filters", kpi_api::filters_json(s)}}; }

// ---------------------------------------------------------------- engagement

Response engagement(App& app, const Request& req, const Scope& s) {
  const kpi::Dimension by = dimension_param(req);
  const std::string dim = dimension_column(by);
  const bool join_scope = by != kpi::Dimension::course;
  const auto courses = courses_in(app, s);

  // PostgreSQL: `assigned` MATERIALIZED. Inlined, the planner saw the cross join's
  // output sorted by course and merge-joined kpi_learner_course on course_id alone,
  // re-reading each course's rows for every learner (2,000 learners: 418 ms; 25 ms
  // materialized and hash-joined on both keys). Not for the other KPI queries: there it
  // made PostgreSQL slower, and SQLite's plans rely on the CTE being inlined.
  Sql q;
  std::string sql = kpi_api::with_scope(s, q, {}, s.postgres);
  const std::string from = q.p(s.filters.period.from), to = q.p(s.filters.period.to);
  sql += "SELECT " + dim + ", COUNT(*), "
         "COALESCE(SUM(CASE WHEN p.started_ms < " + to + " THEN 1 ELSE 0 END), 0), "
         "COALESCE(SUM(CASE WHEN p.completed = 1 AND p.completed_ms < " + to + " THEN 1 ELSE 0 END), 0), "
         "COALESCE(SUM(CASE WHEN p.completed = 1 AND p.completed_ms >= " + from + " AND p.completed_ms < " + to + " THEN 1 ELSE 0 END), 0), "
         "COALESCE(SUM(CASE WHEN p.started_ms < " + to + " THEN p.time_spent_ms ELSE 0 END), 0) "
         "FROM assigned a " + (join_scope ? "JOIN scope s ON s.user_id = a.user_id " : "") +
         "LEFT JOIN kpi_learner_course p ON p.user_id = a.user_id AND p.course_id = a.course_id GROUP BY " + dim;
  std::map<std::string, kpi::EngagementRow> rows;
  for (const auto& r : query(app, sql, q.params)) {
    kpi::EngagementRow& e = rows[r.str(0)];
    e.key = r.str(0);
    e.assigned = r.i64(1);
    e.started = r.i64(2);
    e.completed = r.i64(3);
    e.completed_in_period = r.i64(4);
    e.time_spent_ms = r.i64(5);
  }
  // Active learners per row: distinct learners with activity in the period on an assigned course of the row.
  Sql qa;
  std::string sa = kpi_api::with_scope(s, qa);
  const std::string fd = qa.p(s.filters.first_day), ld = qa.p(s.filters.last_day);
  sa += "SELECT " + dim + ", COUNT(DISTINCT a.user_id) FROM assigned a " +
        (join_scope ? "JOIN scope s ON s.user_id = a.user_id " : "") +
        "WHERE EXISTS (SELECT 1 FROM kpi_activity_days d WHERE d.user_id = a.user_id AND d.day >= " + fd + " AND d.day <= " + ld +
        " AND d.course_id = a.course_id) GROUP BY " + dim;
  for (const auto& r : query(app, sa, qa.params)) rows[r.str(0)].active_learners = r.i64(1);

  // The active-learner rate over everyone in the filter.
  Sql qt;
  std::string st = kpi_api::with_scope(s, qt);
  const std::string tfd = qt.p(s.filters.first_day), tld = qt.p(s.filters.last_day);
  std::string course_cond;
  if (!s.filters.course.empty()) course_cond = " AND d.course_id = " + qt.p(s.filters.course);
  st += "SELECT COUNT(*), COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM kpi_activity_days d WHERE d.user_id = l.user_id AND d.day >= " +
        tfd + " AND d.day <= " + tld + course_cond + ") THEN 1 ELSE 0 END), 0) FROM (SELECT DISTINCT user_id FROM assigned) l";
  const auto totals = query(app, st, qt.params);
  kpi::ActiveLearners active;
  active.learners = totals.empty() ? 0 : totals[0].i64(0);
  active.active = totals.empty() ? 0 : totals[0].i64(1);
  active.rate = kpi::rate(active.active, active.learners);

  Table t;
  t.columns = {kpi::dimension_name(by)};
  if (by == kpi::Dimension::course) t.columns.push_back("title");
  for (const char* c : {"assigned", "started", "completed", "completed_in_period", "active_learners", "participation_rate",
                        "completion_rate", "time_spent_ms", "avg_time_spent_ms"})
    t.columns.push_back(c);
  for (auto& [key, e] : rows) {
    if (e.assigned == 0) continue;
    e.participation_rate = kpi::rate(e.started, e.assigned);
    e.completion_rate = kpi::rate(e.completed, e.assigned);
    e.avg_time_spent_ms = kpi::mean(static_cast<double>(e.time_spent_ms), e.started);
    std::vector<json> row = {key};
    if (by == kpi::Dimension::course) row.push_back(title_of(courses, key));
    for (json v : {json(e.assigned), json(e.started), json(e.completed), json(e.completed_in_period), json(e.active_learners),
                   opt(e.participation_rate), opt(e.completion_rate), json(e.time_spent_ms), opt(e.avg_time_spent_ms)})
      row.push_back(v);
    t.rows.push_back(std::move(row));
  }
  json meta = meta_of(s);
  meta["by"] = kpi::dimension_name(by);
  meta["learners"] = active.learners;
  meta["active_learners"] = active.active;
  meta["active_rate"] = opt(active.rate);
  return kpi_api::respond(req, "engagement", meta, t);
}

Response activity(App& app, const Request& req, const Scope& s) {
  Sql q;
  std::string sql = kpi_api::with_scope(s, q);
  const std::string fd = q.p(s.filters.first_day), ld = q.p(s.filters.last_day);
  std::string course_cond;
  if (!s.filters.course.empty()) course_cond = " AND d.course_id = " + q.p(s.filters.course);
  sql += "SELECT d.day, COUNT(DISTINCT d.user_id), SUM(d.statements) FROM kpi_activity_days d "
         "WHERE d.day >= " + fd + " AND d.day <= " + ld + course_cond +
         " AND d.user_id IN (SELECT user_id FROM assigned) GROUP BY d.day";
  std::map<std::int64_t, std::pair<std::int64_t, std::int64_t>> by_day;
  for (const auto& r : query(app, sql, q.params)) by_day[r.i64(0)] = {r.i64(1), r.i64(2)};
  Table t;
  t.columns = {"date", "active_learners", "statements"};
  for (std::int64_t d = s.filters.first_day; d <= s.filters.last_day; ++d) {
    const auto it = by_day.find(d);
    t.rows.push_back({kpi_api::date_of_day(d), it == by_day.end() ? 0 : it->second.first, it == by_day.end() ? 0 : it->second.second});
  }
  return kpi_api::respond(req, "activity", meta_of(s), t);
}

Response modules(App& app, const Request& req, const Scope& s) {
  const std::string course_id = required_course(req, s);
  const auto courses = courses_in(app, s);
  const bundle::Course* course = find_course(courses, course_id);
  Sql q;
  std::string sql = kpi_api::with_scope(s, q);
  const std::string to = q.p(s.filters.period.to);
  sql += "SELECT m.module_id, COALESCE(SUM(CASE WHEN m.started = 1 AND m.started_ms < " + to + " THEN 1 ELSE 0 END), 0), "
         "COALESCE(SUM(CASE WHEN m.completed = 1 AND m.completed_ms < " + to + " THEN 1 ELSE 0 END), 0) "
         "FROM assigned a JOIN kpi_learner_module m ON m.user_id = a.user_id AND m.course_id = a.course_id GROUP BY m.module_id";
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> counts;
  for (const auto& r : query(app, sql, q.params)) counts[r.str(0)] = {r.i64(1), r.i64(2)};
  Sql qa;
  std::string sa = kpi_api::with_scope(s, qa) + "SELECT COUNT(*) FROM assigned";
  const auto assigned_rows = query(app, sa, qa.params);
  const std::int64_t assigned = assigned_rows.empty() ? 0 : assigned_rows[0].i64(0);
  Table t;
  t.columns = {"module_id", "title", "position", "assigned", "started", "completed", "completion_rate"};
  if (course)
    for (std::size_t i = 0; i < course->modules.size(); ++i) {
      const auto& m = course->modules[i];
      const auto c = counts[m.id];
      t.rows.push_back({m.id, m.title, static_cast<std::int64_t>(i), assigned, c.first, c.second, opt(kpi::rate(c.second, assigned))});
    }
  json meta = meta_of(s);
  meta["course"] = {{"id", course_id}, {"title", course ? course->title : ""}};
  return kpi_api::respond(req, "modules", meta, t);
}

Response interactions(App& app, const Request& req, const Scope& s) {
  const auto courses = courses_in(app, s);
  Sql q;
  std::string sql = kpi_api::with_scope(s, q);
  const std::string to = q.p(s.filters.period.to);
  sql += "SELECT i.course_id, i.item_type, COUNT(DISTINCT CASE WHEN i.started_ms < " + to + " THEN i.user_id END), "
         "COALESCE(SUM(CASE WHEN i.completed = 1 AND i.completed_ms < " + to + " THEN 1 ELSE 0 END), 0) "
         "FROM assigned a JOIN kpi_learner_item i ON i.user_id = a.user_id AND i.course_id = a.course_id "
         "WHERE i.item_type IN ('quiz', 'flashcards', 'scenario', 'survey') GROUP BY i.course_id, i.item_type";
  std::map<std::pair<std::string, std::string>, std::pair<std::int64_t, std::int64_t>> counts;
  for (const auto& r : query(app, sql, q.params)) counts[{r.str(0), r.str(1)}] = {r.i64(2), r.i64(3)};
  Sql qa;
  std::string sa = kpi_api::with_scope(s, qa) + "SELECT course_id, COUNT(*) FROM assigned GROUP BY course_id";
  std::map<std::string, std::int64_t> assigned;
  for (const auto& r : query(app, sa, qa.params)) assigned[r.str(0)] = r.i64(1);
  Table t;
  t.columns = {"course_id", "title", "type", "items", "assigned", "engaged", "participation_rate", "item_completions"};
  for (const auto& c : courses)
    for (const auto& type : kpi::interactive_types()) {
      std::int64_t items = 0;
      for (const auto& m : c->modules)
        for (const auto& it : m.items) items += it.type == type;
      if (!items) continue;
      const auto n = counts[{c->id, type}];
      const std::int64_t a = assigned[c->id];
      t.rows.push_back({c->id, c->title, type, items, a, n.first, opt(kpi::rate(n.first, a)), n.second});
    }
  return kpi_api::respond(req, "interactions", meta_of(s), t);
}

// ---------------------------------------------------------------- learning

Response scores(App& app, const Request& req, const Scope& s) {
  const auto courses = courses_in(app, s);
  Sql q;
  std::string sql = kpi_api::with_scope(s, q);
  sql += "SELECT i.course_id, i.item_id, i.best_score, COUNT(*), SUM(i.attempts), SUM(i.passed) "
         "FROM assigned a JOIN kpi_learner_item i ON i.user_id = a.user_id AND i.course_id = a.course_id "
         "WHERE i.item_type = 'quiz' AND i.attempts > 0 AND i.best_score IS NOT NULL GROUP BY i.course_id, i.item_id, i.best_score";
  std::map<std::pair<std::string, std::string>, kpi::ScoreRow> rows;
  for (const auto& r : query(app, sql, q.params)) {
    kpi::ScoreRow& row = rows[{r.str(0), r.str(1)}];
    const std::int64_t n = r.i64(3);
    row.learners += n;
    row.attempts += r.i64(4);
    row.passed += r.i64(5);
    row.best_score_sum += r.f64(2) * static_cast<double>(n);
    row.distribution[static_cast<std::size_t>(kpi::score_bin(r.f64(2)))] += n;
  }
  Table t;
  t.columns = {"course_id", "item_id", "title", "role", "learners", "attempts", "passed", "pass_rate", "mean_best_score"};
  for (int b = 0; b < kpi::kScoreBins; ++b) t.columns.push_back("bin_" + std::to_string(b * 10));
  for (const auto& c : courses)
    for (const auto& m : c->modules)
      for (const auto& it : m.items) {
        if (it.type != "quiz") continue;
        kpi::ScoreRow& r = rows[{c->id, it.id}];
        r.mean_best_score = kpi::mean(r.best_score_sum, r.learners);
        r.pass_rate = kpi::rate(r.passed, r.learners);
        std::vector<json> row = {c->id, it.id, it.title, it.role, r.learners, r.attempts, r.passed, opt(r.pass_rate),
                                 opt(r.mean_best_score)};
        for (auto n : r.distribution) row.push_back(n);
        t.rows.push_back(std::move(row));
      }
  return kpi_api::respond(req, "scores", meta_of(s), t);
}

void gain_row(kpi::GainRow& g, const db::Row& r, std::size_t at) {
  g.pre_n = r.i64(at);
  g.pre_sum = r.f64(at + 1);
  g.post_n = r.i64(at + 2);
  g.post_sum = r.f64(at + 3);
  g.paired_n = r.i64(at + 4);
  g.paired_pre_sum = r.f64(at + 5);
  g.paired_post_sum = r.f64(at + 6);
  kpi::finish_gain(g);
}

std::string gain_sums(const std::string& pre, const std::string& post) {
  const std::string both = pre + " IS NOT NULL AND " + post + " IS NOT NULL";
  return "COUNT(" + pre + "), COALESCE(SUM(" + pre + "), 0), COUNT(" + post + "), COALESCE(SUM(" + post + "), 0), "
         "COALESCE(SUM(CASE WHEN " + both + " THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN " + both + " THEN " + pre +
         " ELSE 0 END), 0), COALESCE(SUM(CASE WHEN " + both + " THEN " + post + " ELSE 0 END), 0)";
}

Response gain(App& app, const Request& req, const Scope& s) {
  const auto courses = courses_in(app, s);
  Sql q;
  std::string sql = kpi_api::with_scope(s, q);
  sql += "SELECT p.course_id, " + gain_sums("p.pretest_score", "p.posttest_score") +
         " FROM assigned a JOIN kpi_learner_course p ON p.user_id = a.user_id AND p.course_id = a.course_id "
         "WHERE p.pretest_score IS NOT NULL OR p.posttest_score IS NOT NULL GROUP BY p.course_id ORDER BY p.course_id";
  Table t;
  t.columns = {"course_id", "title", "pre_n", "mean_pre", "post_n", "mean_post", "paired_n", "mean_gain"};
  std::vector<kpi::GainRow> per_course;
  for (const auto& r : query(app, sql, q.params)) {
    kpi::GainRow g;
    gain_row(g, r, 1);
    t.rows.push_back({r.str(0), title_of(courses, r.str(0)), g.pre_n, opt(g.mean_pre), g.post_n, opt(g.mean_post), g.paired_n,
                      opt(g.mean_gain)});
    per_course.push_back(std::move(g));
  }
  // Every course of the filter together (the JSON field `overall`; not a CSV row).
  const kpi::GainRow all = kpi::gain_total(per_course);
  json meta = meta_of(s);
  meta["overall"] = {{"pre_n", all.pre_n}, {"mean_pre", opt(all.mean_pre)}, {"post_n", all.post_n}, {"mean_post", opt(all.mean_post)},
                     {"paired_n", all.paired_n}, {"mean_gain", opt(all.mean_gain)}};
  return kpi_api::respond(req, "gain", meta, t);
}

Response objectives(App& app, const Request& req, const Scope& s) {
  Sql q;
  std::string sql = kpi_api::with_scope(s, q);
  sql += "SELECT o.course_id, o.objective, " + gain_sums("o.pre_score", "o.post_score") +
         " FROM assigned a JOIN kpi_learner_objective o ON o.user_id = a.user_id AND o.course_id = a.course_id "
         "GROUP BY o.course_id, o.objective ORDER BY o.course_id, o.objective";
  Table t;
  t.columns = {"course_id", "objective", "pre_n", "mean_pre", "post_n", "mean_post", "paired_n", "mean_gain"};
  for (const auto& r : query(app, sql, q.params)) {
    kpi::GainRow g;
    gain_row(g, r, 2);
    t.rows.push_back({r.str(0), r.str(1), g.pre_n, opt(g.mean_pre), g.post_n, opt(g.mean_post), g.paired_n, opt(g.mean_gain)});
  }
  return kpi_api::respond(req, "objectives", meta_of(s), t);
}

Response questions(App& app, const Request& req, const Scope& s) {
  const std::int64_t limit = kpi_api::int_param(req, "limit", 50, 1, 1000);
  const auto courses = courses_in(app, s);
  Sql q;
  std::string sql = kpi_api::with_scope(s, q);
  sql += "SELECT x.course_id, x.item_id, x.question_id, COUNT(*), COALESCE(SUM(x.correct), 0), SUM(x.attempt_score), "
         "SUM(x.attempt_score * x.attempt_score), COALESCE(SUM(CASE WHEN x.correct = 1 THEN x.attempt_score ELSE 0 END), 0) "
         "FROM assigned a JOIN kpi_answers x ON x.user_id = a.user_id AND x.course_id = a.course_id "
         "GROUP BY x.course_id, x.item_id, x.question_id";
  std::vector<kpi::QuestionRow> rows;
  for (const auto& r : query(app, sql, q.params)) {
    kpi::QuestionRow row;
    row.course_id = r.str(0);
    row.item_id = r.str(1);
    row.question_id = r.str(2);
    row.sums = {r.i64(3), r.i64(4), r.f64(5), r.f64(6), r.f64(7)};
    row.stats = kpi::item_stats(row.sums);
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(), kpi::hardest_first);
  Table t;
  t.columns = {"course_id", "item_id", "question_id", "prompt", "objectives", "answers", "correct", "difficulty", "discrimination"};
  for (const auto& r : rows) {
    if (static_cast<std::int64_t>(t.rows.size()) >= limit) break;
    const bundle::Course* c = find_course(courses, r.course_id);
    const bundle::Question* question = c ? c->find_question(r.question_id) : nullptr;
    std::string objectives;
    if (question)
      for (const auto& o : question->objectives) objectives += (objectives.empty() ? "" : ";") + o;
    t.rows.push_back({r.course_id, r.item_id, r.question_id, question ? question->prompt : "", objectives, r.sums.n,
                      r.sums.correct, opt(r.stats.difficulty), opt(r.stats.discrimination)});
  }
  json meta = meta_of(s);
  meta["questions"] = rows.size();
  return kpi_api::respond(req, "questions", meta, t);
}

// ---------------------------------------------------------------- impact

Response surveys(App& app, const Request& req, const Scope& s) {
  const kpi::Dimension by = dimension_param(req);
  const std::string role = kpi_api::text_param(req, "role");
  if (!role.empty() && role != "hot" && role != "cold")
    throw HttpError{400, "invalid_parameter", "role must be hot or cold", "role", {}};
  const auto courses = courses_in(app, s);
  const bool grouped = by != kpi::Dimension::course;
  Sql q;
  std::string sql = kpi_api::with_scope(s, q);
  const std::string from = q.p(s.filters.period.from), to = q.p(s.filters.period.to);
  std::string role_cond;
  if (!role.empty()) role_cond = " AND v.role = " + q.p(role);
  const std::string group_col = grouped ? dimension_column(by) + ", " : std::string();
  sql += "SELECT v.course_id, v.item_id, v.question_id, v.rating, v.choice, COUNT(*)" +
         (grouped ? ", " + dimension_column(by) : std::string()) + " FROM assigned a " +
         (grouped ? "JOIN scope s ON s.user_id = a.user_id " : "") +
         "JOIN kpi_survey_answers v ON v.user_id = a.user_id AND v.course_id = a.course_id "
         "WHERE v.answered_ms >= " + from + " AND v.answered_ms < " + to + role_cond +
         " GROUP BY " + group_col + "v.course_id, v.item_id, v.question_id, v.rating, v.choice";
  // (course, item, question) -> group -> row
  std::map<std::tuple<std::string, std::string, std::string>, std::map<std::string, kpi::SurveyRow>> found;
  for (const auto& r : query(app, sql, q.params)) {
    kpi::SurveyRow& row = found[{r.str(0), r.str(1), r.str(2)}][grouped ? r.str(6) : std::string()];
    const std::int64_t n = r.i64(5);
    row.responses += n;
    if (!r.is_null(3)) {
      row.rating_sum += static_cast<double>(r.i64(3) * n);
      row.counts[std::to_string(r.i64(3))] += n;
    } else if (!r.is_null(4)) {
      row.counts[r.str(4)] += n;
    }
  }
  Table t;
  t.columns = {"course_id", "item_id", "role", "question_id", "type", "prompt"};
  if (grouped) t.columns.push_back(kpi::dimension_name(by));
  for (const char* c : {"responses", "mean_rating", "distribution"}) t.columns.push_back(c);
  for (const auto& c : courses)
    for (const auto& m : c->modules)
      for (const auto& it : m.items) {
        if (it.type != "survey" || (!role.empty() && it.role != role)) continue;
        for (const auto& question : it.survey) {
          auto groups = found[{c->id, it.id, question.id}];
          if (!grouped && groups.empty()) groups[""];  // a row even without answers
          for (auto& [group, row] : groups) {
            // Every scale value or choice, zeros included, in the question's order.
            std::string dist;
            auto add = [&](const std::string& k) {
              dist += (dist.empty() ? "" : ";") + k + ":" + std::to_string(row.counts.count(k) ? row.counts.at(k) : 0);
            };
            if (question.type == "rating")
              for (int v = 1; v <= question.scale; ++v) add(std::to_string(v));
            if (question.type == "choice")
              for (const auto& ch : question.choices) add(ch.id);
            if (question.type == "rating") row.mean_rating = kpi::mean(row.rating_sum, row.responses);
            std::vector<json> out = {c->id, it.id, it.role, question.id, question.type, question.prompt};
            if (grouped) out.push_back(group);
            out.push_back(row.responses);
            out.push_back(opt(row.mean_rating));
            out.push_back(dist);
            t.rows.push_back(std::move(out));
          }
        }
      }
  json meta = meta_of(s);
  meta["by"] = kpi::dimension_name(by);
  if (!role.empty()) meta["role"] = role;
  return kpi_api::respond(req, "surveys", meta, t);
}

Response comments(App& app, const Request& req, const Scope& s) {
  const std::int64_t limit = kpi_api::int_param(req, "limit", 100, 1, 1000);
  const std::int64_t offset = kpi_api::int_param(req, "offset", 0, 0, 10'000'000);
  const std::string role = kpi_api::text_param(req, "role");
  if (!role.empty() && role != "hot" && role != "cold")
    throw HttpError{400, "invalid_parameter", "role must be hot or cold", "role", {}};
  const auto courses = courses_in(app, s);
  Sql q;
  std::string sql = kpi_api::with_scope(s, q);
  const std::string from = q.p(s.filters.period.from), to = q.p(s.filters.period.to);
  std::string role_cond;
  if (!role.empty()) role_cond = " AND v.role = " + q.p(role);
  sql += "SELECT v.course_id, v.item_id, v.role, v.question_id, v.answered_ms, s.team, s.site, s.job_role, v.answer_text "
         "FROM assigned a JOIN scope s ON s.user_id = a.user_id "
         "JOIN kpi_survey_answers v ON v.user_id = a.user_id AND v.course_id = a.course_id "
         "WHERE v.kind = 'text' AND v.answered_ms >= " + from + " AND v.answered_ms < " + to + role_cond +
         " ORDER BY v.answered_ms DESC, v.course_id, v.item_id, v.question_id, v.user_id LIMIT " + q.p(limit + 1) +
         " OFFSET " + q.p(offset);
  Table t;
  t.columns = {"course_id", "item_id", "role", "question_id", "prompt", "answered_at", "team", "site", "job_role", "text"};
  bool more = false;
  for (const auto& r : query(app, sql, q.params)) {
    if (static_cast<std::int64_t>(t.rows.size()) == limit) {
      more = true;
      break;
    }
    const bundle::Item* it = find_item(find_course(courses, r.str(0)), r.str(1));
    std::string prompt;
    if (it)
      for (const auto& question : it->survey)
        if (question.id == r.str(3)) prompt = question.prompt;
    t.rows.push_back({r.str(0), r.str(1), r.str(2), r.str(3), prompt, format_timestamp(r.i64(4)), r.str(5), r.str(6), r.str(7), r.str(8)});
  }
  json meta = meta_of(s);
  meta["next_offset"] = more ? json(offset + limit) : json(nullptr);
  return kpi_api::respond(req, "comments", meta, t);
}

// ---------------------------------------------------------------- data health

// Per learner in scope: the last push of any of their devices (0: never).
std::string last_sync_cte() {
  return ", last_sync AS (SELECT s.user_id, COALESCE(MAX(d.last_push_ms), 0) AS last_ms, COUNT(d.id) AS devices "
         "FROM scope s LEFT JOIN devices d ON d.user_id = s.user_id GROUP BY s.user_id)";
}

// The answers the server's re-scoring disputed, stored in the period (not voided; of
// `course` when given), as a CTE for with_scope. MATERIALIZED, so that both SQLite and PostgreSQL
// start from the few flagged rows (the partial index kpi_statements_flagged) and join
// the scope to them: joined the other way round, SQLite walked every statement of
// every learner in scope (2.1 s at 2,000,000 statements, against a few ms).
std::string flagged_cte(const Scope& s, Sql& q, const std::string& course) {
  std::string cte = ", flagged AS MATERIALIZED (SELECT st.id, st.user_id, st.course_id, st.object_id, st.timestamp_ms, "
                    "st.stored_ms, st.score_scaled, st.rescore_flag FROM statements st WHERE st.rescore_flag IS NOT NULL "
                    "AND st.voided = 0 AND st.stored_ms >= " + q.p(s.filters.period.from) + " AND st.stored_ms < " +
                    q.p(s.filters.period.to);
  if (!course.empty()) cte += " AND st.course_id = " + q.p(course);
  return cte + ")";
}

// How late the scope's statements arrived over the last kNowcastDays days (by arrival).
kpi::LagCdf recent_lag(App& app, const Scope& s) {
  const std::int64_t today = kpi::day_of(s.now);
  Sql q;
  std::string sql = kpi_api::with_scope(s, q);
  sql += "SELECT COALESCE(SUM(y.under_1h), 0), COALESCE(SUM(y.under_1d), 0), COALESCE(SUM(y.under_7d), 0), "
         "COALESCE(SUM(y.over_7d), 0) FROM kpi_sync_days y JOIN scope s ON s.user_id = y.user_id WHERE y.day > " +
         q.p(today - kpi::kNowcastDays) + " AND y.day <= " + q.p(today);
  std::array<std::int64_t, kpi::kLagBuckets> buckets{};
  if (auto rows = query(app, sql, q.params); !rows.empty())
    for (std::size_t b = 0; b < buckets.size(); ++b) buckets[b] = rows[0].i64(b);
  return kpi::lag_cdf(buckets);
}

Response sync_health(App& app, const Request& req, const Scope& s) {
  const TimeMs now = s.now;
  const std::int64_t today = kpi::day_of(now);
  // Learners and their last sync.
  Sql q;
  std::string sql = kpi_api::with_scope(s, q, last_sync_cte());
  sql += "SELECT l.last_ms, l.devices FROM last_sync l";
  std::int64_t learners = 0, with_device = 0, synced_day = 0, synced_week = 0, stale = 0, never = 0;
  for (const auto& r : query(app, sql, q.params)) {
    ++learners;
    const std::int64_t last = r.i64(0);
    with_device += r.i64(1) > 0;
    if (last == 0) {
      ++never;
      continue;
    }
    synced_day += last >= now - kpi::kDayMs;
    synced_week += last >= now - 7 * kpi::kDayMs;
    stale += last < now - 7 * kpi::kDayMs;
  }
  // Activity not arrived yet: the recent days' activity, corrected by how late it arrives.
  Sql qo;
  std::string so = kpi_api::with_scope(s, qo);
  so += "SELECT d.day, SUM(d.statements) FROM kpi_activity_days d JOIN scope s ON s.user_id = d.user_id WHERE d.day > " +
        qo.p(today - kpi::kNowcastDays) + " AND d.day <= " + qo.p(today) + " GROUP BY d.day";
  std::map<std::int64_t, std::int64_t> observed;
  for (const auto& r : query(app, so, qo.params)) observed[r.i64(0)] = r.i64(1);
  const auto estimate = kpi::unsynced_estimate(recent_lag(app, s), observed, now);
  // Sync lag of what arrived in the period.
  Sql ql;
  std::string sl = kpi_api::with_scope(s, ql);
  const std::string fd = ql.p(s.filters.first_day), ld = ql.p(s.filters.last_day);
  sl += "SELECT COALESCE(SUM(y.statements), 0), COALESCE(SUM(y.lag_sum_ms), 0), COALESCE(MAX(y.lag_max_ms), 0), "
        "COALESCE(SUM(y.under_1h), 0), COALESCE(SUM(y.under_1d), 0), COALESCE(SUM(y.under_7d), 0), COALESCE(SUM(y.over_7d), 0) "
        "FROM kpi_sync_days y JOIN scope s ON s.user_id = y.user_id WHERE y.day >= " + fd + " AND y.day <= " + ld;
  kpi::LagSummary lag;
  if (auto rows = query(app, sl, ql.params); !rows.empty()) {
    lag.statements = rows[0].i64(0);
    lag.lag_sum_ms = rows[0].i64(1);
    lag.lag_max_ms = rows[0].i64(2);
    for (int b = 0; b < kpi::kLagBuckets; ++b) lag.buckets[static_cast<std::size_t>(b)] = rows[0].i64(static_cast<std::size_t>(3 + b));
  }
  lag.mean_lag_ms = kpi::mean(static_cast<double>(lag.lag_sum_ms), lag.statements);
  // Answers the server's re-scoring disputed, stored in the period.
  // Every course: the sync table is not about one course.
  Sql qf;
  std::string sf = kpi_api::with_scope(s, qf, flagged_cte(s, qf, {}));
  sf += "SELECT COUNT(*) FROM flagged f JOIN scope s ON s.user_id = f.user_id";
  const auto flagged_rows = query(app, sf, qf.params);
  const std::int64_t flagged = flagged_rows.empty() ? 0 : flagged_rows[0].i64(0);

  Table t;
  t.columns = {"metric", "value"};
  auto add = [&](const char* k, json v) { t.rows.push_back({k, std::move(v)}); };
  add("learners", learners);
  add("learners_with_device", with_device);
  add("synced_last_24h", synced_day);
  add("synced_last_7d", synced_week);
  add("not_synced_7d", stale);
  add("never_synced", never);
  add("unsynced_estimate", opt(estimate));
  add("statements_received", lag.statements);
  add("mean_lag_ms", opt(lag.mean_lag_ms));
  add("max_lag_ms", lag.lag_max_ms);
  for (int b = 0; b < kpi::kLagBuckets; ++b)
    add((std::string("lag_") + kpi::lag_bucket_names()[static_cast<std::size_t>(b)]).c_str(), lag.buckets[static_cast<std::size_t>(b)]);
  add("flagged_scores", flagged);
  json meta = meta_of(s);
  meta["now"] = now;
  return kpi_api::respond(req, "sync", meta, t);
}

Response devices(App& app, const Request& req, const Scope& s) {
  const std::int64_t limit = kpi_api::int_param(req, "limit", 100, 1, 1000);
  const std::int64_t offset = kpi_api::int_param(req, "offset", 0, 0, 10'000'000);
  Sql q;
  std::string sql = kpi_api::with_scope(s, q, last_sync_cte());
  // Stalest first: never synced, then the oldest last push.
  sql += "SELECT u.id, u.name, u.email, u.team, u.site, u.job_role, d.id, d.name, d.created_ms, d.last_push_ms, d.last_pull_ms, "
         "l.last_ms FROM last_sync l JOIN users u ON u.id = l.user_id LEFT JOIN devices d ON d.user_id = l.user_id "
         "ORDER BY COALESCE(d.last_push_ms, 0), u.name, u.id, d.id LIMIT " + q.p(limit + 1) + " OFFSET " + q.p(offset);
  auto rows = query(app, sql, q.params);
  const bool more = static_cast<std::int64_t>(rows.size()) > limit;
  if (more) rows.pop_back();
  // Each learner's recent activity, for their own estimate.
  std::vector<std::string> ids;
  for (const auto& r : rows) ids.push_back(r.str(0));
  std::map<std::string, std::map<std::int64_t, std::int64_t>> observed;
  if (!ids.empty()) {
    const std::int64_t today = kpi::day_of(s.now);
    Sql qo;
    const std::string in = qo.list(ids);
    for (const auto& r : query(app, "SELECT user_id, day, SUM(statements) FROM kpi_activity_days WHERE user_id IN (" + in +
                                        ") AND day > " + qo.p(today - kpi::kNowcastDays) + " AND day <= " + qo.p(today) +
                                        " GROUP BY user_id, day",
                               qo.params))
      observed[r.str(0)][r.i64(1)] = r.i64(2);
  }
  const kpi::LagCdf cdf = recent_lag(app, s);
  Table t;
  t.columns = {"user_id", "name", "email", "team", "site", "job_role", "device_id", "device_name", "enrolled_at",
               "last_push_at", "last_pull_at", "learner_last_sync_at", "days_since_sync", "unsynced_estimate"};
  auto when = [](const db::Row& r, std::size_t i) { return r.is_null(i) || r.i64(i) == 0 ? json(nullptr) : json(format_timestamp(r.i64(i))); };
  for (const auto& r : rows) {
    const std::int64_t last = r.i64(11);
    t.rows.push_back({r.str(0), r.str(1), r.str(2), r.str(3), r.str(4), r.str(5), r.is_null(6) ? json(nullptr) : json(r.str(6)),
                      r.is_null(7) ? json(nullptr) : json(r.str(7)), when(r, 8), when(r, 9), when(r, 10), when(r, 11),
                      last ? json(static_cast<double>(s.now - last) / kpi::kDayMs) : json(nullptr),
                      opt(kpi::unsynced_estimate(cdf, observed[r.str(0)], s.now))});
  }
  json meta = meta_of(s);
  meta["now"] = s.now;
  meta["next_offset"] = more ? json(offset + limit) : json(nullptr);
  return kpi_api::respond(req, "devices", meta, t);
}

Response flags(App& app, const Request& req, const Scope& s) {
  const std::int64_t limit = kpi_api::int_param(req, "limit", 100, 1, 1000);
  const std::int64_t offset = kpi_api::int_param(req, "offset", 0, 0, 10'000'000);
  Sql q;
  std::string sql = kpi_api::with_scope(s, q, flagged_cte(s, q, s.filters.course));
  sql += "SELECT f.id, f.user_id, u.name, f.course_id, f.object_id, f.timestamp_ms, f.stored_ms, f.score_scaled, f.rescore_flag "
         "FROM flagged f JOIN scope s ON s.user_id = f.user_id JOIN users u ON u.id = f.user_id "
         "ORDER BY f.stored_ms DESC, f.id LIMIT " + q.p(limit + 1) + " OFFSET " + q.p(offset);
  Table t;
  t.columns = {"statement_id", "user_id", "name", "course_id", "question", "timestamp", "stored", "device_score", "flag"};
  bool more = false;
  for (const auto& r : query(app, sql, q.params)) {
    if (static_cast<std::int64_t>(t.rows.size()) == limit) {
      more = true;
      break;
    }
    t.rows.push_back({r.str(0), r.str(1), r.str(2), r.str(3), r.str(4), format_timestamp(r.i64(5)), format_timestamp(r.i64(6)),
                      r.is_null(7) ? json(nullptr) : json(r.f64(7)), r.str(8)});
  }
  json meta = meta_of(s);
  meta["next_offset"] = more ? json(offset + limit) : json(nullptr);
  return kpi_api::respond(req, "flags", meta, t);
}

// The values the console offers in its filters, within the caller's scope.
Response filter_options(App& app, const Request& req, const Principal& who) {
  const Scope s = kpi_api::scope_for(app, who, req);
  json groups = json::array(), teams = json::array(), sites = json::array(), roles = json::array(), course_list = json::array();
  app.db().read([&](db::Connection& c) {
    const auto visible = who.is_admin() ? std::vector<std::string>{} : kpi_api::visible_groups(c, who);
    for (const auto& r : c.query("SELECT id, name, parent_id FROM user_groups WHERE org_id = $1 ORDER BY name, id", {who.org_id}))
      if (who.is_admin() || std::find(visible.begin(), visible.end(), r.str(0)) != visible.end())
        groups.push_back({{"id", r.str(0)}, {"name", r.str(1)}, {"parent_id", r.is_null(2) ? json(nullptr) : json(r.str(2))}});
    Sql q;
    const std::string base = kpi_api::with_scope(s, q);
    for (auto [col, out] : {std::pair<const char*, json*>{"team", &teams}, {"site", &sites}, {"job_role", &roles}})
      for (const auto& r : c.query(base + "SELECT DISTINCT " + col + " FROM scope WHERE " + col + " <> '' ORDER BY 1", q.params))
        out->push_back(r.str(0));
  });
  for (const auto& c : courses_in(app, s)) course_list.push_back({{"id", c->id}, {"title", c->title}, {"version", c->version}});
  return Response::json(200, {{"filters", kpi_api::filters_json(s)},
                              {"groups", groups},
                              {"teams", teams},
                              {"sites", sites},
                              {"job_roles", roles},
                              {"courses", course_list}});
}

}  // namespace

void register_kpi_routes(Router& router, App& app) {
  using Fn = Response (*)(App&, const Request&, const Scope&);
  const std::pair<const char*, Fn> tables[] = {
      {"engagement", engagement}, {"activity", activity},   {"modules", modules},       {"interactions", interactions},
      {"scores", scores},         {"gain", gain},           {"objectives", objectives}, {"questions", questions},
      {"surveys", surveys},       {"comments", comments},   {"sync", sync_health},      {"devices", devices},
      {"flags", flags}};
  for (const auto& [name, fn] : tables)
    router.add("GET", std::string("/api/v1/admin/kpi/") + name, [&app, fn = fn](Request& req) {
      const Principal who = app.require_staff(req);
      return fn(app, req, kpi_api::scope_for(app, who, req));
    });
  router.add("GET", "/api/v1/admin/kpi/filters", [&app](Request& req) { return filter_options(app, req, app.require_staff(req)); });
}

}  // namespace trailpack::server
