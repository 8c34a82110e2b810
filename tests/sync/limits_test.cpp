// Transport limits on a real server over raw sockets: header size, body size (declared,
// chunked, after gzip), malformed gzip, slow clients, idle connections, the connection cap.
#include <catch2/catch.hpp>

#include <thread>

#include "http/gzip.hpp"
#include "test_helpers.hpp"

using namespace trailpack::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

trailpack::server::ServerLimits short_limits() {
  trailpack::server::ServerLimits l;
  l.header_timeout = std::chrono::seconds(1);
  l.request_timeout = std::chrono::seconds(2);
  l.idle_timeout = std::chrono::seconds(2);
  return l;
}

// A push body of `count` valid statements, each carrying `pad` bytes in an extension.
std::string padded_push(const Device& d, int count, std::size_t pad) {
  json statements = json::array();
  for (int i = 0; i < count; ++i) {
    json s = statement(d, uuid_n(static_cast<std::uint64_t>(i)), "http://adlnet.gov/expapi/verbs/experienced",
                       "urn:trailpack:course:demo:item:card");
    s["result"] = {{"extensions", {{"urn:trailpack:ext:pad", std::string(pad, 'x')}}}};
    statements.push_back(std::move(s));
  }
  return json{{"protocol", 1}, {"device_id", d.device_id}, {"statements", statements}}.dump();
}

}  // namespace

TEST_CASE("limits: a 20 KiB header is 431", "[sync][limits]") {
  TestServer srv(short_limits());
  RawConnection c(port_of(srv));
  REQUIRE(c.connected());
  REQUIRE(c.send(request_head("GET", "/livez", {"X-Padding: " + std::string(20 * 1024, 'a')})));
  std::string why;
  auto reply = c.read_response(5s, &why);
  REQUIRE(reply);
  CHECK(reply->status == 431);
  CHECK(json::parse(reply->body)["error"]["code"] == "header_too_large");
  CHECK(reply->headers["connection"] == "close");
  // The server is fine afterwards.
  CHECK(srv.get("/livez").status == 200);
}

TEST_CASE("limits: a Content-Length over the route's limit is 413 before any of the body is sent", "[sync][limits]") {
  TestServer srv(short_limits());
  Device d = srv.enroll_learner("lea@example.com", "Lea");
  SECTION("default route limit (1 MiB)") {
    RawConnection c(port_of(srv));
    REQUIRE(c.send(request_head("POST", "/api/v1/sync/pull",
                                {"Content-Type: application/json", "Authorization: Bearer " + d.access_token,
                                 "Content-Length: " + std::to_string((1 << 20) + 1)})));
    auto reply = c.read_response(1500ms);  // well before the 2 s request deadline
    REQUIRE(reply);
    CHECK(reply->status == 413);
    CHECK(json::parse(reply->body)["error"]["code"] == "body_too_large");
    CHECK(json::parse(reply->body)["error"]["message"] == "the request body is larger than the limit of 1048576 bytes");
    CHECK(c.wait_closed(4s));  // after at most the 2 s the server lingers for the rest of the body
  }
  SECTION("push limit (8 MiB)") {
    RawConnection c(port_of(srv));
    REQUIRE(c.send(request_head("POST", "/api/v1/sync/push",
                                {"Content-Type: application/json", "Authorization: Bearer " + d.access_token,
                                 "Content-Length: " + std::to_string(8 * 1024 * 1024 + 1)})));
    auto reply = c.read_response(1500ms);
    REQUIRE(reply);
    CHECK(reply->status == 413);
  }
  SECTION("more than any route accepts (1 GiB) is a 413 too, not a silent close") {
    RawConnection c(port_of(srv));
    REQUIRE(c.send(request_head("POST", "/api/v1/bundles",
                                {"Content-Type: application/octet-stream", "Authorization: Bearer " + srv.admin_token(),
                                 "Content-Length: " + std::to_string(1ull << 30)})));
    auto reply = c.read_response(1500ms);
    REQUIRE(reply);
    CHECK(reply->status == 413);
    CHECK(json::parse(reply->body)["error"]["code"] == "body_too_large");
  }
  SECTION("exactly at the limit is read") {
    RawConnection c(port_of(srv));
    const std::string body = json{{"protocol", 1}, {"cursor", 0}}.dump();
    REQUIRE(c.send(request_head("POST", "/api/v1/sync/pull",
                                {"Content-Type: application/json", "Authorization: Bearer " + d.access_token,
                                 "Content-Length: " + std::to_string(body.size())}) +
                   body));
    auto reply = c.read_response(5s);
    REQUIRE(reply);
    CHECK(reply->status == 200);
  }
}

