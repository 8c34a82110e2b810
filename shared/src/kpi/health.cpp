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

LagCdf lag_cdf(const std::array<std::int64_t, kLagBuckets>& b) {
  LagCdf c;
  const double n = static_cast<double>(b[0] + b[1] + b[2] + b[3]);
  if (n <= 0) return c;
  c.known = true;
  c.at_0 = static_cast<double>(b[0]) / n;
  c.at_1d = static_cast<double>(b[0] + b[1]) / n;
  c.at_7d = static_cast<double>(b[0] + b[1] + b[2]) / n;
  return c;
}

double arrived_share(const LagCdf& c, TimeMs age) {
  const double days = static_cast<double>(std::max<TimeMs>(0, age)) / static_cast<double>(kDayMs);
  auto lerp = [](double a, double b, double t) { return a + (b - a) * t; };
  if (days < 1) return lerp(c.at_0, c.at_1d, days);
  if (days < 7) return lerp(c.at_1d, c.at_7d, (days - 1) / 6);
  if (days < kNowcastDays) return lerp(c.at_7d, 1.0, (days - 7) / (kNowcastDays - 7));
  return 1.0;
}

std::optional<double> unsynced_estimate(const LagCdf& cdf, const std::map<std::int64_t, std::int64_t>& observed, TimeMs now) {
  if (!cdf.known) return std::nullopt;
  const std::int64_t today = day_of(now);
  double missing = 0;
  for (const auto& [day, n] : observed) {
    if (day > today || day <= today - kNowcastDays || n <= 0) continue;
    const TimeMs middle = day * kDayMs + kDayMs / 2;
    const double f = std::max(0.05, arrived_share(cdf, now - middle));
    missing += static_cast<double>(n) * (1 - f) / f;
  }
  return missing;
}

}  // namespace trailpack::kpi
