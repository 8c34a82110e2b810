// The xAPI Activities resource (part three 2.5: an Activity with the definition the LRS
// holds for it) and Agents resource (part three 2.4: the Person object for an Agent).
// Both answer any valid credentials. A Person combines what the LRS knows of a user of
// this server (name, email, account) only for callers who may see that user: the user
// themselves, their organisation's admins, managers of their groups, and xAPI clients
// with `all/read` or `all`; others get back the Agent they asked about, as a Person.
#include <algorithm>

#include "app/lrs.hpp"
#include "crypto.hpp"
#include "http/multipart.hpp"
#include "trailpack/xapi/statement.hpp"

namespace trailpack::server::lrs {

using nlohmann::json;

namespace {

Response with_etag(Response r) {
  r.header("ETag", "\"" + crypto::sha1_hex(r.body) + "\"");
  return r;
}

Response get_activity(App& app, Request& req) {
  authorize(app, req, Need::any);
  only_params(req, {"activityId"});
  const std::string id = iri_param(req, "activityId");
  json activity = {{"objectType", "Activity"}, {"id", id}};
  std::int64_t updated = 0;
  app.db().read([&](db::Connection& c) {
    auto rows = c.query("SELECT definition, updated_ms FROM activity_definitions WHERE activity_id = $1", {id});
    if (rows.empty()) return;
    activity["definition"] = json::parse(rows[0].str(0));
    updated = rows[0].i64(1);
  });
  Response r = with_etag(Response::json(200, activity));
  if (updated) r.header("Last-Modified", http_date(updated));
  return r;
}

// The user of this server an Agent names: an account on the public URL, or an mbox
// with a user's email.
std::optional<std::string> user_of(App& app, const json& agent) {
  std::optional<std::string> id;
  app.db().read([&](db::Connection& c) {
    db::Rows rows;
    if (agent.contains("account") && agent["account"].value("homePage", "") == app.config().public_url)
      rows = c.query("SELECT id FROM users WHERE id = $1", {agent["account"].value("name", "")});
    else if (agent.contains("mbox") && agent["mbox"].is_string())
      rows = c.query("SELECT id FROM users WHERE email = $1", {agent["mbox"].get<std::string>().substr(7)});
    if (!rows.empty()) id = rows[0].str(0);
  });
  return id;
}

bool may_see_user(App& app, const Caller& caller, const std::string& user_id) {
  const Principal& p = caller.p;
  if (caller.client()) return p.has_scope("all/read") || p.has_scope("all");
  if (p.user_id == user_id) return true;
  if (p.kind != Principal::Kind::session) return false;
  bool visible = false;
  app.db().read([&](db::Connection& c) {
    if (p.role == "admin") {
      visible = !c.query("SELECT 1 FROM users WHERE id = $1 AND org_id = $2", {user_id, p.org_id}).empty();
    } else if (p.role == "manager") {
      visible = !c.query("WITH RECURSIVE scope_groups(id) AS (SELECT group_id FROM manager_scopes WHERE user_id = $1 "
                         "UNION SELECT g.id FROM user_groups g JOIN scope_groups sg ON g.parent_id = sg.id) "
                         "SELECT 1 FROM group_members m JOIN users u ON u.id = m.user_id "
                         "WHERE m.user_id = $2 AND u.role = 'learner' AND m.group_id IN (SELECT id FROM scope_groups)",
                         {p.user_id, user_id})
                     .empty();
    }
  });
  return visible;
}

Response get_agent(App& app, Request& req) {
  Caller caller = authorize(app, req, Need::any);
  only_params(req, {"agent"});
  const json agent = agent_param(req, "agent", /*allow_group=*/false);
  json person = {{"objectType", "Person"}};
  auto add = [&](const char* key, const json& value) {
    if (!person.contains(key)) person[key] = json::array();
    if (std::find(person[key].begin(), person[key].end(), value) == person[key].end()) person[key].push_back(value);
  };
  if (agent.contains("name")) add("name", agent["name"]);
  for (const char* k : {"mbox", "mbox_sha1sum", "openid", "account"})
    if (agent.contains(k)) add(k, agent[k]);
  if (auto user = user_of(app, agent); user && may_see_user(app, caller, *user)) {
    app.db().read([&](db::Connection& c) {
      auto rows = c.query("SELECT name, email FROM users WHERE id = $1", {*user});
      if (rows.empty()) return;
      if (!rows[0].str(0).empty()) add("name", rows[0].str(0));
      add("mbox", "mailto:" + rows[0].str(1));
      add("account", {{"homePage", app.config().public_url}, {"name", *user}});
    });
  }
  return with_etag(Response::json(200, person));
}

}  // namespace

void register_activity_agent_routes(Router& router, App& app) {
  add_resource(router, app, "/xapi/activities", {{"GET", {[&app](Request& req) { return get_activity(app, req); }}}});
  add_resource(router, app, "/xapi/agents", {{"GET", {[&app](Request& req) { return get_agent(app, req); }}}});
}

}  // namespace trailpack::server::lrs
