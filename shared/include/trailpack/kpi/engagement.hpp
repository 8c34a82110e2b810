// Engagement KPIs as reference aggregates over plain inputs: participation, completion,
// active learners, time spent, per module, per activity type, per learning path. The
// server computes the same numbers in SQL (counts) and finishes them with rate() and
// mean(); integration tests compare both. Definitions: docs/kpis.md#engagement.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "trailpack/bundle/course.hpp"
#include "trailpack/kpi/common.hpp"
#include "trailpack/kpi/facts.hpp"

namespace trailpack::kpi {

/// Facts by (user id, course id). Pairs without an entry have no statement.
using FactsIndex = std::map<std::pair<std::string, std::string>, const LearnerCourseFacts*>;
FactsIndex index_facts(const std::vector<LearnerCourseFacts>& facts);

struct EngagementRow {
  std::string key;                      ///< the course id, team, site or job role
  std::int64_t assigned = 0;            ///< assigned (learner, course) pairs
  std::int64_t started = 0;             ///< ... with a first statement before period.to
  std::int64_t completed = 0;           ///< ... completed before period.to
  std::int64_t completed_in_period = 0; ///< ... completed within the period
  std::int64_t active_learners = 0;     ///< distinct learners with an activity in the period on an assigned course of the row
  TimeMs time_spent_ms = 0;             ///< projected time of the started pairs (all time)
  std::optional<double> participation_rate;  ///< started / assigned
  std::optional<double> completion_rate;     ///< completed / assigned
  std::optional<double> avg_time_spent_ms;   ///< time_spent_ms / started
};

/// One row per distinct key of `by`, sorted by key. Assignments of learners missing from
/// the roster are ignored.
std::vector<EngagementRow> engagement(const std::vector<Learner>& roster, const std::vector<Assignment>& assignments,
                                      const std::vector<LearnerCourseFacts>& facts, const std::vector<Activity>& activity,
                                      const Period& period, Dimension by);

struct ActiveLearners {
  std::int64_t learners = 0;  ///< roster learners with at least one assignment
  std::int64_t active = 0;    ///< ... with an activity in the period (on `course` when given)
  std::optional<double> rate; ///< active / learners
};

/// Active-learner rate. Without a course: any activity counts; with one: only that
/// course's, and only learners assigned to it are counted.
ActiveLearners active_learners(const std::vector<Learner>& roster, const std::vector<Assignment>& assignments,
                               const std::vector<Activity>& activity, const Period& period,
                               const std::string& course = {});

struct ActivityDay {
  std::int64_t day = 0;  ///< UTC day number
  std::int64_t active_learners = 0;
  std::int64_t statements = 0;
};

/// Active learners and statements per UTC day of the period (every day, zeros included),
/// over the same learners and activity as active_learners().
std::vector<ActivityDay> activity_by_day(const std::vector<Learner>& roster, const std::vector<Assignment>& assignments,
                                         const std::vector<Activity>& activity, const Period& period,
                                         const std::string& course = {});

struct ModuleRow {
  std::string module_id;
  int position = 0;
  std::int64_t assigned = 0;   ///< learners assigned to the course
  std::int64_t started = 0;    ///< ... whose first statement on an item of the module is before period.to
  std::int64_t completed = 0;  ///< ... whose module was completed before period.to
  std::optional<double> completion_rate;  ///< completed / assigned
};

/// Completion per module of one course, in course order.
std::vector<ModuleRow> module_completion(const bundle::Course& course, const std::vector<Learner>& roster,
                                         const std::vector<Assignment>& assignments,
                                         const std::vector<LearnerCourseFacts>& facts, const Period& period);

struct InteractionRow {
  std::string course_id;
  std::string type;               ///< quiz | flashcards | scenario | survey
  std::int64_t items = 0;         ///< items of this type in the course
  std::int64_t assigned = 0;      ///< learners assigned to the course
  std::int64_t engaged = 0;       ///< ... who started an item of this type before period.to
  std::int64_t item_completions = 0;  ///< (learner, item) completions of this type before period.to
  std::optional<double> participation_rate;  ///< engaged / assigned
};

/// Participation in interactive activities, per course and type (types the course has).
std::vector<InteractionRow> interactions(const std::vector<bundle::Course>& courses, const std::vector<Learner>& roster,
                                         const std::vector<Assignment>& assignments,
                                         const std::vector<LearnerCourseFacts>& facts, const Period& period);

/// Activity types that count as interactive, in report order.
const std::vector<std::string>& interactive_types();

struct PathRow {
  std::string path_id;
  std::int64_t assigned = 0;   ///< learners assigned the path
  std::int64_t started = 0;    ///< ... who started one of its courses before period.to
  std::int64_t completed = 0;  ///< ... who completed every mandatory course before period.to
  std::optional<double> completion_rate;
};

/// Completion of a learning path: every mandatory course completed (a path without
/// mandatory courses: every course).
PathRow path_completion(const bundle::LearningPath& path, const std::vector<std::string>& assigned_learners,
                        const std::vector<LearnerCourseFacts>& facts, const Period& period);

}  // namespace trailpack::kpi
