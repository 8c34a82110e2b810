#include "trailpack/kpi/health.hpp"

#include <algorithm>

namespace trailpack::kpi {

const std::array<const char*, kLagBuckets>& lag_bucket_names() {
  static const std::array<const char*, kLagBuckets> names = {"under_1h", "under_1d", "under_7d", "over_7d"};
  return names;
}

int lag_bucket(TimeMs lag_ms) {
  for (int i = 0; i < kLagBuckets - 1; ++i)
    if (lag_ms < kLagLimits[static_cast<std::size_t>(i)]) return i;
  return kLagBuckets - 1;
}

LagSummary sync_lag(const std::vector<Arrival>& arrivals, const Period& period) {
  LagSummary s;
  for (const auto& a : arrivals) {
    if (!period.contains(a.stored)) continue;
    const TimeMs lag = std::max<TimeMs>(0, a.stored - a.timestamp);
    s.statements++;
    s.lag_sum_ms += lag;
    s.lag_max_ms = std::max(s.lag_max_ms, lag);
    s.buckets[static_cast<std::size_t>(lag_bucket(lag))]++;
  }
  s.mean_lag_ms = mean(static_cast<double>(s.lag_sum_ms), s.statements);
  return s;
}

std::optional<double> unsynced_estimate_from(std::int64_t statements_in_window, TimeMs last_sync, TimeMs now) {
  if (last_sync <= 0) return std::nullopt;
  const double pace = static_cast<double>(statements_in_window) / kPaceWindowDays;
  const double days = std::clamp(static_cast<double>(now - last_sync) / kDayMs, 0.0, static_cast<double>(kPaceWindowDays));
  return pace * days;
}

std::optional<double> unsynced_estimate(const std::vector<std::int64_t>& activity_days, TimeMs last_sync, TimeMs now) {
  if (last_sync <= 0) return std::nullopt;
  const std::int64_t last = day_of(last_sync);
  const auto n = std::count_if(activity_days.begin(), activity_days.end(),
                               [&](std::int64_t d) { return d > last - kPaceWindowDays && d <= last; });
  return unsynced_estimate_from(n, last_sync, now);
}

}  // namespace trailpack::kpi
