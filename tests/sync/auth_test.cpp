// Authentication on a real server: console sessions, device enrollment, refresh
// rotation with reuse detection, logout, and the failure limiter.
#include <catch2/catch.hpp>

#include <set>

#include "test_helpers.hpp"

using namespace trailpack::test;
using nlohmann::json;

namespace {

json creds(const std::string& email, const std::string& password) { return {{"email", email}, {"password", password}}; }

std::string dashed_lower(std::string code) {
  for (char& c : code) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string out;
  for (std::size_t i = 0; i < code.size(); ++i) {
    if (i && i % 4 == 0) out.push_back('-');
    out.push_back(code[i]);
  }
  return out;
}

}  // namespace

TEST_CASE("console login: the right password gives a session that /me knows", "[sync][auth]") {
  TestServer srv;
  auto res = srv.post("/api/v1/auth/login", creds("admin@example.com", "admin-pass-1").dump());
  REQUIRE(res.status == 200);
  const json j = body_json(res);
  CHECK(j["user"]["role"] == "admin");
  CHECK(j["user"]["name"] == "Admin");
  CHECK(j["expires_at"].get<std::int64_t>() > srv.app().now_ms());
  const std::string token = j["token"];
  CHECK(token.size() >= 40);

  auto me = srv.get("/api/v1/me", TestServer::bearer(token));
  REQUIRE(me.status == 200);
  const json m = body_json(me);
  CHECK(m["id"] == j["user"]["id"]);
  CHECK(m["role"] == "admin");
  CHECK(m["org_id"] == org_id(srv));
  CHECK(m["device_id"] == "");
  CHECK(m["home_page"] == srv.url());
}

TEST_CASE("console login: a wrong password or unknown email is 401 invalid_credentials", "[sync][auth]") {
  TestServer srv;
  for (const auto& c : {creds("admin@example.com", "wrong-password"), creds("nobody@example.com", "admin-pass-1")}) {
    auto res = srv.post("/api/v1/auth/login", c.dump());
    CHECK(res.status == 401);
    CHECK(error_code(res) == "invalid_credentials");
    CHECK(error_message(res) == "wrong email or password");
    CHECK(body_json(res)["error"].size() == 2);  // code and message; no "where" and no token
  }
  auto missing = srv.post("/api/v1/auth/login", json{{"email", "admin@example.com"}}.dump());
  CHECK(missing.status == 400);
  CHECK(error_code(missing) == "invalid_request");
  CHECK(error_where(missing) == "password");
  auto not_json = srv.post("/api/v1/auth/login", "{\"email\":");
  CHECK(not_json.status == 400);
  CHECK(error_code(not_json) == "invalid_json");
}

TEST_CASE("console login: a learner cannot sign in to the console, even with the right password", "[sync][auth]") {
  TestServer srv;
  srv.app().create_user(org_id(srv), "learner@example.com", "Lea", "learner", "learner-pass-1");
  auto res = srv.post("/api/v1/auth/login", creds("learner@example.com", "learner-pass-1").dump());
  CHECK(res.status == 401);
  CHECK(error_code(res) == "invalid_credentials");
  // A manager with a password can.
  add_staff(srv, "manager@example.com", "manager", "manager-pass-1");
  auto ok = srv.post("/api/v1/auth/login", creds("manager@example.com", "manager-pass-1").dump());
  REQUIRE(ok.status == 200);
  CHECK(body_json(ok)["user"]["role"] == "manager");
}

