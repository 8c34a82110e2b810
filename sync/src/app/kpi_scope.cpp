#include "app/kpi_scope.hpp"

#include <set>

#include "text.hpp"
#include "trailpack/csv.hpp"
#include "trailpack/time.hpp"

namespace trailpack::server::kpi_api {

using nlohmann::json;

std::string Sql::p(db::Value v) {
  params.push_back(std::move(v));
  std::string placeholder = "$";
  placeholder += std::to_string(params.size());
  return placeholder;
}

std::string Sql::list(const std::vector<std::string>& values) {
  if (values.empty()) return p(nullptr);  // IN (NULL) matches nothing
  std::string out;
  for (const auto& v : values) {
    if (!out.empty()) out += ',';
    out += p(v);
  }
  return out;
}

namespace {

constexpr std::size_t kMaxParamBytes = 200;
constexpr std::int64_t kMaxPeriodDays = 3660;

HttpError bad(const std::string& name, const std::string& message) { return HttpError{400, "invalid_parameter", message, name, {}}; }

}  // namespace

std::optional<std::int64_t> day_of_date(const std::string& t) {
  if (t.size() != 10) return std::nullopt;
  const auto ms = parse_timestamp(t + "T00:00:00Z");  // checks the digits, the month and its days
  if (!ms) return std::nullopt;
  return *ms / kpi::kDayMs;  // midnight: exact, before 1970 too
}

std::string date_of_day(std::int64_t day) { return format_timestamp(day * kpi::kDayMs).substr(0, 10); }

std::string text_param(const Request& req, const std::string& name) {
  auto v = req.query_param(name);
  if (!v) return {};
  if (v->size() > kMaxParamBytes) throw bad(name, name + " is longer than " + std::to_string(kMaxParamBytes) + " bytes");
  if (!is_storable_text(*v)) throw bad(name, name + " is not valid UTF-8 text");
  return *v;
}

std::int64_t int_param(const Request& req, const std::string& name, std::int64_t fallback, std::int64_t min, std::int64_t max) {
  auto v = req.query_param(name);
  if (!v) return fallback;
  const std::string msg = name + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  if (v->empty() || v->size() > 12) throw bad(name, msg);
  for (char ch : *v)
    if (ch < '0' || ch > '9') throw bad(name, msg);
  const std::int64_t n = std::stoll(*v);
  if (n < min || n > max) throw bad(name, msg);
  return n;
}

std::vector<std::string> with_descendants(db::Connection& c, const std::string& org_id, std::set<std::string> groups) {
  const auto all = c.query("SELECT id, parent_id FROM user_groups WHERE org_id = $1", {org_id});
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& r : all)
      if (!r.is_null(1) && groups.count(r.str(1)) && groups.insert(r.str(0)).second) grew = true;
  }
  return {groups.begin(), groups.end()};
}

std::vector<std::string> visible_groups(db::Connection& c, const Principal& who) {
  std::set<std::string> managed;
  for (const auto& r : c.query("SELECT group_id FROM manager_scopes WHERE user_id = $1", {who.user_id})) managed.insert(r.str(0));
  return with_descendants(c, who.org_id, std::move(managed));
}

Scope scope_for(App& app, const Principal& who, const Request& req) {
  Scope s;
  s.org_id = who.org_id;
  s.postgres = app.db().dialect() == db::Dialect::postgres;
  s.now = app.now_ms();
  Filters& f = s.filters;
  const std::string org = text_param(req, "org");
  if (!org.empty() && org != who.org_id) throw HttpError{403, "forbidden", "this organisation is outside your scope", "org", {}};
  f.group = text_param(req, "group");
  f.job_role = text_param(req, "job_role");
  f.site = text_param(req, "site");
  f.team = text_param(req, "team");
  f.course = text_param(req, "course");
  // The period: whole UTC days, both ends included; the last 30 days by default.
  const std::int64_t today = kpi::day_of(s.now);
  f.to_date = text_param(req, "to");
  f.from_date = text_param(req, "from");
  if (!f.to_date.empty()) {
    auto d = day_of_date(f.to_date);
    if (!d) throw bad("to", "to must be a date written YYYY-MM-DD");
    f.last_day = *d;
  } else {
    f.last_day = today;
  }
  if (!f.from_date.empty()) {
    auto d = day_of_date(f.from_date);
    if (!d) throw bad("from", "from must be a date written YYYY-MM-DD");
    f.first_day = *d;
  } else {
    f.first_day = f.last_day - 29;
  }
  if (f.first_day > f.last_day) throw bad("from", "from is after to");
  if (f.last_day - f.first_day >= kMaxPeriodDays)
    throw bad("from", "the period is longer than " + std::to_string(kMaxPeriodDays) + " days");
  f.from_date = date_of_day(f.first_day);
  f.to_date = date_of_day(f.last_day);
  f.period = {f.first_day * kpi::kDayMs, (f.last_day + 1) * kpi::kDayMs};

  app.db().read([&](db::Connection& c) {
    std::vector<std::string> mine;
    if (!who.is_admin()) mine = visible_groups(c, who);
    if (!f.group.empty()) {
      auto g = c.query("SELECT org_id FROM user_groups WHERE id = $1", {f.group});
      const bool in_scope = !g.empty() && g[0].str(0) == who.org_id &&
                            (who.is_admin() || std::find(mine.begin(), mine.end(), f.group) != mine.end());
      if (!in_scope) throw HttpError{403, "forbidden", "this group is outside your scope", "group", {}};
      s.groups = with_descendants(c, who.org_id, {f.group});
    } else if (who.is_admin()) {
      s.whole_org = true;
    } else {
      s.groups = mine;
    }
  });
  return s;
}