TEST_CASE("limits: a client that sends an over-limit body in one go still reads the 413", "[sync][limits]") {
  TestServer srv;
  Device d = srv.enroll_learner("lea@example.com", "Lea");
  // The CLI's client (and most others) writes the whole request before reading: the
  // server must let it finish writing instead of resetting the connection under it.
  const std::string body(24u << 20, 'x');
  for (int i = 0; i < 3; ++i) {
    auto res = srv.post("/api/v1/sync/push", body, TestServer::bearer(d.access_token));
    CHECK(res.status == 413);
    CHECK(error_message(res) == "the request body is larger than the limit of 8388608 bytes");
  }
  RawConnection c(port_of(srv));
  c.send(request_head("POST", "/api/v1/sync/push",
                      {"Content-Type: application/json", "Authorization: Bearer " + d.access_token,
                       "Content-Length: " + std::to_string(body.size())}) +
             body,
         5s);
  std::string why;
  auto reply = c.read_response(5s, &why);
  INFO(why);
  REQUIRE(reply);
  CHECK(reply->status == 413);
  CHECK(count_statements(srv) == 0);
}

TEST_CASE("limits: a chunked body over the limit is 413 and nothing is stored", "[sync][limits]") {
  TestServer srv;  // default deadlines: sending ~9 MB under sanitizers may take longer than short ones
  Device d = srv.enroll_learner("lea@example.com", "Lea");
  // 400 valid statements of ~22 KB: ~8.8 MB, over the 8 MiB push limit.
  const std::string body = padded_push(d, 400, 22 * 1024);
  REQUIRE(body.size() > 8u * 1024 * 1024);
  RawConnection c(port_of(srv));
  REQUIRE(c.send(request_head("POST", "/api/v1/sync/push",
                              {"Content-Type: application/json", "Authorization: Bearer " + d.access_token,
                               "Transfer-Encoding: chunked"})));
  // Send until the server stops reading; it may close before everything is sent.
  const std::size_t chunk = 64 * 1024;
  const auto t0 = std::chrono::steady_clock::now();
  std::size_t sent = 0;
  for (std::size_t at = 0; at < body.size(); at += chunk) {
    const std::string part = body.substr(at, chunk);
    if (!c.send(hex(part.size()) + "\r\n" + part + "\r\n", 2s)) break;
    sent = at + part.size();
  }
  c.send("0\r\n\r\n", 1s);
  INFO("sent " << sent << " bytes in " << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count() << " ms");
  std::string why;
  auto reply = c.read_response(5s, &why);
  INFO("read: " << why);
  REQUIRE(reply);
  CHECK(reply->status == 413);
  CHECK(json::parse(reply->body)["error"]["code"] == "body_too_large");
  CHECK(count_statements(srv) == 0);

  // The same statements in a body under the limit are stored: the limit, not the content, refused them.
  RawConnection ok(port_of(srv));
  const std::string small = padded_push(d, 3, 1024);
  REQUIRE(ok.send(request_head("POST", "/api/v1/sync/push",
                               {"Content-Type: application/json", "Authorization: Bearer " + d.access_token,
                                "Transfer-Encoding: chunked"}) +
                  hex(small.size()) + "\r\n" + small + "\r\n0\r\n\r\n"));
  auto stored = ok.read_response(5s);
  REQUIRE(stored);
  CHECK(stored->status == 200);
  CHECK(count_statements(srv) == 3);
}

TEST_CASE("limits: a gzip body that inflates past the limit is 413, nothing is stored", "[sync][limits]") {
  TestServer srv(short_limits());
  Device d = srv.enroll_learner("lea@example.com", "Lea");
  auto headers = TestServer::bearer(d.access_token);
  headers["content-encoding"] = "gzip";
  const std::string body = padded_push(d, 400, 22 * 1024);
  const std::string packed = trailpack::server::gzip_deflate(body);
  REQUIRE(packed.size() < 1024 * 1024);  // small on the wire
  auto res = srv.post("/api/v1/sync/push", packed, headers);
  CHECK(res.status == 413);
  CHECK(error_code(res) == "body_too_large");
  CHECK(error_message(res) == "the decompressed body is larger than the limit of 8388608 bytes");
  CHECK(count_statements(srv) == 0);

  // A classic bomb on a 1 MiB route: 64 MiB of zeros in ~64 KB.
  auto bomb = srv.post("/api/v1/sync/pull", trailpack::server::gzip_deflate(std::string(64u << 20, '\0'), 9), headers);
  CHECK(bomb.status == 413);
}

TEST_CASE("limits: a truncated or corrupt gzip body is 400", "[sync][limits]") {
  TestServer srv(short_limits());
  Device d = srv.enroll_learner("lea@example.com", "Lea");
  auto headers = TestServer::bearer(d.access_token);
  headers["content-encoding"] = "gzip";
  const std::string packed = trailpack::server::gzip_deflate(padded_push(d, 10, 100));
  auto cut = srv.post("/api/v1/sync/push", packed.substr(0, packed.size() - 12), headers);
  CHECK(cut.status == 400);
  CHECK(error_code(cut) == "bad_encoding");
  CHECK(error_message(cut) == "the gzip body is malformed or truncated");
  auto garbage = srv.post("/api/v1/sync/push", "this is not gzip at all", headers);
  CHECK(garbage.status == 400);
  CHECK(error_code(garbage) == "bad_encoding");
  auto trailing = srv.post("/api/v1/sync/push", packed + "extra", headers);
  CHECK(trailing.status == 400);
  CHECK(count_statements(srv) == 0);
  // The intact body is fine.
  CHECK(srv.post("/api/v1/sync/push", packed, headers).status == 200);
  CHECK(count_statements(srv) == 10);
}

