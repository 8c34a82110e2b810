#include "metrics.hpp"

#include <sstream>

namespace trailpack::server {

void Metrics::observe_request(const std::string& route_class, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  requests_[route_class][status]++;
  auto& s = latency_[route_class];
  s.count++;
  s.sum += seconds;
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) s.buckets[i]++;
}

std::string Metrics::render(std::size_t active_connections) const {
  std::ostringstream o;
  std::lock_guard<std::mutex> lock(mutex_);
  o << "# HELP trailpack_http_requests_total HTTP requests by route class and status.\n"
    << "# TYPE trailpack_http_requests_total counter\n";
  for (const auto& [route, by_status] : requests_)
    for (const auto& [status, n] : by_status)
      o << "trailpack_http_requests_total{route=\"" << route << "\",status=\"" << status << "\"} " << n << "\n";
  o << "# HELP trailpack_http_request_duration_seconds Request latency.\n"
    << "# TYPE trailpack_http_request_duration_seconds histogram\n";
  for (const auto& [route, s] : latency_) {
    for (std::size_t i = 0; i < kBuckets.size(); ++i)
      o << "trailpack_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"" << kBuckets[i] << "\"} "
        << s.buckets[i] << "\n";
    o << "trailpack_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"+Inf\"} " << s.count << "\n";
    o << "trailpack_http_request_duration_seconds_sum{route=\"" << route << "\"} " << s.sum << "\n";
    o << "trailpack_http_request_duration_seconds_count{route=\"" << route << "\"} " << s.count << "\n";
  }
  o << "# HELP trailpack_statements_ingested_total Statements durably stored.\n"
    << "# TYPE trailpack_statements_ingested_total counter\n"
    << "trailpack_statements_ingested_total " << statements_ingested_.load() << "\n"
    << "# HELP trailpack_statements_rejected_total Statements refused (invalid or conflicting).\n"
    << "# TYPE trailpack_statements_rejected_total counter\n"
    << "trailpack_statements_rejected_total " << statements_rejected_.load() << "\n"
    << "# HELP trailpack_sync_lag_seconds Age of the oldest statement in the last push when it arrived.\n"
    << "# TYPE trailpack_sync_lag_seconds gauge\n"
    << "trailpack_sync_lag_seconds " << static_cast<double>(last_sync_lag_ms_.load()) / 1000.0 << "\n"
    << "# HELP trailpack_http_connections Open HTTP connections.\n"
    << "# TYPE trailpack_http_connections gauge\n"
    << "trailpack_http_connections " << active_connections << "\n";
  return o.str();
}

}  // namespace trailpack::server
