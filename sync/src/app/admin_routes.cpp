// Console API for admins and managers. Managers see only the members of the groups
// they manage (and their subgroups); admins see everyone in their organisation.
#include <set>

#include "app/app.hpp"
#include "crypto.hpp"
#include "text.hpp"
#include "trailpack/csv.hpp"
#include "trailpack/progress/projection.hpp"

namespace trailpack::server {

using nlohmann::json;

namespace {

// Learners visible to a staff principal.
std::vector<std::pair<std::string, json>> visible_learners(App& app, const Principal& p) {
  std::vector<std::pair<std::string, json>> out;
  app.db().read([&](db::Connection& c) {
    db::Rows rows;
    if (p.role == "admin") {
      rows = c.query("SELECT id, name, email, team, site, job_role FROM users WHERE org_id = $1 AND role = 'learner' ORDER BY name", {p.org_id});
    } else {
      // Groups managed, expanded to their descendants.
      std::set<std::string> groups;
      for (const auto& r : c.query("SELECT group_id FROM manager_scopes WHERE user_id = $1", {p.user_id})) groups.insert(r.str(0));
      bool grew = true;
      while (grew) {
        grew = false;
        for (const auto& r : c.query("SELECT id, parent_id FROM user_groups WHERE org_id = $1", {p.org_id}))
          if (!r.is_null(1) && groups.count(r.str(1)) && groups.insert(r.str(0)).second) grew = true;
      }
      std::set<std::string> seen;
      for (const auto& g : groups)
        for (auto& r : c.query("SELECT u.id, u.name, u.email, u.team, u.site, u.job_role FROM users u JOIN group_members m ON m.user_id = u.id "
                               "WHERE m.group_id = $1 AND u.role = 'learner'",
                               {g}))
          if (seen.insert(r.str(0)).second) rows.push_back(std::move(r));
    }
    for (const auto& r : rows)
      out.emplace_back(r.str(0), json{{"id", r.str(0)}, {"name", r.str(1)}, {"email", r.str(2)}, {"team", r.str(3)},
                                      {"site", r.str(4)}, {"role", r.str(5)}});
  });
  return out;
}

}  // namespace

void register_admin_routes(Router& router, App& app) {
  // Learners with their progress per published course (projections from statements).
  router.add("GET", "/api/v1/admin/learners", [&app](Request& req) {
    Principal p = app.require_staff(req);
    std::vector<bundle::Course> courses;
    app.db().read([&](db::Connection& c) {
      for (const auto& r : c.query("SELECT b.course_json FROM courses c JOIN bundles b ON b.course_id = c.id AND b.version = c.current_version ORDER BY c.id")) {
        auto parsed = bundle::parse_course(json::parse(r.str(0)));
        if (parsed) courses.push_back(std::move(parsed).value());
      }
    });
    json list = json::array();
    for (auto& [id, learner] : visible_learners(app, p)) {
      const auto statements = app.user_statements(id);
      json per_course = json::array();
      std::int64_t last_activity = 0;
      for (const auto& course : courses) {
        const auto pr = progress::project_course(course, statements);
        if (pr.statements == 0) continue;
        last_activity = std::max(last_activity, pr.last_activity);
        json best = nullptr;
        for (const auto& it : pr.items)
          if (it.best_score && (best.is_null() || *it.best_score > best.get<double>())) best = *it.best_score;
        per_course.push_back({{"course_id", course.id},
                              {"title", course.title},
                              {"completion", pr.completion},
                              {"completed", pr.completed},
                              {"best_score", best},
                              {"pretest_score", pr.pretest_score ? json(*pr.pretest_score) : json(nullptr)},
                              {"posttest_score", pr.posttest_score ? json(*pr.posttest_score) : json(nullptr)},
                              {"time_spent_ms", pr.time_spent_ms},
                              {"statements", pr.statements}});
      }
      std::int64_t last_sync = 0;
      app.db().read([&](db::Connection& c) {
        auto rows = c.query("SELECT COALESCE(MAX(last_push_ms), 0) FROM devices WHERE user_id = $1", {id});
        if (!rows.empty()) last_sync = rows[0].i64(0);
      });
      learner["courses"] = per_course;
      learner["statements"] = statements.size();
      learner["last_activity"] = last_activity;
      learner["last_sync"] = last_sync;
      list.push_back(learner);
    }
    return Response::json(200, {{"learners", list}});
  });

  // One learner's statements, newest first (drill-down timeline).
  router.add("GET", "/api/v1/admin/learners/{id}/statements", [&app](Request& req) {
    Principal p = app.require_staff(req);
    const std::string& id = req.param("id");
    bool visible = false;
    for (const auto& [lid, l] : visible_learners(app, p)) visible = visible || lid == id;
    if (!visible) throw HttpError{403, "forbidden", "this learner is outside your scope", {}, {}};
    json list = json::array();
    app.db().read([&](db::Connection& c) {
      for (const auto& r : c.query("SELECT body, stored_ms, rescore_flag FROM statements WHERE user_id = $1 ORDER BY seq DESC LIMIT 500", {id})) {
        json s = App::served_form(r.str(0), r.i64(1), nullptr);
        if (!r.is_null(2)) s["urn:trailpack:rescore_flag"] = r.str(2);
        list.push_back(std::move(s));
      }
    });
    return Response::json(200, {{"statements", list}});
  });

  // Enrollment codes for a learner's device (admins).
  router.add("POST", "/api/v1/admin/users/{id}/enrollment-codes", [&app](Request& req) {
    app.require_admin(req);
    const std::string& id = req.param("id");
    bool exists = false;
    app.db().read([&](db::Connection& c) { exists = !c.query("SELECT 1 FROM users WHERE id = $1", {id}).empty(); });
    if (!exists) throw HttpError{404, "not_found", "no such user", {}, {}};
    const std::string code = app.create_enrollment_code(id, 14 * 24 * 3600, 5);
    return Response::json(201, {{"code", code}, {"link", app.config().public_url + "/#enroll=" + code}});
  }, {.before_body = [&app](const Request& req) { app.require_admin(req); }});
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
        std::map<std::string, std::size_t> col;
        for (std::size_t i = 0; i < (*rows)[0].fields.size(); ++i) {
          std::string h = (*rows)[0].fields[i];
          for (char& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          col[h] = i;
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
        auto apply = [&](db::Connection& c) {
          app.serialize_writers(c, "trailpack:identities");  // like create_user: check-then-insert by email
          created = updated = unchanged = 0;
          errors = json::array();
          seen.clear();
          for (std::size_t i = 1; i < rows->size(); ++i) {
            const auto& r = (*rows)[i];
            std::string email = field(r, "email"), name = field(r, "name"), role = field(r, "role");
            for (char& ch : email) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
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
            // Groups: ';'-separated names, created on first use; membership is added, never removed.
            std::string groups = field(r, "groups");
            std::size_t start = 0;
            while (start < groups.size()) {
              auto end = groups.find(';', start);
              if (end == std::string::npos) end = groups.size();
              std::string g = groups.substr(start, end - start);
              while (!g.empty() && g.front() == ' ') g.erase(g.begin());
              while (!g.empty() && g.back() == ' ') g.pop_back();
              start = end + 1;
              if (g.empty()) continue;
              auto gr = c.query("SELECT id FROM user_groups WHERE org_id = $1 AND name = $2", {p.org_id, g});
              std::string gid;
              if (gr.empty()) {
                gid = "g-" + crypto::random_code(10);
                c.exec("INSERT INTO user_groups(id, org_id, name, created_ms) VALUES ($1,$2,$3,$4)", {gid, p.org_id, g, app.now_ms()});
              } else {
                gid = gr[0].str(0);
              }
              c.exec("INSERT INTO group_members(group_id, user_id) VALUES ($1,$2) ON CONFLICT DO NOTHING", {gid, id});
            }
          }
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
