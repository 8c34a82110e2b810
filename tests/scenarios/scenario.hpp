// Engine scenarios: JSON files of engine calls with expectations (tests/scenarios/*.json),
// replayed natively here and in the wasm build under node (tests/wasm), whose
// transcripts must be identical. Format:
//   {"name", "start_ms", "seed", "steps": [{"method", "args", "save": {"var": "field"},
//     "expect": {subset of the result; arrays match element by element, same length}, "expect_error": "code", "expect_where": "path"}]}
// In args, "$var" is replaced by a saved value and {"$file": "fixtures/x.json"} by that file.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace trailpack::test {

/// Replays a scenario on a fresh store at `db_path` with the deterministic platform.
/// Returns {"name", "transcript": [...], "failures": ["step 3: ...", ...]}.
nlohmann::json run_scenario(const nlohmann::json& scenario, const std::string& tests_dir, const std::string& db_path);

}  // namespace trailpack::test
