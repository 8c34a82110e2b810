// Hostile and broken clients against the real server process: oversized declared bodies,
// chunked bodies past the limit, truncated bodies, huge headers, bodies nobody is allowed
// to send, and 200 slow connections, all at once. Each is answered with a 4xx/503 or a
// closed connection; no partial batch is stored; the server's resident memory stays
// under 200 MB; and meanwhile a well-behaved device is served within 1 s.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "device.hpp"
#include "server_process.hpp"
#include "test_helpers.hpp"  // RawConnection

using namespace trailpack;
using namespace trailpack::faults;
using nlohmann::json;
using namespace std::chrono_literals;
using test::hex;
using test::request_head;

namespace {

json statement(const SyncClient& c, int n) {
  json s = experienced_statement(c.home_page(), c.user_id(), "b0000000", n,
                                 "urn:trailpack:course:hostile:item:i" + std::to_string(n % 9));
  s["result"] = {{"extensions", {{"urn:trailpack:ext:pad", std::string(2000, 'x')}}}};
  return s;
}

std::string push_body(const SyncClient& c, int from, int count) {
  json list = json::array();
  for (int i = 0; i < count; ++i) list.push_back(statement(c, from + i));
  return json{{"protocol", 1}, {"device_id", c.device_id()}, {"statements", list}}.dump();
}

std::int64_t stored(const ServerProcess& srv) {
  return std::stoll(sqlite_rows(srv.db_path(), "SELECT COUNT(*) FROM statements")[0][0]);
}

// Status of the answer, 0 when the server closed the connection without one.
int status_of(test::RawConnection& c, std::chrono::milliseconds wait = 10s) {
  auto r = c.read_response(wait);
  return r ? r->status : 0;
}

}  // namespace

