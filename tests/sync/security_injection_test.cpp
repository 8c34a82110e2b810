// SQL injection attempts on every query parameter, filter, path parameter and JSON or CSV
// field that reaches a query: each answer is a clean 2xx/4xx (never a 500), nothing
// leaks across learners, and afterwards the database holds exactly what it held before
// (same tables, same row counts, storage healthy). Runs on SQLite and, under
// scripts/with-postgres, on PostgreSQL.
#include <catch2/catch.hpp>

#include <set>

#include "test_helpers.hpp"

using namespace trailpack::test;
using nlohmann::json;
namespace server = trailpack::server;

namespace {

const std::vector<std::string> kPayloads = {
    "' OR '1'='1",
    "' OR 1=1 --",
    "\" OR \"\"=\"",
    "1; DROP TABLE statements; --",
    "'); DELETE FROM users; --",
    "x' UNION SELECT body, 1, 1 FROM statements --",
    "%' OR user_id LIKE '%",
    "1 OR 1=1",
    "$1",
    "?",
    "\\'; SELECT pg_sleep(5); --",
    "' AND (SELECT COUNT(*) FROM tokens) > 0 --",
};

struct Snapshot {
  std::map<std::string, std::int64_t> rows;
  std::string health;
  bool operator==(const Snapshot& o) const { return rows == o.rows && health == o.health; }
};

Snapshot snapshot(TestServer& srv) {
  Snapshot s;
  srv.app().db().read([&](server::db::Connection& c) {
    for (const char* t : {"orgs", "users", "user_groups", "group_members", "manager_scopes", "tokens", "enrollment_codes",
                          "devices", "xapi_clients", "statements", "bundles", "courses", "trusted_keys"})
      s.rows[t] = c.query(std::string("SELECT COUNT(*) FROM ") + t)[0].i64(0);
  });
  s.health = srv.app().db().health();
  return s;
}

void expect_clean(const server::ClientResponse& res, const std::string& what) {
  INFO(what << " -> " << res.status << " " << res.body.substr(0, 200));
  CHECK(res.status < 500);
}

}  // namespace

