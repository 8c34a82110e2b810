// Console API for admins and managers. Managers see only the members of the groups
// they manage (and their subgroups); admins see everyone in their organisation.
#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <vector>

#include "app/app.hpp"
#include "app/assignments.hpp"
#include "app/directory.hpp"
#include "app/kpi_scope.hpp"
#include "crypto.hpp"
#include "text.hpp"
#include "trailpack/csv.hpp"
#include "trailpack/encoding.hpp"
#include "trailpack/progress/projection.hpp"

namespace trailpack::server {

using nlohmann::json;

namespace {

// The CSV import's columns and limits: the console's for each field, and bounds on the
// groups one file may name and create.
const std::set<std::string> kImportColumns = {"email", "name", "role", "team", "site", "job_role", "groups"};
constexpr std::size_t kImportMaxText = 200;         // name, team, site, job_role (as in the console)
constexpr std::size_t kImportMaxGroupName = 100;    // as in the console
constexpr std::size_t kImportMaxGroupsPerRow = 20;
constexpr std::size_t kImportMaxNewGroups = 200;

// A groups cell: ';'-separated names, blanks around them trimmed, empty ones skipped.
std::vector<std::string> split_groups(const std::string& cell) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < cell.size()) {
    auto end = cell.find(';', start);
    if (end == std::string::npos) end = cell.size();
    std::string g(trim_blanks(std::string_view(cell).substr(start, end - start)));
    start = end + 1;
    if (!g.empty()) out.push_back(std::move(g));
  }
  return out;
}

// Whether a staff principal may see this learner's drill-down (directory.hpp's rule).
bool learner_visible(App& app, const Principal& p, const std::string& id) {
  bool visible = false;
  app.db().read([&](db::Connection& c) {
    auto u = c.query("SELECT 1 FROM users WHERE id = $1 AND role = 'learner'", {id});
    visible = !u.empty() && directory::sees_user(c, directory::scope_of(c, p), id);
  });
  return visible;
}

json opt_score(const db::Row& r, std::size_t i) { return r.is_null(i) ? json(nullptr) : json(r.f64(i)); }

}  // namespace

