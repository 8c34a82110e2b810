// Data-health KPIs: how fresh the server's picture is. Sync lag (from a learner's action
// on a device to its arrival), learners and devices that have not synced for a while,
// an estimate of the activity still waiting on devices, and answers whose score the
// server's re-scoring disputed. Definitions: docs/kpis.md#data-health.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "trailpack/kpi/common.hpp"

namespace trailpack::kpi {

/// Sync-lag buckets: under 1 hour, under 1 day, under 7 days, 7 days or more.
inline constexpr int kLagBuckets = 4;
inline constexpr std::array<TimeMs, kLagBuckets - 1> kLagLimits = {3'600'000, kDayMs, 7 * kDayMs};
const std::array<const char*, kLagBuckets>& lag_bucket_names();

/// The bucket of a lag (negative lags, from device clocks ahead of the server, are 0).
int lag_bucket(TimeMs lag_ms);

/// A statement as it arrived from a device: when it happened and when it was stored.
struct Arrival {
  TimeMs timestamp = 0;
  TimeMs stored = 0;
};

struct LagSummary {
  std::int64_t statements = 0;  ///< device statements stored in the period
  TimeMs lag_sum_ms = 0;        ///< of max(0, stored - timestamp)
  TimeMs lag_max_ms = 0;
  std::array<std::int64_t, kLagBuckets> buckets{};
  std::optional<double> mean_lag_ms;  ///< lag_sum_ms / statements
};

/// Sync lag of the statements stored in the period.
LagSummary sync_lag(const std::vector<Arrival>& arrivals, const Period& period);

/// Days back the unsynced estimate looks at (activity older than this has arrived).
inline constexpr int kNowcastDays = 28;

/// How late statements arrive: the share that has arrived after a given delay, from the
/// lag buckets of recent arrivals. Statements under 1 h count as arriving at once;
/// between the bucket limits (0, 1 day, 7 days, 28 days) the share grows linearly, and
/// everything has arrived after 28 days.
struct LagCdf {
  bool known = false;  ///< false when no statement arrived (nothing to learn from)
  double at_0 = 0;     ///< share under 1 h
  double at_1d = 0;    ///< share under 1 day
  double at_7d = 0;    ///< share under 7 days
};
LagCdf lag_cdf(const std::array<std::int64_t, kLagBuckets>& buckets);

/// The share of a day's statements expected to have arrived `age` after the day's middle.
double arrived_share(const LagCdf& cdf, TimeMs age);

/// Estimated statements recorded on devices but not arrived yet ("nowcast"): for each
/// of the last kNowcastDays UTC days (the day of `now` included) with `observed`
/// statements, observed × (1 − F) / F, F = arrived_share(age of the day's middle), F at
/// least 0.05. `observed` maps UTC day -> statements stored for that day (by action
/// time). Nothing when the lag distribution is unknown.
std::optional<double> unsynced_estimate(const LagCdf& cdf, const std::map<std::int64_t, std::int64_t>& observed, TimeMs now);

}  // namespace trailpack::kpi
