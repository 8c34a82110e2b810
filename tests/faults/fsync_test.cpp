// fsync failures injected with fiu-run (libfiu's POSIX preload): while every fsync and
// fdatasync of the server fails, a push cannot be made durable, so it is not
// acknowledged (a 5xx), and nothing of it is stored, even after a crash right then;
// once the disk works again, the device's retry stores it.
#include <catch2/catch.hpp>

#include <thread>

#include "device.hpp"
#include "server_process.hpp"

using namespace trailpack;
using namespace trailpack::faults;
using nlohmann::json;

namespace {

json statement(const SyncClient& c, int n) {
  return experienced_statement(c.home_page(), c.user_id(), "f5000000", n,
                               "urn:trailpack:course:fsync:item:i" + std::to_string(n));
}

void fiu_ctrl(const ServerProcess& srv, const std::string& command) {
  const std::string cmd = "fiu-ctrl -c '" + command + "' " + std::to_string(srv.pid()) + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[512];
  std::string out;
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  INFO(cmd << ": " << out);
  REQUIRE(::pclose(p) == 0);
}

std::int64_t stored_count(const ServerProcess& srv) {
  return std::stoll(sqlite_rows(srv.db_path(), "SELECT COUNT(*) FROM statements")[0][0]);
}

}  // namespace

TEST_CASE("faults: a push whose commit cannot be fsynced is not acknowledged, and its retry succeeds", "[faults][fsync]") {
  const int rounds = long_mode() ? 25 : 5;
  ServerProcess srv;
  StartOptions fiu;
  fiu.wrapper = {"fiu-run", "-x"};
  srv.start(fiu);
  const auto u = srv.add_learner("fsync@example.com", "Fsync Learner");
  SyncClient dev(srv.url());
  dev.enroll(u.code, "fsync device");

  int next = 0;
  for (int round = 0; round < rounds; ++round) {
    INFO("round " << round);
    std::vector<json> batch;
    for (int i = 0; i < 20; ++i) batch.push_back(statement(dev, next++));
    const std::int64_t before = stored_count(srv);

    fiu_ctrl(srv, "enable name=posix/io/sync/*");
    auto res = dev.push(batch);
    CHECK(res.status >= 500);
    CHECK(res.acked.empty());
    // Still failing: a second try is refused the same way, and the server stays up.
    CHECK(dev.push(batch).status >= 500);
    CHECK(srv.request("GET", "/livez").status == 200);
    CHECK(stored_count(srv) == before);  // nothing of the batch is visible

    if (round % 2 == 1) {
      // Crash while the disk is failing: after the restart, the batch is wholly there or
      // wholly absent (it was never acknowledged, so absent is what the device expects,
      // and present is harmless: the retry answers duplicate).
      srv.kill9();
      REQUIRE(integrity_check(srv.db_path()) == "ok");
      const std::int64_t after = stored_count(srv);
      CHECK((after == before || after == before + 20));
      srv.start(fiu);
    } else {
      fiu_ctrl(srv, "disable name=posix/io/sync/*");
    }
    auto retry = dev.push(batch);
    REQUIRE(retry.status == 200);
    CHECK(retry.acked.size() == 20);
    CHECK(stored_count(srv) == before + 20);
  }
  srv.kill9();
  CHECK(integrity_check(srv.db_path()) == "ok");
  CHECK(stored_count(srv) == 20 * rounds);
  CHECK(srv.log().find("handler_failed") != std::string::npos);  // the failure was logged
}
