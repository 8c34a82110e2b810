// The response is lost after the commit: a proxy passes each push to the server and
// drops the answer. The device keeps the statements unsynced, pushes again (the same
// batch and, later, a bigger one), gets "duplicate" for what was committed, and the
// server holds every statement once.
#include <catch2/catch.hpp>

#include "device.hpp"
#include "lossy_proxy.hpp"
#include "server_process.hpp"
#include "trailpack/player/engine.hpp"

using namespace trailpack;
using namespace trailpack::faults;
using nlohmann::json;

namespace {

json course() {
  const json para = json::array({{{"type", "paragraph"}, {"spans", {{{"text", "Text"}}}}}});
  json items = json::array();
  for (int i = 0; i < 12; ++i)
    items.push_back({{"id", "card" + std::to_string(i)}, {"type", "card"}, {"title", "Card"}, {"blocks", para}});
  return {{"id", "lost"}, {"version", 1}, {"title", "Lost"}, {"language", "en"},
          {"modules", {{{"id", "m"}, {"title", "M"}, {"items", items}}}}};
}

}  // namespace

TEST_CASE("faults: a push whose response is lost after the commit is retried without duplicates", "[faults][lost-response]") {
  const int rounds = long_mode() ? 20 : 4;
  ServerProcess srv;
  srv.start();
  LossyProxy proxy(srv.port());
  const auto u = srv.add_learner("lost@example.com", "Lost Response");
  const auto dir = srv.dir() / "devices";
  std::filesystem::create_directories(dir);
  NativeDevice dev(dir, "phone", srv.url());
  dev.enroll(u.code, course());
  dev.client().set_url(proxy.url());  // from now on every request goes through the proxy

  std::size_t recorded = 0;
  for (int round = 0; round < rounds; ++round) {
    INFO("round " << round);
    for (int i = 0; i < 3; ++i) dev.call("card.complete", {{"course_id", "lost"}, {"item_id", "card" + std::to_string((round * 3 + i) % 12)}});
    recorded = dev.statement_ids("lost").size();
    const std::int64_t unsynced = dev.unsynced();
    REQUIRE(unsynced > 0);

    proxy.drop_responses(true);
    const int dropped = proxy.dropped();
    CHECK_FALSE(dev.sync());  // the connection drops after the server answered
    CHECK(proxy.dropped() == dropped + 1);
    CHECK(dev.unsynced() == unsynced);  // nothing is marked synced without an answer
    // The server did commit the batch.
    CHECK(server_statement_ids(srv.db_path(), dev.client().user_id()).size() == recorded);

    proxy.drop_responses(false);
    REQUIRE(dev.sync());
    CHECK(dev.unsynced() == 0);
    const auto on_server = server_statement_ids(srv.db_path(), dev.client().user_id());
    CHECK(on_server.size() == recorded);  // each once
    CHECK(std::set<std::string>(on_server.begin(), on_server.end()) == dev.statement_ids("lost"));
  }
  CHECK(dev.progress_hash("lost") == server_progress_hash(srv.db_path(), dev.client().user_id(), course()));
}
