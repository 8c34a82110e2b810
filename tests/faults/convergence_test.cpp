// Three devices of one learner go on and off line, record on their own, and sync with
// duplicated, split, reordered and replayed batches and out-of-order pull pages. In the
// end every device and the server hold the same statements (each stored once) and the
// same projection: sha256 of progress::to_json(project_course(...)).dump() is equal on
// the three engines and on the server's database.
//
// The same with skewed clocks: devices at -3 days, +3 days and on time, the server run
// under faketime at +3 days and then at -3 days.
//
// And a device offline for 10 days, then for 31 (its access token expired: it refreshes)
// and for 181 days (its refresh token expired too: it enrolls again): nothing is lost.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <random>

#include "device.hpp"
#include "player/engine_fixture.hpp"  // engine_course(): two modules, cards, a shuffled and a timed quiz
#include "server_process.hpp"

using namespace trailpack;
using namespace trailpack::faults;
using nlohmann::json;

namespace {

constexpr std::int64_t kDay = 24LL * 3600 * 1000;

std::int64_t real_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct Fleet {
  ServerProcess& srv;
  ServerProcess::NewUser user;
  json course;
  std::vector<std::unique_ptr<NativeDevice>> devices;

  Fleet(ServerProcess& s, const std::vector<std::int64_t>& offsets) : srv(s), course(test::engine_course()) {
    user = srv.add_learner("fleet@example.com", "Fleet Learner");
    const auto dir = srv.dir() / "devices";
    std::filesystem::create_directories(dir);
    for (std::size_t i = 0; i < offsets.size(); ++i) {
      devices.push_back(std::make_unique<NativeDevice>(dir, "device" + std::to_string(i), srv.url(), offsets[i]));
      devices.back()->enroll(user.code, course);
    }
  }

  // Rounds of: each device acts a few times, and each that is "online" syncs with chaos.
  void play(std::mt19937& rng, int rounds) {
    for (int r = 0; r < rounds; ++r)
      for (auto& d : devices) {
        for (int a = 0, n = static_cast<int>(rng() % 3); a < n; ++a) d->act(rng, course);
        if (rng() % 3 != 0) d->sync(&rng);  // offline one time in three
      }
  }

  // Everyone online: sync until nothing moves (a device that synced early must pull what
  // the others pushed afterwards).
  void settle() {
    for (int pass = 0; pass < 3; ++pass)
      for (auto& d : devices) REQUIRE(d->sync());
  }

  void check_converged() {
    const std::string cid = course["id"];
    const auto on_server = server_statement_ids(srv.db_path(), user.id);
    const std::set<std::string> server_set(on_server.begin(), on_server.end());
    CHECK(on_server.size() == server_set.size());  // every statement stored once
    REQUIRE(on_server.size() > 10);
    const std::string server_hash = server_progress_hash(srv.db_path(), user.id, course);
    for (std::size_t i = 0; i < devices.size(); ++i) {
      INFO("device " << i);
      CHECK(devices[i]->unsynced() == 0);
      CHECK(devices[i]->statement_ids(cid) == server_set);
      CHECK(devices[i]->progress_hash(cid) == server_hash);
    }
  }
};

}  // namespace

TEST_CASE("faults: three devices with duplicated and reordered batches converge with the server", "[faults][convergence]") {
  const int seeds = long_mode() ? 10 : 2;
  for (int seed = 1; seed <= seeds; ++seed) {
    INFO("seed " << seed);
    ServerProcess srv;
    srv.start();
    Fleet fleet(srv, {0, 0, 0});
    std::mt19937 rng(static_cast<unsigned>(seed));
    fleet.play(rng, long_mode() ? 40 : 12);
    // A restart in the middle, as servers do.
    srv.stop();
    srv.start();
    fleet.play(rng, long_mode() ? 20 : 6);
    fleet.settle();
    fleet.check_converged();
  }
}

TEST_CASE("faults: devices and server with clocks skewed by 3 days converge", "[faults][convergence][clock]") {
  ServerProcess srv;
  StartOptions ahead;
  ahead.clock_offset = "+3d";
  srv.start(ahead);
  CHECK(std::abs(srv.server_time_ms() - (real_now_ms() + 3 * kDay)) < 60 * 1000);  // really 3 days ahead

  Fleet fleet(srv, {-3 * kDay, 3 * kDay, 0});
  std::mt19937 rng(42);
  fleet.play(rng, long_mode() ? 30 : 10);
  // The server's clock jumps back 6 days (restarted at -3 days).
  srv.stop();
  StartOptions behind;
  behind.clock_offset = "-3d";
  srv.start(behind);
  CHECK(std::abs(srv.server_time_ms() - (real_now_ms() - 3 * kDay)) < 60 * 1000);
  fleet.play(rng, long_mode() ? 30 : 10);
  fleet.settle();
  fleet.check_converged();
}

TEST_CASE("faults: a device offline for 10, then 31, then 181 days syncs everything it recorded", "[faults][offline]") {
  ServerProcess srv;
  srv.start();
  Fleet fleet(srv, {0});
  auto& dev = *fleet.devices[0];
  std::mt19937 rng(5);
  REQUIRE(dev.sync());

  int elapsed = 0;  // days since enrollment, on the server and on the device
  auto offline_for = [&](int days) {
    srv.stop();
    // Days pass on the device while it records, and on the server.
    for (int d = 0; d < days; ++d) {
      if (d % 3 == 0) dev.act(rng, fleet.course);
      dev.advance(kDay);
    }
    // The course is linear: a random action may hit a locked item and record nothing.
    // Act until the device holds something to sync.
    for (int i = 0; i < 200 && dev.unsynced() == 0; ++i) dev.act(rng, fleet.course);
    elapsed += days;
    StartOptions later;
    later.clock_offset = "+" + std::to_string(elapsed) + "d";
    srv.start(later);
    REQUIRE(std::abs(srv.server_time_ms() - (real_now_ms() + elapsed * kDay)) < 60 * 1000);
  };

  // 10 days: the access token (30 days) still works; nothing to refresh.
  offline_for(10);
  REQUIRE(dev.unsynced() > 0);
  REQUIRE(dev.sync());
  CHECK(dev.client().refreshes() == 0);
  CHECK(dev.unsynced() == 0);

  // 31 more days (41 since enrollment): the access token (30 days) expired; the client
  // refreshes once and pushes.
  offline_for(31);
  REQUIRE(dev.unsynced() > 0);
  REQUIRE(dev.sync());
  CHECK(dev.client().refreshes() == 1);
  CHECK(dev.unsynced() == 0);

  // 181 more days (222 since enrollment, 181 since the refresh): the refresh token (180
  // days) expired too; the push fails, the device keeps everything, enrolls again with a
  // new code (made by the admin at the server's time), and then everything syncs.
  offline_for(181);
  const std::int64_t waiting = dev.unsynced();
  REQUIRE(waiting > 0);
  CHECK_FALSE(dev.sync());
  CHECK(dev.unsynced() == waiting);
  auto again = json::parse(cli({"users", "add", "--db", srv.db_path().string(), "--email", "fleet@example.com",
                                "--name", "Fleet Learner", "--enrollment-code", "--json"},
                               {"faketime", "-f", "+" + std::to_string(elapsed) + "d"}));
  dev.client().enroll(again["enrollment_code"], "device0");
  REQUIRE(dev.sync());
  CHECK(dev.unsynced() == 0);
  fleet.check_converged();
}
