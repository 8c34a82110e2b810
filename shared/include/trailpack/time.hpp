// Timestamps and durations as xAPI writes them (ISO 8601). Pure functions: the clock
// is always passed in by the caller.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace trailpack {

/// Milliseconds since the Unix epoch, UTC.
using TimeMs = std::int64_t;

/// Formats as `2026-11-22T09:15:00.123Z`.
std::string format_timestamp(TimeMs ms);

/// Parses an ISO 8601 date-time with a time zone (`Z`, `+hh:mm`, `-hh:mm`; fractional
/// seconds optional). Returns nothing for anything else.
std::optional<TimeMs> parse_timestamp(std::string_view text);

/// Formats a duration as `PT1H2M3.45S` (xAPI `result.duration`), to centiseconds.
std::string format_duration(TimeMs ms);

/// Parses an ISO 8601 duration (`P[nD]T[nH][nM][n.nS]`, weeks `PnW`). Years and months
/// are refused (their length is not fixed). Returns milliseconds.
std::optional<TimeMs> parse_duration(std::string_view text);

/// `ms` moved by `months` calendar months (UTC), the day of the month clamped to the
/// target month's length (31 January + 1 month = 28 or 29 February); the time of day kept.
TimeMs add_months(TimeMs ms, int months);

}  // namespace trailpack
