#include "trailpack/quiz/draw.hpp"

#include <algorithm>
#include <cstdio>

namespace trailpack::quiz {

std::uint64_t SplitMix64::next() {
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::uint64_t SplitMix64::below(std::uint64_t bound) {
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  std::uint64_t r;
  do {
    r = next();
  } while (r >= limit);
  return r % bound;
}

namespace {

template <typename T>
void shuffle(std::vector<T>& v, SplitMix64& rng) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
}

}  // namespace

std::vector<DrawnQuestion> draw_attempt(const bundle::Item& quiz, std::uint64_t seed) {
  SplitMix64 rng(seed);
  std::vector<DrawnQuestion> out;
  for (const auto& pool : quiz.pools) {
    std::vector<std::size_t> idx(pool.questions.size());
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    if (pool.draw > 0 && static_cast<std::size_t>(pool.draw) < idx.size()) {
      shuffle(idx, rng);
      idx.resize(static_cast<std::size_t>(pool.draw));
      std::sort(idx.begin(), idx.end());  // keep authored order unless shuffling
    }
    if (quiz.shuffle) shuffle(idx, rng);
    for (std::size_t i : idx) {
      const auto& q = pool.questions[i];
      DrawnQuestion d;
      d.id = q.id;
      if (q.type == "matching") {
        for (const auto& p : q.pairs) d.order.push_back(p.id);
        shuffle(d.order, rng);
      } else {
        for (const auto& c : q.choices) d.order.push_back(c.id);
        if (q.type == "ordering") {
          // Never show an ordering question already solved.
          if (d.order.size() > 1) {
            const auto solved = d.order;
            for (int tries = 0; tries < 8 && d.order == solved; ++tries) shuffle(d.order, rng);
            if (d.order == solved) std::rotate(d.order.begin(), d.order.begin() + 1, d.order.end());
          }
        } else if (quiz.shuffle && q.type != "true_false") {
          shuffle(d.order, rng);
        }
      }
      out.push_back(std::move(d));
    }
  }
  return out;
}

std::string seed_to_string(std::uint64_t seed) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(seed));
  return buf;
}

bool seed_from_string(const std::string& text, std::uint64_t& seed) {
  if (text.size() != 16) return false;
  std::uint64_t v = 0;
  for (char c : text) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else return false;
    v = (v << 4) | static_cast<std::uint64_t>(d);
  }
  seed = v;
  return true;
}

}  // namespace trailpack::quiz
