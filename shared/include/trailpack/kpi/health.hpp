// Data-health KPIs: how fresh the server's picture is. Sync lag (from a learner's action
// on a device to its arrival), learners and devices that have not synced for a while,
// an estimate of the activity still waiting on devices, and answers whose score the
// server's re-scoring disputed. Definitions: docs/kpis.md#data-health.
#pragma once

#include <array>
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

/// Days of history the unsynced estimate looks at.
inline constexpr int kPaceWindowDays = 28;

/// Estimated statements recorded on a learner's devices but not synced yet: their pace
/// over the kPaceWindowDays UTC days ending with the day of their last sync
/// (statements / 28) times the days since that sync (at most 28, fractions count).
/// `activity_days` holds the UTC day of each of the learner's stored statements.
/// Nothing when the learner never synced.
std::optional<double> unsynced_estimate(const std::vector<std::int64_t>& activity_days, TimeMs last_sync, TimeMs now);

/// Finish: the same from the count of statements in the window.
std::optional<double> unsynced_estimate_from(std::int64_t statements_in_window, TimeMs last_sync, TimeMs now);

}  // namespace trailpack::kpi
