// Small inputs for the KPI tests, chosen so that every expected value can be worked out
// by hand (each test file states the arithmetic next to its checks).
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <string>
#include <vector>

#include "trailpack/bundle/course.hpp"
#include "trailpack/kpi/common.hpp"
#include "trailpack/uuid.hpp"
#include "trailpack/xapi/builder.hpp"
#include "trailpack/xapi/statement.hpp"

namespace trailpack::test::kpi_fixture {

inline constexpr TimeMs kDay = trailpack::kpi::kDayMs;
inline constexpr TimeMs kMin = 60'000;
inline constexpr TimeMs kT0 = 1795305600000;  // 2026-11-22T00:00:00Z, day 20779

/// A course "k1" with every interactive type:
///   m1: intro (card), pre (pretest: p1 [A], p2 [B]), deck (flashcards f1, f2; optional)
///   m2: lesson (card), post (posttest: t1 [A], t2 [B], 2 points), scen (scenario), hot (survey)
///   m3: cold (cold survey, optional): no required item
inline nlohmann::json k1_json() {
  using nlohmann::json;
  const json para = json::array({{{"type", "paragraph"}, {"spans", {{{"text", "Text"}}}}}});
  auto tf = [](const std::string& id, const std::string& objective, double points = 1) {
    return json{{"id", id}, {"type", "true_false"}, {"prompt", "P " + id}, {"answer", true},
                {"points", points}, {"objectives", {objective}}};
  };
  return {{"id", "k1"},
          {"version", 2},
          {"title", "KPI course"},
          {"sequencing", "free"},
          {"modules",
           {{{"id", "m1"},
             {"title", "One"},
             {"items",
              {{{"id", "intro"}, {"type", "card"}, {"title", "Intro"}, {"blocks", para}},
               {{"id", "pre"}, {"type", "quiz"}, {"title", "Pre"}, {"role", "pretest"}, {"pass_mark", 0.8},
                {"questions", {tf("p1", "A"), tf("p2", "B")}}},
               {{"id", "deck"}, {"type", "flashcards"}, {"title", "Deck"},
                {"cards", {{{"id", "f1"}, {"front", "a"}, {"back", "b"}}, {{"id", "f2"}, {"front", "c"}, {"back", "d"}}}}}}}},
            {{"id", "m2"},
             {"title", "Two"},
             {"items",
              {{{"id", "lesson"}, {"type", "card"}, {"title", "Lesson"}, {"blocks", para}},
               {{"id", "post"}, {"type", "quiz"}, {"title", "Post"}, {"role", "posttest"}, {"pass_mark", 0.8},
                {"questions", {tf("t1", "A"), tf("t2", "B", 2)}}},
               {{"id", "scen"}, {"type", "scenario"}, {"title", "Scenario"}, {"start", "n1"},
                {"nodes",
                 {{{"id", "n1"}, {"blocks", para}, {"choices", {{{"id", "go"}, {"text", "Go"}, {"next", "n2"}}}}},
                  {{"id", "n2"}, {"blocks", para}, {"outcome", 0.5}}}}},
               {{"id", "hot"}, {"type", "survey"}, {"title", "Hot"},
                {"survey",
                 {{{"id", "r"}, {"type", "rating"}, {"prompt", "Rate"}, {"scale", 5}},
                  {{"id", "len"}, {"type", "choice"}, {"prompt", "Length"},
                   {"choices", {{{"id", "short"}, {"text", "Short"}}, {{"id", "right"}, {"text", "Right"}}, {{"id", "long"}, {"text", "Long"}}}}},
                  {{"id", "txt"}, {"type", "text"}, {"prompt", "Say"}}}}}}}},
            {{"id", "m3"},
             {"title", "Three"},
             {"items",
              {{{"id", "cold"}, {"type", "survey"}, {"title", "Cold"}, {"role", "cold"},
                {"survey", {{{"id", "applied"}, {"type", "rating"}, {"prompt", "Applied?"}, {"scale", 5}}}}}}}}}}};
}

inline bundle::Course k1() {
  auto c = bundle::parse_course(k1_json());
  REQUIRE(c);
  return *c;
}

/// Builds one learner's statements the way the engine does, with counted ids.
class Log {
 public:
  explicit Log(std::string course = "k1", char ns = '1',
               nlohmann::json actor = xapi::account_agent("https://trailpack.example.org", "ann", "Ann"))
      : course_(std::move(course)), ns_(ns), actor_(std::move(actor)) {}
  std::vector<nlohmann::json> all;

