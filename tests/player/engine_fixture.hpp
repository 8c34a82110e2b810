// An engine on a real SQLite file in a fresh temporary directory, with a platform whose
// clock the test moves and whose "random" bytes come from a counter, so every run makes
// the same ids and seeds.
#pragma once

#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "trailpack/player/engine.hpp"
#include "trailpack/xapi/statement.hpp"

namespace trailpack::test {

inline constexpr TimeMs kT0 = 1795338000000;  // 2026-11-22T09:00:00Z

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> n{0};
    path_ = std::filesystem::temp_directory_path() /
            ("tp-engine-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct FakePlatformState {
  TimeMs now = kT0;
  std::uint64_t counter = 0;
};

inline player::Platform fake_platform(std::shared_ptr<FakePlatformState> state) {
  player::Platform p;
  p.now = [state] { return state->now; };
  p.random16 = [state] {
    const std::uint64_t n = ++state->counter;
    std::array<std::uint8_t, 16> b{};
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(n * 37 + i * 11 + (n >> 8));
    return b;
  };
  return p;
}

class EngineFixture {
 public:
  EngineFixture() : state_(std::make_shared<FakePlatformState>()) { open(); }

  /// Closes the engine (and its database) and opens the same file again.
  void reopen() {
    engine_.reset();
    open();
  }

  player::Engine& engine() { return *engine_; }
  std::string db_path() const { return (dir_.path() / "learner.db").string(); }
  void advance(TimeMs ms) { state_->now += ms; }
  TimeMs now() const { return state_->now; }

  nlohmann::json ok(const std::string& method, const nlohmann::json& args = nlohmann::json::object()) {
    auto r = engine_->call(method, args);
    if (!r) FAIL(method << " failed: " << r.error().code << ": " << r.error().describe());
    return *r;
  }

  Error err(const std::string& method, const nlohmann::json& args = nlohmann::json::object()) {
    auto r = engine_->call(method, args);
    if (r) FAIL(method << " succeeded: " << r->dump());
    return r.error();
  }

  /// Every statement body in the store, in the order written.
  std::vector<nlohmann::json> stored(const std::string& course_id) {
    std::vector<nlohmann::json> out;
    for (auto& s : engine_->store().statements_for_course(course_id)) out.push_back(s.body);
    return out;
  }

  void sign_in() {
    ok("profile.set", {{"home_page", "https://trailpack.example.org"},
                       {"account", "ann"},
                       {"name", "Ann"},
                       {"device_id", "device-a"}});
  }

 private:
  void open() {
    auto store = player::Store::open({.path = db_path()});
    if (!store) FAIL("cannot open the store: " << store.error().describe());
    engine_ = std::make_unique<player::Engine>(std::move(store).value(), fake_platform(state_));
  }

  TempDir dir_;
  std::shared_ptr<FakePlatformState> state_;
  std::unique_ptr<player::Engine> engine_;
};

/// A linear course: module m1 has two cards and a shuffled quiz (2 attempts), module m2
/// a timed quiz (60 s, 1 attempt) with deferred feedback and a last card.
inline nlohmann::json engine_course(int version = 1) {
  using nlohmann::json;
  const json para = json::array({{{"type", "paragraph"}, {"spans", {{{"text", "Text"}}}}}});
  // A prompt over 200 bytes whose byte 200 falls inside "é": the statement's activity
  // name is cut there and must stay valid UTF-8.
  const std::string long_prompt = std::string(199, 'Q') + "é, puis la suite de la question ?";
  return {{"id", "c1"},
          {"version", version},
          {"title", "Course"},
          {"language", "fr"},
          {"modules",
           {{{"id", "m1"},
             {"title", "One"},
             {"items",
              {{{"id", "intro"}, {"type", "card"}, {"title", "Intro"}, {"blocks", para}},
               {{"id", "safety"}, {"type", "card"}, {"title", "Safety"}, {"blocks", para}},
               {{"id", "quiz"},
                {"type", "quiz"},
                {"title", "Quiz"},
                {"pass_mark", 0.5},
                {"max_attempts", 2},
                {"shuffle", true},
                {"questions",
                 {{{"id", "q1"},
                   {"type", "single"},
                   {"prompt", long_prompt},
                   {"choices", {{{"id", "a"}, {"text", "A"}}, {{"id", "b"}, {"text", "B"}}}},
                   {"correct", {"b"}},
                   {"feedback", {{"correct", "Yes."}, {"incorrect", "No."}}},
                   {"explanation", "B is right."}},
                  {{"id", "q2"}, {"type", "true_false"}, {"prompt", "True?"}, {"answer", true}},
                  {{"id", "q3"}, {"type", "numeric"}, {"prompt", "Ten?"}, {"answer", 10}, {"tolerance", 0.5}}}}}}}},
            {{"id", "m2"},
             {"title", "Two"},
             {"items",
              {{{"id", "timed"},
                {"type", "quiz"},
                {"title", "Timed"},
                {"time_limit_s", 60},
                {"max_attempts", 1},
                {"feedback", "deferred"},
                {"pass_mark", 0.5},
                {"questions",
                 {{{"id", "t1"},
                   {"type", "single"},
                   {"prompt", "Pick"},
                   {"choices", {{{"id", "x"}, {"text", "X"}}, {{"id", "y"}, {"text", "Y"}}}},
                   {"correct", {"x"}}},
                  {{"id", "t2"}, {"type", "true_false"}, {"prompt", "False?"}, {"answer", false}}}}},
               {{"id", "final"}, {"type", "card"}, {"title", "Final"}, {"blocks", para}}}}}}}};
}

}  // namespace trailpack::test
