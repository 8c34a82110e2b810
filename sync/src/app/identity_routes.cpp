// Console API for identities: people (list, search, create, update, deactivate), their
// devices (list, revoke), enrollment codes as links and QR codes, groups (nesting, members,
// managers) and organisation settings. Admins act on their organisation; managers read
// the learners of the groups they manage (and those groups' subgroups), and may give
// them enrollment codes and revoke their devices; anything else is 403.
#include <algorithm>
#include <set>

#include "app/assignments.hpp"
#include "app/directory.hpp"
#include "app/request_fields.hpp"
#include "crypto.hpp"
#include "qr.hpp"
#include "trailpack/encoding.hpp"

namespace trailpack::server {

using nlohmann::json;

namespace {

constexpr const char* kUserColumns = "id, name, email, role, team, site, job_role, active, created_ms, org_id";
constexpr std::size_t kMaxText = 200;

json user_json(const db::Row& r) {
  return {{"id", r.str(0)},       {"name", r.str(1)},     {"email", r.str(2)},
          {"role", r.str(3)},     {"team", r.str(4)},     {"site", r.str(5)},
          {"job_role", r.str(6)}, {"active", r.i64(7) != 0}, {"created_ms", r.i64(8)}};
}

// Groups, managed groups and device summary of users of one organisation.
struct Extras {
  std::map<std::string, json> groups;    // user -> [{id, name}]
  std::map<std::string, json> manages;   // user -> [{id, name}]
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> devices;  // user -> (count, last push)
};

Extras load_extras(db::Connection& c, const std::string& org_id) {
  Extras e;
  for (const auto& r : c.query("SELECT m.user_id, g.id, g.name FROM group_members m JOIN user_groups g ON g.id = m.group_id "
                               "WHERE g.org_id = $1 ORDER BY g.name",
                               {org_id})) {
    auto& list = e.groups[r.str(0)];
    if (list.is_null()) list = json::array();
    list.push_back({{"id", r.str(1)}, {"name", r.str(2)}});
  }
  for (const auto& r : c.query("SELECT m.user_id, g.id, g.name FROM manager_scopes m JOIN user_groups g ON g.id = m.group_id "
                               "WHERE g.org_id = $1 ORDER BY g.name",
                               {org_id})) {
    auto& list = e.manages[r.str(0)];
    if (list.is_null()) list = json::array();
    list.push_back({{"id", r.str(1)}, {"name", r.str(2)}});
  }
  for (const auto& r : c.query("SELECT d.user_id, COUNT(*), COALESCE(MAX(d.last_push_ms), 0) FROM devices d "
                               "JOIN users u ON u.id = d.user_id WHERE u.org_id = $1 AND d.revoked_ms IS NULL GROUP BY d.user_id",
                               {org_id}))
    e.devices[r.str(0)] = {r.i64(1), r.i64(2)};
  return e;
}

json with_extras(json u, const Extras& e) {
  const std::string id = u["id"];
  auto g = e.groups.find(id);
  u["groups"] = g == e.groups.end() ? json::array() : g->second;
  auto m = e.manages.find(id);
  if (u["role"] == "manager") u["manages"] = m == e.manages.end() ? json::array() : m->second;
  auto d = e.devices.find(id);
  u["devices"] = d == e.devices.end() ? 0 : d->second.first;
  u["last_sync"] = d == e.devices.end() ? 0 : d->second.second;
  return u;
}

json load_user(db::Connection& c, const std::string& id) {
  auto rows = c.query(std::string("SELECT ") + kUserColumns + " FROM users WHERE id = $1", {id});
  if (rows.empty()) throw HttpError{404, "not_found", "no such user in your organisation", {}, {}};
  return with_extras(user_json(rows[0]), load_extras(c, rows[0].str(9)));
}

json devices_of(db::Connection& c, const std::string& user_id, std::int64_t now) {
  json list = json::array();
  for (const auto& r : c.query(
           "SELECT d.id, d.name, d.created_ms, d.last_push_ms, d.last_pull_ms, d.revoked_ms, "
           "(SELECT COUNT(*) FROM tokens t WHERE t.device_id = d.id AND t.revoked_ms IS NULL AND t.expires_ms > $1) "
           "FROM devices d WHERE d.user_id = $2 ORDER BY d.created_ms DESC",
           {now, user_id})) {
    auto opt = [&](std::size_t i) { return r.is_null(i) ? json(nullptr) : json(r.i64(i)); };
    list.push_back({{"id", r.str(0)},
                    {"name", r.str(1)},
                    {"created_ms", r.i64(2)},
                    {"last_push_ms", opt(3)},
                    {"last_pull_ms", opt(4)},
                    {"revoked_ms", opt(5)},
                    {"active", r.is_null(5) && r.i64(6) > 0}});
  }
  return list;
}

json group_json(db::Connection& c, const std::string& id) {
  auto rows = c.query("SELECT id, name, parent_id, created_ms FROM user_groups WHERE id = $1", {id});
  if (rows.empty()) throw HttpError{404, "not_found", "no such group in your organisation", {}, {}};
  json managers = json::array();
  for (const auto& r : c.query("SELECT u.id, u.name, u.email FROM manager_scopes m JOIN users u ON u.id = m.user_id "
                               "WHERE m.group_id = $1 ORDER BY u.name",
                               {id}))
    managers.push_back({{"id", r.str(0)}, {"name", r.str(1)}, {"email", r.str(2)}});
  const auto members = c.query("SELECT COUNT(*) FROM group_members WHERE group_id = $1", {id})[0].i64(0);
  return {{"id", rows[0].str(0)},
          {"name", rows[0].str(1)},
          {"parent_id", rows[0].is_null(2) ? json(nullptr) : json(rows[0].str(2))},
          {"created_ms", rows[0].i64(3)},
          {"members", members},
          {"managers", managers}};
}

// A user of the caller's organisation whom the console may change (not an admin).
void require_changeable(db::Connection& c, const Principal& p, const std::string& id) {
  auto rows = c.query("SELECT org_id, role FROM users WHERE id = $1", {id});
  if (rows.empty() || rows[0].str(0) != p.org_id) throw HttpError{404, "not_found", "no such user in your organisation", {}, {}};
  if (rows[0].str(1) == "admin")
    throw HttpError{409, "admin_account", "admin accounts are changed with `trailpack users add`, not from the console", {}, {}};
}

std::string normalize_code(std::string code) {
  code.erase(std::remove_if(code.begin(), code.end(), [](char c) { return c == '-' || c == ' '; }), code.end());
  for (char& ch : code) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return code;
}

// Every assignment follows membership: called after any change of groups, members or roles.
void follow_membership(App& app, db::Connection& c, const std::string& org_id) {
  assignments::reconcile(c, org_id, app.now_ms());
}

}  // namespace

void register_identity_routes(Router& router, App& app) {
  // ---------------------------------------------------------------- people
  router.add("GET", "/api/v1/admin/users", [&app](Request& req) {
    Principal p = app.require_staff(req);
    const std::string q = ascii_lower(req.query_param("q").value_or(""));
    if (q.size() > 100 || !is_storable_text(q)) throw HttpError{400, "invalid_parameter", "q must be at most 100 bytes of text", "q", {}};
    const std::string role = req.query_param("role").value_or("");
    if (!role.empty() && role != "learner" && role != "manager" && role != "admin")
      throw HttpError{400, "invalid_parameter", "role must be learner, manager or admin", "role", {}};
    const std::string status = req.query_param("status").value_or("all");
    if (status != "all" && status != "active" && status != "inactive")
      throw HttpError{400, "invalid_parameter", "status must be all, active or inactive", "status", {}};
    const std::string group = req.query_param("group").value_or("");
    const std::int64_t offset = query_int(req, "offset", 0, 0, 1000000);
    const std::int64_t limit = query_int(req, "limit", 50, 1, 200);
    json out;
    app.db().read([&](db::Connection& c) {
      const auto scope = directory::scope_of(c, p);
      std::set<std::string> visible, in_group;
      if (!scope.admin) visible = directory::visible_learners(c, scope);
      if (!group.empty()) {
        directory::require_group(c, scope, group);
        in_group = directory::group_learners(c, directory::load_groups(c, p.org_id), group);
        // Managers and other members that are not learners count as members too.
        for (const auto& g : directory::load_groups(c, p.org_id).with_descendants({group}))
          for (const auto& r : c.query("SELECT user_id FROM group_members WHERE group_id = $1", {g})) in_group.insert(r.str(0));
      }
      std::vector<json> matched;
      for (const auto& r : c.query(std::string("SELECT ") + kUserColumns + " FROM users WHERE org_id = $1 ORDER BY name, email",
                                   {p.org_id})) {
        if (!scope.admin && !visible.count(r.str(0))) continue;
        if (!role.empty() && r.str(3) != role) continue;
        if (status == "active" && r.i64(7) == 0) continue;
        if (status == "inactive" && r.i64(7) != 0) continue;
        if (!group.empty() && !in_group.count(r.str(0))) continue;
        if (!q.empty() && ascii_lower(r.str(1)).find(q) == std::string::npos && ascii_lower(r.str(2)).find(q) == std::string::npos) continue;
        matched.push_back(user_json(r));
      }
      const auto extras = load_extras(c, p.org_id);
      json page = json::array();
      for (std::size_t i = static_cast<std::size_t>(offset); i < matched.size() && page.size() < static_cast<std::size_t>(limit); ++i)
        page.push_back(with_extras(matched[i], extras));
      out = {{"users", page}, {"total", matched.size()}, {"offset", offset}, {"limit", limit}};
    });
    return Response::json(200, out);
  });

  router.add("POST", "/api/v1/admin/users", [&app](Request& req) {
    Principal p = app.require_admin(req);
    struct NewUser {
      std::string email, name, role, team, site, job_role;
      std::vector<std::string> groups;
    };
    NewUser u = read_body(req, [](JsonReader& rd) {
      rd.only({"email", "name", "role", "team", "site", "job_role", "groups"});
      NewUser n;
      n.email = text_field(rd, "email", 256, true);
      if (auto problem = email_problem(n.email); !problem.empty()) rd.fail("email", problem);
      n.name = text_field(rd, "name", kMaxText, true);
      n.role = rd.one_of("role", {"learner", "manager"}, "learner");
      n.team = text_field(rd, "team", kMaxText, false);
      n.site = text_field(rd, "site", kMaxText, false);
      n.job_role = text_field(rd, "job_role", kMaxText, false);
      n.groups = rd.strings_or_empty("groups");
      if (n.groups.size() > 100) rd.fail("groups", "must list at most 100 groups");
      return n;
    });
    std::string id;
    app.db().write([&](db::Connection& c) {
      app.serialize_writers(c, "trailpack:identities");
      for (std::size_t i = 0; i < u.groups.size(); ++i) {
        auto g = c.query("SELECT 1 FROM user_groups WHERE id = $1 AND org_id = $2", {u.groups[i], p.org_id});
        if (g.empty())
          throw HttpError{400, "invalid_request", "no such group in your organisation: " + u.groups[i],
                          "groups[" + std::to_string(i) + "]", {}};
      }
      if (!c.query("SELECT 1 FROM users WHERE email = $1", {u.email}).empty())
        throw HttpError{409, "email_taken", "a user with this email already exists", "email", {}};
      id = "u-" + crypto::random_code(10);
      c.exec("INSERT INTO users(id, org_id, email, name, role, team, site, job_role, created_ms) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
             {id, p.org_id, u.email, u.name, u.role, u.team, u.site, u.job_role, app.now_ms()});
      for (const auto& g : u.groups)
        c.exec("INSERT INTO group_members(group_id, user_id) VALUES ($1,$2) ON CONFLICT DO NOTHING", {g, id});
      if (!u.groups.empty()) follow_membership(app, c, p.org_id);
    });
    json out;
    app.db().read([&](db::Connection& c) { out = load_user(c, id); });
    return Response::json(201, out);
  }, {.before_body = [&app](const Request& r) { app.require_admin(r); }});

  router.add("GET", "/api/v1/admin/users/{id}", [&app](Request& req) {
    Principal p = app.require_staff(req);
    json out;
    app.db().read([&](db::Connection& c) {
      directory::require_user(c, directory::scope_of(c, p), req.param("id"));
      out = load_user(c, req.param("id"));
      out["device_list"] = devices_of(c, req.param("id"), app.now_ms());
    });
    return Response::json(200, out);
  });

  router.add("PATCH", "/api/v1/admin/users/{id}", [&app](Request& req) {
    Principal p = app.require_admin(req);
    const std::string id = req.param("id");
    struct Change {
      std::optional<std::string> email, name, role, team, site, job_role, password;
    };
    Change ch = read_body(req, [](JsonReader& rd) {
      rd.only({"email", "name", "role", "team", "site", "job_role", "password"});
      Change c;
      if (rd.has("email")) {
        std::string e = text_field(rd, "email", 256, true);
        if (auto problem = email_problem(e); !problem.empty()) rd.fail("email", problem);
        c.email = e;
      }
      if (rd.has("name")) c.name = text_field(rd, "name", kMaxText, true);
      if (rd.has("role")) c.role = rd.one_of("role", {"learner", "manager"}, nullptr);
      if (rd.has("team")) c.team = text_field(rd, "team", kMaxText, false);
      if (rd.has("site")) c.site = text_field(rd, "site", kMaxText, false);
      if (rd.has("job_role")) c.job_role = text_field(rd, "job_role", kMaxText, false);
      if (rd.has("password")) {
        c.password = text_field(rd, "password", 1024, true);
        if (c.password->size() < 8) rd.fail("password", "must be at least 8 characters");
      }
      return c;
    });
    const std::string hash = ch.password ? crypto::hash_password(*ch.password) : std::string();
    app.db().write([&](db::Connection& c) {
      app.serialize_writers(c, "trailpack:identities");
      require_changeable(c, p, id);
      const std::string role_now = c.query("SELECT role FROM users WHERE id = $1", {id})[0].str(0);
      const std::string role = ch.role.value_or(role_now);
      if (ch.password && role != "manager")
        throw HttpError{400, "invalid_request", "\"password\" applies to managers only (learners sign in with devices)", "password", {}};
      if (ch.email && !c.query("SELECT 1 FROM users WHERE email = $1 AND id <> $2", {*ch.email, id}).empty())
        throw HttpError{409, "email_taken", "a user with this email already exists", "email", {}};
      auto set = [&](const char* column, const std::optional<std::string>& v) {
        if (v) c.exec(std::string("UPDATE users SET ") + column + " = $1 WHERE id = $2", {*v, id});
      };
      set("email", ch.email);
      set("name", ch.name);
      set("role", ch.role);
      set("team", ch.team);
      set("site", ch.site);
      set("job_role", ch.job_role);
      if (ch.password) c.exec("UPDATE users SET password_hash = $1 WHERE id = $2", {hash, id});
      if (role != role_now) {
        // A learner has no groups to manage; a manager no assignments to follow.
        if (role == "learner") c.exec("DELETE FROM manager_scopes WHERE user_id = $1", {id});
        // Sessions of a former manager end with the role.
        if (role_now == "manager") c.exec("UPDATE tokens SET revoked_ms = $1 WHERE user_id = $2 AND kind = 'session' AND revoked_ms IS NULL", {app.now_ms(), id});
        follow_membership(app, c, p.org_id);
      }
    });
    json out;
    app.db().read([&](db::Connection& c) { out = load_user(c, id); });
    return Response::json(200, out);
  }, {.before_body = [&app](const Request& r) { app.require_admin(r); }});

  // Deactivation signs the person out everywhere: every token (sessions, device access and
  // refresh tokens) is revoked, and sign-in, enrollment and refresh refuse them. Their
  // statements, groups and assignment history are kept.
  router.add("POST", "/api/v1/admin/users/{id}/deactivate", [&app](Request& req) {
    Principal p = app.require_admin(req);
    const std::string id = req.param("id");
    app.db().write([&](db::Connection& c) {
      require_changeable(c, p, id);
      const auto now = app.now_ms();
      c.exec("UPDATE users SET active = 0 WHERE id = $1", {id});
      c.exec("UPDATE tokens SET revoked_ms = $1 WHERE user_id = $2 AND revoked_ms IS NULL", {now, id});
      c.exec("UPDATE devices SET revoked_ms = $1 WHERE user_id = $2 AND revoked_ms IS NULL", {now, id});
    });
    json out;
    app.db().read([&](db::Connection& c) { out = load_user(c, id); });
    return Response::json(200, out);
  }, {.before_body = [&app](const Request& r) { app.require_admin(r); }});

  router.add("POST", "/api/v1/admin/users/{id}/reactivate", [&app](Request& req) {
    Principal p = app.require_admin(req);
    const std::string id = req.param("id");
    app.db().write([&](db::Connection& c) {
      require_changeable(c, p, id);
      c.exec("UPDATE users SET active = 1 WHERE id = $1", {id});
    });
    json out;
    app.db().read([&](db::Connection& c) { out = load_user(c, id); });
    return Response::json(200, out);
  }, {.before_body = [&app](const Request& r) { app.require_admin(r); }});

  // ---------------------------------------------------------------- devices
  router.add("GET", "/api/v1/admin/users/{id}/devices", [&app](Request& req) {
    Principal p = app.require_staff(req);
    json out;
    app.db().read([&](db::Connection& c) {
      directory::require_user(c, directory::scope_of(c, p), req.param("id"));
      out = {{"devices", devices_of(c, req.param("id"), app.now_ms())}};
    });
    return Response::json(200, out);
  });

  router.add("POST", "/api/v1/admin/devices/{id}/revoke", [&app](Request& req) {
    Principal p = app.require_staff(req);
    const std::string id = req.param("id");
    std::string user;
    app.db().write([&](db::Connection& c) {
      auto rows = c.query("SELECT user_id FROM devices WHERE id = $1", {id});
      if (rows.empty()) throw HttpError{404, "not_found", "no such device", {}, {}};
      user = rows[0].str(0);
      directory::require_user(c, directory::scope_of(c, p), user);
      const auto now = app.now_ms();
      c.exec("UPDATE tokens SET revoked_ms = $1 WHERE device_id = $2 AND revoked_ms IS NULL", {now, id});
      c.exec("UPDATE devices SET revoked_ms = $1 WHERE id = $2 AND revoked_ms IS NULL", {now, id});
    });
    json out;
    app.db().read([&](db::Connection& c) {
      for (auto& d : devices_of(c, user, app.now_ms()))
        if (d["id"] == id) out = d;
    });
    return Response::json(200, out);
  }, {.before_body = [&app](const Request& r) { app.require_staff(r); }});

  // A QR code (SVG) of the enrollment link for a code the caller may hand out. The code
  // travels in the body, never in a URL: URLs end up in logs and browser history.
  router.add("POST", "/api/v1/admin/enrollment-qr", [&app](Request& req) {
    Principal p = app.require_staff(req);
    std::string code = read_body(req, [](JsonReader& rd) {
      rd.only({"code"});
      return text_field(rd, "code", 64, true);
    });
    code = normalize_code(code);
    app.db().read([&](db::Connection& c) {
      auto rows = c.query("SELECT user_id FROM enrollment_codes WHERE hash = $1 AND expires_ms > $2 AND uses_left > 0",
                          {crypto::token_hash(code), app.now_ms()});
      if (rows.empty() || !directory::sees_user(c, directory::scope_of(c, p), rows[0].str(0)))
        throw HttpError{404, "not_found", "no such enrollment code (unknown, used up, expired, or for someone outside your scope)", "code", {}};
    });
    auto svg = qr::svg(app.config().public_url + "/#enroll=" + code);
    if (!svg) throw HttpError{500, "internal", "the QR code could not be made", {}, {}};
    return Response::text(200, *svg, "image/svg+xml");
  }, {.before_body = [&app](const Request& r) { app.require_staff(r); }});

  // ---------------------------------------------------------------- groups
  router.add("GET", "/api/v1/admin/groups", [&app](Request& req) {
    Principal p = app.require_staff(req);
    json list = json::array();
    app.db().read([&](db::Connection& c) {
      const auto scope = directory::scope_of(c, p);
      for (const auto& r : c.query("SELECT id FROM user_groups WHERE org_id = $1 ORDER BY name", {p.org_id}))
        if (scope.sees_group(r.str(0))) list.push_back(group_json(c, r.str(0)));
    });
    return Response::json(200, {{"groups", list}});
  });

  struct GroupFields {
    std::optional<std::string> name;
    bool parent_given = false;
    std::optional<std::string> parent_id;  // nothing = top level
  };
  auto read_group = [](const Request& req, bool create) {
    const json body = parse_body(req);
    GroupFields g = read_body(req, [&](JsonReader& rd) {
      rd.only({"name", "parent_id"});
      GroupFields f;
      if (create || rd.has("name")) f.name = text_field(rd, "name", 100, true);
      f.parent_given = body.is_object() && body.contains("parent_id");
      if (rd.has("parent_id")) f.parent_id = text_field(rd, "parent_id", 64, true);
      return f;
    });
    return g;
  };

  router.add("POST", "/api/v1/admin/groups", [&app, read_group](Request& req) {
    Principal p = app.require_admin(req);
    GroupFields g = read_group(req, true);
    const std::string id = "g-" + crypto::random_code(10);
    app.db().write([&](db::Connection& c) {
      app.serialize_writers(c, "trailpack:identities");
      if (g.parent_id && c.query("SELECT 1 FROM user_groups WHERE id = $1 AND org_id = $2", {*g.parent_id, p.org_id}).empty())
        throw HttpError{400, "invalid_request", "no such group in your organisation: " + *g.parent_id, "parent_id", {}};
      if (!c.query("SELECT 1 FROM user_groups WHERE org_id = $1 AND name = $2", {p.org_id, *g.name}).empty())
        throw HttpError{409, "name_taken", "a group with this name already exists", "name", {}};
      c.exec("INSERT INTO user_groups(id, org_id, name, parent_id, created_ms) VALUES ($1,$2,$3,$4,$5)",
             {id, p.org_id, *g.name, g.parent_id ? db::Value(*g.parent_id) : db::Value(nullptr), app.now_ms()});
    });
    json out;
    app.db().read([&](db::Connection& c) { out = group_json(c, id); });
    return Response::json(201, out);
  }, {.before_body = [&app](const Request& r) { app.require_admin(r); }});

  // Rename, or move under another parent (null: to the top). A group cannot move under
  // itself or one of its subgroups; moving changes who group assignments cover.
  router.add("PATCH", "/api/v1/admin/groups/{id}", [&app, read_group](Request& req) {
    Principal p = app.require_admin(req);
    const std::string id = req.param("id");
    GroupFields g = read_group(req, false);
    app.db().write([&](db::Connection& c) {
      app.serialize_writers(c, "trailpack:identities");
      directory::require_group(c, directory::scope_of(c, p), id);
      if (g.name) {
        if (!c.query("SELECT 1 FROM user_groups WHERE org_id = $1 AND name = $2 AND id <> $3", {p.org_id, *g.name, id}).empty())
          throw HttpError{409, "name_taken", "a group with this name already exists", "name", {}};
        c.exec("UPDATE user_groups SET name = $1 WHERE id = $2", {*g.name, id});
      }
      if (g.parent_given) {
        if (g.parent_id) {
          const auto tree = directory::load_groups(c, p.org_id);
          if (!tree.has(*g.parent_id))
            throw HttpError{400, "invalid_request", "no such group in your organisation: " + *g.parent_id, "parent_id", {}};
          if (tree.with_descendants({id}).count(*g.parent_id))
            throw HttpError{409, "cycle", "a group cannot be moved under itself or one of its subgroups", "parent_id", {}};
        }
        c.exec("UPDATE user_groups SET parent_id = $1 WHERE id = $2",
               {g.parent_id ? db::Value(*g.parent_id) : db::Value(nullptr), id});
        follow_membership(app, c, p.org_id);
      }
    });
    json out;
    app.db().read([&](db::Connection& c) { out = group_json(c, id); });
    return Response::json(200, out);
  }, {.before_body = [&app](const Request& r) { app.require_admin(r); }});

  router.add("GET", "/api/v1/admin/groups/{id}/members", [&app](Request& req) {
    Principal p = app.require_staff(req);
    json list = json::array();
    app.db().read([&](db::Connection& c) {
      directory::require_group(c, directory::scope_of(c, p), req.param("id"));
      for (const auto& r : c.query("SELECT u.id, u.name, u.email, u.role, u.team, u.site, u.job_role, u.active, u.created_ms "
                                   "FROM group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id = $1 ORDER BY u.name",
                                   {req.param("id")}))
        list.push_back(user_json(r));
    });
    return Response::json(200, {{"members", list}});
  });

  router.add("POST", "/api/v1/admin/groups/{id}/members", [&app](Request& req) {
    Principal p = app.require_admin(req);
    const std::string id = req.param("id");
    auto users = read_body(req, [](JsonReader& rd) {
      rd.only({"user_ids"});
      auto ids = rd.strings_or_empty("user_ids");
      if (ids.empty()) rd.fail("user_ids", "must list at least one user");
      if (ids.size() > 1000) rd.fail("user_ids", "must list at most 1000 users");
      return ids;
    });
    std::int64_t added = 0;
    assignments::ReconcileReport rec;
    app.db().write([&](db::Connection& c) {
      app.serialize_writers(c, "trailpack:identities");
      added = 0;
      directory::require_group(c, directory::scope_of(c, p), id);
      for (std::size_t i = 0; i < users.size(); ++i) {
        auto u = c.query("SELECT org_id, role FROM users WHERE id = $1", {users[i]});
        if (u.empty() || u[0].str(0) != p.org_id || u[0].str(1) == "admin")
          throw HttpError{400, "invalid_request", "no such learner or manager in your organisation: " + users[i],
                          "user_ids[" + std::to_string(i) + "]", {}};
        added += c.exec("INSERT INTO group_members(group_id, user_id) VALUES ($1,$2) ON CONFLICT DO NOTHING", {id, users[i]});
      }
      rec = assignments::reconcile(c, p.org_id, app.now_ms());
    });
    return Response::json(200, {{"added", added}, {"assignments_added", rec.added + rec.reopened}});
  }, {.before_body = [&app](const Request& r) { app.require_admin(r); }});

  // Leaving a group ends the assignments it gave (they stay as history, with progress).
  router.add("DELETE", "/api/v1/admin/groups/{id}/members/{user_id}", [&app](Request& req) {
    Principal p = app.require_admin(req);
    assignments::ReconcileReport rec;
    app.db().write([&](db::Connection& c) {
      app.serialize_writers(c, "trailpack:identities");
      directory::require_group(c, directory::scope_of(c, p), req.param("id"));
      if (c.exec("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2", {req.param("id"), req.param("user_id")}) == 0)
        throw HttpError{404, "not_found", "this user is not a member of this group", {}, {}};
      rec = assignments::reconcile(c, p.org_id, app.now_ms());
    });
    return Response::json(200, {{"removed", 1}, {"assignments_ended", rec.ended}});
  });

  router.add("POST", "/api/v1/admin/groups/{id}/managers", [&app](Request& req) {
    Principal p = app.require_admin(req);
    const std::string id = req.param("id");
    const std::string user = read_body(req, [](JsonReader& rd) {
      rd.only({"user_id"});
      return text_field(rd, "user_id", 64, true);
    });
    app.db().write([&](db::Connection& c) {
      directory::require_group(c, directory::scope_of(c, p), id);
      auto u = c.query("SELECT org_id, role FROM users WHERE id = $1", {user});
      if (u.empty() || u[0].str(0) != p.org_id || u[0].str(1) != "manager")
        throw HttpError{400, "invalid_request", "no such manager in your organisation: " + user, "user_id", {}};
      c.exec("INSERT INTO manager_scopes(user_id, group_id) VALUES ($1,$2) ON CONFLICT DO NOTHING", {user, id});
    });
    json out;
    app.db().read([&](db::Connection& c) { out = group_json(c, id); });
    return Response::json(200, out);
  }, {.before_body = [&app](const Request& r) { app.require_admin(r); }});

  router.add("DELETE", "/api/v1/admin/groups/{id}/managers/{user_id}", [&app](Request& req) {
    Principal p = app.require_admin(req);
    const std::string id = req.param("id");
    app.db().write([&](db::Connection& c) {
      directory::require_group(c, directory::scope_of(c, p), id);
      if (c.exec("DELETE FROM manager_scopes WHERE group_id = $1 AND user_id = $2", {id, req.param("user_id")}) == 0)
        throw HttpError{404, "not_found", "this user does not manage this group", {}, {}};
    });
    json out;
    app.db().read([&](db::Connection& c) { out = group_json(c, id); });
    return Response::json(200, out);
  });

  // ---------------------------------------------------------------- settings
  router.add("GET", "/api/v1/admin/settings", [&app](Request& req) {
    Principal p = app.require_staff(req);
    bool open = true;
    app.db().read([&](db::Connection& c) { open = assignments::open_catalogue(c, p.org_id); });
    return Response::json(200, {{"open_catalogue", open}});
  });

  router.add("PATCH", "/api/v1/admin/settings", [&app](Request& req) {
    Principal p = app.require_admin(req);
    const bool open = read_body(req, [](JsonReader& rd) {
      rd.only({"open_catalogue"});
      if (!rd.has("open_catalogue")) rd.fail("open_catalogue", "is required");
      return rd.boolean_or("open_catalogue", true);
    });
    app.db().write([&](db::Connection& c) {
      c.exec("INSERT INTO org_settings(org_id, open_catalogue, updated_ms) VALUES ($1,$2,$3) "
             "ON CONFLICT(org_id) DO UPDATE SET open_catalogue = excluded.open_catalogue, updated_ms = excluded.updated_ms",
             {p.org_id, std::int64_t{open ? 1 : 0}, app.now_ms()});
    });
    return Response::json(200, {{"open_catalogue", open}});
  }, {.before_body = [&app](const Request& r) { app.require_admin(r); }});
}

}  // namespace trailpack::server
