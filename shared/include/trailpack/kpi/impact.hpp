// Impact KPIs: hot evaluations (right after a course) and cold evaluations (weeks later,
// "is it applied on the job?") from survey answers: rating means and distributions,
// choice counts, text answers. Definitions: docs/kpis.md#impact.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "trailpack/bundle/course.hpp"
#include "trailpack/kpi/common.hpp"
#include "trailpack/kpi/facts.hpp"

namespace trailpack::kpi {

struct SurveyRow {
  std::string course_id;
  std::string item_id;
  std::string role;          ///< hot | cold
  std::string question_id;
  std::string kind;          ///< rating | choice | text
  std::string group;         ///< value of the breakdown dimension ("" when by course)
  std::int64_t responses = 0;
  double rating_sum = 0;
  std::optional<double> mean_rating;          ///< rating questions: rating_sum / responses
  std::map<std::string, std::int64_t> counts; ///< rating value or choice id -> answers (every value, zeros included)
};

/// One row per survey question (per group of `by` unless it is `course`), in course
/// order then by group, over assigned learners' latest answers answered in the period.
/// `role` filters hot or cold surveys ("" = both).
std::vector<SurveyRow> surveys(const std::vector<bundle::Course>& courses, const std::vector<Learner>& roster,
                               const std::vector<Assignment>& assignments, const std::vector<LearnerCourseFacts>& facts,
                               const Period& period, Dimension by, const std::string& role = {});

}  // namespace trailpack::kpi
