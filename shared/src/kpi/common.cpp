#include "trailpack/kpi/common.hpp"

namespace trailpack::kpi {

std::int64_t day_of(TimeMs t) {
  std::int64_t d = t / kDayMs;
  if (t % kDayMs < 0) --d;  // floor, not truncation, before 1970
  return d;
}

std::optional<double> rate(std::int64_t num, std::int64_t den) {
  if (den == 0) return std::nullopt;
  return static_cast<double>(num) / static_cast<double>(den);
}

std::optional<double> mean(double sum, std::int64_t n) {
  if (n == 0) return std::nullopt;
  return sum / static_cast<double>(n);
}

std::optional<Dimension> dimension_from(const std::string& name) {
  if (name == "course") return Dimension::course;
  if (name == "team") return Dimension::team;
  if (name == "site") return Dimension::site;
  if (name == "job_role") return Dimension::job_role;
  return std::nullopt;
}

const char* dimension_name(Dimension d) {
  switch (d) {
    case Dimension::course: return "course";
    case Dimension::team: return "team";
    case Dimension::site: return "site";
    case Dimension::job_role: return "job_role";
  }
  return "course";
}

std::string dimension_key(Dimension d, const Learner& learner, const std::string& course_id) {
  switch (d) {
    case Dimension::course: return course_id;
    case Dimension::team: return learner.team;
    case Dimension::site: return learner.site;
    case Dimension::job_role: return learner.job_role;
  }
  return course_id;
}

}  // namespace trailpack::kpi
