// Scoring: the one implementation used by the player (offline) and by the server (to
// re-check device scores). Pure functions of a question and a response.
//
// Responses are JSON values, by question type:
//   single, true_false  "choice-id"
//   multiple            ["choice-id", ...]          (any order)
//   numeric             3.5
//   short_text          "typed text"
//   ordering            ["choice-id", ...]          (the learner's order)
//   matching            {"pair-id": "pair-id", ...} (left id -> id of the chosen right)
//
// Partial credit (documented in docs/bundle-format.md):
//   multiple:  max(0, (right picks - wrong picks) / number of correct choices)
//   ordering:  choices in their correct position / number of choices
//   matching:  correct matches / number of pairs
// With partial_credit false these are all-or-nothing.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "trailpack/bundle/course.hpp"
#include "trailpack/result.hpp"

namespace trailpack::quiz {

struct Score {
  double fraction = 0;  ///< 0..1 of this question's points
  double points = 0;    ///< fraction * question.points
  double max_points = 0;
  bool correct = false;  ///< full marks
  std::string xapi_response;  ///< result.response in the xAPI interaction format
};

/// Scores one response. Errors (code "invalid_response") when the response has the
/// wrong shape for the question or names unknown ids.
Result<Score> score_question(const bundle::Question& question, const nlohmann::json& response);

/// Lower-case, strip accents (Latin scripts), trim and collapse inner white space.
std::string fold_text(const std::string& text);

/// The xAPI interactionType for a question type ("choice", "true-false", ...).
std::string interaction_type(const std::string& question_type);

/// The cmi.interaction activity definition of a question (interactionType, choices,
/// correctResponsesPattern, ...) for statements.
nlohmann::json interaction_definition(const bundle::Question& question, const std::string& language);

/// Rebuilds a response from its xAPI `result.response` string (for server re-scoring).
Result<nlohmann::json> response_from_xapi(const bundle::Question& question, const std::string& xapi_response);

}  // namespace trailpack::quiz