TEST_CASE("faults: hostile clients get 4xx or a closed connection, store nothing, and do not starve others", "[faults][hostile]") {
  const int slow_count = 200;
  const int waves = long_mode() ? 10 : 2;
  ServerProcess srv;
  StartOptions opts;
  // A small ASan quarantine, so resident memory measures the server rather than the sanitizer.
  opts.env = {{"ASAN_OPTIONS", "detect_leaks=0:quarantine_size_mb=8:malloc_context_size=5"}};
  srv.start(opts);
  const auto u = srv.add_learner("victim@example.com", "Well Behaved");
  SyncClient good(srv.url());
  good.enroll(u.code, "good device");
  const auto u2 = srv.add_learner("attacker@example.com", "Attacker");
  SyncClient bad(srv.url());
  bad.enroll(u2.code, "bad device");
  const std::string bad_auth = "Authorization: Bearer " + bad.access_token();

  std::atomic<bool> stop{false};
  std::atomic<long> max_rss{0};
  std::atomic<int> slow_answers{0};
  std::thread rss_watch([&] {
    while (!stop) {
      const long r = srv.rss_kib();
      if (r > max_rss) max_rss = r;
      std::this_thread::sleep_for(50ms);
    }
  });

  // 200 slow connections: half trickle a header, half a declared body, a byte at a time.
  std::vector<std::unique_ptr<test::RawConnection>> slow;
  for (int i = 0; i < slow_count; ++i) {
    slow.push_back(std::make_unique<test::RawConnection>(srv.port()));
    REQUIRE(slow.back()->connected());
  }
  std::thread trickle([&] {
    for (int step = 0; step < 40 && !stop; ++step) {
      for (int i = 0; i < slow_count; ++i) {
        auto& c = *slow[static_cast<std::size_t>(i)];
        if (step == 0)
          c.send(i % 2 ? "POST /api/v1/sync/push HTTP/1.1\r\nHost: x\r\n" + bad_auth +
                             "\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"
                       : std::string("GET /livez HTTP/1.1\r\nX-Slow: "), 100ms);
        else
          c.send(i % 2 ? "[" : "a", 100ms);
      }
      std::this_thread::sleep_for(250ms);
    }
  });

  std::int64_t good_sent = 0;
  std::vector<double> latencies_ms;
  for (int wave = 0; wave < waves; ++wave) {
    INFO("wave " << wave);
    const std::int64_t before = stored(srv);
    std::vector<std::thread> attackers;
    std::atomic<int> refused{0}, not_refused{0};
    auto expect_refused = [&](int status, std::initializer_list<int> allowed) {
      bool ok = false;
      for (int a : allowed) ok = ok || a == status;
      (ok ? refused : not_refused)++;
      if (!ok) WARN("unexpected status " << status);
    };
    // Oversized declared bodies, with and without credentials, on every big route.
    for (const char* path : {"/api/v1/sync/push", "/api/v1/bundles", "/xapi/statements", "/api/v1/admin/users/import",
                                    "/api/v1/auth/login"}) {
      attackers.emplace_back([&, path = std::string(path)] {
        for (const std::string& auth : {std::string(), bad_auth}) {
          test::RawConnection c(srv.port());
          std::vector<std::string> h = {"Content-Type: application/json", "Content-Length: 600000000"};
          if (!auth.empty()) h.push_back(auth);
          c.send(request_head("POST", path, h));
          c.send(std::string(64 * 1024, '{'), 1s);
          expect_refused(status_of(c), {400, 401, 403, 413});  // 400: xAPI without its version header
        }
      });
    }
    // Anonymous bodies on credentialed routes: refused before the body is read.
    attackers.emplace_back([&] {
      for (int i = 0; i < 8; ++i) {
        test::RawConnection c(srv.port());
        c.send(request_head("POST", "/api/v1/bundles", {"Content-Length: 400000000"}));
        expect_refused(status_of(c), {401});
      }
    });
    // Chunked past the push limit, from an enrolled device.
    attackers.emplace_back([&] {
      test::RawConnection c(srv.port());
      c.send(request_head("POST", "/api/v1/sync/push", {"Content-Type: application/json", bad_auth, "Transfer-Encoding: chunked"}));
      const std::string body = push_body(bad, 100000, 4300);  // ~9 MB of valid statements
      for (std::size_t at = 0; at < body.size(); at += 256 * 1024) {
        const std::string part = body.substr(at, 256 * 1024);
        if (!c.send(hex(part.size()) + "\r\n" + part + "\r\n", 2s)) break;
      }
      c.send("0\r\n\r\n", 1s);
      expect_refused(status_of(c), {413, 503, 0});
    });
    // Truncated: a valid batch, cut short, then the client goes away.
    attackers.emplace_back([&] {
      for (int i = 0; i < 4; ++i) {
        const std::string body = push_body(bad, 200000 + i * 100, 50);
        test::RawConnection c(srv.port());
        c.send(request_head("POST", "/api/v1/sync/push",
                    {"Content-Type: application/json", bad_auth, "Content-Length: " + std::to_string(body.size())}) +
               body.substr(0, body.size() / 2));
        c.close();
      }
    });
    // A truncated chunked body: the last chunk never comes.
    attackers.emplace_back([&] {
      const std::string body = push_body(bad, 300000, 20);
      test::RawConnection c(srv.port());
      c.send(request_head("POST", "/api/v1/sync/push", {"Content-Type: application/json", bad_auth, "Transfer-Encoding: chunked"}) +
             hex(body.size()) + "\r\n" + body + "\r\n");
      c.close();
    });
    // Huge headers: one 100 KiB header, and 2000 small ones.
    attackers.emplace_back([&] {
      test::RawConnection a(srv.port());
      a.send(request_head("GET", "/livez", {"X-Big: " + std::string(100 * 1024, 'h')}), 2s);
      expect_refused(status_of(a), {431, 0});
      std::vector<std::string> many;
      for (int i = 0; i < 2000; ++i) many.push_back("X-H" + std::to_string(i) + ": v");
      test::RawConnection b(srv.port());
      b.send(request_head("GET", "/livez", many), 2s);
      expect_refused(status_of(b), {431, 0});
    });

    // Meanwhile the well-behaved device pushes and is served within 1 s each time.
    for (int i = 0; i < 10; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      auto res = good.push({statement(good, 10 * wave + i)});
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      latencies_ms.push_back(ms);
      CHECK(res.status == 200);
      CHECK(ms < 1000);
      good_sent++;
      std::this_thread::sleep_for(100ms);
    }
    for (auto& t : attackers) t.join();
    CHECK(not_refused == 0);
    CHECK(stored(srv) == before + 10);  // only the good device's statements: no partial batch
    CHECK(srv.request("GET", "/livez").status == 200);
  }
  stop = true;
  trickle.join();
  rss_watch.join();
  // The slow clients were cut off by the server's deadlines (10 s header, 30 s request).
  int closed = 0;
  for (auto& c : slow)
    if (c->wait_closed(35s)) ++closed;
  CHECK(closed == slow_count);
  CHECK(stored(srv) == good_sent);
  std::sort(latencies_ms.begin(), latencies_ms.end());
  WARN("hostile clients: peak RSS " << max_rss / 1024 << " MB; good device's push latency median "
                                    << latencies_ms[latencies_ms.size() / 2] << " ms, max " << latencies_ms.back() << " ms");
  CHECK(max_rss < 200 * 1024);
  srv.stop();
  CHECK(integrity_check(srv.db_path()) == "ok");
}
