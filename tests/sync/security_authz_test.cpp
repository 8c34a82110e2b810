// The authorization matrix: every route the router holds, called by every kind of
// caller, with the exact status each one must get, and what each may see. The route list
// comes from the router itself, so an endpoint added without a matrix entry fails this
// test (add its row below), and so does a row for an endpoint that no longer exists.
//
// Callers: anonymous, learner A and learner B (device tokens), a learner of another
// organisation (device token), the manager of group A (learner A's group) and the manager
// of group B (console sessions), the organisation's admin and the admin of another
// organisation, an xAPI client with each scope, and a revoked device token. Every route
// of identities, assignments and reminders is also exercised with real targets, and
// their lists' contents, in authz_matrix_test.cpp; here each gets a row too, so that no
// route escapes this matrix. The server's log output during the whole test is captured
// (at debug level) and must contain none of the secrets in play. Every CSV answer is
// checked for cells a spreadsheet would run as a formula.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "identity_helpers.hpp"
#include "test_helpers.hpp"
#include "trailpack/csv.hpp"
#include "trailpack/encoding.hpp"

using namespace trailpack::test;
using nlohmann::json;
namespace server = trailpack::server;

namespace {

enum Role {
  kAnon, kLearnerA, kLearnerB, kLearnerOther, kManagerA, kManagerB, kAdmin, kAdminOther,
  kXapiWrite, kXapiRead, kXapiAllRead, kXapiAll, kRevoked, kRoles
};
const char* const kRoleNames[kRoles] = {"anonymous",         "learner A",             "learner B",
                                        "learner of another organisation",
                                        "manager of A",      "manager of B",          "admin",
                                        "admin of another organisation",
                                        "xAPI statements/write", "xAPI statements/read", "xAPI all/read",
                                        "xAPI all",          "revoked device token"};
using Expect = std::array<int, kRoles>;

// Common rows.                                       anon  A    B    oL   mA   mB   adm  oAdm xw   xr   xar  xa   rev
constexpr Expect kAnyone(int s) { return {s, s, s, s, s, s, s, s, s, s, s, s, s}; }
constexpr Expect kDeviceOnly = {401, 200, 200, 200, 403, 403, 403, 403, 403, 403, 403, 403, 401};
constexpr Expect kSessionOrDevice = {401, 200, 200, 200, 200, 200, 200, 200, 403, 403, 403, 403, 401};
constexpr Expect kStaff = {401, 403, 403, 403, 200, 200, 200, 200, 403, 403, 403, 403, 401};
constexpr Expect kAuthenticated = {401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 401};
// A console route: devices and xAPI clients 403; the managers of A and of B, the admin
// and the other organisation's admin as given.
constexpr Expect console(int ma, int mb, int adm, int other_adm) {
  return {401, 403, 403, 403, ma, mb, adm, other_adm, 403, 403, 403, 403, 401};
}
constexpr Expect admin_only(int s, int other_adm) { return console(403, 403, s, other_adm); }
// xAPI documents of learner A's agent: A and the clients with the scope (xa: all; xar:
// all/read, reading only); everyone else 403.
constexpr Expect kOwnDocumentRead = {401, 200, 403, 403, 403, 403, 403, 403, 403, 403, 200, 200, 401};
constexpr Expect kOwnDocumentWrite = {401, 204, 403, 403, 403, 403, 403, 403, 403, 403, 403, 204, 401};

struct Call {
  std::string method;
  std::string path;  ///< with parameters filled in, and a query
  std::string body;
  std::map<std::string, std::string> headers;
};

struct World;
struct Row {
  std::function<Call(World&)> call;
  Expect expect;
  /// What the caller may see, checked on a 2xx answer.
  std::function<void(World&, Role, const server::ClientResponse&)> check;
  bool last = false;  ///< revokes the caller's credentials: run after every other row
};

struct World {
  TempDir web;
  TestServer srv;
  Device a, b, revoked;
  std::string manager_a, manager_b, admin;
  std::string manager_a_id, manager_b_id;
  Device other;                 ///< a learner of another organisation
  std::string other_admin;      ///< that organisation's admin (session)
  Device victim;                ///< a learner of group A whom rows deactivate and whose device they revoke
  std::string group_a, group_b, path_id, assignment_id, assignment_to_end, rule_id, rule_to_delete;
  int serial = 0;               ///< unique names for rows that create something
  std::array<std::pair<std::string, std::string>, 4> xapi;  // write, read, all/read, all
  std::string enroll_code;
  std::string file_sha;
  std::string a_statement_id, b_statement_id;
  json put_statement;  ///< by learner A; PUT/POST by each caller
  std::set<std::string> secrets;

  explicit World(const std::filesystem::path& web_root)
      : srv({}, [&](server::Config& c) { c.web_root = web_root.string(); }) {}

