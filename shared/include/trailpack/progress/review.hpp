// Spaced repetition for flashcards: SM-2 (P. Wozniak, 1987), computed offline from the
// learner's review statements. The schedule is a projection like everything else: the
// reviews of one card, folded in (timestamp, id) order, give its interval and due date.
//
// Ratings map to SM-2 qualities: again = 1, hard = 3, good = 4, easy = 5.
//   quality < 3: repetitions = 0, interval = 1 day
//   else: interval = 1 day (1st), 6 days (2nd), round(previous * EF) after; repetitions + 1
//   EF' = max(1.3, EF + 0.1 - (5 - q) * (0.08 + (5 - q) * 0.02)), starting at 2.5
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "trailpack/bundle/course.hpp"
#include "trailpack/time.hpp"
#include "trailpack/xapi/statement.hpp"

namespace trailpack::progress {

/// SM-2 quality for a rating name; nothing for an unknown rating.
std::optional<int> rating_quality(const std::string& rating);

struct CardSchedule {
  std::string card_id;
  int repetitions = 0;
  double easiness = 2.5;
  int interval_days = 0;
  TimeMs last_review = 0;  ///< 0 = never reviewed (a new card)
  TimeMs due = 0;          ///< 0 = due now (new)
  int reviews = 0;
  int lapses = 0;
};

/// Applies one review of quality q (0..5) at time `at`.
void apply_review(CardSchedule& card, int quality, TimeMs at);

/// The schedule of every card of a deck from the statements (any order, duplicates ok).
std::vector<CardSchedule> deck_schedule(const bundle::Course& course, const bundle::Item& deck,
                                        const std::vector<xapi::StatementView>& statements);

/// Activity IRI of one flashcard: <item IRI>:card:<card id>.
std::string flashcard_iri(const std::string& course_id, const std::string& deck_id, const std::string& card_id);

}  // namespace trailpack::progress
