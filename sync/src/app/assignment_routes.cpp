// Console API for assignments and learning paths. A path is an ordered list of courses,
// each mandatory or optional. An assignment gives a course or a path to a learner or a
// group (and the group's subgroups), with a due date (fixed, or N days after each
// learner's assignment) and optionally a recertification period. Admins create and end
// them; managers read them for their learners.
#include <set>

#include "app/assignments.hpp"
#include "app/directory.hpp"
#include "app/request_fields.hpp"
#include "crypto.hpp"

namespace trailpack::server {

using nlohmann::json;

namespace {

struct PathInput {
  std::string title;
  std::vector<std::pair<std::string, bool>> courses;  // course id, mandatory
};

PathInput read_path(const Request& req) {
  return read_body(req, [](JsonReader& rd) {
    rd.only({"title", "courses"});
    PathInput p;
    p.title = text_field(rd, "title", 200, true);
    auto courses = rd.objects("courses");
    if (courses.size() > 50) rd.fail("courses", "must list at most 50 courses");
    std::set<std::string> seen;
    for (auto& c : courses) {
      c.only({"course_id", "mandatory"});
      std::string id = text_field(c, "course_id", 128, true);
      if (!seen.insert(id).second) c.fail("course_id", "appears twice in the path");
      p.courses.emplace_back(id, c.boolean_or("mandatory", true));
    }
    return p;
  });
}

void require_published(db::Connection& c, const std::string& course_id, const std::string& where) {
  if (c.query("SELECT 1 FROM courses WHERE id = $1", {course_id}).empty())
    throw HttpError{400, "invalid_request", "no published course \"" + course_id + "\"", where, {}};
}

json path_json(db::Connection& c, const std::string& id, const std::map<std::string, assignments::CourseInfo>& catalog) {
  auto rows = c.query("SELECT id, title, created_ms, updated_ms FROM learning_paths WHERE id = $1", {id});
  if (rows.empty()) throw HttpError{404, "not_found", "no such learning path in your organisation", {}, {}};
  json courses = json::array();
  for (const auto& r : c.query("SELECT course_id, mandatory FROM learning_path_courses WHERE path_id = $1 ORDER BY position", {id})) {
    auto it = catalog.find(r.str(0));
    courses.push_back({{"course_id", r.str(0)}, {"title", it == catalog.end() ? r.str(0) : it->second.title}, {"mandatory", r.i64(1) != 0}});
  }
  const auto uses = c.query("SELECT COUNT(*) FROM assignments WHERE path_id = $1 AND ended_ms IS NULL", {id})[0].i64(0);
  return {{"id", rows[0].str(0)},         {"title", rows[0].str(1)},   {"courses", courses},
          {"created_ms", rows[0].i64(2)}, {"updated_ms", rows[0].i64(3)}, {"assignments", uses}};
}

void require_path(db::Connection& c, const std::string& org_id, const std::string& id) {
  auto rows = c.query("SELECT org_id FROM learning_paths WHERE id = $1", {id});
  if (rows.empty() || rows[0].str(0) != org_id) throw HttpError{404, "not_found", "no such learning path in your organisation", {}, {}};
}

void write_path_courses(db::Connection& c, const std::string& id, const PathInput& p) {
  c.exec("DELETE FROM learning_path_courses WHERE path_id = $1", {id});
  for (std::size_t i = 0; i < p.courses.size(); ++i)
    c.exec("INSERT INTO learning_path_courses(path_id, position, course_id, mandatory) VALUES ($1,$2,$3,$4)",
           {id, static_cast<std::int64_t>(i + 1), p.courses[i].first, std::int64_t{p.courses[i].second ? 1 : 0}});
}

// Summary of an assignment over the learners the caller sees.
struct Counts {
  std::set<std::string> learners, completed, overdue;
};

Counts count_rows(const std::vector<assignments::LearnerAssignment>& rows, const std::set<std::string>* visible, std::int64_t now) {
  Counts k;
  std::map<std::string, bool> all_done;
  for (const auto& cur : assignments::current_rows(rows, now)) {
    const auto& r = cur.row;
    if (visible && !visible->count(r.user_id)) continue;
    k.learners.insert(r.user_id);
    const std::string st = assignments::status_of(r, now);
    if (st == "overdue") k.overdue.insert(r.user_id);
    auto [it, fresh] = all_done.emplace(r.user_id, true);
    if (r.mandatory && st != "completed") it->second = false;
  }
  for (const auto& [u, done] : all_done)
    if (done) k.completed.insert(u);
  return k;
}

json assignment_json(db::Connection& c, const db::Row& r, const std::map<std::string, assignments::CourseInfo>& catalog,
                     const std::map<std::string, std::string>& paths, const Counts& k) {
  // columns: id, target_type, target_id, course_id, path_id, due_at_ms, due_days, recur_months, created_ms, ended_ms
  auto opt = [&](std::size_t i) { return r.is_null(i) ? json(nullptr) : json(r.i64(i)); };
  std::string target_name = r.str(2);
  if (r.str(1) == "group") {
    auto g = c.query("SELECT name FROM user_groups WHERE id = $1", {r.str(2)});
    if (!g.empty()) target_name = g[0].str(0);
  } else {
    auto u = c.query("SELECT name FROM users WHERE id = $1", {r.str(2)});
    if (!u.empty()) target_name = u[0].str(0);
  }
  std::string title;
  if (!r.is_null(3)) {
    auto it = catalog.find(r.str(3));
    title = it == catalog.end() ? r.str(3) : it->second.title;
  } else {
    auto it = paths.find(r.str(4));
    title = it == paths.end() ? r.str(4) : it->second;
  }
  return {{"id", r.str(0)},
          {"target", {{"type", r.str(1)}, {"id", r.str(2)}, {"name", target_name}}},
          {"course_id", r.is_null(3) ? json(nullptr) : json(r.str(3))},
          {"path_id", r.is_null(4) ? json(nullptr) : json(r.str(4))},
          {"title", title},
          {"due_at", opt(5)},
          {"due_days", opt(6)},
          {"recur_months", opt(7)},
          {"created_ms", r.i64(8)},
          {"ended_ms", opt(9)},
          {"learners", k.learners.size()},
          {"completed", k.completed.size()},
          {"overdue", k.overdue.size()}};
}

constexpr const char* kAssignmentColumns =
    "id, target_type, target_id, course_id, path_id, due_at_ms, due_days, recur_months, created_ms, ended_ms, org_id";

// An assignment the caller may read: admins of its organisation; managers when it covers
// one of their learners or targets one of their groups.
db::Row require_assignment(db::Connection& c, const directory::Scope& scope, const std::string& id,
                           const std::set<std::string>& visible, std::int64_t now) {
  auto rows = c.query(std::string("SELECT ") + kAssignmentColumns + " FROM assignments WHERE id = $1", {id});
  if (rows.empty() || rows[0].str(10) != scope.org_id) {
    if (scope.admin) throw HttpError{404, "not_found", "no such assignment in your organisation", {}, {}};
    throw HttpError{403, "forbidden", "this assignment is outside your scope", {}, {}};
  }
  if (scope.admin) return rows[0];
  if (rows[0].str(1) == "group" && scope.sees_group(rows[0].str(2))) return rows[0];
  for (const auto& r : assignments::assignment_rows(c, id))
    if (visible.count(r.user_id)) return rows[0];
  (void)now;
  throw HttpError{403, "forbidden", "this assignment is outside your scope", {}, {}};
}

}  // namespace

void register_assignment_routes(Router& router, App& app) {
  // ---------------------------------------------------------------- learning paths
  router.add("GET", "/api/v1/admin/paths", [&app](Request& req) {
    Principal p = app.require_staff(req);
    json list = json::array();
    app.db().read([&](db::Connection& c) {
      const auto cat = assignments::catalog(c);
      for (const auto& r : c.query("SELECT id FROM learning_paths WHERE org_id = $1 ORDER BY title", {p.org_id}))
        list.push_back(path_json(c, r.str(0), cat));
    });
    return Response::json(200, {{"paths", list}});
  });

  router.add("POST", "/api/v1/admin/paths", [&app](Request& req) {
    Principal p = app.require_admin(req);
    const PathInput in = read_path(req);
    const std::string id = "p-" + crypto::random_code(10);
    app.db().write([&](db::Connection& c) {
      for (std::size_t i = 0; i < in.courses.size(); ++i)
        require_published(c, in.courses[i].first, "courses[" + std::to_string(i) + "].course_id");
      c.exec("INSERT INTO learning_paths(id, org_id, title, created_ms, updated_ms) VALUES ($1,$2,$3,$4,$4)",
             {id, p.org_id, in.title, app.now_ms()});
      write_path_courses(c, id, in);
    });
    json out;
    app.db().read([&](db::Connection& c) { out = path_json(c, id, assignments::catalog(c)); });
    return Response::json(201, out);
  }, {.before_body = [&app](const Request& r) { app.require_admin(r); }});

  // Replacing a path's courses updates every learner it is assigned to: new courses are
  // assigned, removed ones end (kept as history), mandatory flags follow.
  router.add("PUT", "/api/v1/admin/paths/{id}", [&app](Request& req) {
    Principal p = app.require_admin(req);
    const std::string id = req.param("id");
    const PathInput in = read_path(req);
    app.db().write([&](db::Connection& c) {
      app.serialize_writers(c, "trailpack:identities");
      require_path(c, p.org_id, id);
      for (std::size_t i = 0; i < in.courses.size(); ++i)
        require_published(c, in.courses[i].first, "courses[" + std::to_string(i) + "].course_id");
      c.exec("UPDATE learning_paths SET title = $1, updated_ms = $2 WHERE id = $3", {in.title, app.now_ms(), id});
      write_path_courses(c, id, in);
      std::set<std::string> uses;
      for (const auto& r : c.query("SELECT id FROM assignments WHERE path_id = $1 AND ended_ms IS NULL", {id})) uses.insert(r.str(0));
      if (!uses.empty()) assignments::reconcile(c, p.org_id, app.now_ms(), uses);
    });
    json out;
    app.db().read([&](db::Connection& c) { out = path_json(c, id, assignments::catalog(c)); });
    return Response::json(200, out);
  }, {.before_body = [&app](const Request& r) { app.require_admin(r); }});

  // ---------------------------------------------------------------- assignments
  router.add("GET", "/api/v1/admin/assignments", [&app](Request& req) {
    Principal p = app.require_staff(req);
    const bool include_ended = req.query_param("include_ended").value_or("0") != "0";
    json list = json::array();
    const auto now = app.now_ms();
    app.db().read([&](db::Connection& c) {
      const auto scope = directory::scope_of(c, p);
      const auto visible = directory::visible_learners(c, scope);
      const auto cat = assignments::catalog(c);
      const auto paths = assignments::path_titles(c, p.org_id);
      for (const auto& r : c.query(std::string("SELECT ") + kAssignmentColumns +
                                       " FROM assignments WHERE org_id = $1 ORDER BY created_ms DESC",
                                   {p.org_id})) {
        if (!include_ended && !r.is_null(9)) continue;
        const auto rows = assignments::assignment_rows(c, r.str(0));
        const Counts k = count_rows(rows, scope.admin ? nullptr : &visible, now);
        if (!scope.admin && k.learners.empty() && !(r.str(1) == "group" && scope.sees_group(r.str(2)))) continue;
        list.push_back(assignment_json(c, r, cat, paths, k));
      }
    });
    return Response::json(200, {{"assignments", list}});
  });

  router.add("POST", "/api/v1/admin/assignments", [&app](Request& req) {
    Principal p = app.require_admin(req);
    struct Input {
      std::string target_type, target_id, course_id, path_id;
      std::optional<std::int64_t> due_at, due_days, recur_months;
    };
    const Input in = read_body(req, [](JsonReader& rd) {
      rd.only({"target", "course_id", "path_id", "due_at", "due_days", "recur_months"});
      Input i;
      if (!rd.has("target")) rd.fail("target", "is required");
      JsonReader t(rd.raw()["target"], "target");
      t.only({"type", "id"});
      i.target_type = t.one_of("type", {"user", "group"}, nullptr);
      i.target_id = text_field(t, "id", 64, true);
      i.course_id = text_field(rd, "course_id", 128, false);
      i.path_id = text_field(rd, "path_id", 64, false);
      if (i.course_id.empty() && i.path_id.empty()) rd.fail("course_id", "is required (or path_id)");
      if (!i.course_id.empty() && !i.path_id.empty()) rd.fail("path_id", "must not be given with course_id");
      if (rd.has("due_at") && rd.has("due_days")) rd.fail("due_days", "must not be given with due_at");
      if (rd.has("due_at")) i.due_at = rd.integer_or("due_at", 0, 0, 32503680000000);  // up to year 3000
      if (rd.has("due_days")) i.due_days = rd.integer_or("due_days", 0, 0, 3650);
      if (rd.has("recur_months")) i.recur_months = rd.integer_or("recur_months", 0, 1, 120);
      return i;
    });
    const std::string id = "as-" + crypto::random_code(10);
    assignments::ReconcileReport rec;
    app.db().write([&](db::Connection& c) {
      app.serialize_writers(c, "trailpack:identities");
      if (in.target_type == "group") {
        if (c.query("SELECT 1 FROM user_groups WHERE id = $1 AND org_id = $2", {in.target_id, p.org_id}).empty())
          throw HttpError{400, "invalid_request", "no such group in your organisation: " + in.target_id, "target.id", {}};
      } else if (c.query("SELECT 1 FROM users WHERE id = $1 AND org_id = $2 AND role = 'learner'", {in.target_id, p.org_id}).empty()) {
        throw HttpError{400, "invalid_request", "no such learner in your organisation: " + in.target_id, "target.id", {}};
      }
      if (!in.course_id.empty()) require_published(c, in.course_id, "course_id");
      else require_path(c, p.org_id, in.path_id);
      auto same = c.query("SELECT id FROM assignments WHERE org_id = $1 AND target_type = $2 AND target_id = $3 AND ended_ms IS NULL "
                          "AND COALESCE(course_id, '') = $4 AND COALESCE(path_id, '') = $5",
                          {p.org_id, in.target_type, in.target_id, in.course_id, in.path_id});
      if (!same.empty())
        throw HttpError{409, "already_assigned", "this is already assigned to this " + in.target_type + " (" + same[0].str(0) + ")", {}, {}};
      auto opt = [](const std::optional<std::int64_t>& v) { return v ? db::Value(*v) : db::Value(nullptr); };
      c.exec("INSERT INTO assignments(id, org_id, target_type, target_id, course_id, path_id, due_at_ms, due_days, recur_months, "
             "created_by, created_ms) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
             {id, p.org_id, in.target_type, in.target_id, in.course_id.empty() ? db::Value(nullptr) : db::Value(in.course_id),
              in.path_id.empty() ? db::Value(nullptr) : db::Value(in.path_id), opt(in.due_at), opt(in.due_days),
              opt(in.recur_months), p.user_id, app.now_ms()});
      rec = assignments::reconcile(c, p.org_id, app.now_ms(), {id});
    });
    json out;
    app.db().read([&](db::Connection& c) {
      auto r = c.query(std::string("SELECT ") + kAssignmentColumns + " FROM assignments WHERE id = $1", {id});
      out = assignment_json(c, r[0], assignments::catalog(c), assignments::path_titles(c, p.org_id),
                            count_rows(assignments::assignment_rows(c, id), nullptr, app.now_ms()));
    });
    return Response::json(201, out);
  }, {.before_body = [&app](const Request& r) { app.require_admin(r); }});

  // Ending an assignment keeps its rows, progress and reminders as history.
  router.add("DELETE", "/api/v1/admin/assignments/{id}", [&app](Request& req) {
    Principal p = app.require_admin(req);
    const std::string id = req.param("id");
    std::int64_t ended = 0;
    app.db().write([&](db::Connection& c) {
      auto rows = c.query("SELECT org_id, ended_ms FROM assignments WHERE id = $1", {id});
      if (rows.empty() || rows[0].str(0) != p.org_id) throw HttpError{404, "not_found", "no such assignment in your organisation", {}, {}};
      if (!rows[0].is_null(1)) throw HttpError{409, "already_ended", "this assignment has already ended", {}, {}};
      const auto now = app.now_ms();
      c.exec("UPDATE assignments SET ended_ms = $1 WHERE id = $2", {now, id});
      ended = c.exec("UPDATE learner_assignments SET ended_ms = $1 WHERE assignment_id = $2 AND ended_ms IS NULL", {now, id});
    });
    return Response::json(200, {{"id", id}, {"rows_ended", ended}});
  });

  // Per learner of one assignment: current cycle, status, due date (completion refreshed).
  router.add("GET", "/api/v1/admin/assignments/{id}/learners", [&app](Request& req) {
    Principal p = app.require_staff(req);
    const std::string id = req.param("id");
    std::set<std::string> visible;
    bool admin = false;
    app.db().read([&](db::Connection& c) {
      const auto scope = directory::scope_of(c, p);
      admin = scope.admin;
      visible = directory::visible_learners(c, scope);
      require_assignment(c, scope, id, visible, app.now_ms());
    });
    const auto now = app.now_ms();
    std::set<std::string> users;
    app.db().read([&](db::Connection& c) {
      for (const auto& r : assignments::assignment_rows(c, id))
        if (!r.ended_at && (admin || visible.count(r.user_id))) users.insert(r.user_id);
    });
    for (const auto& u : users) assignments::refresh_learner(app, u, now);
    json list = json::array();
    app.db().read([&](db::Connection& c) {
      const auto cat = assignments::catalog(c);
      const auto paths = assignments::path_titles(c, p.org_id);
      std::map<std::string, json> per_user;
      for (const auto& cur : assignments::current_rows(assignments::assignment_rows(c, id), now)) {
        if (!users.count(cur.row.user_id)) continue;
        json row = assignments::row_json(cur.row, now, cat, paths);
        row["next_cycle_at"] = cur.next_cycle_at ? json(*cur.next_cycle_at) : json(nullptr);
        auto& entry = per_user[cur.row.user_id];
        if (entry.is_null()) {
          auto u = c.query("SELECT name, email FROM users WHERE id = $1", {cur.row.user_id});
          entry = {{"user_id", cur.row.user_id}, {"name", u.empty() ? "" : u[0].str(0)}, {"email", u.empty() ? "" : u[0].str(1)},
                   {"courses", json::array()}};
        }
        entry["courses"].push_back(row);
      }
      for (auto& [u, e] : per_user) {
        bool all_done = true, overdue = false, upcoming = true;
        for (const auto& r : e["courses"]) {
          if (r["mandatory"] == true && r["status"] != "completed") all_done = false;
          if (r["status"] == "overdue") overdue = true;
          if (r["status"] != "upcoming") upcoming = false;
        }
        e["status"] = overdue ? "overdue" : all_done ? "completed" : upcoming ? "upcoming" : "assigned";
        list.push_back(e);
      }
    });
    return Response::json(200, {{"learners", list}});
  });

  // Everything a learner has been assigned (history included), with completion refreshed
  // from their statements.
  router.add("GET", "/api/v1/admin/learners/{id}/assignments", [&app](Request& req) {
    Principal p = app.require_staff(req);
    const std::string id = req.param("id");
    app.db().read([&](db::Connection& c) { directory::require_user(c, directory::scope_of(c, p), id); });
    const auto now = app.now_ms();
    assignments::refresh_learner(app, id, now);
    json list = json::array();
    json summary = {{"assigned", 0}, {"completed", 0}, {"overdue", 0}, {"upcoming", 0}};
    app.db().read([&](db::Connection& c) {
      const auto cat = assignments::catalog(c);
      const auto paths = assignments::path_titles(c, p.org_id);
      const auto rows = assignments::learner_rows(c, id);
      std::set<std::string> current;
      for (const auto& cur : assignments::current_rows(rows, now)) {
        current.insert(cur.row.id);
        const std::string st = assignments::status_of(cur.row, now);
        summary[st] = summary.value(st, 0) + 1;
      }
      for (const auto& r : rows) {
        json row = assignments::row_json(r, now, cat, paths);
        row["current"] = current.count(r.id) > 0;
        list.push_back(row);
      }
    });
    return Response::json(200, {{"assignments", list}, {"summary", summary}});
  });
}

}  // namespace trailpack::server