std::string assigned_pairs(const Scope& scope, Sql& sql) {
  // Assigned = a current learner assignment (assignments.hpp: not ended, its cycle open).
  // A course that nobody in the organisation is assigned is on offer to everyone (the
  // open catalogue), so every learner in scope counts as assigned to it: a small
  // organisation that assigns nothing still sees participation and completion.
  // One filtered cross join (no UNION: as a compound view SQLite re-ran it inside every
  // correlated subquery of the KPI queries, 300 times slower at 200,000 statements). The
  // IN list is uncorrelated (computed once); the EXISTS uses learner_assignments_user.
  std::string q = "SELECT s.user_id, k.id AS course_id FROM scope s CROSS JOIN courses k WHERE (k.id NOT IN ("
                  "SELECT la.course_id FROM learner_assignments la JOIN users lu ON lu.id = la.user_id "
                  "WHERE la.ended_ms IS NULL AND lu.org_id = " + sql.p(scope.org_id) + ") "
                  "OR EXISTS (SELECT 1 FROM learner_assignments la WHERE la.user_id = s.user_id AND la.course_id = k.id "
                  "AND la.ended_ms IS NULL AND la.assigned_at_ms <= " + sql.p(scope.now) + "))";
  if (!scope.filters.course.empty()) q += " AND k.id = " + sql.p(scope.filters.course);
  return q;
}

std::string with_scope(const Scope& scope, Sql& sql, const std::string& more_ctes, bool materialize_assigned) {
  const Filters& f = scope.filters;
  std::string where = "u.org_id = " + sql.p(scope.org_id) + " AND u.role = 'learner' AND u.active = 1";
  if (!f.team.empty()) where += " AND u.team = " + sql.p(f.team);
  if (!f.site.empty()) where += " AND u.site = " + sql.p(f.site);
  if (!f.job_role.empty()) where += " AND u.job_role = " + sql.p(f.job_role);
  if (!scope.whole_org)
    where += " AND EXISTS (SELECT 1 FROM group_members m WHERE m.user_id = u.id AND m.group_id IN (" + sql.list(scope.groups) + "))";
  std::string out = "WITH scope AS (SELECT u.id AS user_id, u.team, u.site, u.job_role FROM users u WHERE " + where + "), ";
  out += std::string("assigned AS ") + (materialize_assigned ? "MATERIALIZED " : "") + "(" + assigned_pairs(scope, sql) + ")" +
         more_ctes + " ";
  return out;
}

json filters_json(const Scope& scope) {
  const Filters& f = scope.filters;
  json out = {{"from", f.from_date}, {"to", f.to_date}};
  for (const auto& [k, v] : {std::pair<const char*, const std::string*>{"group", &f.group}, {"job_role", &f.job_role},
                             {"site", &f.site}, {"team", &f.team}, {"course", &f.course}})
    if (!v->empty()) out[k] = *v;
  return out;
}

namespace {

std::string csv_cell(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return csv::escape_cell(v.get<std::string>());
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number()) return v.dump();  // numbers are not text: no formula prefix on -0.25
  return csv::escape_cell(v.dump());
}

}  // namespace

Response respond(const Request& req, const std::string& name, json meta, const Table& table) {
  const std::string format = text_param(req, "format");
  if (format == "csv") {
    std::string out;
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
      if (i) out += ',';
      out += csv::escape_cell(table.columns[i]);
    }
    out += "\r\n";
    for (const auto& row : table.rows) {
      for (std::size_t i = 0; i < row.size(); ++i) {
        if (i) out += ',';
        out += csv_cell(row[i]);
      }
      out += "\r\n";
    }
    return Response::text(200, std::move(out), "text/csv; charset=utf-8")
        .header("Content-Disposition", "attachment; filename=\"trailpack-" + name + ".csv\"");
  }
  if (!format.empty() && format != "json") throw bad("format", "format must be json or csv");
  json rows = json::array();
  for (const auto& row : table.rows) {
    json o = json::object();
    for (std::size_t i = 0; i < table.columns.size() && i < row.size(); ++i) o[table.columns[i]] = row[i];
    rows.push_back(std::move(o));
  }
  meta["columns"] = table.columns;
  meta["rows"] = std::move(rows);
  return Response::json(200, meta);
}

}  // namespace trailpack::server::kpi_api
