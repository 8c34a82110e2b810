// Facts about one learner in one course, derived from their statements with the same
// projection the device shows (progress::project_course): the rows the server keeps in
// its KPI summary tables and the inputs of every reference aggregate. Pure: statements
// and the course in, values out. Definitions: docs/kpis.md.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "trailpack/bundle/course.hpp"
#include "trailpack/progress/projection.hpp"
#include "trailpack/xapi/statement.hpp"

namespace trailpack::kpi {

struct ModuleFacts {
  std::string module_id;
  int position = 0;          ///< 0-based order in the course
  bool started = false;      ///< an item of the module has a statement
  TimeMs started_at = 0;     ///< the earliest of its items' first statements
  bool completed = false;    ///< projection: every required item done
  TimeMs completed_at = 0;   ///< latest completion of its required items (course start if none)
};

struct ItemFacts {
  std::string item_id;
  std::string module_id;
  std::string type;          ///< card, quiz, flashcards, survey, scenario
  std::string role;          ///< quiz: "", pretest, posttest; survey: hot, cold
  bool started = false;
  bool completed = false;
  TimeMs started_at = 0;     ///< first statement on or under the item
  TimeMs completed_at = 0;
  int attempts = 0;          ///< quiz: finished attempts
  std::optional<double> best_score;  ///< quiz, scenario
  bool passed = false;
  TimeMs time_spent_ms = 0;
};

/// Mastery of one learning objective (questions' `objectives`) before and after.
struct ObjectiveFacts {
  std::string objective;
  std::optional<double> pre;   ///< score on the objective's questions in the counted pre-test attempts
  std::optional<double> post;  ///< the same in the counted post-test attempts
};

/// One answered question of a learner's first finished attempt at a quiz (item analysis).
struct AnswerFacts {
  std::string item_id;
  std::string question_id;
  bool correct = false;
  double score = 0;          ///< the answer's scaled score
  double attempt_score = 0;  ///< the whole attempt's scaled score (the "total")
};

/// A learner's latest answer to one survey question.
struct SurveyAnswerFacts {
  std::string item_id;
  std::string role;          ///< hot | cold
  std::string question_id;
  std::string kind;          ///< rating | choice | text
  std::optional<int> rating;
  std::string choice;
  std::string text;
  TimeMs answered_at = 0;
};

struct LearnerCourseFacts {
  std::string user_id;       ///< set by the caller; facts_of leaves it empty
  std::string course_id;
  std::int64_t course_version = 0;
  int statements = 0;        ///< distinct, non-voided statements of the course
  TimeMs started_at = 0;     ///< earliest of them (0 when there is none)
  TimeMs last_activity = 0;
  bool completed = false;
  TimeMs completed_at = 0;
  double completion = 0;
  TimeMs time_spent_ms = 0;
  std::optional<double> best_score;  ///< best item score in the course
  std::optional<double> pretest_score;
  std::optional<double> posttest_score;
  std::vector<ModuleFacts> modules;
  std::vector<ItemFacts> items;            ///< only items with a statement
  std::vector<ObjectiveFacts> objectives;  ///< only objectives with a pre or post score
  std::vector<AnswerFacts> answers;
  std::vector<SurveyAnswerFacts> survey_answers;

  bool started() const { return statements > 0; }
};

/// Facts of one learner in one course. `views` may hold other courses' statements,
/// duplicates and voiding statements, like progress::project_course_views.
LearnerCourseFacts facts_of(const bundle::Course& course, std::vector<xapi::StatementView> views);

}  // namespace trailpack::kpi
