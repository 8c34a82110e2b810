// Building blocks every KPI shares: the reporting period, UTC day numbers, ratios that
// are undefined (not zero) when nobody is in the denominator, and the plain inputs
// (roster, assignment pairs, activity) the reference aggregates take. Definitions:
// docs/kpis.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "trailpack/time.hpp"

namespace trailpack::kpi {

inline constexpr TimeMs kDayMs = 86'400'000;

/// A reporting period: [from, to), milliseconds since the epoch (UTC).
struct Period {
  TimeMs from = 0;
  TimeMs to = 0;
  bool contains(TimeMs t) const { return t >= from && t < to; }
};

/// The UTC day number of a time: floor(t / 86 400 000), also for times before 1970.
std::int64_t day_of(TimeMs t);

/// num / den, or nothing when den is 0 ("no one to measure" is not 0 %).
std::optional<double> rate(std::int64_t num, std::int64_t den);

/// sum / n, or nothing when n is 0.
std::optional<double> mean(double sum, std::int64_t n);

/// A learner of the roster with the attributes reports group by.
struct Learner {
  std::string id;
  std::string team;
  std::string site;
  std::string job_role;
};

/// One (learner, course) assignment: the denominator of participation and completion.
struct Assignment {
  std::string user_id;
  std::string course_id;
};

/// One learning action: a stored, non-voided, non-voiding statement attributed to a
/// learner. `course_id` is empty for statements outside any Trailpack course.
struct Activity {
  std::string user_id;
  std::string course_id;
  TimeMs timestamp = 0;
};

/// What a breakdown groups by.
enum class Dimension { course, team, site, job_role };

/// "course" | "team" | "site" | "job_role" → Dimension; nothing for anything else.
std::optional<Dimension> dimension_from(const std::string& name);
const char* dimension_name(Dimension d);

/// The value of a dimension for a learner and a course.
std::string dimension_key(Dimension d, const Learner& learner, const std::string& course_id);

}  // namespace trailpack::kpi
