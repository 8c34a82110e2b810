// kill -9 of `trailpack serve` in the middle of a push storm: several devices of two
// learners push overlapping batches concurrently while the server is killed and
// restarted again and again. After every kill, on the database as the next start finds
// it: PRAGMA integrity_check is ok, every statement a device saw acknowledged (stored or
// duplicate in a 200 answer) is there, exactly once, with the content that was sent.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "device.hpp"
#include "server_process.hpp"
#include "trailpack/xapi/statement.hpp"

using namespace trailpack;
using namespace trailpack::faults;
using nlohmann::json;

namespace {

json make_statement(const std::string& home_page, const std::string& user_id, int learner, int n) {
  char prefix[16];
  std::snprintf(prefix, sizeof prefix, "%08x", 0xc0000000u + static_cast<unsigned>(learner));
  json s = experienced_statement(home_page, user_id, prefix, n, "urn:trailpack:course:storm:item:i" + std::to_string(n % 37));
  s["result"] = {{"completion", true}, {"duration", "PT" + std::to_string(1 + n % 50) + "S"}};
  return s;
}

}  // namespace

TEST_CASE("faults: kill -9 during a push storm loses and duplicates no acknowledged statement", "[faults][crash]") {
  const int kills = long_mode() ? 100 : 20;
  const int per_learner = long_mode() ? 3000 : 800;
  ServerProcess srv;
  srv.start();

  // Two learners, two devices each; each learner's devices push from one pool of
  // statements, so their batches overlap (the same ids from two devices at once).
  struct Learner {
    std::string user_id;
    std::vector<json> pool;
  };
  std::vector<Learner> learners(2);
  std::vector<std::unique_ptr<SyncClient>> devices;
  std::vector<int> learner_of;
  for (int l = 0; l < 2; ++l) {
    const auto u = srv.add_learner("storm" + std::to_string(l) + "@example.com", "Storm " + std::to_string(l));
    learners[l].user_id = u.id;
    for (int d = 0; d < 2; ++d) {
      devices.push_back(std::make_unique<SyncClient>(srv.url()));
      devices.back()->enroll(u.code, "storm device");
      learner_of.push_back(l);
    }
    for (int n = 0; n < per_learner; ++n) learners[l].pool.push_back(make_statement(srv.url(), u.id, l, n));
  }
  std::map<std::string, json> by_id;
  for (const auto& l : learners)
    for (const auto& s : l.pool) by_id[s["id"]] = s;

  std::mutex acked_mutex;
  std::set<std::string> acked;
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0}, failed{0}, bad{0};
  std::vector<std::thread> threads;
  for (std::size_t d = 0; d < devices.size(); ++d) {
    threads.emplace_back([&, d] {
      std::mt19937 rng(static_cast<unsigned>(1000 + d));
      const auto& pool = learners[static_cast<std::size_t>(learner_of[d])].pool;
      while (!stop) {
        const std::size_t start = rng() % pool.size();
        const std::size_t n = 1 + rng() % 60;
        std::vector<json> batch;
        for (std::size_t i = 0; i < n; ++i) batch.push_back(pool[(start + i * (1 + rng() % 3)) % pool.size()]);
        try {
          auto res = devices[d]->push(batch);
          if (res.status != 200) {
            ++failed;
            continue;
          }
          ++answered;
          for (const auto& r : res.body["results"])
            if (r["status"] != "stored" && r["status"] != "duplicate") ++bad;
          std::lock_guard<std::mutex> lock(acked_mutex);
          acked.insert(res.acked.begin(), res.acked.end());
        } catch (const std::exception&) {
          ++failed;  // the server is down: try again
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
      }
    });
  }

  std::mt19937 rng(7);
  for (int k = 0; k < kills; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 350));
    srv.kill9();
    std::set<std::string> must_have;
    {
      std::lock_guard<std::mutex> lock(acked_mutex);
      must_have = acked;
    }
    INFO("kill " << k + 1 << " of " << kills << ", " << must_have.size() << " statements acknowledged so far");
    REQUIRE(integrity_check(srv.db_path()) == "ok");
    std::map<std::string, int> stored;
    std::map<std::string, std::string> bodies;
    for (const auto& r : sqlite_rows(srv.db_path(), "SELECT id, body FROM statements")) {
      ++stored[r[0]];
      bodies[r[0]] = r[1];
    }
    std::size_t missing = 0, twice = 0, altered = 0;
    for (const auto& id : must_have) {
      auto it = stored.find(id);
      if (it == stored.end()) ++missing;
      else if (it->second != 1) ++twice;
      else if (xapi::comparable_form(json::parse(bodies[id])) != xapi::comparable_form(by_id.at(id))) ++altered;
    }
    CHECK(missing == 0);
    CHECK(twice == 0);
    CHECK(altered == 0);
    CHECK(stored.size() <= by_id.size());  // nothing the devices did not send
    srv.start();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  for (auto& t : threads) t.join();
  CHECK(bad == 0);
  CHECK(answered > kills);  // the storm really ran between the kills
  INFO("pushes answered: " << answered << ", failed (server down): " << failed);

  // Finally every device pushes its whole pool: everything is stored exactly once.
  for (std::size_t d = 0; d < devices.size(); ++d) {
    const auto& pool = learners[static_cast<std::size_t>(learner_of[d])].pool;
    for (std::size_t i = 0; i < pool.size(); i += 400) {
      std::vector<json> batch(pool.begin() + static_cast<std::ptrdiff_t>(i),
                              pool.begin() + static_cast<std::ptrdiff_t>(std::min(pool.size(), i + 400)));
      auto res = devices[d]->push(batch);
      REQUIRE(res.status == 200);
      CHECK(res.acked.size() == batch.size());
    }
  }
  srv.stop();
  CHECK(integrity_check(srv.db_path()) == "ok");
  const auto rows = sqlite_rows(srv.db_path(), "SELECT COUNT(*), COUNT(DISTINCT id) FROM statements");
  CHECK(rows[0][0] == std::to_string(by_id.size()));
  CHECK(rows[0][1] == std::to_string(by_id.size()));
  WARN("kill -9 storm: " << kills << " kills, " << answered << " pushes answered, " << acked.size()
                         << " statements acknowledged before the last kill; none lost or duplicated");
}