  std::map<std::string, std::string> auth(Role r) const {
    switch (r) {
      case kAnon: return {};
      case kLearnerA: return TestServer::bearer(a.access_token);
      case kLearnerB: return TestServer::bearer(b.access_token);
      case kLearnerOther: return TestServer::bearer(other.access_token);
      case kAdminOther: return TestServer::bearer(other_admin);
      case kManagerA: return TestServer::bearer(manager_a);
      case kManagerB: return TestServer::bearer(manager_b);
      case kAdmin: return TestServer::bearer(admin);
      case kXapiWrite: return {{"authorization", basic_auth(xapi[0].first, xapi[0].second)}};
      case kXapiRead: return {{"authorization", basic_auth(xapi[1].first, xapi[1].second)}};
      case kXapiAllRead: return {{"authorization", basic_auth(xapi[2].first, xapi[2].second)}};
      case kXapiAll: return {{"authorization", basic_auth(xapi[3].first, xapi[3].second)}};
      case kRevoked: return TestServer::bearer(revoked.access_token);
      default: return {};
    }
  }
};

// Redirects the process's stderr (where the server logs) to a file while alive.
class CaptureStderr {
 public:
  CaptureStderr() : path_(std::filesystem::temp_directory_path() / ("trailpack-log-" + std::to_string(::getpid()))) {
    std::fflush(stderr);
    saved_ = ::dup(2);
    std::FILE* f = std::fopen(path_.c_str(), "w");
    ::dup2(::fileno(f), 2);
    std::fclose(f);
  }
  ~CaptureStderr() { restore(); }
  std::string finish() {
    restore();
    std::ifstream in(path_);
    std::stringstream s;
    s << in.rdbuf();
    std::filesystem::remove(path_);
    return s.str();
  }

 private:
  void restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
    saved_ = -1;
  }
  std::filesystem::path path_;
  int saved_ = -1;
};

json statements_of(const server::ClientResponse& res) {
  const json j = body_json(res);
  return j.is_object() && j.contains("statements") ? j["statements"] : json::array();
}

// A learner sees only statements whose actor is themselves; a manager of A never sees B's
// and the other way round.
void only_own_statements(World& w, Role r, const server::ClientResponse& res) {
  std::set<std::string> forbidden;
  if (r == kLearnerA || r == kManagerA) forbidden.insert(w.b.user_id);
  if (r == kLearnerB || r == kManagerB) forbidden.insert(w.a.user_id);
  if (r == kLearnerOther || r == kAdminOther) forbidden = {w.a.user_id, w.b.user_id};
  for (const auto& s : statements_of(res)) {
    const std::string who = s["actor"].contains("account") ? s["actor"]["account"].value("name", "") : "";
    INFO(kRoleNames[r] << " sees a statement of " << who);
    CHECK(forbidden.count(who) == 0);
    if (r == kLearnerA) CHECK(who == w.a.user_id);
    if (r == kLearnerB) CHECK(who == w.b.user_id);
  }
}

Call get(const std::string& path) { return Call{"GET", path}; }
Call with_json(const std::string& method, const std::string& path, const json& body) { return Call{method, path, body.dump()}; }

