// Hostile input that used to crash or exhaust the server, and the checks made before a
// body is received: JSON nested 100 000 deep (a stack overflow from one small push, a
// signature's payload or a stored State document),
// numbers past a double's range, credentials refused before a large body is read, and
// the budget for request bodies received at once (docs/http-api.md#limits).
#include <catch2/catch.hpp>

#include <thread>

#include "test_helpers.hpp"
#include "trailpack/crypto/sha256.hpp"
#include "trailpack/encoding.hpp"

using namespace trailpack::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::string deep_statement(const Device& d, std::size_t depth) {
  json s = statement(d, uuid_n(1), "http://adlnet.gov/expapi/verbs/experienced", "urn:trailpack:course:x:item:y");
  std::string text = s.dump();
  text.pop_back();  // '}'
  return text + ",\"result\":{\"extensions\":{\"urn:x:deep\":" + std::string(depth, '[') + std::string(depth, ']') + "}}}";
}

}  // namespace

TEST_CASE("hostile input: a push nested 100 000 levels deep is 400 and the server keeps serving", "[sync][hostile]") {
  TestServer srv;
  Device d = srv.enroll_learner("deep@example.com", "Deep");
  const std::string body = "{\"protocol\":1,\"device_id\":\"d\",\"statements\":[" + deep_statement(d, 100000) + "]}";
  auto res = srv.post("/api/v1/sync/push", body, TestServer::bearer(d.access_token));
  CHECK(res.status == 400);
  CHECK(error_code(res) == "invalid_json");
  CHECK(error_message(res).rfind("the body is not valid JSON (not valid JSON (nested deeper than 100 levels near line 1, column ", 0) == 0);
  CHECK(srv.get("/livez").status == 200);
  CHECK(count_statements(srv) == 0);

  // The same through the LRS.
  const auto [key, secret] = srv.app().create_xapi_client("deep", {"all"});
  auto x = srv.post("/xapi/statements", deep_statement(d, 100000), xapi_headers(basic_auth(key, secret)));
  CHECK(x.status == 400);
  CHECK(error_code(x) == "invalid_json");
  CHECK(srv.get("/livez").status == 200);

  // 90 levels inside an extension (under the limit with the statement's own) are stored.
  auto ok = srv.post("/api/v1/sync/push", "{\"device_id\":\"d\",\"statements\":[" + deep_statement(d, 90) + "]}",
                     TestServer::bearer(d.access_token));
  CHECK(ok.status == 200);
  CHECK(count_statements(srv) == 1);
}

TEST_CASE("hostile input: JSON nested 200 000 deep in a signature or a stored document is 400, and the server keeps serving",
          "[sync][hostile]") {
  TestServer srv;
  Device d = srv.enroll_learner("deep@example.com", "Deep");
  const auto h = TestServer::bearer(d.access_token);
  std::map<std::string, std::string> xh = {{"x-experience-api-version", "1.0.3"}, {"authorization", h.at("authorization")}};
  const std::string deep = "{\"a\":" + std::string(200000, '[') + std::string(200000, ']') + "}";

  // A signed statement whose JWS payload is the deep document: the payload is compared
  // with the statement, which recursed once per level.
  json s = statement(d, uuid_n(7), "http://adlnet.gov/expapi/verbs/experienced", "urn:trailpack:course:x:item:y");
  const std::string jws = trailpack::base64_encode(R"({"alg":"RS256"})", true) + "." + trailpack::base64_encode(deep, true) + "." +
                          trailpack::base64_encode("sig", true);
  s["attachments"] = json::array({{{"usageType", "http://adlnet.gov/expapi/attachments/signature"},
                                   {"display", {{"en-US", "Signature"}}},
                                   {"contentType", "application/octet-stream"},
                                   {"length", static_cast<std::int64_t>(jws.size())},
                                   {"sha2", trailpack::crypto::sha256_hex(jws)}}});
  const std::string body = "--b\r\nContent-Type: application/json\r\n\r\n" + s.dump() +
                           "\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n"
                           "X-Experience-API-Hash: " + trailpack::crypto::sha256_hex(jws) + "\r\n\r\n" + jws + "\r\n--b--\r\n";
  auto mh = xh;
  mh["content-type"] = "multipart/mixed; boundary=b";
  auto signed_res = srv.post("/xapi/statements", body, mh);
  CHECK(signed_res.status == 400);
  CHECK(error_message(signed_res).rfind("the signature's payload is not a JSON statement (not valid JSON (nested deeper than 100 levels", 0) == 0);
  CHECK(srv.get("/livez").status == 200);
  CHECK(count_statements(srv) == 0);

  // A State document stored as it came (PUT does not parse), then merged by a POST.
  const std::string state = "/xapi/activities/state?activityId=" + url_encode("http://example.com/a") + "&agent=" +
                            url_encode(d.agent.dump()) + "&stateId=s";
  auto jh = xh;
  jh["content-type"] = "application/json";
  REQUIRE(srv.request("PUT", state, deep, jh).status == 204);
  auto merged = srv.request("POST", state, R"({"b":1})", jh);
  CHECK(merged.status == 400);
  CHECK(error_code(merged) == "invalid_document");
  CHECK(srv.get("/livez").status == 200);
  CHECK(srv.request("GET", state, {}, xh).body == deep);  // unchanged
}

