#include "trailpack/kpi/impact.hpp"

#include <set>

#include "trailpack/kpi/engagement.hpp"

namespace trailpack::kpi {

std::vector<SurveyRow> surveys(const std::vector<bundle::Course>& courses, const std::vector<Learner>& roster,
                               const std::vector<Assignment>& assignments, const std::vector<LearnerCourseFacts>& facts,
                               const Period& period, Dimension by, const std::string& role) {
  std::map<std::string, const Learner*> learners;
  for (const auto& l : roster) learners[l.id] = &l;
  const auto idx = index_facts(facts);
  std::vector<SurveyRow> out;
  for (const auto& c : courses) {
    // The assigned learners of this course, once each.
    std::set<std::string> assigned;
    for (const auto& a : assignments)
      if (a.course_id == c.id && learners.count(a.user_id)) assigned.insert(a.user_id);
    for (const auto& m : c.modules)
      for (const auto& it : m.items) {
        if (it.type != "survey" || (!role.empty() && it.role != role)) continue;
        for (const auto& q : it.survey) {
          std::map<std::string, SurveyRow> groups;
          auto row_for = [&](const std::string& group) -> SurveyRow& {
            SurveyRow& r = groups[group];
            if (r.question_id.empty()) {
              r.course_id = c.id;
              r.item_id = it.id;
              r.role = it.role;
              r.question_id = q.id;
              r.kind = q.type;
              r.group = group;
              if (q.type == "rating")
                for (int v = 1; v <= q.scale; ++v) r.counts[std::to_string(v)] = 0;
              if (q.type == "choice")
                for (const auto& ch : q.choices) r.counts[ch.id] = 0;
            }
            return r;
          };
          if (by == Dimension::course) row_for("");  // a row even without answers
          for (const auto& u : assigned) {
            auto f = idx.find({u, c.id});
            if (f == idx.end()) continue;
            for (const auto& a : f->second->survey_answers) {
              if (a.item_id != it.id || a.question_id != q.id || !period.contains(a.answered_at)) continue;
              SurveyRow& r = row_for(by == Dimension::course ? "" : dimension_key(by, *learners.at(u), c.id));
              r.responses++;
              if (a.rating) {
                r.rating_sum += *a.rating;
                r.counts[std::to_string(*a.rating)]++;
              } else if (!a.choice.empty()) {
                r.counts[a.choice]++;
              }
            }
          }
          for (auto& [g, r] : groups) {
            if (r.kind == "rating") r.mean_rating = mean(r.rating_sum, r.responses);
            out.push_back(std::move(r));
          }
        }
      }
  }
  return out;
}

}  // namespace trailpack::kpi