// People, groups, settings, paths, assignments and reminders (the console's identity
// routes). Rows that change something act on targets no other row relies on: the victim
// learner, a second assignment, a rule of its own; rows that create use fresh names.
void identity_rows(std::map<std::string, Row>& m) {
  const std::string A = "/api/v1/admin";
  m["GET " + A + "/users"] = {[A](World&) { return get(A + "/users"); }, console(200, 200, 200, 200)};
  m["POST " + A + "/users"] = {[A](World& w) {
                                 const std::string n = std::to_string(++w.serial);
                                 return with_json("POST", A + "/users", {{"email", "new" + n + "@example.com"}, {"name", "New " + n}});
                               },
                               console(403, 403, 201, 201)};
  m["GET " + A + "/users/{id}"] = {[A](World& w) { return get(A + "/users/" + w.a.user_id); }, console(200, 403, 200, 404)};
  m["PATCH " + A + "/users/{id}"] = {[A](World& w) { return with_json("PATCH", A + "/users/" + w.a.user_id, {{"team", "Blue"}}); },
                                     console(403, 403, 200, 404)};
  m["POST " + A + "/users/{id}/deactivate"] = {[A](World& w) { return Call{"POST", A + "/users/" + w.victim.user_id + "/deactivate"}; },
                                               console(403, 403, 200, 404)};
  m["POST " + A + "/users/{id}/reactivate"] = {[A](World& w) { return Call{"POST", A + "/users/" + w.victim.user_id + "/reactivate"}; },
                                               console(403, 403, 200, 404)};
  m["GET " + A + "/users/{id}/devices"] = {[A](World& w) { return get(A + "/users/" + w.a.user_id + "/devices"); },
                                           console(200, 403, 200, 404)};
  m["POST " + A + "/devices/{id}/revoke"] = {[A](World& w) { return Call{"POST", A + "/devices/" + w.victim.device_id + "/revoke"}; },
                                             console(200, 403, 200, 404)};
  m["POST " + A + "/enrollment-qr"] = {[A](World& w) { return with_json("POST", A + "/enrollment-qr", {{"code", w.enroll_code}}); },
                                       console(200, 404, 200, 404)};
  m["GET " + A + "/groups"] = {[A](World&) { return get(A + "/groups"); }, console(200, 200, 200, 200),
                               [](World& w, Role r, const server::ClientResponse& res) {
                                 std::set<std::string> ids;
                                 const json body = body_json(res);
                                 for (const auto& g : body["groups"]) ids.insert(g["id"].get<std::string>());
                                 if (r == kManagerA) CHECK(ids == std::set<std::string>{w.group_a});
                                 if (r == kManagerB) CHECK(ids == std::set<std::string>{w.group_b});
                                 if (r == kAdminOther) CHECK((ids.count(w.group_a) == 0 && ids.count(w.group_b) == 0));
                               }};
  m["POST " + A + "/groups"] = {[A](World& w) { return with_json("POST", A + "/groups", {{"name", "Group " + std::to_string(++w.serial)}}); },
                                console(403, 403, 201, 201)};
  m["PATCH " + A + "/groups/{id}"] = {[A](World& w) { return with_json("PATCH", A + "/groups/" + w.group_a, {{"name", "Group A"}}); },
                                      console(403, 403, 200, 404)};
  m["GET " + A + "/groups/{id}/members"] = {[A](World& w) { return get(A + "/groups/" + w.group_a + "/members"); },
                                            console(200, 403, 200, 404)};
  m["POST " + A + "/groups/{id}/members"] = {
      [A](World& w) { return with_json("POST", A + "/groups/" + w.group_a + "/members", {{"user_ids", {w.a.user_id}}}); },
      console(403, 403, 200, 404)};
  // Learner B is not a member of group A, manager B does not manage it: nothing to remove.
  m["DELETE " + A + "/groups/{id}/members/{user_id}"] = {
      [A](World& w) { return Call{"DELETE", A + "/groups/" + w.group_a + "/members/" + w.b.user_id}; }, console(403, 403, 404, 404)};
  m["POST " + A + "/groups/{id}/managers"] = {
      [A](World& w) { return with_json("POST", A + "/groups/" + w.group_a + "/managers", {{"user_id", w.manager_a_id}}); },
      console(403, 403, 200, 404)};
  m["DELETE " + A + "/groups/{id}/managers/{user_id}"] = {
      [A](World& w) { return Call{"DELETE", A + "/groups/" + w.group_a + "/managers/" + w.manager_b_id}; }, console(403, 403, 404, 404)};
  m["GET " + A + "/settings"] = {[A](World&) { return get(A + "/settings"); }, console(200, 200, 200, 200)};
  m["PATCH " + A + "/settings"] = {[A](World&) { return with_json("PATCH", A + "/settings", {{"open_catalogue", true}}); },
                                   console(403, 403, 200, 200)};
  const json path_body = {{"title", "Path"}, {"courses", {{{"course_id", "safety-basics"}}}}};
  m["GET " + A + "/paths"] = {[A](World&) { return get(A + "/paths"); }, console(200, 200, 200, 200)};
  m["POST " + A + "/paths"] = {[A, path_body](World&) { return with_json("POST", A + "/paths", path_body); }, console(403, 403, 201, 201)};
  m["PUT " + A + "/paths/{id}"] = {[A, path_body](World& w) { return with_json("PUT", A + "/paths/" + w.path_id, path_body); },
                                   console(403, 403, 200, 404)};
  m["GET " + A + "/assignments"] = {[A](World&) { return get(A + "/assignments"); }, console(200, 200, 200, 200)};
  // The same course to the same group again: the admin is told it is already assigned,
  // the other organisation's admin that the group is not theirs.
  m["POST " + A + "/assignments"] = {[A](World& w) {
                                       return with_json("POST", A + "/assignments",
                                                        {{"target", {{"type", "group"}, {"id", w.group_a}}}, {"course_id", "safety-basics"}});
                                     },
                                     console(403, 403, 409, 400)};
  m["DELETE " + A + "/assignments/{id}"] = {[A](World& w) { return Call{"DELETE", A + "/assignments/" + w.assignment_to_end}; },
                                            console(403, 403, 200, 404)};
  m["GET " + A + "/assignments/{id}/learners"] = {[A](World& w) { return get(A + "/assignments/" + w.assignment_id + "/learners"); },
                                                  console(200, 403, 200, 404)};
  m["GET " + A + "/learners/{id}/assignments"] = {[A](World& w) { return get(A + "/learners/" + w.a.user_id + "/assignments"); },
                                                  console(200, 403, 200, 404)};
  m["GET " + A + "/reminder-rules"] = {[A](World&) { return get(A + "/reminder-rules"); }, console(200, 200, 200, 200)};
  m["POST " + A + "/reminder-rules"] = {[A](World& w) {
                                          return with_json("POST", A + "/reminder-rules", {{"kind", "overdue"}, {"days", 100 + ++w.serial}});
                                        },
                                        console(403, 403, 201, 201)};
  m["PATCH " + A + "/reminder-rules/{id}"] = {[A](World& w) { return with_json("PATCH", A + "/reminder-rules/" + w.rule_id, {{"days", 3}}); },
                                              console(403, 403, 200, 404)};
  m["DELETE " + A + "/reminder-rules/{id}"] = {[A](World& w) { return Call{"DELETE", A + "/reminder-rules/" + w.rule_to_delete}; },
                                               console(403, 403, 204, 404)};
  m["GET " + A + "/reminders"] = {[A](World& w) { return get(A + "/reminders?learner=" + w.a.user_id); }, console(200, 403, 200, 404)};
  m["POST " + A + "/reminders"] = {[A](World& w) {
                                     return with_json("POST", A + "/reminders", {{"learner_id", w.a.user_id}, {"message", "Hi"}});
                                   },
                                   console(201, 403, 201, 404)};
  m["POST " + A + "/reminders/run"] = {[A](World&) { return Call{"POST", A + "/reminders/run"}; }, console(403, 403, 200, 200)};
}