TEST_CASE("hostile input: a statement naming 50,000 activities is stored (PostgreSQL's lock table is not exhausted)",
          "[sync][hostile]") {
  TestServer srv;
  Device d = srv.enroll_learner("many@example.com", "Many");
  json s = statement(d, uuid_n(9), "http://adlnet.gov/expapi/verbs/experienced", "urn:trailpack:course:x:item:y");
  json other = json::array();
  for (int i = 0; i < 50000; ++i)
    other.push_back({{"id", "http://example.com/a/" + std::to_string(i)}, {"definition", {{"name", {{"en", "A"}}}}}});
  s["context"]["contextActivities"]["other"] = other;
  auto res = push(srv, d, {s});
  REQUIRE(res.status == 200);
  CHECK(body_json(res)["results"][0]["status"] == "stored");
  CHECK(count_statements(srv) == 1);
  CHECK(srv.get("/livez").status == 200);
}

TEST_CASE("hostile input: a Content-Type that is not UTF-8 text, or longer than 255 bytes, is 400 and nothing is stored",
          "[sync][hostile]") {
  TestServer srv;
  Device d = srv.enroll_learner("types@example.com", "Types");
  std::map<std::string, std::string> xh = {{"x-experience-api-version", "1.0.3"}, {"authorization", "Bearer " + d.access_token}};
  const std::string state = "/xapi/activities/state?activityId=" + url_encode("http://example.com/a") + "&agent=" +
                            url_encode(d.agent.dump()) + "&stateId=s";
  for (const std::string type : {std::string("text/plain; x=\xff"), "text/" + std::string(300, 'x')}) {
    auto h = xh;
    h["content-type"] = type;
    auto res = srv.request("PUT", state, "hello", h);
    CHECK(res.status == 400);
    CHECK(error_where(res) == "Content-Type");
  }
  CHECK(srv.request("GET", state, {}, xh).status == 404);

  // An attachment part whose Content-Type holds a NUL byte.
  const std::string data = "attached";
  const std::string sha = trailpack::crypto::sha256_hex(data);
  json s = statement(d, uuid_n(11), "http://adlnet.gov/expapi/verbs/experienced", "urn:trailpack:course:x:item:y");
  s["attachments"] = json::array({{{"usageType", "http://example.com/usage"},
                                   {"display", {{"en-US", "A"}}},
                                   {"contentType", "text/plain"},
                                   {"length", static_cast<std::int64_t>(data.size())},
                                   {"sha2", sha}}});
  const std::string body = "--b\r\nContent-Type: application/json\r\n\r\n" + s.dump() + "\r\n--b\r\nContent-Type: text/pl" +
                           std::string(1, '\0') + "ain\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: " + sha +
                           "\r\n\r\n" + data + "\r\n--b--\r\n";
  auto mh = xh;
  mh["content-type"] = "multipart/mixed; boundary=b";
  auto res = srv.post("/xapi/statements", body, mh);
  CHECK(res.status == 400);
  CHECK(error_where(res) == "part 2");
  CHECK(count_statements(srv) == 0);
}

TEST_CASE("hostile input: statements adding thousands of languages to an activity's name stop growing its definition at 64 KiB",
          "[sync][hostile]") {
  TestServer srv;
  Device d = srv.enroll_learner("langs@example.com", "Langs");
  for (int round = 0; round < 4; ++round) {
    json s = statement(d, uuid_n(static_cast<std::uint64_t>(100 + round)), "http://adlnet.gov/expapi/verbs/experienced", "http://example.com/act");
    json name = json::object();
    for (int i = 0; i < 1000; ++i) name["x-r" + std::to_string(round) + "-" + std::to_string(i)] = "a name in a made-up language";
    s["object"]["definition"] = {{"name", name}};
    auto res = push(srv, d, {s});
    REQUIRE(res.status == 200);
    CHECK(body_json(res)["results"][0]["status"] == "stored");
  }
  CHECK(count_statements(srv) == 4);
  srv.app().db().read([&](trailpack::server::db::Connection& c) {
    const auto def = c.query("SELECT definition FROM activity_definitions WHERE activity_id = 'http://example.com/act'");
    REQUIRE(def.size() == 1);
    CHECK(def[0].str(0).size() <= 64 * 1024);
    CHECK(json::parse(def[0].str(0))["name"].size() == 1000);  // the first statement's languages, no more
  });
}

TEST_CASE("hostile input: a number too large for a double is 400 invalid_json, not 500", "[sync][hostile]") {
  TestServer srv;
  Device d = srv.enroll_learner("num@example.com", "Num");
  auto res = srv.post("/api/v1/sync/push", "{\"device_id\":\"d\",\"statements\":[1e999]}", TestServer::bearer(d.access_token));
  CHECK(res.status == 400);
  CHECK(error_code(res) == "invalid_json");
  CHECK(error_message(res) == "the body is not valid JSON (not valid JSON (a number too large near line 1, column 36))");
  CHECK(error_where(res) == "1:36");
}

