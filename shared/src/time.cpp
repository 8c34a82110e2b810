#include "trailpack/time.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace trailpack {
namespace {

// Days from 1970-01-01 to y-m-d (proleptic Gregorian), after H. Hinnant's algorithm.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}

constexpr TimeMs kDayMs = 86'400'000;

// The UTC day of `ms` (floor, also before 1970) and the milliseconds into it.
std::int64_t day_of(TimeMs ms, TimeMs& time_of_day) {
  const std::int64_t day = ms >= 0 ? ms / kDayMs : -((-ms + kDayMs - 1) / kDayMs);
  time_of_day = ms - day * kDayMs;
  return day;
}

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

bool read_digits(std::string_view s, std::size_t& i, std::size_t n, int& out) {
  if (i + n > s.size()) return false;
  int v = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const char c = s[i + k];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  i += n;
  out = v;
  return true;
}

bool expect(std::string_view s, std::size_t& i, char c) {
  if (i < s.size() && s[i] == c) {
    ++i;
    return true;
  }
  return false;
}

}  // namespace

std::string format_timestamp(TimeMs ms) {
  TimeMs rem = 0;
  const std::int64_t days = day_of(ms, rem);
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  const int hh = static_cast<int>(rem / 3600000);
  const int mi = static_cast<int>(rem / 60000 % 60);
  const int ss = static_cast<int>(rem / 1000 % 60);
  const int mss = static_cast<int>(rem % 1000);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<long long>(y), m, d, hh, mi,
                ss, mss);
  return buf;
}

std::optional<TimeMs> parse_timestamp(std::string_view s) {
  std::size_t i = 0;
  int y, mo, d, h, mi, sec;
  if (!read_digits(s, i, 4, y) || !expect(s, i, '-') || !read_digits(s, i, 2, mo) || !expect(s, i, '-') ||
      !read_digits(s, i, 2, d))
    return std::nullopt;
  if (!(expect(s, i, 'T') || expect(s, i, 't'))) return std::nullopt;
  if (!read_digits(s, i, 2, h) || !expect(s, i, ':') || !read_digits(s, i, 2, mi) || !expect(s, i, ':') ||
      !read_digits(s, i, 2, sec))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  static constexpr int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap)) return std::nullopt;
  int millis = 0;
  if (expect(s, i, '.')) {
    int digits = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      if (digits < 3) millis = millis * 10 + (s[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0) return std::nullopt;
    for (int k = digits; k < 3; ++k) millis *= 10;
  }
  int offset_min = 0;
  if (expect(s, i, 'Z') || expect(s, i, 'z')) {
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    const int sign = s[i] == '-' ? -1 : 1;
    ++i;
    int oh, om = 0;
    if (!read_digits(s, i, 2, oh)) return std::nullopt;
    if (expect(s, i, ':')) {
      if (!read_digits(s, i, 2, om)) return std::nullopt;
    } else if (i < s.size()) {
      if (!read_digits(s, i, 2, om)) return std::nullopt;
    }
    if (oh > 23 || om > 59) return std::nullopt;
    // "-00:00" is forbidden by xAPI (RFC 3339 "unknown offset").
    if (sign < 0 && oh == 0 && om == 0) return std::nullopt;
    offset_min = sign * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  if (sec == 60) sec = 59;  // leap second: clamp
  const std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return days * 86400000 + (static_cast<std::int64_t>(h) * 3600 + mi * 60 + sec) * 1000 + millis -
         static_cast<std::int64_t>(offset_min) * 60000;
}

std::string format_duration(TimeMs ms) {
  if (ms < 0) ms = 0;
  const std::int64_t cs = (ms + 5) / 10;  // centiseconds, as xAPI recommends
  const std::int64_t hours = cs / 360000;
  const std::int64_t minutes = cs / 6000 % 60;
  const std::int64_t secs = cs / 100 % 60;
  const std::int64_t frac = cs % 100;
  std::string out = "PT";
  if (hours) out += std::to_string(hours) + "H";
  if (minutes) out += std::to_string(minutes) + "M";
  if (secs || frac || (!hours && !minutes)) {
    out += std::to_string(secs);
    if (frac) {
      char buf[8];
      std::snprintf(buf, sizeof buf, ".%02lld", static_cast<long long>(frac));
      std::string f = buf;
      while (f.back() == '0') f.pop_back();
      out += f;
    }
    out += "S";
  }
  return out;
}

std::optional<TimeMs> parse_duration(std::string_view s) {
  if (s.size() < 2 || s[0] != 'P') return std::nullopt;
  std::size_t i = 1;
  bool in_time = false, any = false;
  double total_ms = 0;
  int last_rank = 0;  // units must come in ISO 8601 order: W, D, then T H, M, S
  while (i < s.size()) {
    if (s[i] == 'T') {
      if (in_time) return std::nullopt;
      in_time = true;
      ++i;
      continue;
    }
    std::size_t start = i;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (start == i || i >= s.size()) return std::nullopt;
    const std::string num(s.substr(start, i - start));
    if (num.front() == '.' || num.back() == '.' || num.find('.') != num.rfind('.')) return std::nullopt;
    // strtod, not stod: a number too large for a double must be refused, not thrown
    // (stod throws std::out_of_range, which escaped validate_statement).
    const double v = std::strtod(num.c_str(), nullptr);
    const char unit = s[i++];
    static constexpr struct {
      char unit;
      bool in_time;
      double factor;
    } kUnits[] = {{'W', false, 7 * 86400000.0}, {'D', false, 86400000.0}, {'H', true, 3600000.0},
                  {'M', true, 60000.0},         {'S', true, 1000.0}};
    double factor = 0;
    int rank = 0;
    for (int k = 0; k < 5; ++k)
      if (kUnits[k].unit == unit && kUnits[k].in_time == in_time) {
        factor = kUnits[k].factor;
        rank = k + 1;
      }
    if (rank == 0) return std::nullopt;
    if (rank <= last_rank) return std::nullopt;  // repeated or out of order ("PT1S1H")
    last_rank = rank;
    total_ms += v * factor;
    any = true;
  }
  if (!any || (in_time && s.back() == 'T')) return std::nullopt;
  if (!(total_ms <= 9.0e15)) return std::nullopt;
  return static_cast<TimeMs>(std::llround(total_ms));
}

TimeMs add_months(TimeMs ms, int months) {
  TimeMs time_of_day = 0;
  const std::int64_t day = day_of(ms, time_of_day);
  std::int64_t y;
  unsigned m, d;
  civil_from_days(day, y, m, d);
  const std::int64_t month_index = y * 12 + (m - 1) + months;
  const std::int64_t ny = month_index >= 0 ? month_index / 12 : (month_index - 11) / 12;
  const unsigned nm = static_cast<unsigned>(month_index - ny * 12) + 1;
  const unsigned nd = std::min(d, days_in_month(ny, nm));
  return days_from_civil(ny, nm, nd) * kDayMs + time_of_day;
}

}  // namespace trailpack
