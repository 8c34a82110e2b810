#include <catch2/catch.hpp>

#include <filesystem>

#include "trailpack/player/store.hpp"

using namespace trailpack;
namespace fs = std::filesystem;

TEST_CASE("the store keeps statements across reopening and ignores repeats", "[store]") {
  const fs::path dir = fs::temp_directory_path() / ("tp-store-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "learner.db").string();
  {
    auto store = player::Store::open({.path = path});
    REQUIRE(store);
    player::StoredStatement s{0, "id-1", "course", nlohmann::json{{"id", "id-1"}}, false};
    REQUIRE((*store)->append({s}).value() == 1);
    REQUIRE((*store)->append({s}).value() == 0);
  }
  auto store = player::Store::open({.path = path});
  REQUIRE(store);
  CHECK((*store)->counts().statements == 1);
  CHECK((*store)->counts().unsynced == 1);
  CHECK((*store)->integrity_check() == "ok");
  fs::remove_all(dir);
}
