#include "trailpack/kpi/learning.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "trailpack/kpi/engagement.hpp"

namespace trailpack::kpi {

namespace {

// Assigned pairs of roster learners -> their facts (pairs without facts are skipped).
std::vector<const LearnerCourseFacts*> assigned_facts(const std::vector<Learner>& roster,
                                                      const std::vector<Assignment>& assignments,
                                                      const std::vector<LearnerCourseFacts>& facts,
                                                      const std::string& course = {}) {
  std::set<std::string> learners;
  for (const auto& l : roster) learners.insert(l.id);
  const auto idx = index_facts(facts);
  std::set<std::pair<std::string, std::string>> seen;
  std::vector<const LearnerCourseFacts*> out;
  for (const auto& a : assignments) {
    if (!learners.count(a.user_id) || (!course.empty() && a.course_id != course)) continue;
    if (!seen.insert({a.user_id, a.course_id}).second) continue;
    if (auto it = idx.find({a.user_id, a.course_id}); it != idx.end()) out.push_back(it->second);
  }
  return out;
}

}  // namespace

int score_bin(double scaled) {
  // The epsilon keeps 0.7 (which may be 0.69999999999999996) in the bin of 70 %.
  const int b = static_cast<int>(std::floor(scaled * kScoreBins + 1e-9));
  return std::clamp(b, 0, kScoreBins - 1);
}

std::vector<ScoreRow> scores(const std::vector<bundle::Course>& courses, const std::vector<Learner>& roster,
                             const std::vector<Assignment>& assignments, const std::vector<LearnerCourseFacts>& facts) {
  const auto mine = assigned_facts(roster, assignments, facts);
  std::vector<ScoreRow> out;
  for (const auto& c : courses)
    for (const auto& m : c.modules)
      for (const auto& it : m.items) {
        if (it.type != "quiz") continue;
        ScoreRow r;
        r.course_id = c.id;
        r.item_id = it.id;
        r.role = it.role;
        for (const auto* f : mine) {
          if (f->course_id != c.id) continue;
          for (const auto& i : f->items) {
            if (i.item_id != it.id || i.attempts == 0 || !i.best_score) continue;
            r.learners++;
            r.attempts += i.attempts;
            r.passed += i.passed;
            r.best_score_sum += *i.best_score;
            r.distribution[static_cast<std::size_t>(score_bin(*i.best_score))]++;
          }
        }
        r.mean_best_score = mean(r.best_score_sum, r.learners);
        r.pass_rate = rate(r.passed, r.learners);
        out.push_back(r);
      }
  return out;
}

void finish_gain(GainRow& row) {
  row.mean_pre = mean(row.pre_sum, row.pre_n);
  row.mean_post = mean(row.post_sum, row.post_n);
  row.mean_gain = mean(row.paired_post_sum - row.paired_pre_sum, row.paired_n);
}

GainRow gain_total(const std::vector<GainRow>& rows) {
  GainRow t;
  t.key = "all";
  for (const auto& r : rows) {
    t.pre_n += r.pre_n;
    t.pre_sum += r.pre_sum;
    t.post_n += r.post_n;
    t.post_sum += r.post_sum;
    t.paired_n += r.paired_n;
    t.paired_pre_sum += r.paired_pre_sum;
    t.paired_post_sum += r.paired_post_sum;
  }
  finish_gain(t);
  return t;
}

namespace {

void add_gain(GainRow& r, const std::optional<double>& pre, const std::optional<double>& post) {
  if (pre) {
    r.pre_n++;
    r.pre_sum += *pre;
  }
  if (post) {
    r.post_n++;
    r.post_sum += *post;
  }
  if (pre && post) {
    r.paired_n++;
    r.paired_pre_sum += *pre;
    r.paired_post_sum += *post;
  }
}

}  // namespace

std::vector<GainRow> course_gain(const std::vector<Learner>& roster, const std::vector<Assignment>& assignments,
                                 const std::vector<LearnerCourseFacts>& facts) {
  std::map<std::string, GainRow> rows;
  for (const auto* f : assigned_facts(roster, assignments, facts)) {
    if (!f->pretest_score && !f->posttest_score) continue;
    GainRow& r = rows[f->course_id];
    r.key = f->course_id;
    add_gain(r, f->pretest_score, f->posttest_score);
  }
  std::vector<GainRow> out;
  for (auto& [k, r] : rows) {
    finish_gain(r);
    out.push_back(r);
  }
  return out;
}

std::vector<GainRow> objective_gain(const std::string& course_id, const std::vector<Learner>& roster,
                                    const std::vector<Assignment>& assignments,
                                    const std::vector<LearnerCourseFacts>& facts) {
  std::map<std::string, GainRow> rows;
  for (const auto* f : assigned_facts(roster, assignments, facts, course_id))
    for (const auto& o : f->objectives) {
      GainRow& r = rows[o.objective];
      r.key = o.objective;
      add_gain(r, o.pre, o.post);
    }
  std::vector<GainRow> out;
  for (auto& [k, r] : rows) {
    finish_gain(r);
    out.push_back(r);
  }
  return out;
}

ItemStats item_stats(const ItemSums& s) {
  ItemStats out;
  out.difficulty = rate(s.correct, s.n);
  if (s.n == 0 || s.correct == 0 || s.correct == s.n) return out;
  const double n = static_cast<double>(s.n);
  const double mean_x = s.total_sum / n;
  const double var = s.total_sq_sum / n - mean_x * mean_x;
  if (var <= 1e-12) return out;  // every total equal: no spread to discriminate on
  const double p = static_cast<double>(s.correct) / n;
  const double m1 = s.correct_total_sum / static_cast<double>(s.correct);
  const double m0 = (s.total_sum - s.correct_total_sum) / static_cast<double>(s.n - s.correct);
  out.discrimination = (m1 - m0) / std::sqrt(var) * std::sqrt(p * (1 - p));
  return out;
}

bool hardest_first(const QuestionRow& a, const QuestionRow& b) {
  const double pa = a.stats.difficulty.value_or(2), pb = b.stats.difficulty.value_or(2);
  if (pa != pb) return pa < pb;
  const double ra = a.stats.discrimination.value_or(2), rb = b.stats.discrimination.value_or(2);
  if (ra != rb) return ra < rb;
  if (a.course_id != b.course_id) return a.course_id < b.course_id;
  if (a.item_id != b.item_id) return a.item_id < b.item_id;
  return a.question_id < b.question_id;
}

std::vector<QuestionRow> item_analysis(const std::vector<Learner>& roster, const std::vector<Assignment>& assignments,
                                       const std::vector<LearnerCourseFacts>& facts) {
  std::map<std::tuple<std::string, std::string, std::string>, QuestionRow> rows;
  for (const auto* f : assigned_facts(roster, assignments, facts))
    for (const auto& a : f->answers) {
      QuestionRow& r = rows[{f->course_id, a.item_id, a.question_id}];
      r.course_id = f->course_id;
      r.item_id = a.item_id;
      r.question_id = a.question_id;
      r.sums.n++;
      r.sums.correct += a.correct;
      r.sums.total_sum += a.attempt_score;
      r.sums.total_sq_sum += a.attempt_score * a.attempt_score;
      if (a.correct) r.sums.correct_total_sum += a.attempt_score;
    }
  std::vector<QuestionRow> out;
  for (auto& [k, r] : rows) {
    r.stats = item_stats(r.sums);
    out.push_back(r);
  }
  std::sort(out.begin(), out.end(), hardest_first);
  return out;
}

}  // namespace trailpack::kpi