// The KPI tables, as CSV (checked for formulas like every CSV answer): any staff session,
// over its own scope.
void kpi_rows(std::map<std::string, Row>& m) {
  for (const char* t : {"engagement", "activity", "interactions", "scores", "gain", "objectives", "questions", "surveys", "comments",
                        "sync", "devices", "flags"}) {
    const std::string path = std::string("/api/v1/admin/kpi/") + t;
    m["GET " + path] = {[path](World&) { return get(path + "?format=csv"); }, kStaff};
  }
  m["GET /api/v1/admin/kpi/modules"] = {[](World&) { return get("/api/v1/admin/kpi/modules?course=safety-basics&format=csv"); }, kStaff};
  m["GET /api/v1/admin/kpi/filters"] = {[](World&) { return get("/api/v1/admin/kpi/filters"); }, kStaff};
}

// The LRS's other resources and methods: documents (State, Activity Profile, Agent
// Profile) of learner A's agent, Activities and Agents, the methods a resource does not
// have (405 before any credentials), CORS preflights and unknown resources.
void xapi_resource_rows(std::map<std::string, Row>& m) {
  const std::string v = "x-experience-api-version";
  auto x = [v](std::string method, std::string path, std::string body = {}) {
    return Call{std::move(method), std::move(path), std::move(body), {{v, "1.0.3"}}};
  };
  auto agent_of_a = [](World& w) { return url_encode(w.a.agent.dump()); };
  const std::string activity = url_encode("urn:x:a");
  for (const char* r : {"/xapi/about", "/xapi/statements", "/xapi/activities", "/xapi/agents", "/xapi/activities/state",
                        "/xapi/activities/profile", "/xapi/agents/profile"}) {
    const std::string path = r;
    m["OPTIONS " + path] = {[x, path](World&) { return x("OPTIONS", path); }, kAnyone(204)};
  }
  for (const char* k : {"PUT /xapi/about", "POST /xapi/about", "DELETE /xapi/about", "DELETE /xapi/statements", "PUT /xapi/activities",
                        "POST /xapi/activities", "DELETE /xapi/activities", "PUT /xapi/agents", "POST /xapi/agents", "DELETE /xapi/agents"}) {
    const std::string key = k;
    const std::string method = key.substr(0, key.find(' ')), path = key.substr(key.find(' ') + 1);
    m[key] = {[x, method, path](World&) { return x(method, path, method == "DELETE" ? "" : "{}"); }, kAnyone(405)};
  }
  for (const char* method : {"GET", "PUT", "POST", "DELETE", "OPTIONS"}) {
    const std::string mm = method;
    m[mm + " /xapi/*"] = {[x, mm](World&) { return x(mm, "/xapi/no-such-resource", mm == "PUT" || mm == "POST" ? "{}" : ""); },
                          kAnyone(404)};
  }
  m["GET /xapi/activities"] = {[x, activity](World&) { return x("GET", "/xapi/activities?activityId=" + activity); }, kAuthenticated};
  m["GET /xapi/agents"] = {[x, agent_of_a](World& w) { return x("GET", "/xapi/agents?agent=" + agent_of_a(w)); }, kAuthenticated};

  // State: learner A's own, and clients with the state scope (all/read reads).
  const std::string state = "/xapi/activities/state?activityId=" + activity + "&agent=";
  m["GET /xapi/activities/state"] = {[x, state, agent_of_a](World& w) { return x("GET", state + agent_of_a(w)); }, kOwnDocumentRead};
  m["PUT /xapi/activities/state"] = {
      [x, state, agent_of_a](World& w) { return x("PUT", state + agent_of_a(w) + "&stateId=put", R"({"a":1})"); }, kOwnDocumentWrite};
  m["POST /xapi/activities/state"] = {
      [x, state, agent_of_a](World& w) { return x("POST", state + agent_of_a(w) + "&stateId=post", R"({"b":2})"); }, kOwnDocumentWrite};
  m["DELETE /xapi/activities/state"] = {
      [x, state, agent_of_a](World& w) { return x("DELETE", state + agent_of_a(w) + "&stateId=gone"); }, kOwnDocumentWrite};

  // Activity profiles: everyone reads; only clients with the profile scope write.
  const std::string ap = "/xapi/activities/profile?activityId=" + activity;
  constexpr Expect kProfileWrite = {401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 204, 401};
  m["GET /xapi/activities/profile"] = {[x, ap](World&) { return x("GET", ap); },
                                       {401, 200, 200, 200, 200, 200, 200, 200, 403, 403, 200, 200, 401}};
  // A fresh profileId each time: PUT over an existing profile needs If-Match.
  m["PUT /xapi/activities/profile"] = {
      [x, ap](World& w) { return x("PUT", ap + "&profileId=p" + std::to_string(++w.serial), R"({"a":1})"); }, kProfileWrite};
  m["POST /xapi/activities/profile"] = {[x, ap](World&) { return x("POST", ap + "&profileId=merged", R"({"b":2})"); }, kProfileWrite};
  m["DELETE /xapi/activities/profile"] = {[x, ap](World&) { return x("DELETE", ap + "&profileId=gone"); }, kProfileWrite};

  // Agent profiles: learner A's own, and clients with the profile scope.
  const std::string gp = "/xapi/agents/profile?agent=";
  m["GET /xapi/agents/profile"] = {[x, gp, agent_of_a](World& w) { return x("GET", gp + agent_of_a(w)); }, kOwnDocumentRead};
  m["PUT /xapi/agents/profile"] = {
      [x, gp, agent_of_a](World& w) { return x("PUT", gp + agent_of_a(w) + "&profileId=p" + std::to_string(++w.serial), R"({"a":1})"); },
      kOwnDocumentWrite};
  m["POST /xapi/agents/profile"] = {
      [x, gp, agent_of_a](World& w) { return x("POST", gp + agent_of_a(w) + "&profileId=merged", R"({"b":2})"); }, kOwnDocumentWrite};
  m["DELETE /xapi/agents/profile"] = {[x, gp, agent_of_a](World& w) { return x("DELETE", gp + agent_of_a(w) + "&profileId=gone"); },
                                      kOwnDocumentWrite};
}

