// Learning KPIs: score distribution and pass rate per quiz, pre-test → post-test gain
// per course and per learning objective, and classical item analysis (difficulty p and
// point-biserial discrimination) per question. The server sums in SQL and finishes with
// the functions marked "finish"; the reference aggregates take facts. Definitions:
// docs/kpis.md#learning.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "trailpack/kpi/common.hpp"
#include "trailpack/kpi/facts.hpp"

namespace trailpack::kpi {

/// Number of bins of a score distribution: [0, .1), [.1, .2), ..., [.9, 1].
inline constexpr int kScoreBins = 10;

/// The bin of a scaled score (scores outside [0, 1] are clamped).
int score_bin(double scaled);

struct ScoreRow {
  std::string course_id;
  std::string item_id;
  std::string role;
  std::int64_t learners = 0;   ///< assigned learners with a finished attempt
  std::int64_t attempts = 0;   ///< their finished attempts
  std::int64_t passed = 0;     ///< ... learners who passed
  double best_score_sum = 0;
  std::optional<double> mean_best_score;  ///< best_score_sum / learners
  std::optional<double> pass_rate;        ///< passed / learners
  std::array<std::int64_t, kScoreBins> distribution{};  ///< learners per bin of their best score
};

/// One row per quiz of the courses (in course order), over assigned learners.
std::vector<ScoreRow> scores(const std::vector<bundle::Course>& courses, const std::vector<Learner>& roster,
                             const std::vector<Assignment>& assignments, const std::vector<LearnerCourseFacts>& facts);

struct GainRow {
  std::string key;                 ///< course id, or objective
  std::int64_t pre_n = 0;          ///< learners with a pre-test score
  double pre_sum = 0;
  std::int64_t post_n = 0;         ///< learners with a post-test score
  double post_sum = 0;
  std::int64_t paired_n = 0;       ///< learners with both
  double paired_pre_sum = 0;
  double paired_post_sum = 0;
  std::optional<double> mean_pre, mean_post;  ///< over pre_n, post_n
  std::optional<double> mean_gain;            ///< (paired_post_sum - paired_pre_sum) / paired_n
};

/// Finish: the means of a row whose sums and counts are set.
void finish_gain(GainRow& row);

/// The overall gain of several rows (every course in the filter): their counts and sums
/// added, then finished, so each learner-course pair weighs the same (key "all").
GainRow gain_total(const std::vector<GainRow>& rows);

/// Pre/post gain per course that has a pre-test and a post-test score for anyone
/// (sorted by course id), over assigned learners.
std::vector<GainRow> course_gain(const std::vector<Learner>& roster, const std::vector<Assignment>& assignments,
                                 const std::vector<LearnerCourseFacts>& facts);

/// Pre/post gain per learning objective of one course (sorted by objective).
std::vector<GainRow> objective_gain(const std::string& course_id, const std::vector<Learner>& roster,
                                    const std::vector<Assignment>& assignments,
                                    const std::vector<LearnerCourseFacts>& facts);

/// Sums over the respondents of one question (their first finished attempts).
struct ItemSums {
  std::int64_t n = 0;          ///< answers
  std::int64_t correct = 0;    ///< correct answers
  double total_sum = 0;        ///< sum of the attempts' scores (the "total" X)
  double total_sq_sum = 0;     ///< sum of X²
  double correct_total_sum = 0;  ///< sum of X over correct answers
};

struct ItemStats {
  std::optional<double> difficulty;       ///< p = correct / n (higher is easier)
  std::optional<double> discrimination;   ///< point-biserial r between correct and X
};

/// Finish: p and the point-biserial r_pb = (M1 - M0) / s * sqrt(p (1 - p)), with M1 and
/// M0 the mean X of correct and incorrect answers and s the population standard
/// deviation of X. r_pb is undefined when everyone or no one is correct, or s = 0.
ItemStats item_stats(const ItemSums& sums);

struct QuestionRow {
  std::string course_id;
  std::string item_id;
  std::string question_id;
  ItemSums sums;
  ItemStats stats;
};

/// Item analysis of every answered question, hardest first (lowest p; then lowest r_pb,
/// undefined last; then by course, quiz and question id).
std::vector<QuestionRow> item_analysis(const std::vector<Learner>& roster, const std::vector<Assignment>& assignments,
                                       const std::vector<LearnerCourseFacts>& facts);

/// The order item_analysis() returns.
bool hardest_first(const QuestionRow& a, const QuestionRow& b);

}  // namespace trailpack::kpi
