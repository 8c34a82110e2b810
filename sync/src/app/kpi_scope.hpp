// What a KPI request may see and asked for: the caller's scope (admins: their
// organisation; managers: the members of the groups they manage and of their subgroups),
// the filters of docs/http-api.md#kpi-filters, the SQL that turns both into the
// learners in scope and the (learner, course) pairs they are assigned, and the one
// table shape every KPI endpoint answers with (JSON, or CSV with ?format=csv).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "app/app.hpp"
#include "db/database.hpp"
#include "trailpack/kpi/common.hpp"

namespace trailpack::server::kpi_api {

/// SQL text with numbered parameters ($1, $2, ...) collected on the way.
class Sql {
 public:
  /// Adds a parameter; returns its placeholder.
  std::string p(db::Value v);
  /// Placeholders for a list: "$3,$4,$5" (a list of one "NULL" placeholder if empty).
  std::string list(const std::vector<std::string>& values);
  db::Params params;
};

struct Filters {
  std::string group;     ///< group id: its members and its subgroups' members
  std::string job_role;  ///< users.job_role, exact
  std::string site;
  std::string team;
  std::string course;    ///< course id
  std::int64_t first_day = 0;  ///< UTC day numbers, inclusive
  std::int64_t last_day = 0;
  kpi::Period period;          ///< [first_day 00:00, last_day + 1 00:00)
  std::string from_date, to_date;  ///< YYYY-MM-DD as given or defaulted
};

struct Scope {
  std::string org_id;
  bool postgres = false;            ///< the server's database (the SQL differs in one hint)
  bool whole_org = false;           ///< an admin without a group filter
  std::vector<std::string> groups;  ///< otherwise: learners who are members of one of these
  Filters filters;
  TimeMs now = 0;
};

/// Parses the filters and checks them against the caller's scope. Throws HttpError:
/// 400 invalid_parameter (where: the parameter) for malformed values, 403 forbidden for
/// a group or organisation outside the caller's scope.
Scope scope_for(App& app, const Principal& who, const Request& req);

// Who a manager sees: visible_groups() (manager_scopes and every subgroup, the same
// rule as directory::scope_of). What a learner is assigned: assigned_pairs(), over
// identities' learner_assignments. docs/kpis.md#who-is-counted-scope-filters-assignments.

/// `groups` and every group below them in the organisation's tree (any depth).
std::vector<std::string> with_descendants(db::Connection& c, const std::string& org_id, std::set<std::string> groups);

/// Groups a manager may see: the ones they manage (manager_scopes) and all their descendants.
std::vector<std::string> visible_groups(db::Connection& c, const Principal& who);

/// "WITH scope AS (...), assigned AS (...) ": `scope(user_id, team, site, job_role)` is
/// the active learners in scope passing the learner filters; `assigned(user_id,
/// course_id)` comes from assigned_pairs().
/// `more_ctes`: further CTEs (", name AS (...)") that may use scope and assigned.
/// `materialize_assigned`: ask the planner to compute `assigned` once (see engagement).
std::string with_scope(const Scope& scope, Sql& sql, const std::string& more_ctes = {}, bool materialize_assigned = false);

/// THE definition of "assigned" for every KPI: the SQL of a relation (user_id,
/// course_id) over the CTE `scope`, restricted to the course filter: the current learner
/// assignments (not ended, cycle open), plus, for a course nobody in the organisation
/// is assigned (the open catalogue), every learner in scope.
std::string assigned_pairs(const Scope& scope, Sql& sql);

/// An integer query parameter in [min, max], or `fallback` when absent; 400 otherwise.
std::int64_t int_param(const Request& req, const std::string& name, std::int64_t fallback, std::int64_t min, std::int64_t max);
/// A text parameter of at most 200 bytes (400 beyond), "" when absent.
std::string text_param(const Request& req, const std::string& name);

/// A KPI answer: named columns and rows of JSON scalars.
struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<nlohmann::json>> rows;
};

/// JSON `{...meta, "columns": [...], "rows": [{column: value}]}`, or with ?format=csv the
/// rows as CSV (header = column names; text cells escaped against formula injection).
Response respond(const Request& req, const std::string& name, nlohmann::json meta, const Table& table);

/// The filters as they were understood, for the JSON answers.
nlohmann::json filters_json(const Scope& scope);

/// YYYY-MM-DD of a UTC day number, and back (nothing when malformed or not a real date).
std::string date_of_day(std::int64_t day);
std::optional<std::int64_t> day_of_date(const std::string& text);

}  // namespace trailpack::server::kpi_api
