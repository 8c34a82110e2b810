// Assignments: a course or a learning path given to a learner or a group, with a due
// date and an optional recertification period. Each assignment is materialised as one
// `learner_assignments` row per learner, course and cycle (see the schema comment), kept
// in line with group membership by reconcile(); completion comes from the progress
// projection over the learner's statements (refresh_learner()).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "app/app.hpp"
#include "trailpack/time.hpp"

namespace trailpack::server::assignments {

inline constexpr std::int64_t kDayMs = 86400000;

/// One row of learner_assignments.
struct LearnerAssignment {
  std::string id;
  std::string assignment_id;
  std::string user_id;
  std::string course_id;
  int cycle = 1;
  std::int64_t assigned_at = 0;
  std::optional<std::int64_t> due_at;
  std::optional<std::int64_t> completed_at;
  std::optional<std::int64_t> ended_at;
  bool mandatory = true;
  std::string path_id;
  int path_position = 0;
};

/// `ended`, `completed`, `upcoming` (a cycle that opens later), `overdue` or `assigned`.
std::string status_of(const LearnerAssignment& a, std::int64_t now);

/// Every row of a learner (history included), by course, assignment and cycle.
std::vector<LearnerAssignment> learner_rows(db::Connection& c, const std::string& user_id);
/// Every row of an assignment.
std::vector<LearnerAssignment> assignment_rows(db::Connection& c, const std::string& assignment_id);

/// The current cycle of each (assignment, course) among `rows`: the latest cycle that has
/// opened and is not ended. With the opening time of a later cycle, when one is scheduled.
struct Current {
  LearnerAssignment row;
  std::optional<std::int64_t> next_cycle_at;
};
std::vector<Current> current_rows(const std::vector<LearnerAssignment>& rows, std::int64_t now);

struct ReconcileReport {
  int added = 0;     ///< new rows (a learner newly covered)
  int reopened = 0;  ///< ended rows opened again (a learner back in the group)
  int ended = 0;     ///< rows ended (a learner no longer covered)
};

/// Inside a write transaction: brings the rows of the organisation's active assignments
/// (or only those in `only`) in line with group membership, roles and paths. Learners
/// newly covered get cycle 1 assigned now; learners no longer covered have their rows
/// ended (kept as history); covered again, their latest row is opened again.
ReconcileReport reconcile(db::Connection& c, const std::string& org_id, std::int64_t now,
                          const std::set<std::string>& only = {});

/// Recomputes completion of a learner's open rows from their statements (the same
/// projection the device shows; for cycles after the first, only statements made since
/// the cycle opened count), records it, and opens the next cycle of recurring
/// assignments at completion + recur_months. Returns how many rows became completed.
int refresh_learner(App& app, const std::string& user_id, std::int64_t now);

/// Whether the organisation offers every published course to its learners (default on).
bool open_catalogue(db::Connection& c, const std::string& org_id);

/// The courses a learner is offered: nothing = every published course (open catalogue).
std::optional<std::set<std::string>> offered_courses(db::Connection& c, const std::string& user_id,
                                                     const std::string& org_id);

struct CourseInfo {
  std::string title;
  std::int64_t version = 0;
};
/// Published courses: id -> title and current version.
std::map<std::string, CourseInfo> catalog(db::Connection& c);

/// A row as the console API shows it.
nlohmann::json row_json(const LearnerAssignment& a, std::int64_t now, const std::map<std::string, CourseInfo>& courses,
                        const std::map<std::string, std::string>& path_titles);

/// Path titles by id for the organisation.
std::map<std::string, std::string> path_titles(db::Connection& c, const std::string& org_id);

}  // namespace trailpack::server::assignments