TEST_CASE("enrollment: a code typed in lower case with dashes enrolls the device", "[sync][auth]") {
  TestServer srv;
  const std::string uid = srv.app().create_user(org_id(srv), "field@example.com", "Field Worker", "learner", "");
  const std::string code = srv.app().create_enrollment_code(uid, 3600, 1);
  REQUIRE(code.size() == 12);
  auto res = srv.post("/api/v1/auth/enroll", json{{"code", dashed_lower(code)}, {"device_name", "tablet 7"}}.dump());
  REQUIRE(res.status == 200);
  const json j = body_json(res);
  CHECK(j["user"]["id"] == uid);
  CHECK(j["user"]["email"] == "field@example.com");
  CHECK(j["home_page"] == srv.url());
  CHECK(j["trusted_keys"].is_array());
  CHECK(j["expires_at"].get<std::int64_t>() > srv.app().now_ms());
  const std::string device_id = j["device_id"];
  CHECK(device_id.rfind("d-", 0) == 0);

  auto me = srv.get("/api/v1/me", TestServer::bearer(j["access_token"]));
  REQUIRE(me.status == 200);
  CHECK(body_json(me)["id"] == uid);
  CHECK(body_json(me)["role"] == "learner");
  CHECK(body_json(me)["device_id"] == device_id);
  // The refresh token is not an access token.
  CHECK(srv.get("/api/v1/me", TestServer::bearer(j["refresh_token"])).status == 401);

  // The code had one use.
  auto again = srv.post("/api/v1/auth/enroll", json{{"code", code}}.dump());
  CHECK(again.status == 401);
  CHECK(error_code(again) == "invalid_code");
  CHECK(error_message(again) == "this enrollment code is unknown, used up or expired");
}

TEST_CASE("enrollment: a code works as many times as its uses, and not after it expires", "[sync][auth]") {
  TestServer srv;
  const std::string uid = srv.app().create_user(org_id(srv), "field@example.com", "Field Worker", "learner", "");
  const std::string code = srv.app().create_enrollment_code(uid, 3600, 2);
  std::set<std::string> devices;
  for (int i = 0; i < 2; ++i) {
    auto res = srv.post("/api/v1/auth/enroll", json{{"code", code}}.dump());
    REQUIRE(res.status == 200);
    devices.insert(body_json(res)["device_id"].get<std::string>());
  }
  CHECK(devices.size() == 2);
  auto third = srv.post("/api/v1/auth/enroll", json{{"code", code}}.dump());
  CHECK(third.status == 401);
  CHECK(error_code(third) == "invalid_code");

  const std::string expired = srv.app().create_enrollment_code(uid, -1, 5);
  auto late = srv.post("/api/v1/auth/enroll", json{{"code", expired}}.dump());
  CHECK(late.status == 401);
  CHECK(error_code(late) == "invalid_code");

  auto missing = srv.post("/api/v1/auth/enroll", json{{"device_name", "x"}}.dump());
  CHECK(missing.status == 400);
  CHECK(error_where(missing) == "code");

  // A device name that is not a string is a clear 400, and the code is not used up.
  const std::string one = srv.app().create_enrollment_code(uid, 3600, 1);
  auto bad_name = srv.post("/api/v1/auth/enroll", json{{"code", one}, {"device_name", 5}}.dump());
  CHECK(bad_name.status == 400);
  CHECK(error_code(bad_name) == "invalid_request");
  CHECK(error_where(bad_name) == "device_name");
  CHECK(srv.post("/api/v1/auth/enroll", json{{"code", one}, {"device_name", "tablet"}}.dump()).status == 200);
}

TEST_CASE("limiter: the 11th failed login from one address is 429 with Retry-After", "[sync][auth][limits]") {
  TestServer srv;
  for (int i = 1; i <= 10; ++i) {
    auto res = srv.post("/api/v1/auth/login", creds("admin@example.com", "wrong-" + std::to_string(i)).dump());
    REQUIRE(res.status == 401);
  }
  auto limited = srv.post("/api/v1/auth/login", creds("admin@example.com", "wrong-11").dump());
  CHECK(limited.status == 429);
  CHECK(error_code(limited) == "too_many_attempts");
  REQUIRE(limited.headers.count("retry-after"));
  const int wait = std::stoi(limited.headers["retry-after"]);
  CHECK(wait >= 1);
  CHECK(wait <= 60);
  CHECK(error_message(limited) == "too many failed attempts; try again in " + std::to_string(wait) + " s");
  // While limited, even the right password is refused.
  CHECK(srv.post("/api/v1/auth/login", creds("admin@example.com", "admin-pass-1").dump()).status == 429);
}