TEST_CASE("security: SQL injection in every parameter and field fails harmlessly", "[sync][security]") {
  TestServer srv;
  Device a = srv.enroll_learner("a@example.com", "Learner A");
  Device b = srv.enroll_learner("b@example.com", "Learner B");
  REQUIRE(push(srv, a, {statement(a, uuid_n(1), "http://adlnet.gov/expapi/verbs/experienced", "urn:x:a")}).status == 200);
  REQUIRE(push(srv, b, {statement(b, uuid_n(2), "http://adlnet.gov/expapi/verbs/experienced", "urn:x:b")}).status == 200);
  const std::string admin = srv.admin_token();
  const auto [key, secret] = srv.app().create_xapi_client("reader", {"all"});
  const auto xa = xapi_headers(basic_auth(key, secret));
  const auto dev_a = xapi_headers("Bearer " + a.access_token);
  const Snapshot before = snapshot(srv);
  int requests = 0;

  for (const auto& p : kPayloads) {
    const std::string e = url_encode(p);
    INFO("payload " << p);
    // Every filter of the statements query, as an xAPI client and as learner A.
    for (const char* param : {"agent", "verb", "activity", "registration", "since", "until", "limit", "ascending",
                              "related_activities", "related_agents", "format", "statementId", "voidedStatementId", "more"}) {
      for (const std::map<std::string, std::string>* h : {&xa, &dev_a}) {
        auto res = srv.get(std::string("/xapi/statements?") + param + "=" + e, *h);
        ++requests;
        expect_clean(res, param);
        if (res.status == 200 && h == &dev_a) {
          const json j = body_json(res);
          for (const auto& s : j.value("statements", json::array()))
            CHECK(s["actor"]["account"]["name"] == a.user_id);  // learner A never sees B's
        }
      }
      auto res = srv.get(std::string("/xapi/statements?activity=urn:x:a&related_activities=true&") + param + "=" + e, xa);
      ++requests;
      expect_clean(res, std::string("related ") + param);
    }
    // An agent whose identifiers carry the payload.
    for (const json& agent : {json{{"mbox", "mailto:" + p + "@example.com"}},
                              json{{"account", {{"homePage", "http://x.example"}, {"name", p}}}},
                              json{{"openid", "http://x.example/" + e}}}) {
      expect_clean(srv.get("/xapi/statements?agent=" + url_encode(agent.dump()), xa), "agent object");
      ++requests;
    }
    // Path parameters.
    for (const std::string& path : {"/api/v1/admin/learners/" + e + "/statements", "/api/v1/courses/" + e + "/versions",
                                    "/api/v1/files/" + e, "/api/v1/files/" + url_encode(p + std::string(64, 'a')).substr(0, 64)}) {
      expect_clean(srv.get(path, TestServer::bearer(admin)), path);
      ++requests;
    }
    auto codes = srv.post("/api/v1/admin/users/" + e + "/enrollment-codes", "{}", TestServer::bearer(admin));
    CHECK(codes.status == 404);
    // Dry-run switches.
    expect_clean(srv.post("/api/v1/bundles?dry_run=" + e, "x", TestServer::bearer(admin)), "bundles dry_run");
    // JSON fields that reach queries: sign-in, enrollment, refresh, push.
    const int login = srv.post("/api/v1/auth/login", json{{"email", p}, {"password", p}}.dump()).status;
    CHECK((login == 401 || login == 429));  // failures count: the 11th in a minute is 429
    CHECK(srv.post("/api/v1/auth/refresh", json{{"refresh_token", p}}.dump()).status == 401);
    CHECK(srv.post("/api/v1/auth/logout", "{}", TestServer::bearer(p)).status == 204);
    CHECK(srv.get("/api/v1/me", TestServer::bearer(p)).status == 401);
    CHECK(srv.get("/xapi/statements", xapi_headers(basic_auth(p, p))).status == 401);
    auto pushed = srv.post("/api/v1/sync/push", json{{"device_id", p}, {"statements", json::array()}}.dump(),
                           TestServer::bearer(a.access_token));
    CHECK(pushed.status == 200);
    requests += 9;
  }
  // Enrollment attempts count as failures (10 a minute): a few payloads only.
  for (std::size_t i = 0; i < 3; ++i) {
    auto res = srv.post("/api/v1/auth/enroll", json{{"code", kPayloads[i]}, {"device_name", kPayloads[i + 3]}}.dump());
    CHECK(res.status == 401);
    ++requests;
  }
  CHECK(snapshot(srv) == before);

  // Payloads stored as data (statement fields, CSV cells) come back as the same text.
  json s = statement(a, uuid_n(3), "http://adlnet.gov/expapi/verbs/experienced", "urn:x:" + url_encode(kPayloads[0]));
  s["actor"]["name"] = kPayloads[3];
  s["result"] = {{"response", kPayloads[4]}};
  REQUIRE(push(srv, a, {s}).status == 200);
  auto back = srv.get("/xapi/statements?statementId=" + uuid_n(3), xa);
  REQUIRE(back.status == 200);
  CHECK(body_json(back)["actor"]["name"] == kPayloads[3]);
  CHECK(body_json(back)["result"]["response"] == kPayloads[4]);
  std::string csv = "email,name,team,groups\r\n";
  csv += "inject@example.com,\"" + kPayloads[1] + "\",\"" + kPayloads[3] + "\",\"" + kPayloads[4] + "\"\r\n";
  auto imported = srv.post("/api/v1/admin/users/import", csv, {{"authorization", "Bearer " + admin}, {"content-type", "text/csv"}});
  REQUIRE(imported.status == 200);
  CHECK(body_json(imported)["created"] == 1);
  auto learners = body_json(srv.get("/api/v1/admin/learners", TestServer::bearer(admin)))["learners"];
  bool found = false;
  for (const auto& l : learners)
    if (l["email"] == "inject@example.com") {
      found = true;
      CHECK(l["name"] == kPayloads[1]);
      CHECK(l["team"] == kPayloads[3]);
    }
  CHECK(found);
  const Snapshot after = snapshot(srv);
  CHECK(after.health == "ok");
  CHECK(after.rows.at("statements") == before.rows.at("statements") + 1);
  CHECK(after.rows.at("users") == before.rows.at("users") + 1);
  WARN("SQL injection: " << kPayloads.size() << " payloads, " << requests << " requests; no 5xx, nothing changed or leaked");
}
