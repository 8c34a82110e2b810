// Reproducible question draws: a quiz attempt draws from its pools and shuffles with a
// seed recorded in the attempt's statements, so the server can reproduce the draw and
// re-score. The generator (SplitMix64) and the shuffle (Fisher-Yates with rejection
// sampling) are fixed here and must never change for a given format version.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "trailpack/bundle/course.hpp"

namespace trailpack::quiz {

/// A deterministic 64-bit generator (SplitMix64).
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  /// Uniform in [0, bound) without modulo bias; bound > 0.
  std::uint64_t below(std::uint64_t bound);

 private:
  std::uint64_t state_;
};

struct DrawnQuestion {
  std::string id;
  std::vector<std::string> order;  ///< choice ids (or pair ids for matching rights) as shown
};

/// The questions of one attempt, in the order shown. Pools are drawn in order; within a
/// pool `draw` questions are picked (all when 0); with `shuffle` the picked questions
/// and each question's choices are shuffled (ordering questions are always shuffled).
std::vector<DrawnQuestion> draw_attempt(const bundle::Item& quiz, std::uint64_t seed);

/// Seeds travel in statements as 16 hex digits.
std::string seed_to_string(std::uint64_t seed);
bool seed_from_string(const std::string& text, std::uint64_t& seed);

}  // namespace trailpack::quiz
