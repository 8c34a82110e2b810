#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../scenarios/scenario.hpp"

namespace fs = std::filesystem;

TEST_CASE("every engine scenario holds natively", "[engine][scenario]") {
  const fs::path dir = fs::path(TRAILPACK_TESTS_DIR) / "scenarios";
  int count = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    ++count;
    std::ifstream in(entry.path());
    std::stringstream buf;
    buf << in.rdbuf();
    const fs::path db = fs::temp_directory_path() / ("tp-scn-" + entry.path().stem().string() + "-" + std::to_string(::getpid()) + ".db");
    fs::remove(db);
    const auto out = trailpack::test::run_scenario(nlohmann::json::parse(buf.str()), TRAILPACK_TESTS_DIR, db.string());
    fs::remove(db);
    fs::remove(db.string() + "-wal");
    INFO(entry.path().filename().string() << ": " << out["failures"].dump(2));
    CHECK(out["failures"].empty());
  }
  CHECK(count >= 2);
}
