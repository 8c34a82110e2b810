// Failed sign-in attempts per client address: 10 per minute, then 429 until the window
// ends. One per App, so that two servers in one process (tests, tools) do not share it.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace trailpack::server {

class FailureLimiter {
 public:
  /// Seconds to wait before `key` may try again; 0 when it may try now.
  std::int64_t retry_after_s(const std::string& key, std::int64_t now_ms) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = map_.find(key);
    if (it == map_.end() || now_ms - it->second.start >= kWindowMs) return 0;
    if (it->second.failures < kMaxFailures) return 0;
    return (kWindowMs - (now_ms - it->second.start) + 999) / 1000;  // whole seconds, rounded up
  }
  void fail(const std::string& key, std::int64_t now_ms) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (map_.size() > 100000) map_.clear();  // bounded memory under address spraying
    auto& e = map_[key];
    if (now_ms - e.start >= kWindowMs) e = {now_ms, 0};
    e.failures++;
  }
  void succeed(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    map_.erase(key);
  }

 private:
  static constexpr std::int64_t kWindowMs = 60'000;
  static constexpr int kMaxFailures = 10;
  struct Entry {
    std::int64_t start = 0;
    int failures = 0;
  };
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> map_;
};

}  // namespace trailpack::server
