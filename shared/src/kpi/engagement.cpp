#include "trailpack/kpi/engagement.hpp"

#include <algorithm>
#include <set>

namespace trailpack::kpi {

namespace {

std::map<std::string, const Learner*> by_id(const std::vector<Learner>& roster) {
  std::map<std::string, const Learner*> out;
  for (const auto& l : roster) out[l.id] = &l;
  return out;
}

const LearnerCourseFacts* find(const FactsIndex& idx, const std::string& user, const std::string& course) {
  auto it = idx.find({user, course});
  return it == idx.end() ? nullptr : it->second;
}

bool started_by(const LearnerCourseFacts* f, TimeMs to) { return f && f->started() && f->started_at < to; }
bool completed_by(const LearnerCourseFacts* f, TimeMs to) { return f && f->completed && f->completed_at < to; }

// Learners (of the roster, with an assignment) whose activity counts, and the course
// activity must be on ("" = any).
std::set<std::string> assigned_learners(const std::vector<Learner>& roster, const std::vector<Assignment>& assignments,
                                        const std::string& course) {
  const auto learners = by_id(roster);
  std::set<std::string> out;
  for (const auto& a : assignments)
    if (learners.count(a.user_id) && (course.empty() || a.course_id == course)) out.insert(a.user_id);
  return out;
}

}  // namespace

FactsIndex index_facts(const std::vector<LearnerCourseFacts>& facts) {
  FactsIndex idx;
  for (const auto& f : facts) idx[{f.user_id, f.course_id}] = &f;
  return idx;
}

std::vector<EngagementRow> engagement(const std::vector<Learner>& roster, const std::vector<Assignment>& assignments,
                                      const std::vector<LearnerCourseFacts>& facts, const std::vector<Activity>& activity,
                                      const Period& period, Dimension by) {
  const auto learners = by_id(roster);
  const auto idx = index_facts(facts);
  std::set<std::pair<std::string, std::string>> active_pairs;  // (user, course) active in the period
  for (const auto& a : activity)
    if (period.contains(a.timestamp) && !a.course_id.empty()) active_pairs.insert({a.user_id, a.course_id});
  std::map<std::string, EngagementRow> rows;
  std::map<std::string, std::set<std::string>> active;  // key -> learners
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& a : assignments) {
    auto l = learners.find(a.user_id);
    if (l == learners.end() || !seen.insert({a.user_id, a.course_id}).second) continue;
    const std::string key = dimension_key(by, *l->second, a.course_id);
    EngagementRow& r = rows[key];
    r.key = key;
    r.assigned++;
    const LearnerCourseFacts* f = find(idx, a.user_id, a.course_id);
    if (started_by(f, period.to)) {
      r.started++;
      r.time_spent_ms += f->time_spent_ms;
    }
    if (completed_by(f, period.to)) r.completed++;
    if (f && f->completed && period.contains(f->completed_at)) r.completed_in_period++;
    if (active_pairs.count({a.user_id, a.course_id})) active[key].insert(a.user_id);
  }
  std::vector<EngagementRow> out;
  for (auto& [key, r] : rows) {
    r.active_learners = static_cast<std::int64_t>(active[key].size());
    r.participation_rate = rate(r.started, r.assigned);
    r.completion_rate = rate(r.completed, r.assigned);
    r.avg_time_spent_ms = mean(static_cast<double>(r.time_spent_ms), r.started);
    out.push_back(r);
  }
  return out;
}

ActiveLearners active_learners(const std::vector<Learner>& roster, const std::vector<Assignment>& assignments,
                               const std::vector<Activity>& activity, const Period& period, const std::string& course) {
  const auto learners = assigned_learners(roster, assignments, course);
  std::set<std::string> active;
  for (const auto& a : activity)
    if (period.contains(a.timestamp) && learners.count(a.user_id) && (course.empty() || a.course_id == course))
      active.insert(a.user_id);
  ActiveLearners out;
  out.learners = static_cast<std::int64_t>(learners.size());
  out.active = static_cast<std::int64_t>(active.size());
  out.rate = rate(out.active, out.learners);
  return out;
}