TEST_CASE("hostile input: credentials are checked before a body is received", "[sync][hostile]") {
  TestServer srv;
  Device d = srv.enroll_learner("lea@example.com", "Lea");
  struct Case {
    std::string path;
    std::vector<std::string> headers;
    int status;
    std::string code;
  };
  const std::vector<Case> cases = {
      {"/api/v1/bundles", {}, 401, "unauthorized"},
      {"/api/v1/bundles", {"Authorization: Bearer " + d.access_token}, 403, "forbidden"},
      {"/api/v1/sync/push", {}, 401, "unauthorized"},
      {"/api/v1/sync/push", {"Authorization: Bearer " + srv.admin_token()}, 403, "forbidden"},
      {"/api/v1/admin/users/import", {"Authorization: Bearer " + d.access_token}, 403, "forbidden"},
      {"/xapi/statements", {"X-Experience-API-Version: 1.0.3"}, 401, "unauthorized"},
      {"/xapi/statements", {}, 400, "missing_version"},
  };
  for (const auto& c : cases) {
    INFO(c.path << " " << (c.headers.empty() ? "" : c.headers[0].substr(0, 30)));
    RawConnection conn(port_of(srv));
    auto h = c.headers;
    h.push_back("Content-Length: 400000000");
    REQUIRE(conn.send(request_head("POST", c.path, h)));  // the headers only: no byte of the body is sent
    auto reply = conn.read_response(2s);
    REQUIRE(reply);
    CHECK(reply->status == c.status);
    CHECK(json::parse(reply->body)["error"]["code"] == c.code);
    CHECK(reply->headers["connection"] == "close");
    if (c.path == "/xapi/statements") CHECK(reply->headers["x-experience-api-version"] == "1.0.3");
    if (c.status == 401) CHECK(!reply->headers["www-authenticate"].empty());
  }
  // A malformed target with a body is refused before the body too.
  RawConnection bad(port_of(srv));
  REQUIRE(bad.send(request_head("POST", "/api/v1/bundles?x=%zz", {"Content-Length: 400000000"})));
  auto reply = bad.read_response(2s);
  REQUIRE(reply);
  CHECK(reply->status == 400);
  CHECK(json::parse(reply->body)["error"]["code"] == "bad_request");
}

TEST_CASE("hostile input: request bodies received at once share a budget; past it, 503 overloaded", "[sync][hostile]") {
  trailpack::server::ServerLimits limits;
  limits.body_budget = 1 << 20;  // 1 MiB
  TestServer srv(limits);
  Device d = srv.enroll_learner("budget@example.com", "Budget");
  const std::string auth = "Authorization: Bearer " + d.access_token;
  // A declared 700 KB body holds the budget while it is being sent...
  RawConnection first(port_of(srv));
  REQUIRE(first.send(request_head("POST", "/api/v1/sync/push", {auth, "Content-Type: application/json", "Content-Length: 700000"}) + "{"));
  std::this_thread::sleep_for(200ms);
  // ... so a second one that does not fit is refused at once.
  RawConnection second(port_of(srv));
  REQUIRE(second.send(request_head("POST", "/api/v1/sync/push", {auth, "Content-Type: application/json", "Content-Length: 700000"})));
  auto refused = second.read_response(2s);
  REQUIRE(refused);
  CHECK(refused->status == 503);
  CHECK(json::parse(refused->body)["error"]["code"] == "overloaded");
  CHECK(json::parse(refused->body)["error"]["message"] == "the server is receiving too much at once; try again shortly");
  CHECK(refused->headers["retry-after"] == "1");
  // A chunked body that grows past the budget is refused the same way.
  RawConnection chunked(port_of(srv));
  REQUIRE(chunked.send(request_head("POST", "/api/v1/sync/push", {auth, "Content-Type: application/json", "Transfer-Encoding: chunked"})));
  chunked.send("80000\r\n" + std::string(0x80000, ' ') + "\r\n", 2s);
  auto refused2 = chunked.read_response(2s);
  REQUIRE(refused2);
  CHECK(refused2->status == 503);
  // Small requests are not affected: the first 64 KiB of a body are outside the budget.
  CHECK(srv.get("/livez").status == 200);
  CHECK(push(srv, d, {statement(d, uuid_n(9), "http://adlnet.gov/expapi/verbs/experienced", "urn:x:small")}).status == 200);
  // Once the first client goes away, its share is free again.
  first.close();
  std::this_thread::sleep_for(300ms);
  const std::string body = json{{"device_id", "d"}, {"statements", json::array()}}.dump() + std::string(600000, ' ');
  auto ok = srv.post("/api/v1/sync/push", body, TestServer::bearer(d.access_token));
  CHECK(ok.status == 200);
}