TEST_CASE("limiter: the 11th failed enrollment from one address is 429 with Retry-After", "[sync][auth][limits]") {
  TestServer srv;
  const std::string uid = srv.app().create_user(org_id(srv), "field@example.com", "Field Worker", "learner", "");
  const std::string good = srv.app().create_enrollment_code(uid, 3600, 5);
  for (int i = 1; i <= 10; ++i) {
    auto res = srv.post("/api/v1/auth/enroll", json{{"code", "WRONGCODE" + std::to_string(100 + i)}}.dump());
    REQUIRE(res.status == 401);
    REQUIRE(error_code(res) == "invalid_code");
  }
  auto limited = srv.post("/api/v1/auth/enroll", json{{"code", good}}.dump());
  CHECK(limited.status == 429);
  CHECK(error_code(limited) == "too_many_attempts");
  REQUIRE(limited.headers.count("retry-after"));
  CHECK(std::stoi(limited.headers["retry-after"]) >= 1);
  CHECK(std::stoi(limited.headers["retry-after"]) <= 60);
  // Logins have their own counter: the console still works from this address.
  CHECK(srv.post("/api/v1/auth/login", creds("admin@example.com", "admin-pass-1").dump()).status == 200);
}

TEST_CASE("limiter: failures counted by one server do not lock out another server in the same process",
          "[sync][auth][limits]") {
  {
    TestServer a;
    for (int i = 0; i < 10; ++i) REQUIRE(a.post("/api/v1/auth/login", creds("admin@example.com", "bad").dump()).status == 401);
  }
  TestServer b;
  CHECK(b.post("/api/v1/auth/login", creds("admin@example.com", "admin-pass-1").dump()).status == 200);
}

TEST_CASE("refresh: rotation gives new tokens and the previous access token works until it expires", "[sync][auth]") {
  TestServer srv;
  Device d = srv.enroll_learner("lea@example.com", "Lea");
  auto res = srv.post("/api/v1/auth/refresh", json{{"refresh_token", d.refresh_token}}.dump());
  REQUIRE(res.status == 200);
  const json j = body_json(res);
  const std::string access2 = j["access_token"], refresh2 = j["refresh_token"];
  CHECK(access2 != d.access_token);
  CHECK(refresh2 != d.refresh_token);
  CHECK(j["expires_at"].get<std::int64_t>() > srv.app().now_ms());

  auto old_me = srv.get("/api/v1/me", TestServer::bearer(d.access_token));
  CHECK(old_me.status == 200);
  auto new_me = srv.get("/api/v1/me", TestServer::bearer(access2));
  REQUIRE(new_me.status == 200);
  CHECK(body_json(new_me)["device_id"] == d.device_id);  // same device, same family

  // The rotated token rotates again.
  auto res3 = srv.post("/api/v1/auth/refresh", json{{"refresh_token", refresh2}}.dump());
  REQUIRE(res3.status == 200);
  CHECK(srv.get("/api/v1/me", TestServer::bearer(body_json(res3)["access_token"])).status == 200);

  auto unknown = srv.post("/api/v1/auth/refresh", json{{"refresh_token", "not-a-token"}}.dump());
  CHECK(unknown.status == 401);
  CHECK(error_code(unknown) == "invalid_token");
}

