// The learner engine: decides and records everything a learner does, offline.
//
// It plays installed courses, enforces sequencing and quiz rules, scores with the core's
// scoring, and records each action as an xAPI statement in the local Store in one
// durable transaction before it answers. Progress is always re-derived from statements
// (trailpack::progress). The engine is driven through `call(method, args)` with JSON in
// and out, the same table natively (tests) and in wasm (player/wasm/api.cpp); the
// methods are listed in docs/player-api.md.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "trailpack/bundle/course.hpp"
#include "trailpack/player/store.hpp"
#include "trailpack/result.hpp"
#include "trailpack/time.hpp"

namespace trailpack::player {

/// What the engine needs from its platform: a clock and randomness.
struct Platform {
  std::function<TimeMs()> now;
  std::function<std::array<std::uint8_t, 16>()> random16;
};

/// The system clock and std::random_device (a CSPRNG on Linux and in Emscripten, where
/// it reads crypto.getRandomValues).
Platform default_platform();

/// A reproducible platform for tests and scenario replays: the clock starts at
/// `start_ms` and moves 1 s per reading; randomness comes from SplitMix64(seed). Native
/// and wasm builds given the same values produce byte-identical results.
Platform deterministic_platform(TimeMs start_ms, std::uint64_t seed);

class Engine {
 public:
  Engine(std::unique_ptr<Store> store, Platform platform);

  /// Dispatches one API call. Never throws: every failure is an Error with a code.
  Result<nlohmann::json> call(const std::string& method, const nlohmann::json& args);

  /// The method names `call` accepts.
  static std::vector<std::string> methods();

  Store& store() { return *store_; }

 private:
  struct Loaded;
  Result<nlohmann::json> dispatch(const std::string& method, const nlohmann::json& args);

  Result<nlohmann::json> set_profile(const nlohmann::json& args);
  Result<nlohmann::json> get_profile();
  Result<nlohmann::json> install_course(const nlohmann::json& args);
  Result<nlohmann::json> list_courses();
  Result<nlohmann::json> get_course(const nlohmann::json& args);
  Result<nlohmann::json> get_progress(const nlohmann::json& args);
  Result<nlohmann::json> complete_card(const nlohmann::json& args);
  Result<nlohmann::json> quiz_start(const nlohmann::json& args);
  Result<nlohmann::json> quiz_answer(const nlohmann::json& args);
  Result<nlohmann::json> quiz_finish(const nlohmann::json& args);
  Result<nlohmann::json> sync_pending(const nlohmann::json& args);
  Result<nlohmann::json> sync_ack(const nlohmann::json& args);
  Result<nlohmann::json> sync_ingest(const nlohmann::json& args);
  Result<nlohmann::json> status();
  // flashcards, surveys, scenarios (engine_activities.cpp)
  Result<nlohmann::json> flashcards_queue(const nlohmann::json& args);
  Result<nlohmann::json> flashcards_review(const nlohmann::json& args);
  Result<nlohmann::json> reviews_due(const nlohmann::json& args);
  Result<nlohmann::json> survey_submit(const nlohmann::json& args);
  Result<nlohmann::json> scenario_state(const nlohmann::json& args);
  Result<nlohmann::json> scenario_choose(const nlohmann::json& args);
  Result<nlohmann::json> app_get(const nlohmann::json& args);
  Result<nlohmann::json> app_put(const nlohmann::json& args);

  Result<std::shared_ptr<const bundle::Course>> course(const std::string& id);
  std::vector<nlohmann::json> course_statements(const std::string& course_id) const;
  std::string new_uuid();
  Result<std::string> registration(const std::string& course_id);
  /// Appends statements (plus a course "completed" statement when they complete the
  /// course) in one transaction; returns the resulting progress.
  Result<nlohmann::json> record(const bundle::Course& course, std::vector<nlohmann::json> statements);
  Result<nlohmann::json> envelope_base(const bundle::Course& course);

  std::unique_ptr<Store> store_;
  Platform platform_;
  std::string cached_course_id_;
  std::string cached_course_body_;
  std::shared_ptr<const bundle::Course> cached_course_;
};

}  // namespace trailpack::player
