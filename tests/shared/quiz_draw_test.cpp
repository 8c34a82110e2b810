// Reproducible draws: the generator and the shuffle are part of the format (the server
// re-draws from the seed in the statements), so exact outputs are pinned here.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "trailpack/quiz/draw.hpp"

using namespace trailpack;
using namespace trailpack::quiz;
using bundle::Item;
using bundle::Question;
using Order = std::vector<std::string>;

namespace {

Question q(const std::string& id, const std::string& type, const Order& ids) {
  Question x;
  x.id = id;
  x.type = type;
  x.prompt = id;
  if (type == "matching") {
    for (const auto& i : ids) x.pairs.push_back({i, "L" + i, "R" + i});
  } else {
    for (const auto& i : ids) x.choices.push_back({i, "text " + i});
  }
  return x;
}

Item make_quiz(bool shuffle, std::vector<bundle::Pool> pools) {
  Item it;
  it.id = "quiz";
  it.type = "quiz";
  it.title = "Quiz";
  it.shuffle = shuffle;
  it.pools = std::move(pools);
  return it;
}

std::vector<Question> five() {
  return {q("q1", "single", {"a", "b", "c"}), q("q2", "true_false", {"true", "false"}),
          q("q3", "ordering", {"s1", "s2", "s3"}), q("q4", "matching", {"p1", "p2", "p3"}),
          q("q5", "multiple", {"m1", "m2", "m3", "m4"})};
}

Order ids_of(const std::vector<DrawnQuestion>& d) {
  Order out;
  for (const auto& x : d) out.push_back(x.id);
  return out;
}

}  // namespace

TEST_CASE("SplitMix64 matches the reference generator", "[draw]") {
  SplitMix64 zero(0);
  CHECK(zero.next() == 0xe220a8397b1dcdafULL);
  CHECK(zero.next() == 0x6e789e6aa1b965f4ULL);
  CHECK(zero.next() == 0x06c45d188009454fULL);
  SplitMix64 other(1234567);
  CHECK(other.next() == 0x599ed017fb08fc85ULL);
  CHECK(other.next() == 0x2c73f08458540fa5ULL);
  SECTION("below(bound) stays below the bound") {
    SplitMix64 r(99);
    for (std::uint64_t bound : std::vector<std::uint64_t>{1, 2, 3, 7, 1000, (1ULL << 63) + 1, UINT64_MAX}) {
      for (int i = 0; i < 200; ++i) {
        INFO("bound " << bound);
        REQUIRE(r.below(bound) < bound);
      }
    }
    SplitMix64 one(5);
    CHECK(one.below(1) == 0);
  }
}

TEST_CASE("the same seed gives the same draw, and the draw for a seed is pinned", "[draw]") {
  const Item it = make_quiz(true, {{"p", 0, five()}});
  const auto a = draw_attempt(it, 42);
  const auto b = draw_attempt(it, 42);
  REQUIRE(a.size() == 5);
  REQUIRE(b.size() == 5);
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].id == b[i].id);
    CHECK(a[i].order == b[i].order);
  }
  // Computed independently from the documented algorithm (SplitMix64, Fisher-Yates
  // from the end with rejection sampling); changing it breaks server re-scoring.
  CHECK(ids_of(a) == Order{"q2", "q3", "q1", "q5", "q4"});
  CHECK(a[0].order == Order{"true", "false"});
  CHECK(a[1].order == Order{"s3", "s1", "s2"});
  CHECK(a[2].order == Order{"c", "a", "b"});
  CHECK(a[3].order == Order{"m1", "m4", "m3", "m2"});
  CHECK(a[4].order == Order{"p3", "p1", "p2"});
}

TEST_CASE("different seeds give different draws", "[draw]") {
  const Item it = make_quiz(true, {{"p", 0, five()}});
  CHECK(ids_of(draw_attempt(it, 1)) != ids_of(draw_attempt(it, 2)));
  std::set<Order> orders;
  for (std::uint64_t seed = 0; seed < 200; ++seed) orders.insert(ids_of(draw_attempt(it, seed)));
  // 5! = 120 possible question orders; 200 seeds reach most of them.
  CHECK(orders.size() > 90);
}

