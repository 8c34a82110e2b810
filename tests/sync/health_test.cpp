#include <catch2/catch.hpp>

#include "server_fixture.hpp"

using trailpack::test::TestServer;

TEST_CASE("health endpoints answer on a real server", "[sync][health]") {
  TestServer srv;
  auto live = srv.get("/livez");
  CHECK(live.status == 200);
  auto ready = srv.get("/readyz");
  CHECK(ready.status == 200);
  auto about = srv.get("/xapi/about");
  REQUIRE(about.status == 200);
  CHECK(nlohmann::json::parse(about.body)["version"][0] == "1.0.3");
}