TEST_CASE("limits: a client that sends half a request and stalls is disconnected after the deadline", "[sync][limits]") {
  TestServer srv(short_limits());
  // Pull checks credentials before the body: the slow body must come from a device.
  const std::string auth = "Authorization: Bearer " + srv.enroll_learner("slow@example.com", "Slow").access_token;
  SECTION("half the headers: the 1 s header deadline") {
    RawConnection c(port_of(srv));
    REQUIRE(c.send("GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "));
    auto closed = c.wait_closed(5s);
    REQUIRE(closed);
    CHECK(*closed >= 700ms);
    CHECK(*closed <= 3s);
  }
  SECTION("the headers and half the body: the 2 s request deadline") {
    RawConnection c(port_of(srv));
    REQUIRE(c.send(request_head("POST", "/api/v1/sync/pull", {auth, "Content-Type: application/json", "Content-Length: 100"}) +
                   "{\"protocol\":"));
    auto closed = c.wait_closed(6s);
    REQUIRE(closed);
    CHECK(*closed >= 1500ms);
    CHECK(*closed <= 4s);
  }
  SECTION("trickling the body a byte at a time does not extend the deadline") {
    RawConnection c(port_of(srv));
    REQUIRE(c.send(request_head("POST", "/api/v1/sync/pull", {auth, "Content-Type: application/json", "Content-Length: 100"})));
    const auto start = std::chrono::steady_clock::now();
    bool open = true;
    for (int i = 0; i < 40 && open; ++i) {
      std::this_thread::sleep_for(200ms);
      open = c.send(" ", 1s);
      if (open) open = !c.wait_closed(1ms);
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK_FALSE(open);
    CHECK(elapsed >= 1500ms);  // the request deadline, not an early refusal
    CHECK(elapsed <= 5s);
  }
  SECTION("an idle keep-alive connection is closed after the idle timeout") {
    RawConnection c(port_of(srv));
    REQUIRE(c.send(request_head("GET", "/livez", {})));
    auto reply = c.read_response(2s);
    REQUIRE(reply);
    CHECK(reply->status == 200);
    auto closed = c.wait_closed(6s);
    REQUIRE(closed);
    CHECK(*closed >= 1500ms);
  }
  CHECK(srv.get("/livez").status == 200);
}

TEST_CASE("limits: 200 idle connections do not stop another client from getting /livez within 1 s", "[sync][limits]") {
  trailpack::server::ServerLimits limits;
  limits.header_timeout = std::chrono::seconds(20);
  TestServer srv(limits);
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 200; ++i) {
    idle.push_back(std::make_unique<RawConnection>(port_of(srv)));
    REQUIRE(idle.back()->connected());
  }
  // Some of them send a partial request and stall.
  for (int i = 0; i < 200; i += 2) REQUIRE(idle[static_cast<std::size_t>(i)]->send("GET /livez HTTP/1.1\r\nHo"));
  for (int round = 0; round < 3; ++round) {
    const auto start = std::chrono::steady_clock::now();
    auto res = srv.get("/livez");
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(res.status == 200);
    CHECK(took < 1s);
  }
}

TEST_CASE("limits: connections past max_connections are refused, /livez answers again once others close",
          "[sync][limits]") {
  trailpack::server::ServerLimits limits;
  limits.max_connections = 10;
  limits.header_timeout = std::chrono::seconds(20);
  TestServer srv(limits);
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 10; ++i) {
    held.push_back(std::make_unique<RawConnection>(port_of(srv)));
    REQUIRE(held.back()->connected());
  }
  // Let the server accept all ten.
  std::this_thread::sleep_for(200ms);
  RawConnection extra(port_of(srv));
  auto refused = extra.wait_closed(2s);
  REQUIRE(refused);
  CHECK(*refused < 1s);
  CHECK_THROWS(srv.get("/livez"));

  // The held connections still work.
  REQUIRE(held[0]->send(request_head("GET", "/livez", {})));
  auto reply = held[0]->read_response(2s);
  REQUIRE(reply);
  CHECK(reply->status == 200);

  for (int i = 0; i < 5; ++i) held[static_cast<std::size_t>(i)]->close();
  bool answered = false;
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  while (!answered && std::chrono::steady_clock::now() < deadline) {
    try {
      answered = srv.get("/livez").status == 200;
    } catch (const std::exception&) {
      std::this_thread::sleep_for(50ms);
    }
  }
  CHECK(answered);
}