void register_admin_routes(Router& router, App& app) {
  // Learners in scope with their progress per published course, read from the KPI
  // summary tables (the same projection the device shows, kept by statement storage).
  router.add("GET", "/api/v1/admin/learners", [&app](Request& req) {
    Principal p = app.require_staff(req);
    const kpi_api::Scope scope = kpi_api::scope_for(app, p, req);
    const std::int64_t limit = kpi_api::int_param(req, "limit", 500, 1, 1000);
    const std::int64_t offset = kpi_api::int_param(req, "offset", 0, 0, 10'000'000);
    json list = json::array();
    std::int64_t total = 0;
    app.db().read([&](db::Connection& c) {
      kpi_api::Sql q;
      const std::string base = kpi_api::with_scope(scope, q);
      total = c.query(base + "SELECT COUNT(*) FROM scope", q.params)[0].i64(0);
      kpi_api::Sql qp;
      auto page = c.query(kpi_api::with_scope(scope, qp) +
                              "SELECT u.id, u.name, u.email, u.team, u.site, u.job_role FROM scope s JOIN users u ON u.id = s.user_id "
                              "ORDER BY u.name, u.id LIMIT " + qp.p(limit) + " OFFSET " + qp.p(offset),
                          qp.params);
      if (page.empty()) return;
      std::vector<std::string> ids;
      std::map<std::string, json> by_id;
      for (const auto& r : page) {
        ids.push_back(r.str(0));
        by_id[r.str(0)] = json{{"id", r.str(0)}, {"name", r.str(1)}, {"email", r.str(2)}, {"team", r.str(3)}, {"site", r.str(4)},
                               {"role", r.str(5)}, {"statements", 0}, {"last_activity", 0}, {"last_sync", 0},
                               {"courses", json::array()}};
      }
      kpi_api::Sql q1;
      const std::string in1 = q1.list(ids);
      for (const auto& r : c.query("SELECT user_id, course_id, completion, completed, best_score, pretest_score, posttest_score, "
                                   "time_spent_ms, statements, last_activity_ms FROM kpi_learner_course WHERE user_id IN (" + in1 +
                                       ") ORDER BY course_id",
                                   q1.params)) {
        json& l = by_id[r.str(0)];
        auto course = app.published_course(c, r.str(1));
        l["courses"].push_back({{"course_id", r.str(1)},
                                {"title", course ? course->title : ""},
                                {"completion", r.f64(2)},
                                {"completed", r.i64(3) == 1},
                                {"best_score", opt_score(r, 4)},
                                {"pretest_score", opt_score(r, 5)},
                                {"posttest_score", opt_score(r, 6)},
                                {"time_spent_ms", r.i64(7)},
                                {"statements", r.i64(8)}});
        l["last_activity"] = std::max(l["last_activity"].get<std::int64_t>(), r.i64(9));
      }
      kpi_api::Sql q2;
      const std::string in2 = q2.list(ids);
      for (const auto& r : c.query("SELECT user_id, SUM(statements) FROM kpi_activity_days WHERE user_id IN (" + in2 + ") GROUP BY user_id",
                                   q2.params))
        by_id[r.str(0)]["statements"] = r.i64(1);
      kpi_api::Sql q3;
      const std::string in3 = q3.list(ids);
      for (const auto& r : c.query("SELECT user_id, COALESCE(MAX(last_push_ms), 0) FROM devices WHERE user_id IN (" + in3 + ") GROUP BY user_id",
                                   q3.params))
        by_id[r.str(0)]["last_sync"] = r.i64(1);
      for (const auto& id : ids) list.push_back(std::move(by_id[id]));
    });
    const bool more = offset + static_cast<std::int64_t>(list.size()) < total;
    const std::string format = kpi_api::text_param(req, "format");
    if (!format.empty() && format != "json" && format != "csv")
      throw HttpError{400, "invalid_parameter", "format must be json or csv", "format", {}};
    if (format == "csv") {
      kpi_api::Table t;
      t.columns = {"user_id", "name", "email", "team", "site", "job_role", "statements", "last_sync", "course_id", "title", "completion",
                   "completed", "best_score", "pretest_score", "posttest_score", "time_spent_ms"};
      for (const auto& l : list) {
        const std::vector<json> who = {l["id"], l["name"], l["email"], l["team"], l["site"], l["role"], l["statements"],
                                       l["last_sync"].get<std::int64_t>() ? json(format_timestamp(l["last_sync"])) : json(nullptr)};
        if (l["courses"].empty()) {
          auto row = who;
          row.resize(t.columns.size());
          t.rows.push_back(std::move(row));
        }
        for (const auto& c : l["courses"]) {
          auto row = who;
          for (const char* k : {"course_id", "title", "completion", "completed", "best_score", "pretest_score", "posttest_score", "time_spent_ms"})
            row.push_back(c[k]);
          t.rows.push_back(std::move(row));
        }
      }
      return kpi_api::respond(req, "learners", json::object(), t);
    }
    return Response::json(200, {{"learners", list}, {"total", total}, {"next_offset", more ? json(offset + limit) : json(nullptr)}});
  });

  // One learner: profile, devices and progress per course with its items (drill-down).
  router.add("GET", "/api/v1/admin/learners/{id}", [&app](Request& req) {
    Principal p = app.require_staff(req);
    const std::string& id = req.param("id");
    if (!learner_visible(app, p, id)) throw HttpError{403, "forbidden", "this learner is outside your scope", {}, {}};
    json out;
    app.db().read([&](db::Connection& c) {
      auto u = c.query("SELECT id, name, email, team, site, job_role, active, created_ms FROM users WHERE id = $1", {id});
      out["learner"] = {{"id", u[0].str(0)}, {"name", u[0].str(1)}, {"email", u[0].str(2)}, {"team", u[0].str(3)}, {"site", u[0].str(4)},
                        {"job_role", u[0].str(5)}, {"active", u[0].i64(6) == 1}, {"created_ms", u[0].i64(7)}};
      json groups = json::array();
      for (const auto& r : c.query("SELECT g.id, g.name FROM group_members m JOIN user_groups g ON g.id = m.group_id WHERE m.user_id = $1 "
                                   "ORDER BY g.name", {id}))
        groups.push_back({{"id", r.str(0)}, {"name", r.str(1)}});
      out["groups"] = groups;
      json devices = json::array();
      for (const auto& r : c.query("SELECT id, name, created_ms, last_push_ms, last_pull_ms FROM devices WHERE user_id = $1 ORDER BY created_ms, id",
                                   {id}))
        devices.push_back({{"id", r.str(0)}, {"name", r.str(1)}, {"created_ms", r.i64(2)},
                           {"last_push_ms", r.is_null(3) ? json(nullptr) : json(r.i64(3))},
                           {"last_pull_ms", r.is_null(4) ? json(nullptr) : json(r.i64(4))}});
      out["devices"] = devices;
      std::map<std::string, json> items;  // course -> items
      for (const auto& r : c.query("SELECT course_id, item_id, item_type, started_ms, completed, completed_ms, attempts, best_score, passed, "
                                   "time_spent_ms FROM kpi_learner_item WHERE user_id = $1", {id})) {
        json& list = items[r.str(0)];
        if (list.is_null()) list = json::array();
        list.push_back({{"item_id", r.str(1)}, {"type", r.str(2)}, {"started_ms", r.i64(3)}, {"completed", r.i64(4) == 1},
                        {"completed_ms", r.i64(5)}, {"attempts", r.i64(6)}, {"best_score", opt_score(r, 7)}, {"passed", r.i64(8) == 1},
                        {"time_spent_ms", r.i64(9)}});
      }
      json courses = json::array();
      for (const auto& r : c.query("SELECT course_id, course_version, statements, started_ms, last_activity_ms, completed, completed_ms, "
                                   "completion, time_spent_ms, best_score, pretest_score, posttest_score FROM kpi_learner_course "
                                   "WHERE user_id = $1 ORDER BY course_id", {id})) {
        auto course = app.published_course(c, r.str(0));
        // Items in course order, with their titles.
        json ordered = json::array();
        json& found = items[r.str(0)];
        if (course && found.is_array()) {
          for (const auto& m : course->modules)
            for (const auto& it : m.items)
              for (auto& i : found)
                if (i["item_id"] == it.id) {
                  i["title"] = it.title;
                  i["module_id"] = m.id;
                  ordered.push_back(i);
                }
        }
        courses.push_back({{"course_id", r.str(0)}, {"title", course ? course->title : ""}, {"version", r.i64(1)},
                           {"statements", r.i64(2)}, {"started_ms", r.i64(3)}, {"last_activity_ms", r.i64(4)},
                           {"completed", r.i64(5) == 1}, {"completed_ms", r.i64(6)}, {"completion", r.f64(7)},
                           {"time_spent_ms", r.i64(8)}, {"best_score", opt_score(r, 9)}, {"pretest_score", opt_score(r, 10)},
                           {"posttest_score", opt_score(r, 11)}, {"items", ordered}});
      }
      out["courses"] = courses;
    });
    return Response::json(200, out);
  });

  // One learner's statements, newest first (drill-down timeline), filtered and paged.
  router.add("GET", "/api/v1/admin/learners/{id}/statements", [&app](Request& req) {
    Principal p = app.require_staff(req);
    const std::string& id = req.param("id");
    const std::int64_t limit = kpi_api::int_param(req, "limit", 500, 1, 500);
    const std::int64_t before = kpi_api::int_param(req, "before", 0, 0, std::numeric_limits<std::int64_t>::max() / 2);
    const std::string verb = kpi_api::text_param(req, "verb");
    const std::string course = kpi_api::text_param(req, "course");
    const std::string flagged = kpi_api::text_param(req, "flagged");
    if (!flagged.empty() && flagged != "0" && flagged != "1")
      throw HttpError{400, "invalid_parameter", "flagged must be 0 or 1", "flagged", {}};
    auto time_param = [&](const char* name) -> std::optional<std::int64_t> {
      const std::string v = kpi_api::text_param(req, name);
      if (v.empty()) return std::nullopt;
      auto t = parse_timestamp(v);
      if (!t) throw HttpError{400, "invalid_parameter", std::string(name) + " must be an ISO 8601 timestamp", name, {}};
      return *t;
    };
    const auto since = time_param("since"), until = time_param("until");
    if (!learner_visible(app, p, id)) throw HttpError{403, "forbidden", "this learner is outside your scope", {}, {}};
    kpi_api::Sql q;
    std::string sql = "SELECT seq, body, stored_ms, rescore_flag, voided FROM statements WHERE user_id = " + q.p(id);
    if (before) sql += " AND seq < " + q.p(before);
    if (!verb.empty()) sql += " AND verb = " + q.p(verb);
    if (!course.empty()) sql += " AND course_id = " + q.p(course);
    if (flagged == "1") sql += " AND rescore_flag IS NOT NULL";
    if (since) sql += " AND timestamp_ms >= " + q.p(*since);
    if (until) sql += " AND timestamp_ms < " + q.p(*until);
    sql += " ORDER BY seq DESC LIMIT " + q.p(limit + 1);
    json list = json::array();
    json next = nullptr;
    app.db().read([&](db::Connection& c) {
      auto rows = c.query(sql, q.params);
      for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        if (static_cast<std::int64_t>(i) == limit) {
          next = rows[i - 1].i64(0);
          break;
        }
        json s = App::served_form(r.str(1), r.i64(2), nullptr);
        if (!r.is_null(3)) s["urn:trailpack:rescore_flag"] = r.str(3);
        if (r.i64(4) == 1) s["urn:trailpack:voided"] = true;
        list.push_back(std::move(s));
      }
    });
    return Response::json(200, {{"statements", list}, {"next_before", next}});
  });

  // Enrollment codes for a learner's device: admins for their organisation's learners,
  // managers for the learners of their groups.
  router.add("POST", "/api/v1/admin/users/{id}/enrollment-codes", [&app](Request& req) {
    Principal p = app.require_staff(req);
    const std::string& id = req.param("id");
    app.db().read([&](db::Connection& c) {
      directory::require_user(c, directory::scope_of(c, p), id);
      auto u = c.query("SELECT role, active FROM users WHERE id = $1", {id});
      if (u[0].str(0) != "learner" || u[0].i64(1) == 0)
        throw HttpError{409, "not_a_learner", "enrollment codes are for active learners (staff sign in to the console)", {}, {}};
    });
    const std::string code = app.create_enrollment_code(id, 14 * 24 * 3600, 5);
    return Response::json(201, {{"code", code}, {"link", app.config().public_url + "/#enroll=" + code}});
  }, {.before_body = [&app](const Request& req) { app.require_staff(req); }});
  // CSV import of users (admins): header row with email,name[,role,team,site,job_role,groups].
  // Each row is checked on its own; bad rows are reported with their line and reason and
  // change nothing; re-importing the same file changes nothing (upsert by email).
  router.add(
      "POST", "/api/v1/admin/users/import",
      [&app](Request& req) {
        Principal p = app.require_admin(req);
        const bool dry = req.query_param("dry_run").value_or("0") != "0";
        auto rows = csv::parse(req.body, {.max_rows = 50000, .max_fields = 16, .max_field_bytes = 512});
        if (!rows) throw HttpError{400, rows.error().code, rows.error().message, rows.error().where, {}};
        if (rows->empty()) throw HttpError{400, "invalid_csv", "the file is empty", {}, {}};
        // The header: known columns, each once (a misspelt "group" column would otherwise
        // be ignored without a word).
        std::map<std::string, std::size_t> col;
        for (std::size_t i = 0; i < (*rows)[0].fields.size(); ++i) {
          const std::string name = ascii_lower(trim_blanks((*rows)[0].fields[i]));
          if (!kImportColumns.count(name))
            throw HttpError{400, "invalid_csv",
                            "unknown column \"" + utf8_prefix(name, 60) + "\" (the columns are email, name, role, team, site, job_role, groups)",
                            "line 1", {}};
          if (!col.emplace(name, i).second)
            throw HttpError{400, "invalid_csv", "the column \"" + name + "\" appears twice", "line 1", {}};
        }
        for (const char* required : {"email", "name"})
          if (!col.count(required)) throw HttpError{400, "invalid_csv", std::string("the header row needs a \"") + required + "\" column", "line 1", {}};
        auto field = [&](const csv::Row& r, const char* name) -> std::string {
          auto it = col.find(name);
          return it == col.end() || it->second >= r.fields.size() ? std::string() : r.fields[it->second];
        };
        json errors = json::array();
        int created = 0, updated = 0, unchanged = 0;
        std::set<std::string> seen;
        std::map<std::string, std::string> group_ids;  // name -> id, of the groups the file names so far
        std::size_t groups_created = 0;
        auto apply = [&](db::Connection& c) {
          app.serialize_writers(c, "trailpack:identities");  // like create_user: check-then-insert by email
          created = updated = unchanged = 0;
          errors = json::array();
          seen.clear();
          group_ids.clear();
          groups_created = 0;
          for (std::size_t i = 1; i < rows->size(); ++i) {
            const auto& r = (*rows)[i];
            std::string email = ascii_lower(field(r, "email")), name = field(r, "name"), role = field(r, "role");
            if (role.empty()) role = "learner";
            std::string problem;
            const auto at = email.find('@');
            if (email.empty()) problem = "email is empty";
            else if (at == std::string::npos || at == 0 || email.find('.', at) == std::string::npos || email.find(' ') != std::string::npos)
              problem = "\"" + email + "\" is not an email address";
            else if (name.empty()) problem = "name is empty";
            else if (role != "learner" && role != "manager") problem = "role must be learner or manager (admins are added by an admin)";
            else if (!seen.insert(email).second) problem = "this email appears earlier in the file";
            else if (!is_storable_text(email) || !is_storable_text(name) || !is_storable_text(field(r, "team")) ||
                     !is_storable_text(field(r, "site")) || !is_storable_text(field(r, "job_role")) ||
                     !is_storable_text(field(r, "groups")))
              problem = "the row is not valid UTF-8 text (or contains a NUL character)";
            else if (email.size() > 256) problem = "email is longer than 256 bytes";
            else if (name.size() > kImportMaxText || field(r, "team").size() > kImportMaxText ||
                     field(r, "site").size() > kImportMaxText || field(r, "job_role").size() > kImportMaxText)
              problem = "name, team, site and job_role are limited to " + std::to_string(kImportMaxText) + " bytes";
            // Groups: ';'-separated names, created on first use; membership is added, never removed.
            std::vector<std::string> groups;
            if (problem.empty()) {
              for (const auto& part : split_groups(field(r, "groups"))) {
                if (part.size() > kImportMaxGroupName) problem = "a group name is longer than " + std::to_string(kImportMaxGroupName) + " bytes";
                else if (std::find(groups.begin(), groups.end(), part) == groups.end()) groups.push_back(part);
              }
              if (problem.empty() && groups.size() > kImportMaxGroupsPerRow)
                problem = "at most " + std::to_string(kImportMaxGroupsPerRow) + " groups per person";
            }
            if (problem.empty()) {
              std::size_t adds = 0;
              for (const auto& g : groups) {
                if (group_ids.count(g)) continue;
                auto gr = c.query("SELECT id FROM user_groups WHERE org_id = $1 AND name = $2", {p.org_id, g});
                if (gr.empty()) ++adds;
                else group_ids[g] = gr[0].str(0);
              }
              if (groups_created + adds > kImportMaxNewGroups)
                problem = "the file creates more than " + std::to_string(kImportMaxNewGroups) +
                          " new groups; create groups in the console, or import in parts";
            }
            if (!problem.empty()) {
              errors.push_back({{"line", r.line}, {"message", problem}});
              continue;
            }
            const std::string team = field(r, "team"), site = field(r, "site"), job = field(r, "job_role");
            auto existing = c.query("SELECT id, name, role, team, site, job_role, org_id FROM users WHERE email = $1", {email});
            // An import manages this organisation's learners and managers: it never
            // demotes an admin (possibly the one importing) or takes over another org's user.
            if (!existing.empty() && existing[0].str(6) != p.org_id) problem = email + " belongs to another organisation";
            else if (!existing.empty() && existing[0].str(2) == "admin") problem = email + " is an admin; an import does not change admins";
            if (!problem.empty()) {
              errors.push_back({{"line", r.line}, {"message", problem}});
              continue;
            }
            std::string id;
            if (existing.empty()) {
              id = "u-" + crypto::random_code(10);
              c.exec("INSERT INTO users(id, org_id, email, name, role, team, site, job_role, created_ms) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
                     {id, p.org_id, email, name, role, team, site, job, app.now_ms()});
              ++created;
            } else {
              id = existing[0].str(0);
              if (existing[0].str(1) == name && existing[0].str(2) == role && existing[0].str(3) == team &&
                  existing[0].str(4) == site && existing[0].str(5) == job) {
                ++unchanged;
              } else {
                c.exec("UPDATE users SET name = $1, role = $2, team = $3, site = $4, job_role = $5 WHERE id = $6",
                       {name, role, team, site, job, id});
                ++updated;
              }
            }
            for (const auto& g : groups) {
              std::string& gid = group_ids[g];  // found above, or created now
              if (gid.empty()) {
                gid = "g-" + crypto::random_code(10);
                c.exec("INSERT INTO user_groups(id, org_id, name, created_ms) VALUES ($1,$2,$3,$4)", {gid, p.org_id, g, app.now_ms()});
                ++groups_created;
              }
              c.exec("INSERT INTO group_members(group_id, user_id) VALUES ($1,$2) ON CONFLICT DO NOTHING", {gid, id});
            }
          }
          // New memberships bring their groups' assignments (and a role change ends a learner's).
          assignments::reconcile(c, p.org_id, app.now_ms());
          if (dry) throw HttpError{0, "dry_run", "", {}, {}};  // roll back, keep the counts
        };
        try {
          app.db().write(apply);
        } catch (const HttpError& e) {
          if (e.status != 0) throw;
        }
        return Response::json(200, {{"dry_run", dry}, {"rows", rows->size() - 1}, {"created", created}, {"updated", updated},
                                    {"unchanged", unchanged}, {"errors", errors}});
      },
      {.body_limit = 5 << 20, .before_body = [&app](const Request& req) { app.require_admin(req); }});
}

}  // namespace trailpack::server