std::map<std::string, Row> matrix() {
  const std::string v = "x-experience-api-version";
  std::map<std::string, Row> m;
  m["GET /livez"] = {[](World&) { return Call{"GET", "/livez"}; }, kAnyone(200)};
  m["GET /readyz"] = {[](World&) { return Call{"GET", "/readyz"}; }, kAnyone(200)};
  m["GET /metrics"] = {[](World&) { return Call{"GET", "/metrics"}; }, kAnyone(200)};
  // Sign-in and enrollment take no bearer: a token sent along changes nothing.
  m["POST /api/v1/auth/login"] = {[](World&) {
                                    return Call{"POST", "/api/v1/auth/login",
                                                json{{"email", "admin@example.com"}, {"password", "admin-pass-1"}}.dump()};
                                  },
                                  kAnyone(200)};
  m["POST /api/v1/auth/enroll"] = {[](World& w) {
                                     return Call{"POST", "/api/v1/auth/enroll", json{{"code", w.enroll_code}}.dump()};
                                   },
                                   kAnyone(200)};
  m["POST /api/v1/auth/refresh"] = {[](World&) {
                                      return Call{"POST", "/api/v1/auth/refresh", json{{"refresh_token", "not-a-token"}}.dump()};
                                    },
                                    kAnyone(401)};
  m["POST /api/v1/auth/logout"] = {[](World&) { return Call{"POST", "/api/v1/auth/logout", "{}"}; }, kAnyone(204), {}, true};
  m["GET /api/v1/me"] = {[](World&) { return Call{"GET", "/api/v1/me"}; }, kSessionOrDevice,
                         [](World& w, Role r, const server::ClientResponse& res) {
                           const json me = body_json(res);
                           if (r == kLearnerA) CHECK(me["id"] == w.a.user_id);
                           if (r == kLearnerB) CHECK(me["id"] == w.b.user_id);
                           if (r == kManagerA) CHECK(me["id"] == w.manager_a_id);
                         }};
  m["GET /api/v1/sync/hello"] = {[](World&) { return Call{"GET", "/api/v1/sync/hello"}; }, kAnyone(200)};
  m["POST /api/v1/sync/push"] = {[](World&) {
                                   return Call{"POST", "/api/v1/sync/push", json{{"device_id", "d"}, {"statements", json::array()}}.dump()};
                                 },
                                 kDeviceOnly};
  m["POST /api/v1/sync/pull"] = {[](World&) { return Call{"POST", "/api/v1/sync/pull", json{{"cursor", 0}}.dump()}; },
                                 kDeviceOnly, only_own_statements};
  m["POST /api/v1/bundles"] = {[](World&) {
                                 return Call{"POST", "/api/v1/bundles?dry_run=1", "not a bundle",
                                             {{"content-type", "application/octet-stream"}}};
                               },
                               admin_only(400, 400)};
  m["GET /api/v1/keys"] = {[](World&) { return Call{"GET", "/api/v1/keys"}; }, kAnyone(200)};
  m["GET /api/v1/courses"] = {[](World&) { return Call{"GET", "/api/v1/courses"}; }, kSessionOrDevice};
  m["GET /api/v1/courses/{id}/versions"] = {[](World&) { return Call{"GET", "/api/v1/courses/safety-basics/versions"}; }, kStaff};
  m["GET /api/v1/files/{sha256}"] = {[](World& w) { return Call{"GET", "/api/v1/files/" + w.file_sha}; }, kSessionOrDevice};
  m["GET /api/v1/admin/learners"] = {[](World&) { return Call{"GET", "/api/v1/admin/learners"}; }, kStaff,
                                     [](World& w, Role r, const server::ClientResponse& res) {
                                       std::set<std::string> ids;
                                       const json body = body_json(res);  // a temporary's member would dangle in the loop
                                       for (const auto& l : body["learners"]) ids.insert(l["id"].get<std::string>());
                                       if (r == kManagerA) CHECK(ids == std::set<std::string>{w.a.user_id, w.victim.user_id});
                                       if (r == kManagerB) CHECK(ids == std::set<std::string>{w.b.user_id});
                                       if (r == kAdmin) CHECK((ids.count(w.a.user_id) && ids.count(w.b.user_id)));
                                     }};
  m["GET /api/v1/admin/learners/{id}/statements"] = {
      [](World& w) { return Call{"GET", "/api/v1/admin/learners/" + w.a.user_id + "/statements"}; },
      console(200, 403, 200, 403), only_own_statements};
  m["POST /api/v1/admin/users/{id}/enrollment-codes"] = {
      [](World& w) { return Call{"POST", "/api/v1/admin/users/" + w.a.user_id + "/enrollment-codes", "{}"}; }, console(201, 403, 201, 404),
      [](World& w, Role, const server::ClientResponse& res) { w.secrets.insert(body_json(res)["code"].get<std::string>()); }};
  m["POST /api/v1/admin/users/import"] = {
      [](World&) {
        return Call{"POST", "/api/v1/admin/users/import?dry_run=1", "email,name\r\nnew@example.com,New Person\r\n",
                    {{"content-type", "text/csv"}}};
      },
      admin_only(200, 200)};
  m["GET /xapi/about"] = {[](World&) { return Call{"GET", "/xapi/about"}; }, kAnyone(200)};
  m["PUT /xapi/statements"] = {
      [v](World& w) {
        return Call{"PUT", "/xapi/statements?statementId=" + w.put_statement["id"].get<std::string>(), w.put_statement.dump(),
                    {{v, "1.0.3"}}};
      },
      {401, 204, 403, 403, 403, 403, 403, 403, 204, 403, 403, 204, 401}};
  m["POST /xapi/statements"] = {[v](World& w) { return Call{"POST", "/xapi/statements", w.put_statement.dump(), {{v, "1.0.3"}}}; },
                                {401, 200, 403, 403, 403, 403, 403, 403, 200, 403, 403, 200, 401}};
  m["GET /xapi/statements"] = {[v](World&) { return Call{"GET", "/xapi/statements?limit=500", "", {{v, "1.0.3"}}}; },
                               {401, 200, 200, 200, 200, 200, 200, 200, 403, 200, 200, 200, 401}, only_own_statements};
  m["GET /*"] = {[](World&) { return Call{"GET", "/"}; }, kAnyone(200)};
  m["GET /api/v1/admin/learners/{id}"] = {[](World& w) { return Call{"GET", "/api/v1/admin/learners/" + w.a.user_id}; },
                                          console(200, 403, 200, 403)};
  identity_rows(m);
  kpi_rows(m);
  xapi_resource_rows(m);
  return m;
}

