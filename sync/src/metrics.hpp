// Prometheus metrics: counters and a latency histogram, rendered as text exposition.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace trailpack::server {

class Metrics {
 public:
  void observe_request(const std::string& route_class, int status, double seconds);
  void add_statements(std::int64_t n) { statements_ingested_ += n; }
  void set_sync_lag_ms(std::int64_t ms) { last_sync_lag_ms_ = ms; }
  void add_rejected(std::int64_t n) { statements_rejected_ += n; }
  std::string render(std::size_t active_connections) const;

 private:
  static constexpr std::array<double, 10> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5};
  struct Series {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::string, std::map<int, std::uint64_t>> requests_;  // route class -> status -> count
  std::map<std::string, Series> latency_;
  std::atomic<std::int64_t> statements_ingested_{0};
  std::atomic<std::int64_t> statements_rejected_{0};
  std::atomic<std::int64_t> last_sync_lag_ms_{0};
};

}  // namespace trailpack::server
