#include "trailpack/progress/review.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace trailpack::progress {

std::optional<int> rating_quality(const std::string& rating) {
  if (rating == "again") return 1;
  if (rating == "hard") return 3;
  if (rating == "good") return 4;
  if (rating == "easy") return 5;
  return std::nullopt;
}

void apply_review(CardSchedule& c, int q, TimeMs at) {
  q = std::clamp(q, 0, 5);
  if (q < 3) {
    c.repetitions = 0;
    c.interval_days = 1;
    if (c.reviews > 0) c.lapses++;
  } else {
    if (c.repetitions == 0) c.interval_days = 1;
    else if (c.repetitions == 1) c.interval_days = 6;
    else c.interval_days = static_cast<int>(std::lround(c.interval_days * c.easiness));
    c.repetitions++;
  }
  c.easiness = std::max(1.3, c.easiness + 0.1 - (5 - q) * (0.08 + (5 - q) * 0.02));
  c.reviews++;
  c.last_review = at;
  c.due = at + static_cast<TimeMs>(c.interval_days) * 86400000;
}

std::string flashcard_iri(const std::string& course_id, const std::string& deck_id, const std::string& card_id) {
  return bundle::item_iri(course_id, deck_id) + ":card:" + card_id;
}

std::vector<CardSchedule> deck_schedule(const bundle::Course& course, const bundle::Item& deck,
                                        const std::vector<xapi::StatementView>& statements) {
  // A set: de-duplicate by id, drop voided, fold in (timestamp, id) order.
  std::vector<const xapi::StatementView*> views;
  std::set<std::string> seen, voided;
  for (const auto& v : statements)
    if (v.verb == xapi::verbs::kVoided) voided.insert(v.object_id);
  for (const auto& v : statements)
    if (v.verb == xapi::verbs::kAnswered && !voided.count(v.id) && seen.insert(v.id).second) views.push_back(&v);
  std::sort(views.begin(), views.end(), [](auto* a, auto* b) {
    return a->timestamp != b->timestamp ? a->timestamp < b->timestamp : a->id < b->id;
  });
  std::vector<CardSchedule> out;
  for (const auto& card : deck.cards) {
    CardSchedule s;
    s.card_id = card.id;
    const std::string iri = flashcard_iri(course.id, deck.id, card.id);
    for (const auto* v : views) {
      if (v->object_id != iri) continue;
      int q = 4;
      if (v->result_extensions.is_object()) {
        auto it = v->result_extensions.find(xapi::ext::kRating);
        if (it != v->result_extensions.end() && it->is_number_integer()) q = it->get<int>();
      }
      apply_review(s, q, v->timestamp);
    }
    out.push_back(s);
  }
  return out;
}

}  // namespace trailpack::progress