void setup(World& w) {
  auto& srv = w.srv;
  w.a = srv.enroll_learner("a@example.com", "Learner A");
  w.b = srv.enroll_learner("b@example.com", "Learner B");
  w.revoked = srv.enroll_learner("c@example.com", "Learner C");
  REQUIRE(srv.post("/api/v1/auth/logout", "{}", TestServer::bearer(w.revoked.access_token)).status == 204);
  // A formula in a learner's name: whatever exports it must defuse it.
  srv.app().create_user(org_id(srv), "f@example.com", "=HYPERLINK(\"http://evil.example\",\"x\")", "learner", "");

  w.victim = srv.enroll_learner("v@example.com", "Victim");
  w.manager_a_id = add_staff(srv, "ma@example.com", "manager", "manager-a-pass");
  w.manager_b_id = add_staff(srv, "mb@example.com", "manager", "manager-b-pass");
  w.admin = srv.admin_token();
  w.group_a = make_group(srv, w.admin, "Group A");
  w.group_b = make_group(srv, w.admin, "Group B");
  add_members(srv, w.admin, w.group_a, {w.a.user_id, w.victim.user_id});
  add_members(srv, w.admin, w.group_b, {w.b.user_id});
  add_manager(srv, w.admin, w.group_a, w.manager_a_id);
  add_manager(srv, w.admin, w.group_b, w.manager_b_id);
  w.manager_a = login(srv, "ma@example.com", "manager-a-pass");
  w.manager_b = login(srv, "mb@example.com", "manager-b-pass");

  // Another organisation with its admin and a learner with a device.
  const std::string org2 = srv.app().create_org("Other organisation");
  srv.app().create_user(org2, "admin2@example.com", "Admin Two", "admin", "admin2-pass-1");
  w.other_admin = login(srv, "admin2@example.com", "admin2-pass-1");
  {
    const std::string id = srv.app().create_user(org2, "o@example.com", "Other Learner", "learner", "");
    const auto res = srv.post("/api/v1/auth/enroll", json{{"code", srv.app().create_enrollment_code(id, 3600, 1)}, {"device_name", "d"}}.dump());
    REQUIRE(res.status == 200);
    const json j = body_json(res);
    w.other.user_id = id;
    w.other.device_id = j["device_id"];
    w.other.access_token = j["access_token"];
    w.other.refresh_token = j["refresh_token"];
  }
  const char* scopes[] = {"statements/write", "statements/read", "all/read", "all"};
  for (int i = 0; i < 4; ++i) w.xapi[static_cast<std::size_t>(i)] = srv.app().create_xapi_client(std::string("client ") + scopes[i], {scopes[i]});
  w.enroll_code = srv.app().create_enrollment_code(w.a.user_id, 3600, 50);

  const auto key = server::crypto::ed25519_keypair();
  srv.app().add_trusted_key(key.public_key, "test publisher");
  auto h = TestServer::bearer(w.admin);
  h["content-type"] = "application/octet-stream";
  REQUIRE(srv.post("/api/v1/bundles", build_bundle(demo_course_files(), key), h).status == 201);
  const json courses = body_json(srv.get("/api/v1/courses", TestServer::bearer(w.admin)))["courses"];
  w.file_sha = json::parse(courses[0]["manifest"].get<std::string>())["files"][0]["sha256"];

  auto path = call(srv, "POST", "/api/v1/admin/paths", w.admin, {{"title", "Path"}, {"courses", {{{"course_id", "safety-basics"}}}}});
  REQUIRE(path.status == 201);
  w.path_id = path.body["id"];
  w.assignment_id = assign(srv, w.admin, {{"target", {{"type", "group"}, {"id", w.group_a}}}, {"course_id", "safety-basics"}});
  w.assignment_to_end = assign(srv, w.admin, {{"target", {{"type", "user"}, {"id", w.a.user_id}}}, {"path_id", w.path_id}});
  w.rule_id = "rr-" + org_id(srv) + "-due_soon";
  auto rule = call(srv, "POST", "/api/v1/admin/reminder-rules", w.admin, {{"kind", "overdue"}, {"days", 60}});
  REQUIRE(rule.status == 201);
  w.rule_to_delete = rule.body["id"];

  w.a_statement_id = uuid_n(1);
  w.b_statement_id = uuid_n(2);
  REQUIRE(push(srv, w.a, {statement(w.a, w.a_statement_id, "http://adlnet.gov/expapi/verbs/experienced", "urn:x:a")}).status == 200);
  REQUIRE(push(srv, w.b, {statement(w.b, w.b_statement_id, "http://adlnet.gov/expapi/verbs/experienced", "urn:x:b")}).status == 200);
  w.put_statement = statement(w.a, uuid_n(3), "http://adlnet.gov/expapi/verbs/experienced", "urn:x:put");

  for (const auto& d : {w.a, w.b, w.revoked, w.other, w.victim}) {
    w.secrets.insert(d.access_token);
    w.secrets.insert(d.refresh_token);
  }
  for (const auto& t : {w.manager_a, w.manager_b, w.admin, w.other_admin, w.enroll_code}) w.secrets.insert(t);
  for (const auto& [k, s] : w.xapi) w.secrets.insert(s);
  for (const auto& p : {"manager-a-pass", "manager-b-pass", "admin-pass-1", "admin2-pass-1"}) w.secrets.insert(p);
}

}  // namespace