TEST_CASE("pools are drawn in order, each drawing its count", "[draw]") {
  std::vector<Question> easy = {q("e1", "single", {"a", "b"}), q("e2", "single", {"a", "b"}),
                                q("e3", "single", {"a", "b"})};
  std::vector<Question> hard = {q("h1", "single", {"a", "b"}), q("h2", "single", {"a", "b"}),
                                q("h3", "single", {"a", "b"}), q("h4", "single", {"a", "b"})};
  for (bool shuffle : {false, true}) {
    const Item it = make_quiz(shuffle, {{"easy", 2, easy}, {"hard", 1, hard}, {"all", 0, {q("x1", "single", {"a", "b"})}}});
    for (std::uint64_t seed = 0; seed < 300; ++seed) {
      INFO("shuffle " << shuffle << " seed " << seed);
      const Order ids = ids_of(draw_attempt(it, seed));
      REQUIRE(ids.size() == 4);
      CHECK(ids[0][0] == 'e');
      CHECK(ids[1][0] == 'e');
      CHECK(ids[0] != ids[1]);
      CHECK(ids[2][0] == 'h');
      CHECK(ids[3] == "x1");
      if (!shuffle) CHECK(ids[0] < ids[1]);  // authored order among the drawn
    }
  }
  SECTION("a draw equal to the pool size takes every question") {
    const Item it = make_quiz(false, {{"easy", 3, easy}});
    CHECK(ids_of(draw_attempt(it, 7)) == Order{"e1", "e2", "e3"});
  }
  SECTION("every question of a pool is drawn about equally often") {
    const Item it = make_quiz(false, {{"hard", 1, hard}});
    std::map<std::string, int> count;
    for (std::uint64_t seed = 0; seed < 4000; ++seed) count[draw_attempt(it, seed)[0].id]++;
    REQUIRE(count.size() == 4);
    for (const auto& [id, n] : count) {
      INFO(id);
      CHECK(n > 850);
      CHECK(n < 1150);
    }
  }
}

TEST_CASE("shuffle off keeps the authored order of questions and choices", "[draw]") {
  const Item it = make_quiz(false, {{"p", 0, five()}});
  for (std::uint64_t seed : {0ULL, 1ULL, 42ULL, 0xdeadbeefULL}) {
    const auto d = draw_attempt(it, seed);
    CHECK(ids_of(d) == Order{"q1", "q2", "q3", "q4", "q5"});
    CHECK(d[0].order == Order{"a", "b", "c"});
    CHECK(d[1].order == Order{"true", "false"});
    CHECK(d[4].order == Order{"m1", "m2", "m3", "m4"});
    // Ordering and matching are shuffled regardless: the task is to put them in order.
    CHECK(d[2].order != Order{"s1", "s2", "s3"});
    std::set<std::string> rights(d[3].order.begin(), d[3].order.end());
    CHECK(rights == std::set<std::string>{"p1", "p2", "p3"});
  }
  SECTION("a drawn subset keeps authored order") {
    const Item sub = make_quiz(false, {{"p", 3, five()}});
    for (std::uint64_t seed = 0; seed < 50; ++seed) {
      const Order ids = ids_of(draw_attempt(sub, seed));
      CHECK(std::is_sorted(ids.begin(), ids.end()));
    }
  }
}

TEST_CASE("shuffled choices are permutations and true/false is never shuffled", "[draw]") {
  const Item it = make_quiz(true, {{"p", 0, five()}});
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    for (const auto& d : draw_attempt(it, seed)) {
      Order sorted = d.order;
      std::sort(sorted.begin(), sorted.end());
      if (d.id == "q1") CHECK(sorted == Order{"a", "b", "c"});
      if (d.id == "q2") CHECK(d.order == Order{"true", "false"});
      if (d.id == "q5") CHECK(sorted == Order{"m1", "m2", "m3", "m4"});
    }
  }
}

TEST_CASE("ordering questions are never presented already solved", "[draw]") {
  for (const Order& items : {Order{"s1", "s2"}, Order{"s1", "s2", "s3"}, Order{"a", "b", "c", "d", "e"}}) {
    for (bool shuffle : {false, true}) {
      const Item it = make_quiz(shuffle, {{"p", 0, {q("o", "ordering", items)}}});
      for (std::uint64_t seed = 0; seed < 2000; ++seed) {
        const auto d = draw_attempt(it, seed);
        REQUIRE(d.size() == 1);
        INFO("seed " << seed << " items " << items.size());
        REQUIRE(d[0].order != items);
        Order sorted = d[0].order;
        std::sort(sorted.begin(), sorted.end());
        REQUIRE(sorted == items);
      }
    }
  }
  SECTION("a one-item ordering question has only one order") {
    const Item it = make_quiz(true, {{"p", 0, {q("o", "ordering", {"only"})}}});
    CHECK(draw_attempt(it, 1)[0].order == Order{"only"});
  }
}

TEST_CASE("seeds travel as 16 lower-case hex digits", "[draw]") {
  CHECK(seed_to_string(0) == "0000000000000000");
  CHECK(seed_to_string(0x0123456789abcdefULL) == "0123456789abcdef");
  CHECK(seed_to_string(UINT64_MAX) == "ffffffffffffffff");
  for (std::uint64_t s : std::vector<std::uint64_t>{0, 1, 0x8000000000000000ULL, 0xfedcba9876543210ULL, UINT64_MAX}) {
    std::uint64_t back = 12345;
    REQUIRE(seed_from_string(seed_to_string(s), back));
    CHECK(back == s);
  }
  SECTION("anything else is refused and leaves the seed alone") {
    for (const char* bad : {"", "123", "0123456789abcde", "0123456789abcdef0", "0123456789ABCDEF", "0x23456789abcdef",
                            "0123456789abcdeg", " 123456789abcdef"}) {
      INFO(bad);
      std::uint64_t seed = 77;
      CHECK_FALSE(seed_from_string(bad, seed));
      CHECK(seed == 77);
    }
  }
}
