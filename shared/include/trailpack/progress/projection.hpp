// Progress is a projection of statements: completion, scores, attempts, resume point and
// locks are all computed here from a set of statements and the course, never stored as
// mutable state. The same function runs in the player (offline) and on the server.
//
// Order independence: the input is treated as a set. Statements are de-duplicated by id,
// voided ones are dropped, and the rest are sorted by (timestamp, id) before folding, so
// any permutation or duplication of the same set gives the same projection.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "trailpack/bundle/course.hpp"
#include "trailpack/xapi/statement.hpp"

namespace trailpack::progress {

struct AttemptSummary {
  std::string attempt_id;
  TimeMs started = 0;
  std::optional<double> scaled;  ///< set once the attempt is finished
  std::optional<bool> passed;
  TimeMs finished = 0;           ///< timestamp of the passed/failed statement
  int answered = 0;
};

struct ItemProgress {
  std::string id;
  std::string type;
  std::string status = "not_started";  ///< "not_started" | "in_progress" | "completed"
  bool locked = false;
  std::string lock_reason;
  int attempts = 0;                    ///< quiz: finished attempts
  bool attempts_exhausted = false;
  std::optional<double> best_score;    ///< quiz/scenario: best scaled score
  std::optional<double> last_score;
  bool passed = false;
  TimeMs time_spent_ms = 0;
  TimeMs last_activity = 0;
  TimeMs available_at = 0;             ///< cold survey: opens at this time (0 = now)
  TimeMs completed_at = 0;             ///< when the status first became "completed"
  std::vector<AttemptSummary> attempt_list;
};

struct ModuleProgress {
  std::string id;
  bool locked = false;
  std::string lock_reason;
  bool completed = false;
  int required_done = 0;
  int required_total = 0;
};

struct CourseProgress {
  std::string course_id;
  std::vector<ModuleProgress> modules;
  std::vector<ItemProgress> items;  ///< in course order
  bool completed = false;
  TimeMs completed_at = 0;          ///< when the last required item was done (or the test-out)
  double completion = 0;            ///< required items done / required items
  std::string resume_item;          ///< where to continue; empty when nothing is left
  std::optional<double> pretest_score;
  std::optional<double> posttest_score;
  std::optional<double> gain;       ///< posttest - pretest (scaled)
  TimeMs time_spent_ms = 0;
  TimeMs last_activity = 0;
  int statements = 0;               ///< distinct, non-voided statements considered

  const ItemProgress* item(const std::string& id) const;
};

/// Projects one learner's progress in one course. `statements` may hold statements of
/// other courses (ignored), duplicates and voiding statements.
CourseProgress project_course(const bundle::Course& course, const std::vector<nlohmann::json>& statements);

/// The same from pre-built views (the server keeps views to avoid re-parsing).
CourseProgress project_course_views(const bundle::Course& course, std::vector<xapi::StatementView> views);

nlohmann::json to_json(const CourseProgress& progress);

}  // namespace trailpack::progress
