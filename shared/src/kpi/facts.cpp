#include "trailpack/kpi/facts.hpp"

#include <algorithm>
#include <set>

namespace trailpack::kpi {

using nlohmann::json;
namespace verbs = xapi::verbs;

namespace {

// The course's statements as the projection folds them: only objects under the course
// IRI, one per id, voided and voiding ones dropped, in (timestamp, id) order.
std::vector<xapi::StatementView> course_set(const bundle::Course& course, std::vector<xapi::StatementView> views) {
  const std::string prefix = bundle::course_iri(course.id);
  std::sort(views.begin(), views.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  views.erase(std::unique(views.begin(), views.end(), [](const auto& a, const auto& b) { return a.id == b.id; }), views.end());
  std::set<std::string> voided;
  for (const auto& v : views)
    if (v.verb == verbs::kVoided) voided.insert(v.object_id);
  std::vector<xapi::StatementView> out;
  for (auto& v : views) {
    if (v.verb == verbs::kVoided || voided.count(v.id)) continue;
    const bool in_course = v.object_id.rfind(prefix, 0) == 0 &&
                           (v.object_id.size() == prefix.size() || v.object_id[prefix.size()] == ':');
    if (in_course) out.push_back(std::move(v));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.timestamp != b.timestamp ? a.timestamp < b.timestamp : a.id < b.id;
  });
  return out;
}

std::string attempt_of(const xapi::StatementView& v) {
  if (v.extensions.is_object())
    if (auto it = v.extensions.find(xapi::ext::kAttempt); it != v.extensions.end() && it->is_string()) return *it;
  return {};
}

struct Answer {
  bool correct = false;
  double scaled = 0;
};

// One quiz attempt rebuilt from statements (the engine's rules: attempted, answered
// under the quiz, passed/failed on it, all carrying the attempt id).
struct Attempt {
  std::string id;
  TimeMs started = 0;
  std::vector<std::string> drawn;  ///< from the attempted statement; empty when unknown
  std::map<std::string, Answer> answers;  ///< question id -> first answer
  std::vector<std::string> answer_order;
  std::optional<double> scaled;    ///< set when finished
};

// Attempts at a quiz, in the projection's order (start time, then attempt id).
std::vector<Attempt> attempts_of(const bundle::Course& course, const bundle::Item& quiz,
                                 const std::vector<xapi::StatementView>& all) {
  const std::string iri = bundle::item_iri(course.id, quiz.id);
  const std::string qprefix = bundle::question_iri(course.id, "");
  std::map<std::string, Attempt> by_id;
  for (const auto& v : all) {
    if (v.object_id != iri && v.parent != iri) continue;
    const std::string a = attempt_of(v);
    if (a.empty()) continue;
    Attempt& at = by_id[a];
    at.id = a;
    if (v.object_id == iri && v.verb == verbs::kAttempted) {
      at.started = v.timestamp;
      if (v.extensions.is_object())
        if (auto q = v.extensions.find(xapi::ext::kQuestions); q != v.extensions.end() && q->is_array())
          for (const auto& id : *q)
            if (id.is_string()) at.drawn.push_back(id);
    } else if (v.parent == iri && v.verb == verbs::kAnswered && v.object_id.rfind(qprefix, 0) == 0) {
      const std::string qid = v.object_id.substr(qprefix.size());
      if (at.answers.count(qid)) continue;  // the first answer counts, as in the engine
      const bool correct = v.success.value_or(v.scaled.value_or(0) >= 1.0 - 1e-9);
      at.answers[qid] = Answer{correct, v.scaled.value_or(correct ? 1.0 : 0.0)};
      at.answer_order.push_back(qid);
    } else if (v.object_id == iri && (v.verb == verbs::kPassed || v.verb == verbs::kFailed)) {
      at.scaled = v.scaled.value_or(0);
    }
  }
  std::vector<Attempt> list;
  for (auto& [id, a] : by_id) list.push_back(std::move(a));
  std::stable_sort(list.begin(), list.end(), [](const Attempt& a, const Attempt& b) {
    return a.started != b.started ? a.started < b.started : a.id < b.id;
  });
  return list;
}

const Attempt* first_finished(const std::vector<Attempt>& list) {
  for (const auto& a : list)
    if (a.scaled) return &a;
  return nullptr;
}

// The best finished attempt; among equal scores the earliest.
const Attempt* best_finished(const std::vector<Attempt>& list) {
  const Attempt* best = nullptr;
  for (const auto& a : list)
    if (a.scaled && (!best || *a.scaled > *best->scaled)) best = &a;
  return best;
}

// Points earned and possible per objective in one attempt: over the drawn questions
// (the answered ones when the draw is unknown), unanswered questions earn nothing.
void add_objectives(const bundle::Course& course, const Attempt& a, std::map<std::string, std::pair<double, double>>& acc) {
  const std::vector<std::string>& questions = a.drawn.empty() ? a.answer_order : a.drawn;
  for (const auto& qid : questions) {
    const bundle::Question* q = course.find_question(qid);
    if (!q) continue;
    auto ans = a.answers.find(qid);
    const double earned = ans == a.answers.end() ? 0.0 : ans->second.scaled * q->points;
    for (const auto& o : q->objectives) {
      acc[o].first += earned;
      acc[o].second += q->points;
    }
  }
}

}  // namespace

LearnerCourseFacts facts_of(const bundle::Course& course, std::vector<xapi::StatementView> views) {
  const auto all = course_set(course, views);
  const progress::CourseProgress p = progress::project_course_views(course, std::move(views));

  LearnerCourseFacts f;
  f.course_id = course.id;
  f.course_version = course.version;
  f.statements = p.statements;
  f.started_at = all.empty() ? 0 : all.front().timestamp;
  f.last_activity = p.last_activity;
  for (const auto& v : all) f.last_activity = std::max(f.last_activity, v.timestamp);
  f.completed = p.completed;
  f.completed_at = p.completed_at;
  f.completion = p.completion;
  f.time_spent_ms = p.time_spent_ms;
  f.pretest_score = p.pretest_score;
  f.posttest_score = p.posttest_score;
  if (!f.started()) return f;

  std::map<std::string, std::pair<double, double>> pre, post;  // objective -> (earned, possible)
  std::size_t index = 0;  // p.items is in course order
  for (std::size_t mi = 0; mi < course.modules.size(); ++mi) {
    const auto& m = course.modules[mi];
    ModuleFacts mf;
    mf.module_id = m.id;
    mf.position = static_cast<int>(mi);
    mf.completed = p.modules[mi].completed;
    TimeMs required_done_at = 0;
    for (const auto& it : m.items) {
      const progress::ItemProgress& ip = p.items[index++];
      const std::string iri = bundle::item_iri(course.id, it.id);
      if (it.required && ip.status == "completed") required_done_at = std::max(required_done_at, ip.completed_at);
      if (ip.status == "not_started") continue;
      ItemFacts itf;
      itf.item_id = it.id;
      itf.module_id = m.id;
      itf.type = it.type;
      itf.role = it.role;
      itf.started = true;
      for (const auto& v : all)
        if (v.object_id == iri || v.parent == iri) {
          itf.started_at = v.timestamp;  // `all` is in time order: the first is the earliest
          break;
        }
      itf.completed = ip.status == "completed";
      itf.completed_at = itf.completed ? ip.completed_at : 0;
      itf.attempts = ip.attempts;
      itf.best_score = ip.best_score;
      itf.passed = ip.passed;
      itf.time_spent_ms = ip.time_spent_ms;
      if (!mf.started || itf.started_at < mf.started_at) mf.started_at = itf.started_at;
      mf.started = true;
      if (ip.best_score && (!f.best_score || *ip.best_score > *f.best_score)) f.best_score = ip.best_score;
      f.items.push_back(std::move(itf));

      if (it.type == "quiz") {
        const auto attempts = attempts_of(course, it, all);
        if (const Attempt* first = first_finished(attempts)) {
          for (const auto& qid : first->answer_order) {
            if (!course.find_question(qid)) continue;
            const Answer& a = first->answers.at(qid);
            f.answers.push_back(AnswerFacts{it.id, qid, a.correct, a.scaled, *first->scaled});
          }
          if (it.role == "pretest") add_objectives(course, *first, pre);
        }
        if (it.role == "posttest")
          if (const Attempt* best = best_finished(attempts)) add_objectives(course, *best, post);
      } else if (it.type == "survey") {
        const std::string qprefix = iri + ":q:";
        std::map<std::string, SurveyAnswerFacts> latest;  // question -> the latest answer
        for (const auto& v : all) {
          if (v.verb != verbs::kResponded || v.parent != iri || v.object_id.rfind(qprefix, 0) != 0) continue;
          const std::string qid = v.object_id.substr(qprefix.size());
          auto q = std::find_if(it.survey.begin(), it.survey.end(), [&](const auto& x) { return x.id == qid; });
          if (q == it.survey.end()) continue;
          SurveyAnswerFacts a;
          a.item_id = it.id;
          a.role = it.role;
          a.question_id = qid;
          a.kind = q->type;
          a.answered_at = v.timestamp;
          if (q->type == "rating") {
            int r = 0;
            bool digits = !v.response.empty() && v.response.size() <= 3;
            for (char ch : v.response) digits = digits && ch >= '0' && ch <= '9';
            if (digits) r = std::stoi(v.response);
            if (r < 1 || r > q->scale) continue;  // not a rating of this question: ignored
            a.rating = r;
          } else if (q->type == "choice") {
            if (std::none_of(q->choices.begin(), q->choices.end(), [&](const auto& c) { return c.id == v.response; })) continue;
            a.choice = v.response;
          } else {
            if (v.response.empty()) continue;
            a.text = v.response;
          }
          latest[qid] = std::move(a);
        }
        for (const auto& q : it.survey)
          if (auto a = latest.find(q.id); a != latest.end()) f.survey_answers.push_back(std::move(a->second));
      }
    }
    // A module without required items is complete from the learner's first statement in the course.
    if (mf.completed) mf.completed_at = p.modules[mi].required_total > 0 ? required_done_at : f.started_at;
    f.modules.push_back(std::move(mf));
  }

  std::set<std::string> objectives;
  for (const auto& [o, v] : pre) objectives.insert(o);
  for (const auto& [o, v] : post) objectives.insert(o);
  for (const auto& o : objectives) {
    ObjectiveFacts of;
    of.objective = o;
    if (auto it = pre.find(o); it != pre.end() && it->second.second > 0) of.pre = it->second.first / it->second.second;
    if (auto it = post.find(o); it != post.end() && it->second.second > 0) of.post = it->second.first / it->second.second;
    if (of.pre || of.post) f.objectives.push_back(std::move(of));
  }
  return f;
}

}  // namespace trailpack::kpi
