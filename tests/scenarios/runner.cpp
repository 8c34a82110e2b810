// trailpack_scenario FILE [DB]: replays one engine scenario natively and prints its
// transcript as JSON (tests/wasm compares it with the wasm build's).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "scenario.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: trailpack_scenario FILE [DB]\n";
    return 2;
  }
  namespace fs = std::filesystem;
  const fs::path file = argv[1];
  std::ifstream in(file);
  std::stringstream buf;
  buf << in.rdbuf();
  const auto scenario = nlohmann::json::parse(buf.str());
  const fs::path db = argc > 2 ? fs::path(argv[2]) : fs::temp_directory_path() / ("tp-scenario-" + std::to_string(::getpid()) + ".db");
  fs::remove(db);
  const auto out = trailpack::test::run_scenario(scenario, file.parent_path().parent_path().string(), db.string());
  fs::remove(db);
  fs::remove(db.string() + "-wal");
  std::cout << out.dump() << "\n";
  return out["failures"].empty() ? 0 : 1;
}