std::vector<ActivityDay> activity_by_day(const std::vector<Learner>& roster, const std::vector<Assignment>& assignments,
                                         const std::vector<Activity>& activity, const Period& period,
                                         const std::string& course) {
  const auto learners = assigned_learners(roster, assignments, course);
  std::vector<ActivityDay> out;
  if (period.to <= period.from) return out;
  const std::int64_t first = day_of(period.from), last = day_of(period.to - 1);
  std::map<std::int64_t, std::set<std::string>> who;
  std::map<std::int64_t, std::int64_t> count;
  for (const auto& a : activity)
    if (period.contains(a.timestamp) && learners.count(a.user_id) && (course.empty() || a.course_id == course)) {
      who[day_of(a.timestamp)].insert(a.user_id);
      count[day_of(a.timestamp)]++;
    }
  for (std::int64_t d = first; d <= last; ++d)
    out.push_back(ActivityDay{d, static_cast<std::int64_t>(who[d].size()), count[d]});
  return out;
}

std::vector<ModuleRow> module_completion(const bundle::Course& course, const std::vector<Learner>& roster,
                                         const std::vector<Assignment>& assignments,
                                         const std::vector<LearnerCourseFacts>& facts, const Period& period) {
  const auto learners = assigned_learners(roster, assignments, course.id);
  const auto idx = index_facts(facts);
  std::vector<ModuleRow> out;
  for (std::size_t i = 0; i < course.modules.size(); ++i) {
    ModuleRow r;
    r.module_id = course.modules[i].id;
    r.position = static_cast<int>(i);
    r.assigned = static_cast<std::int64_t>(learners.size());
    for (const auto& u : learners) {
      const LearnerCourseFacts* f = find(idx, u, course.id);
      if (!f) continue;
      for (const auto& m : f->modules) {
        if (m.module_id != r.module_id) continue;
        if (m.started && m.started_at < period.to) r.started++;
        if (m.completed && m.completed_at < period.to) r.completed++;
      }
    }
    r.completion_rate = rate(r.completed, r.assigned);
    out.push_back(r);
  }
  return out;
}

const std::vector<std::string>& interactive_types() {
  static const std::vector<std::string> types = {"quiz", "flashcards", "scenario", "survey"};
  return types;
}

std::vector<InteractionRow> interactions(const std::vector<bundle::Course>& courses, const std::vector<Learner>& roster,
                                         const std::vector<Assignment>& assignments,
                                         const std::vector<LearnerCourseFacts>& facts, const Period& period) {
  const auto idx = index_facts(facts);
  std::vector<InteractionRow> out;
  for (const auto& course : courses) {
    const auto learners = assigned_learners(roster, assignments, course.id);
    for (const auto& type : interactive_types()) {
      InteractionRow r;
      r.course_id = course.id;
      r.type = type;
      for (const auto& m : course.modules)
        for (const auto& it : m.items) r.items += it.type == type;
      if (r.items == 0) continue;
      r.assigned = static_cast<std::int64_t>(learners.size());
      for (const auto& u : learners) {
        const LearnerCourseFacts* f = find(idx, u, course.id);
        if (!f) continue;
        bool engaged = false;
        for (const auto& it : f->items) {
          if (it.type != type) continue;
          engaged = engaged || (it.started && it.started_at < period.to);
          r.item_completions += it.completed && it.completed_at < period.to;
        }
        r.engaged += engaged;
      }
      r.participation_rate = rate(r.engaged, r.assigned);
      out.push_back(r);
    }
  }
  return out;
}

PathRow path_completion(const bundle::LearningPath& path, const std::vector<std::string>& assigned_learners,
                        const std::vector<LearnerCourseFacts>& facts, const Period& period) {
  const auto idx = index_facts(facts);
  PathRow r;
  r.path_id = path.id;
  const bool any_mandatory = std::any_of(path.courses.begin(), path.courses.end(), [](const auto& s) { return s.mandatory; });
  std::set<std::string> learners(assigned_learners.begin(), assigned_learners.end());
  for (const auto& u : learners) {
    r.assigned++;
    bool started = false, all_done = !path.courses.empty();
    for (const auto& step : path.courses) {
      const LearnerCourseFacts* f = find(idx, u, step.course);
      started = started || started_by(f, period.to);
      if ((step.mandatory || !any_mandatory) && !completed_by(f, period.to)) all_done = false;
    }
    r.started += started;
    r.completed += all_done;
  }
  r.completion_rate = rate(r.completed, r.assigned);
  return r;
}

}  // namespace trailpack::kpi