TEST_CASE("refresh: reusing a used refresh token is 401 token_reused and revokes the whole family", "[sync][auth]") {
  TestServer srv;
  Device d = srv.enroll_learner("lea@example.com", "Lea");
  Device other = srv.enroll_learner("sam@example.com", "Sam");
  auto first = srv.post("/api/v1/auth/refresh", json{{"refresh_token", d.refresh_token}}.dump());
  REQUIRE(first.status == 200);
  const std::string access2 = body_json(first)["access_token"], refresh2 = body_json(first)["refresh_token"];

  // A stolen copy of the old refresh token is presented again.
  auto reuse = srv.post("/api/v1/auth/refresh", json{{"refresh_token", d.refresh_token}}.dump());
  CHECK(reuse.status == 401);
  CHECK(error_code(reuse) == "token_reused");
  CHECK(error_message(reuse) == "this refresh token was already used; the device must enroll again");

  // Every token of the family is dead: both access tokens and the newest refresh token.
  for (const auto& t : {d.access_token, access2}) {
    auto me = srv.get("/api/v1/me", TestServer::bearer(t));
    CHECK(me.status == 401);
    CHECK(error_code(me) == "unauthorized");
  }
  auto next = srv.post("/api/v1/auth/refresh", json{{"refresh_token", refresh2}}.dump());
  CHECK(next.status == 401);
  CHECK(error_code(next) == "invalid_token");
  // Another device's family is untouched.
  CHECK(srv.get("/api/v1/me", TestServer::bearer(other.access_token)).status == 200);
}

TEST_CASE("logout revokes the device's tokens, revoked and expired tokens are 401", "[sync][auth]") {
  TestServer srv;
  Device d = srv.enroll_learner("lea@example.com", "Lea");
  auto out = srv.post("/api/v1/auth/logout", "", TestServer::bearer(d.access_token));
  CHECK(out.status == 204);
  auto me = srv.get("/api/v1/me", TestServer::bearer(d.access_token));
  CHECK(me.status == 401);
  CHECK(error_code(me) == "unauthorized");
  CHECK(me.headers["www-authenticate"] == "Bearer realm=\"trailpack\"");
  auto refresh = srv.post("/api/v1/auth/refresh", json{{"refresh_token", d.refresh_token}}.dump());
  CHECK(refresh.status == 401);
  CHECK(error_code(refresh) == "invalid_token");

  // Console session logout.
  const std::string session = login(srv, "admin@example.com", "admin-pass-1");
  CHECK(srv.get("/api/v1/me", TestServer::bearer(session)).status == 200);
  CHECK(srv.post("/api/v1/auth/logout", "", TestServer::bearer(session)).status == 204);
  CHECK(srv.get("/api/v1/me", TestServer::bearer(session)).status == 401);

  // An expired access token.
  Device e = srv.enroll_learner("exp@example.com", "Exp");
  REQUIRE(srv.get("/api/v1/me", TestServer::bearer(e.access_token)).status == 200);
  srv.app().db().write([&](trailpack::server::db::Connection& c) {
    c.exec("UPDATE tokens SET expires_ms = 1 WHERE device_id = $1 AND kind = 'device'", {e.device_id});
  });
  CHECK(srv.get("/api/v1/me", TestServer::bearer(e.access_token)).status == 401);
}

TEST_CASE("/me without or with a garbage token is 401, learners get 403 on console endpoints", "[sync][auth]") {
  TestServer srv;
  auto none = srv.get("/api/v1/me");
  CHECK(none.status == 401);
  CHECK(error_code(none) == "unauthorized");
  CHECK(srv.get("/api/v1/me", TestServer::bearer("garbage")).status == 401);
  CHECK(srv.get("/api/v1/me", {{"authorization", "Bearer "}}).status == 401);
  CHECK(srv.get("/api/v1/me", {{"authorization", "Basic Zm9vOmJhcg=="}}).status == 401);
  Device d = srv.enroll_learner("lea@example.com", "Lea");
  auto admin = srv.get("/api/v1/admin/learners", TestServer::bearer(d.access_token));
  CHECK(admin.status == 403);
  CHECK(error_code(admin) == "forbidden");
}