TEST_CASE("security: every route answers every kind of caller as the authorization matrix says", "[sync][security]") {
  TempDir web;
  write_text(web.path / "index.html", "<!doctype html><title>t</title>");
  CaptureStderr log;
  World w(web.path);
  trailpack::server::set_log_level("debug");
  setup(w);

  const auto rows = matrix();
  const auto routes = w.srv.router().routes();
  std::set<std::string> seen;
  std::vector<std::pair<std::string, const Row*>> order, later;
  for (const auto& r : routes) {
    const std::string key = r.method + " " + r.pattern;
    seen.insert(key);
    auto it = rows.find(key);
    if (it == rows.end()) {
      FAIL_CHECK("no authorization matrix entry for " << key << ": add one to tests/sync/security_authz_test.cpp");
      continue;
    }
    (it->second.last ? later : order).emplace_back(key, &it->second);
    // A route that turns anonymous callers away must do so before reading their body
    // (except refresh, whose credential is the body: it has the default 1 MiB limit).
    if ((r.method == "POST" || r.method == "PUT") && it->second.expect[kAnon] == 401 && key != "POST /api/v1/auth/refresh") {
      INFO(key);
      CHECK(r.checks_before_body);
    }
  }
  for (const auto& [key, row] : rows) {
    INFO(key);
    CHECK(seen.count(key) == 1);  // a row for a route that does not exist
  }
  order.insert(order.end(), later.begin(), later.end());

  int calls = 0, csv_answers = 0;
  for (const auto& [key, row] : order) {
    for (int r = 0; r < kRoles; ++r) {
      const Role role = static_cast<Role>(r);
      Call call = row->call(w);
      auto headers = call.headers;
      for (const auto& [k, v] : w.auth(role)) headers[k] = v;
      if (!call.body.empty() && !headers.count("content-type")) headers["content-type"] = "application/json";
      const auto res = w.srv.request(call.method, call.path, call.body, headers);
      ++calls;
      INFO(key << " as " << kRoleNames[r] << " -> " << res.status << " " << res.body.substr(0, 300));
      CHECK(res.status == row->expect[static_cast<std::size_t>(r)]);
      // No answer sets a cookie: browsers attach no credential of ours to a forged request.
      CHECK(res.headers.count("set-cookie") == 0);
      if (res.status == 401 && error_code(res) == "unauthorized") CHECK(res.headers.count("www-authenticate") == 1);
      if (res.status >= 200 && res.status < 300) {
        if (row->check) row->check(w, role, res);
        for (const auto& k : {"access_token", "refresh_token", "token"})
          if (res.status == 200 && res.headers.count("content-type") && res.headers.at("content-type").rfind("application/json", 0) == 0) {
            const json j = json::parse(res.body, nullptr, false);
            if (j.is_object() && j.contains(k) && j[k].is_string()) w.secrets.insert(j[k].get<std::string>());
          }
        if (res.headers.count("content-type") && res.headers.at("content-type").rfind("text/csv", 0) == 0) {
          ++csv_answers;
          auto rows_csv = trailpack::csv::parse(res.body);
          REQUIRE(rows_csv);
          for (const auto& row_csv : *rows_csv)
            for (const auto& cell : row_csv.fields)
              CHECK((cell.empty() || std::string("=+-@\t\r").find(cell[0]) == std::string::npos));
        }
      }
    }
  }
  trailpack::server::set_log_level("error");
  const std::string logged = log.finish();
  for (const auto& s : w.secrets) {
    INFO("a secret appears in the server's log: " << s.substr(0, 6) << "...");
    CHECK(logged.find(s) == std::string::npos);
  }
  WARN("authorization matrix: " << order.size() << " routes x " << kRoles << " callers = " << calls << " calls; "
                                << w.secrets.size() << " secrets absent from " << logged.size() << " bytes of log; "
                                << csv_answers << " CSV answers checked for formulas");
}

