// Who may call each console endpoint of identities, assignments and reminders: a
// learner's device, the manager of group A (whose learner is the subject), the manager
// of group B, the admin of another organisation, the organisation's admin, a revoked
// session and no credentials. 0 in the table: not called for that principal (it would
// change what the following rows rely on; its success is tested elsewhere).
#include <catch2/catch.hpp>

#include "identity_helpers.hpp"

using namespace trailpack::test;
using nlohmann::json;

namespace {

struct Case {
  std::string method, path;
  json body;
  int manager_a, manager_b, other_admin, admin;
};

}  // namespace

TEST_CASE("authorization: every identity, assignment and reminder endpoint, for every kind of caller", "[sync][authz]") {
  TestServer srv;
  const std::string admin = srv.admin_token();
  publish_course(srv, "safety-basics", "Workplace safety basics");
  const std::string ga = make_group(srv, admin, "Group A");
  const std::string gb = make_group(srv, admin, "Group B");
  Device la = srv.enroll_learner("la@example.com", "Learner A");
  Device lb = srv.enroll_learner("lb@example.com", "Learner B");
  add_members(srv, admin, ga, {la.user_id});
  add_members(srv, admin, gb, {lb.user_id});
  const std::string ma = add_staff(srv, "ma@example.com", "manager", "ma-password-1");
  const std::string mb = add_staff(srv, "mb@example.com", "manager", "mb-password-1");
  add_manager(srv, admin, ga, ma);
  add_manager(srv, admin, gb, mb);
  const std::string ta = login(srv, "ma@example.com", "ma-password-1");
  const std::string tb = login(srv, "mb@example.com", "mb-password-1");
  const std::string org2 = srv.app().create_org("Other organisation");
  srv.app().create_user(org2, "admin2@example.com", "Admin Two", "admin", "admin2-pass-1");
  const std::string t2 = login(srv, "admin2@example.com", "admin2-pass-1");
  const std::string revoked = login(srv, "admin@example.com", "admin-pass-1");
  REQUIRE(srv.post("/api/v1/auth/logout", "", TestServer::bearer(revoked)).status == 204);

  auto path = call(srv, "POST", "/api/v1/admin/paths", admin, {{"title", "Path"}, {"courses", {{{"course_id", "safety-basics"}}}}});
  REQUIRE(path.status == 201);
  const std::string pid = path.body["id"];
  const std::string as1 = assign(srv, admin, {{"target", {{"type", "group"}, {"id", ga}}}, {"course_id", "safety-basics"}});
  const std::string rule = "rr-" + org_id(srv) + "-due_soon";
  auto code = call(srv, "POST", "/api/v1/admin/users/" + la.user_id + "/enrollment-codes", admin);
  REQUIRE(code.status == 201);
  const json named = {{"name", "Renamed"}};
  const std::string A = "/api/v1/admin";

  const std::vector<Case> cases = {
      {"GET", A + "/users", nullptr, 200, 200, 200, 200},
      {"POST", A + "/users", {{"email", "new@example.com"}, {"name", "New"}}, 403, 403, 201, 0},
      {"GET", A + "/users/" + la.user_id, nullptr, 200, 403, 404, 200},
      {"PATCH", A + "/users/" + la.user_id, {{"team", "Blue"}}, 403, 403, 404, 200},
      {"POST", A + "/users/" + la.user_id + "/deactivate", nullptr, 403, 403, 404, 0},
      {"POST", A + "/users/" + la.user_id + "/reactivate", nullptr, 403, 403, 404, 200},
      {"GET", A + "/users/" + la.user_id + "/devices", nullptr, 200, 403, 404, 200},
      {"POST", A + "/users/" + la.user_id + "/enrollment-codes", nullptr, 201, 403, 404, 201},
      {"POST", A + "/enrollment-qr", {{"code", code.body["code"]}}, 200, 404, 404, 200},
      {"POST", A + "/devices/" + la.device_id + "/revoke", nullptr, 0, 403, 404, 0},
      {"GET", A + "/groups", nullptr, 200, 200, 200, 200},
      {"POST", A + "/groups", {{"name", "Group C"}}, 403, 403, 201, 201},
      {"PATCH", A + "/groups/" + ga, {{"name", "Group A"}}, 403, 403, 404, 200},
      {"GET", A + "/groups/" + ga + "/members", nullptr, 200, 403, 404, 200},
      {"POST", A + "/groups/" + ga + "/members", {{"user_ids", {la.user_id}}}, 403, 403, 404, 200},
      {"DELETE", A + "/groups/" + ga + "/members/" + lb.user_id, nullptr, 403, 403, 404, 404},
      {"POST", A + "/groups/" + ga + "/managers", {{"user_id", ma}}, 403, 403, 404, 200},
      {"DELETE", A + "/groups/" + ga + "/managers/" + mb, nullptr, 403, 403, 404, 404},
      {"GET", A + "/settings", nullptr, 200, 200, 200, 200},
      {"PATCH", A + "/settings", {{"open_catalogue", true}}, 403, 403, 200, 200},
      {"GET", A + "/paths", nullptr, 200, 200, 200, 200},
      {"POST", A + "/paths", {{"title", "P2"}, {"courses", {{{"course_id", "safety-basics"}}}}}, 403, 403, 201, 201},
      {"PUT", A + "/paths/" + pid, {{"title", "Path"}, {"courses", {{{"course_id", "safety-basics"}}}}}, 403, 403, 404, 200},
      {"GET", A + "/assignments", nullptr, 200, 200, 200, 200},
      {"POST", A + "/assignments", {{"target", {{"type", "group"}, {"id", ga}}}, {"course_id", "safety-basics"}}, 403, 403, 400, 409},
      {"DELETE", A + "/assignments/" + as1, nullptr, 403, 403, 404, 0},
      {"GET", A + "/assignments/" + as1 + "/learners", nullptr, 200, 403, 404, 200},
      {"GET", A + "/learners/" + la.user_id + "/assignments", nullptr, 200, 403, 404, 200},
      {"GET", A + "/reminder-rules", nullptr, 200, 200, 200, 200},
      {"POST", A + "/reminder-rules", {{"kind", "overdue"}, {"days", 30}}, 403, 403, 201, 201},
      {"PATCH", A + "/reminder-rules/" + rule, {{"days", 3}}, 403, 403, 404, 200},
      {"DELETE", A + "/reminder-rules/" + rule, nullptr, 403, 403, 404, 0},
      {"GET", A + "/reminders", nullptr, 200, 200, 200, 200},
      {"GET", A + "/reminders?learner=" + la.user_id, nullptr, 200, 403, 404, 200},
      {"POST", A + "/reminders", {{"learner_id", la.user_id}, {"message", "Hi"}}, 201, 403, 404, 201},
      {"POST", A + "/reminders/run", nullptr, 403, 403, 200, 200},
  };
  for (const auto& c : cases) {
    INFO(c.method << " " << c.path);
    // Learners never get past a device token; anyone else needs a live session.
    CHECK(call(srv, c.method, c.path, la.access_token, c.body).status == 403);
    CHECK(call(srv, c.method, c.path, revoked, c.body).status == 401);
    CHECK(call(srv, c.method, c.path, "", c.body).status == 401);
    const std::pair<const std::string*, int> who[] = {{&ta, c.manager_a}, {&tb, c.manager_b}, {&t2, c.other_admin}, {&admin, c.admin}};
    for (const auto& [token, expected] : who) {
      if (!expected) continue;
      const auto r = call(srv, c.method, c.path, *token, c.body);
      INFO((token == &ta ? "manager A" : token == &tb ? "manager B" : token == &t2 ? "other admin" : "admin") << ": " << r.raw);
      CHECK(r.status == expected);
    }
  }

  // What the lists hold for each: only their own.
  auto ids = [&](const std::string& token, const std::string& path, const char* key) {
    std::vector<std::string> out;
    const Api r = call(srv, "GET", path, token);
    for (const auto& x : r.body[key]) out.push_back(x["id"]);
    return out;
  };
  CHECK(ids(ta, A + "/users", "users") == std::vector<std::string>{la.user_id});
  CHECK(ids(tb, A + "/users", "users") == std::vector<std::string>{lb.user_id});
  CHECK(ids(ta, A + "/groups", "groups") == std::vector<std::string>{ga});
  CHECK(ids(ta, A + "/assignments", "assignments") == std::vector<std::string>{as1});
  CHECK(ids(tb, A + "/assignments", "assignments").empty());
  const Api other_users = call(srv, "GET", A + "/users", t2);
  for (const auto& u : other_users.body["users"]) CHECK(u["email"] != "la@example.com");
  CHECK(ids(t2, A + "/assignments", "assignments").empty());
  CHECK(call(srv, "GET", A + "/reminders", tb).body["total"] == 0);
  CHECK(call(srv, "GET", A + "/reminders", t2).body["total"] == 0);
  CHECK(call(srv, "GET", A + "/reminders", ta).body["total"] == 2);
}