  std::string item(const std::string& id) const { return bundle::item_iri(course_, id); }

  nlohmann::json& add(const std::string& verb, const std::string& object, TimeMs at, nlohmann::json result = nullptr,
                      const std::string& attempt = "", const std::string& parent = "") {
    std::array<std::uint8_t, 16> b{};
    const std::uint64_t n = ++counter_;
    for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(15 - i)] = static_cast<std::uint8_t>(n >> (8 * i));
    b[0] = static_cast<std::uint8_t>(ns_);
    xapi::Envelope env;
    env.id = uuid_v4_from_bytes(b);
    env.actor = actor_;
    env.timestamp = at;
    env.language = "en";
    env.grouping = nlohmann::json::array({xapi::activity(bundle::course_iri(course_), "Course", "en", xapi::activity_types::kCourse)});
    if (!parent.empty()) env.parents = nlohmann::json::array({xapi::activity(parent, "", "", "")});
    if (!attempt.empty()) env.extensions[xapi::ext::kAttempt] = attempt;
    all.push_back(xapi::make_statement(env, verb, xapi::activity(object, "", "", ""), std::move(result)));
    return all.back();
  }
  std::string card(const std::string& id, TimeMs at, TimeMs duration = 0) {
    return add(xapi::verbs::kExperienced, item(id), at, {{"completion", true}, {"duration", format_duration(duration)}})["id"];
  }
  void attempt(const std::string& quiz, const std::string& attempt, TimeMs at, const std::vector<std::string>& drawn) {
    auto& s = add(xapi::verbs::kAttempted, item(quiz), at, nullptr, attempt);
    s["context"]["extensions"][xapi::ext::kQuestions] = drawn;
  }
  void answer(const std::string& quiz, const std::string& question, const std::string& attempt, TimeMs at, double scaled) {
    add(xapi::verbs::kAnswered, bundle::question_iri(course_, question), at,
        {{"success", scaled >= 1}, {"score", {{"scaled", scaled}}}}, attempt, item(quiz));
  }
  void finish(const std::string& quiz, const std::string& attempt, TimeMs at, double scaled, bool passed, TimeMs duration) {
    add(passed ? xapi::verbs::kPassed : xapi::verbs::kFailed, item(quiz), at,
        {{"score", {{"scaled", scaled}}}, {"success", passed}, {"completion", true}, {"duration", format_duration(duration)}},
        attempt);
  }
  void respond(const std::string& survey, const std::string& question, const std::string& response, TimeMs at) {
    add(xapi::verbs::kResponded, item(survey) + ":q:" + question, at, {{"response", response}}, "", item(survey));
  }
  void void_statement(const std::string& target, TimeMs at) {
    auto& v = add(xapi::verbs::kVoided, item("intro"), at);
    v["object"] = {{"objectType", "StatementRef"}, {"id", target}};
  }

 private:
  std::string course_;
  char ns_;
  nlohmann::json actor_;
  std::uint64_t counter_ = 0;
};

inline std::vector<xapi::StatementView> views(const std::vector<nlohmann::json>& statements) {
  std::vector<xapi::StatementView> out;
  for (const auto& s : statements) out.push_back(xapi::view_of(s));
  return out;
}

}  // namespace trailpack::test::kpi_fixture