TEST_CASE("security: tokens are taken from the Authorization header only, never from a URL", "[sync][security]") {
  TestServer srv;
  Device d = srv.enroll_learner("url@example.com", "Url");
  const std::string session = srv.admin_token();
  for (const char* name : {"access_token", "token", "bearer", "authorization"}) {
    const std::string param = name;
    INFO(param);
    CHECK(srv.get("/api/v1/me?" + param + "=" + d.access_token).status == 401);
    CHECK(srv.get("/api/v1/admin/learners?" + param + "=" + session).status == 401);
    CHECK(srv.get("/xapi/statements?" + param + "=" + d.access_token, {{"x-experience-api-version", "1.0.3"}}).status == 401);
  }
  // Links the server hands out carry no credential: the enrollment link holds only the
  // one-time enrollment code, in the fragment (never sent to a server or in a Referer).
  auto code = srv.post("/api/v1/admin/users/" + d.user_id + "/enrollment-codes", "{}", TestServer::bearer(session));
  REQUIRE(code.status == 201);
  const std::string link = body_json(code)["link"];
  CHECK(link == srv.url() + "/#enroll=" + body_json(code)["code"].get<std::string>());
  // xAPI continuation links carry the query, not the caller's credentials.
  for (int i = 0; i < 3; ++i)
    REQUIRE(push(srv, d, {statement(d, uuid_n(static_cast<std::uint64_t>(i)), "http://adlnet.gov/expapi/verbs/experienced", "urn:x:y")}).status == 200);
  auto page = srv.get("/xapi/statements?limit=1", {{"x-experience-api-version", "1.0.3"}, {"authorization", "Bearer " + d.access_token}});
  REQUIRE(page.status == 200);
  const std::string more = body_json(page)["more"];
  REQUIRE_FALSE(more.empty());
  const std::string decoded = trailpack::base64_decode(more.substr(more.find("more=") + 5)).value_or("");
  CHECK(decoded.find(d.access_token) == std::string::npos);
  CHECK(more.find(d.access_token) == std::string::npos);
}

// Cross-site request forgery needs a credential the browser adds by itself (a cookie).
// The console keeps its bearer token in sessionStorage and sends it in Authorization; no
// answer sets a cookie (checked for every route and caller by the matrix above). Here: what
// a foreign page can make a browser send (a simple form or fetch POST, its cookies, the
// token in the body) is refused, changes nothing, and the API grants no foreign origin.
TEST_CASE("security: a forged cross-site request to the console API carries no credential and changes nothing", "[sync][security]") {
  TestServer srv;
  auto login = srv.post("/api/v1/auth/login", json{{"email", "admin@example.com"}, {"password", "admin-pass-1"}}.dump());
  REQUIRE(login.status == 200);
  CHECK(login.headers.count("set-cookie") == 0);
  const std::string session = body_json(login)["token"];
  const auto users_before = srv.get("/api/v1/admin/users", TestServer::bearer(session));
  REQUIRE(users_before.status == 200);

  const std::string person = json{{"email", "forged@example.com"}, {"name", "Forged"}}.dump();
  const std::string evil = "https://evil.example";
  struct Forgery {
    std::string what, content_type, body, cookie;
  };
  const std::vector<Forgery> forgeries = {
      {"a text/plain POST with the session as a cookie", "text/plain", person, "trailpack_session=" + session},
      {"a form POST with the session as a cookie", "application/x-www-form-urlencoded",
       "email=forged%40example.com&name=Forged", "token=" + session + "; session=" + session},
      {"a form POST with the token in the body", "application/x-www-form-urlencoded",
       "access_token=" + session + "&authorization=Bearer%20" + session + "&email=forged%40example.com", ""},
      {"a multipart POST with the session as a cookie", "multipart/form-data; boundary=x",
       "--x\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nforged@example.com\r\n--x--\r\n",
       "authorization=Bearer " + session},
  };
  for (const auto& f : forgeries) {
    INFO(f.what);
    std::map<std::string, std::string> headers = {{"origin", evil}, {"referer", evil + "/page"}, {"content-type", f.content_type}};
    if (!f.cookie.empty()) headers["cookie"] = f.cookie;
    const auto res = srv.post("/api/v1/admin/users", f.body, headers);
    CHECK(res.status == 401);
    CHECK(res.headers.count("access-control-allow-origin") == 0);
    CHECK(res.headers.count("set-cookie") == 0);
  }
  // Nothing was created.
  const auto users_after = srv.get("/api/v1/admin/users", TestServer::bearer(session));
  REQUIRE(users_after.status == 200);
  CHECK(body_json(users_after)["total"] == body_json(users_before)["total"]);
  CHECK(users_after.body.find("forged@example.com") == std::string::npos);

  // A foreign page that somehow held the token still could not read the answer: the
  // console API grants no origin (a preflight gets no Access-Control-Allow-Origin).
  const auto preflight = srv.request("OPTIONS", "/api/v1/admin/users", {},
                                     {{"origin", evil},
                                      {"access-control-request-method", "POST"},
                                      {"access-control-request-headers", "authorization, content-type"}});
  CHECK(preflight.headers.count("access-control-allow-origin") == 0);
  CHECK(preflight.headers.count("access-control-allow-headers") == 0);
  const auto read = srv.get("/api/v1/admin/users", {{"origin", evil}, {"authorization", "Bearer " + session}});
  CHECK(read.status == 200);
  CHECK(read.headers.count("access-control-allow-origin") == 0);
}
