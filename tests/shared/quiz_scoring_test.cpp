// Scoring: every question type, partial credit, invalid responses with their exact
// messages, the xAPI response strings and their round trip, interaction definitions,
// and the text folding used for short answers.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "trailpack/quiz/scoring.hpp"

using namespace trailpack;
using bundle::Question;
using nlohmann::json;
using quiz::fold_text;
using quiz::score_question;

namespace {

Question single_q() {
  Question q;
  q.id = "q-single";
  q.type = "single";
  q.prompt = "Which one?";
  q.choices = {{"a", "Alpha"}, {"b", "Bravo"}, {"c", "Charlie"}};
  q.correct = {"b"};
  q.partial_credit = false;
  q.points = 2;
  return q;
}

// Three correct choices out of five, so the partial-credit fractions are thirds.
Question multiple_q(bool partial = true) {
  Question q;
  q.id = "q-multi";
  q.type = "multiple";
  q.prompt = "Which ones?";
  q.choices = {{"a", "A"}, {"b", "B"}, {"c", "C"}, {"d", "D"}, {"e", "E"}};
  q.correct = {"a", "c", "d"};
  q.partial_credit = partial;
  q.points = 3;
  return q;
}

Question true_false_q(bool answer) {
  Question q;
  q.id = "q-tf";
  q.type = "true_false";
  q.prompt = "Is it?";
  q.choices = {{"true", "True"}, {"false", "False"}};
  q.correct = {answer ? "true" : "false"};
  return q;
}

Question numeric_q(double answer, double tolerance) {
  Question q;
  q.id = "q-num";
  q.type = "numeric";
  q.prompt = "How much?";
  q.answer = answer;
  q.tolerance = tolerance;
  return q;
}

Question short_text_q(std::vector<std::string> accepted) {
  Question q;
  q.id = "q-text";
  q.type = "short_text";
  q.prompt = "Name it";
  q.accepted = std::move(accepted);
  return q;
}

Question ordering_q(bool partial = true) {
  Question q;
  q.id = "q-order";
  q.type = "ordering";
  q.prompt = "Put in order";
  q.choices = {{"s1", "First"}, {"s2", "Second"}, {"s3", "Third"}, {"s4", "Fourth"}};
  q.partial_credit = partial;
  return q;
}

Question matching_q(bool partial = true) {
  Question q;
  q.id = "q-match";
  q.type = "matching";
  q.prompt = "Match";
  q.pairs = {{"p1", "Cat", "Meow"}, {"p2", "Dog", "Woof"}, {"p3", "Cow", "Moo"}};
  q.partial_credit = partial;
  q.points = 6;
  return q;
}

quiz::Score must_score(const Question& q, const json& r) {
  auto s = score_question(q, r);
  INFO("response " << r.dump());
  if (!s) FAIL(s.error().describe());
  return *s;
}

// Asserts that `r` is refused with exactly `message`.
void refused(const Question& q, const json& r, const std::string& message) {
  INFO("response " << r.dump());
  auto s = score_question(q, r);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == "invalid_response");
  CHECK(s.error().message == message);
  CHECK(s.error().where.empty());
}

}  // namespace

TEST_CASE("single choice scores all or nothing", "[scoring]") {
  const Question q = single_q();
  SECTION("the correct choice earns every point") {
    auto s = must_score(q, "b");
    CHECK(s.fraction == 1.0);
    CHECK(s.points == 2.0);
    CHECK(s.max_points == 2.0);
    CHECK(s.correct);
    CHECK(s.xapi_response == "b");
  }
  SECTION("another choice earns nothing") {
    auto s = must_score(q, "c");
    CHECK(s.fraction == 0.0);
    CHECK(s.points == 0.0);
    CHECK(s.max_points == 2.0);
    CHECK_FALSE(s.correct);
    CHECK(s.xapi_response == "c");
  }
  SECTION("invalid responses") {
    refused(q, json::array({"b"}), "question \"q-single\": expected one choice id");
    refused(q, 1, "question \"q-single\": expected one choice id");
    refused(q, nullptr, "question \"q-single\": expected one choice id");
    refused(q, "B", "question \"q-single\": \"B\" is not a choice");
    refused(q, "", "question \"q-single\": \"\" is not a choice");
  }
}

TEST_CASE("multiple choice partial credit is max(0, (right - wrong) / correct)", "[scoring]") {
  const Question q = multiple_q(true);
  SECTION("all correct choices and nothing else: full marks") {
    auto s = must_score(q, json::array({"d", "a", "c"}));
    CHECK(s.fraction == 1.0);
    CHECK(s.points == 3.0);
    CHECK(s.correct);
    // The response keeps the author's choice order whatever order the learner picked.
    CHECK(s.xapi_response == "a[,]c[,]d");
  }
  SECTION("two of three correct: 2/3") {
    auto s = must_score(q, json::array({"a", "c"}));
    CHECK(s.fraction == Approx(2.0 / 3.0));
    CHECK(s.points == Approx(2.0));
    CHECK_FALSE(s.correct);
    CHECK(s.xapi_response == "a[,]c");
  }
  SECTION("one of three correct: 1/3") {
    auto s = must_score(q, json::array({"d"}));
    CHECK(s.fraction == Approx(1.0 / 3.0));
    CHECK(s.points == Approx(1.0));
  }
  SECTION("every correct choice plus a wrong one: (3 - 1) / 3, not full marks") {
    auto s = must_score(q, json::array({"a", "b", "c", "d"}));
    CHECK(s.fraction == Approx(2.0 / 3.0));
    CHECK_FALSE(s.correct);
    CHECK(s.xapi_response == "a[,]b[,]c[,]d");
  }
  SECTION("one right and one wrong cancel out") {
    auto s = must_score(q, json::array({"e", "a"}));
    CHECK(s.fraction == 0.0);
    CHECK(s.xapi_response == "a[,]e");
  }
  SECTION("more wrong than right never goes below zero") {
    auto s = must_score(q, json::array({"b", "e", "a"}));
    CHECK(s.fraction == 0.0);
    CHECK(s.points == 0.0);
  }
  SECTION("ticking everything: (3 - 2) / 3") {
    auto s = must_score(q, json::array({"a", "b", "c", "d", "e"}));
    CHECK(s.fraction == Approx(1.0 / 3.0));
  }
  SECTION("an empty selection scores zero and is an empty response") {
    auto s = must_score(q, json::array());
    CHECK(s.fraction == 0.0);
    CHECK(s.xapi_response == "");
  }
  SECTION("invalid responses") {
    refused(q, "a", "question \"q-multi\": expected a list of ids");
    refused(q, json::object(), "question \"q-multi\": expected a list of ids");
    refused(q, json::array({"a", 2}), "question \"q-multi\": expected a list of ids");
    refused(q, json::array({"a", "z"}), "question \"q-multi\": \"z\" is not a choice");
    refused(q, json::array({"a", "c", "a"}), "question \"q-multi\": \"a\" is chosen twice");
  }
}

TEST_CASE("multiple choice without partial credit is all or nothing", "[scoring]") {
  const Question q = multiple_q(false);
  CHECK(must_score(q, json::array({"c", "d", "a"})).fraction == 1.0);
  CHECK(must_score(q, json::array({"c", "d", "a"})).correct);
  CHECK(must_score(q, json::array({"a", "c"})).fraction == 0.0);
  CHECK(must_score(q, json::array({"a", "c", "d", "e"})).fraction == 0.0);
  CHECK(must_score(q, json::array()).fraction == 0.0);
}

TEST_CASE("true/false compares with the one correct value", "[scoring]") {
  SECTION("answer true") {
    const Question q = true_false_q(true);
    CHECK(must_score(q, "true").correct);
    CHECK(must_score(q, "true").xapi_response == "true");
    CHECK(must_score(q, "false").fraction == 0.0);
    CHECK(must_score(q, "false").xapi_response == "false");
  }
  SECTION("answer false") {
    const Question q = true_false_q(false);
    CHECK(must_score(q, "false").fraction == 1.0);
    CHECK_FALSE(must_score(q, "true").correct);
  }
  SECTION("a JSON boolean is not a choice id") {
    refused(true_false_q(true), true, "question \"q-tf\": expected one choice id");
    refused(true_false_q(true), "yes", "question \"q-tf\": \"yes\" is not a choice");
    refused(true_false_q(true), "True", "question \"q-tf\": \"True\" is not a choice");
  }
}

TEST_CASE("numeric answers are right within the tolerance, boundaries included", "[scoring]") {
  SECTION("tolerance 0.5 around 10") {
    const Question q = numeric_q(10, 0.5);
    CHECK(must_score(q, 10).correct);
    CHECK(must_score(q, 9.5).correct);
    CHECK(must_score(q, 10.5).correct);
    CHECK(must_score(q, 10.25).correct);
    CHECK_FALSE(must_score(q, 10.500001).correct);
    CHECK_FALSE(must_score(q, 9.499999).correct);
    CHECK_FALSE(must_score(q, -10).correct);
    CHECK(must_score(q, 10.5).xapi_response == "10.5");
    CHECK(must_score(q, 10).xapi_response == "10");
  }
  SECTION("a decimal tolerance includes its boundaries despite binary rounding") {
    const Question q = numeric_q(9.81, 0.05);
    CHECK(must_score(q, 9.86).correct);
    CHECK(must_score(q, 9.76).correct);
    CHECK_FALSE(must_score(q, 9.8601).correct);
    CHECK_FALSE(must_score(q, 9.7599).correct);
  }
  SECTION("tolerance 0 is an exact answer, with float noise forgiven") {
    const Question q = numeric_q(0.3, 0);
    CHECK(must_score(q, 0.1 + 0.2).correct);
    CHECK(must_score(q, 0.1 + 0.2).xapi_response == "0.30000000000000004");
    CHECK_FALSE(must_score(q, 0.3001).correct);
    CHECK(must_score(numeric_q(3, 0), 3).fraction == 1.0);
    CHECK(must_score(numeric_q(3, 0), 3.0001).fraction == 0.0);
  }
  SECTION("the response string is the shortest exact decimal") {
    const Question q = numeric_q(0, 0);
    CHECK(must_score(q, -0.5).xapi_response == "-0.5");
    CHECK(must_score(q, 1e21).xapi_response == "1e+21");
    CHECK(must_score(q, 123456789).xapi_response == "123456789");
    CHECK(must_score(q, 0.1).xapi_response == "0.1");
  }
  SECTION("invalid responses") {
    const Question q = numeric_q(10, 0.5);
    refused(q, "10", "question \"q-num\": expected a number");
    refused(q, true, "question \"q-num\": expected a number");
    refused(q, json::array({10}), "question \"q-num\": expected a number");
    refused(q, std::numeric_limits<double>::infinity(), "question \"q-num\": expected a finite number");
    refused(q, std::nan(""), "question \"q-num\": expected a finite number");
  }
}

TEST_CASE("short text answers compare after case and accent folding", "[scoring]") {
  SECTION("accents and case: \"Électricité\" == \"electricite\"") {
    const Question q = short_text_q({"Électricité"});
    CHECK(must_score(q, "electricite").correct);
    CHECK(must_score(q, "ELECTRICITÉ").correct);
    CHECK(must_score(q, "  électricité\t").correct);
    // Decomposed accents (e + U+0301) fold the same way.
    CHECK(must_score(q, "E\xCC\x81lectricite\xCC\x81").correct);
    CHECK_FALSE(must_score(q, "electricity").correct);
    CHECK_FALSE(must_score(q, "électri cité").correct);
    // The response is what the learner typed, unfolded.
    CHECK(must_score(q, "  électricité\t").xapi_response == "  électricité\t");
  }
  SECTION("\"  Straße \" and \"strasse\" are the same answer") {
    const Question q = short_text_q({"  Straße "});
    CHECK(must_score(q, "strasse").correct);
    CHECK(must_score(q, "STRASSE").correct);
    CHECK(must_score(q, "straße").correct);
    CHECK_FALSE(must_score(q, "strase").correct);
  }
  SECTION("any accepted answer matches; inner white space collapses") {
    const Question q = short_text_q({"New York", "NYC"});
    CHECK(must_score(q, "new   york").correct);
    CHECK(must_score(q, "nyc").correct);
    CHECK_FALSE(must_score(q, "newyork").correct);
    CHECK_FALSE(must_score(q, "").correct);
  }
  SECTION("invalid responses") {
    const Question q = short_text_q({"x"});
    refused(q, 42, "question \"q-text\": expected text");
    refused(q, json::array({"x"}), "question \"q-text\": expected text");
    refused(q, std::string(1001, 'x'), "question \"q-text\": the answer is longer than 1000 bytes");
    CHECK_FALSE(must_score(q, std::string(1000, 'x')).correct);
  }
}

TEST_CASE("ordering gives credit for each item in its correct position", "[scoring]") {
  const Question q = ordering_q(true);
  SECTION("the authored order is correct") {
    auto s = must_score(q, json::array({"s1", "s2", "s3", "s4"}));
    CHECK(s.correct);
    CHECK(s.fraction == 1.0);
    CHECK(s.xapi_response == "s1[,]s2[,]s3[,]s4");
  }
  SECTION("two swapped: half the positions are right") {
    auto s = must_score(q, json::array({"s2", "s1", "s3", "s4"}));
    CHECK(s.fraction == 0.5);
    CHECK_FALSE(s.correct);
    CHECK(s.xapi_response == "s2[,]s1[,]s3[,]s4");
  }
  SECTION("reversed: no position is right") {
    CHECK(must_score(q, json::array({"s4", "s3", "s2", "s1"})).fraction == 0.0);
  }
  SECTION("rotated by one: nothing in place") {
    CHECK(must_score(q, json::array({"s2", "s3", "s4", "s1"})).fraction == 0.0);
  }
  SECTION("one item out of place moves two") {
    CHECK(must_score(q, json::array({"s1", "s3", "s2", "s4"})).fraction == 0.5);
  }
  SECTION("without partial credit only the full order scores") {
    const Question all_or_nothing = ordering_q(false);
    CHECK(must_score(all_or_nothing, json::array({"s2", "s1", "s3", "s4"})).fraction == 0.0);
    CHECK(must_score(all_or_nothing, json::array({"s1", "s2", "s3", "s4"})).fraction == 1.0);
  }
  SECTION("invalid responses") {
    refused(q, json::array({"s1", "s2", "s3"}), "question \"q-order\": expected every item, in order");
    refused(q, json::array(), "question \"q-order\": expected every item, in order");
    refused(q, json::array({"s1", "s1", "s2", "s3"}), "question \"q-order\": \"s1\" is chosen twice");
    refused(q, json::array({"s1", "s2", "s3", "s9"}), "question \"q-order\": \"s9\" is not a choice");
    refused(q, "s1", "question \"q-order\": expected a list of ids");
  }
}

TEST_CASE("matching gives credit per correct pair, unanswered pairs score zero", "[scoring]") {
  const Question q = matching_q(true);
  SECTION("every pair right") {
    auto s = must_score(q, json{{"p3", "p3"}, {"p1", "p1"}, {"p2", "p2"}});
    CHECK(s.correct);
    CHECK(s.points == 6.0);
    // Pairs are listed in authored order whatever the key order of the response.
    CHECK(s.xapi_response == "p1[.]p1[,]p2[.]p2[,]p3[.]p3");
  }
  SECTION("two swapped, one right: 1/3") {
    auto s = must_score(q, json{{"p1", "p2"}, {"p2", "p1"}, {"p3", "p3"}});
    CHECK(s.fraction == Approx(1.0 / 3.0));
    CHECK(s.points == Approx(2.0));
    CHECK(s.xapi_response == "p1[.]p2[,]p2[.]p1[,]p3[.]p3");
  }
  SECTION("one pair answered (right), two unanswered: 1/3") {
    auto s = must_score(q, json{{"p2", "p2"}});
    CHECK(s.fraction == Approx(1.0 / 3.0));
    CHECK_FALSE(s.correct);
    CHECK(s.xapi_response == "p2[.]p2");
  }
  SECTION("nothing answered") {
    auto s = must_score(q, json::object());
    CHECK(s.fraction == 0.0);
    CHECK(s.xapi_response == "");
  }
  SECTION("without partial credit") {
    const Question q2 = matching_q(false);
    CHECK(must_score(q2, json{{"p1", "p1"}, {"p2", "p2"}}).fraction == 0.0);
    CHECK(must_score(q2, json{{"p1", "p1"}, {"p2", "p2"}, {"p3", "p3"}}).fraction == 1.0);
  }
  SECTION("invalid responses") {
    refused(q, json::array({"p1"}), "question \"q-match\": expected an object mapping each left id to a right id");
    refused(q, json{{"p1", 1}}, "question \"q-match\": match for \"p1\" must be an id");
    refused(q, json{{"p1", "zz"}}, "question \"q-match\": \"zz\" is not a pair id");
    refused(q, json{{"zz", "p1"}}, "question \"q-match\": \"zz\" is not a pair id");
    refused(q, json{{"p1", "p2"}, {"p2", "p2"}}, "question \"q-match\": \"p2\" is matched twice");
  }
}

TEST_CASE("an unknown question type is refused, not scored", "[scoring]") {
  Question q = single_q();
  q.type = "essay";
  refused(q, "b", "question \"q-single\": unknown question type \"essay\"");
  auto back = quiz::response_from_xapi(q, "b");
  REQUIRE_FALSE(back);
  CHECK(back.error().message == "question \"q-single\": unknown question type \"essay\"");
}

TEST_CASE("xAPI response strings read back into the same response", "[scoring][xapi]") {
  struct Case {
    Question q;
    json response;
  };
  const std::vector<Case> cases = {
      {single_q(), "c"},
      {multiple_q(), json::array({"d", "a"})},
      {multiple_q(), json::array()},
      {true_false_q(true), "false"},
      {numeric_q(9.81, 0.05), 9.86},
      {numeric_q(0.3, 0), 0.1 + 0.2},
      {numeric_q(0, 0), -1e-7},
      {short_text_q({"Straße"}), "  Straße , n'est-ce pas?"},
      {ordering_q(), json::array({"s3", "s1", "s4", "s2"})},
      {matching_q(), json{{"p1", "p2"}, {"p2", "p1"}}},
      {matching_q(), json::object()},
  };
  for (const auto& c : cases) {
    INFO(c.q.type << " " << c.response.dump());
    const auto first = must_score(c.q, c.response);
    auto back = quiz::response_from_xapi(c.q, first.xapi_response);
    REQUIRE(back);
    const auto second = must_score(c.q, *back);
    CHECK(second.xapi_response == first.xapi_response);
    CHECK(second.fraction == first.fraction);
    CHECK(second.points == first.points);
  }
  SECTION("the rebuilt values have the documented shapes") {
    CHECK(*quiz::response_from_xapi(multiple_q(), "a[,]c") == json::array({"a", "c"}));
    CHECK(*quiz::response_from_xapi(multiple_q(), "") == json::array());
    CHECK(*quiz::response_from_xapi(numeric_q(1, 0), "2.5") == json(2.5));
    CHECK(*quiz::response_from_xapi(matching_q(), "p1[.]p2[,]p3[.]p3") == json{{"p1", "p2"}, {"p3", "p3"}});
    CHECK(*quiz::response_from_xapi(short_text_q({"x"}), "a[,]b") == json("a[,]b"));
  }
  SECTION("malformed strings are refused") {
    for (const char* bad : {"", "abc", "1.5x", "1e999", "--1"}) {
      INFO(bad);
      auto r = quiz::response_from_xapi(numeric_q(1, 0), bad);
      REQUIRE_FALSE(r);
      CHECK(r.error().code == "invalid_response");
      CHECK(r.error().message == "question \"q-num\": response is not a number");
    }
    auto m = quiz::response_from_xapi(matching_q(), "p1[.]p1[,]p2");
    REQUIRE_FALSE(m);
    CHECK(m.error().message == "question \"q-match\": malformed matching response");
  }
}

TEST_CASE("interaction types follow the xAPI vocabulary", "[scoring][xapi]") {
  CHECK(quiz::interaction_type("single") == "choice");
  CHECK(quiz::interaction_type("multiple") == "choice");
  CHECK(quiz::interaction_type("true_false") == "true-false");
  CHECK(quiz::interaction_type("numeric") == "numeric");
  CHECK(quiz::interaction_type("short_text") == "fill-in");
  CHECK(quiz::interaction_type("ordering") == "sequencing");
  CHECK(quiz::interaction_type("matching") == "matching");
  CHECK(quiz::interaction_type("essay") == "other");
}

TEST_CASE("interaction definitions describe each question type", "[scoring][xapi]") {
  const std::string kType = "http://adlnet.gov/expapi/activities/cmi.interaction";
  SECTION("single choice") {
    CHECK(quiz::interaction_definition(single_q(), "fr") ==
          json{{"type", kType},
               {"name", {{"fr", "Which one?"}}},
               {"interactionType", "choice"},
               {"choices",
                {{{"id", "a"}, {"description", {{"fr", "Alpha"}}}},
                 {{"id", "b"}, {"description", {{"fr", "Bravo"}}}},
                 {{"id", "c"}, {"description", {{"fr", "Charlie"}}}}}},
               {"correctResponsesPattern", {"b"}}});
  }
  SECTION("an empty language falls back to en") {
    CHECK(quiz::interaction_definition(single_q(), "")["name"] == json{{"en", "Which one?"}});
  }
  SECTION("multiple choice: the pattern is the response string of a full-marks answer") {
    Question q = multiple_q();
    q.correct = {"d", "a", "c"};  // authors may list correct ids in any order
    const auto d = quiz::interaction_definition(q, "en");
    CHECK(d["interactionType"] == "choice");
    CHECK(d["choices"].size() == 5);
    const auto full = must_score(q, json::array({"c", "d", "a"}));
    REQUIRE(full.correct);
    CHECK(d["correctResponsesPattern"] == json::array({full.xapi_response}));
    CHECK(d["correctResponsesPattern"] == json::array({"a[,]c[,]d"}));
  }
  SECTION("true/false has no choices, only the pattern") {
    CHECK(quiz::interaction_definition(true_false_q(false), "en") ==
          json{{"type", kType},
               {"name", {{"en", "Is it?"}}},
               {"interactionType", "true-false"},
               {"correctResponsesPattern", {"false"}}});
  }
  SECTION("numeric: a range with a tolerance, a value without") {
    CHECK(quiz::interaction_definition(numeric_q(10, 0.5), "en")["correctResponsesPattern"] ==
          json::array({"9.5[:]10.5"}));
    CHECK(quiz::interaction_definition(numeric_q(10, 0), "en")["correctResponsesPattern"] == json::array({"10"}));
    CHECK(quiz::interaction_definition(numeric_q(10, 0), "en")["interactionType"] == "numeric");
  }
  SECTION("short text lists every accepted answer, case-insensitive") {
    CHECK(quiz::interaction_definition(short_text_q({"Électricité", "power"}), "en") ==
          json{{"type", kType},
               {"name", {{"en", "Name it"}}},
               {"interactionType", "fill-in"},
               {"correctResponsesPattern", {"{case_matters=false}Électricité", "{case_matters=false}power"}}});
  }
  SECTION("ordering: choices and the authored order") {
    const auto d = quiz::interaction_definition(ordering_q(), "en");
    CHECK(d["interactionType"] == "sequencing");
    CHECK(d["choices"][3] == json{{"id", "s4"}, {"description", {{"en", "Fourth"}}}});
    CHECK(d["correctResponsesPattern"] == json::array({"s1[,]s2[,]s3[,]s4"}));
  }
  SECTION("matching: sources, targets and each pair matched to itself") {
    CHECK(quiz::interaction_definition(matching_q(), "en") ==
          json{{"type", kType},
               {"name", {{"en", "Match"}}},
               {"interactionType", "matching"},
               {"source",
                {{{"id", "p1"}, {"description", {{"en", "Cat"}}}},
                 {{"id", "p2"}, {"description", {{"en", "Dog"}}}},
                 {{"id", "p3"}, {"description", {{"en", "Cow"}}}}}},
               {"target",
                {{{"id", "p1"}, {"description", {{"en", "Meow"}}}},
                 {{"id", "p2"}, {"description", {{"en", "Woof"}}}},
                 {{"id", "p3"}, {"description", {{"en", "Moo"}}}}}},
               {"correctResponsesPattern", {"p1[.]p1[,]p2[.]p2[,]p3[.]p3"}}});
  }
  SECTION("long prompts are cut to 200 bytes without splitting a character") {
    Question q = single_q();
    q.prompt = std::string(199, 'a') + "é and more text after the cut";
    const auto d = quiz::interaction_definition(q, "en");
    CHECK(d["name"]["en"] == std::string(199, 'a'));
    CHECK_NOTHROW(d.dump());  // invalid UTF-8 would make every statement unserialisable
    q.prompt = std::string(198, 'a') + "é and more";
    CHECK(quiz::interaction_definition(q, "en")["name"]["en"] == std::string(198, 'a') + "é");
    q.prompt = std::string(250, 'b');
    CHECK(quiz::interaction_definition(q, "en")["name"]["en"] == std::string(200, 'b'));
  }
}

TEST_CASE("fold_text lower-cases, strips Latin accents and collapses white space", "[scoring][fold]") {
  CHECK(fold_text("Électricité") == "electricite");
  CHECK(fold_text("  Straße ") == "strasse");
  CHECK(fold_text("ÀÁÂÃÄÅ àáâãäå") == "aaaaaa aaaaaa");
  CHECK(fold_text("Ægir Œuvre ĳssel") == "aegir oeuvre ijssel");
  CHECK(fold_text("ŁÓDŹ Ñandú Çà") == "lodz nandu ca");
  CHECK(fold_text("ŠKODA ŽIŽKA ÿ") == "skoda zizka y");
  CHECK(fold_text("a \t\r\n b") == "a b");
  CHECK(fold_text("non\xC2\xA0" "breaking") == "non breaking");
  CHECK(fold_text("") == "");
  CHECK(fold_text(" \t ") == "");
  SECTION("signs and other scripts pass through") {
    CHECK(fold_text("3×4") == "3×4");
    CHECK(fold_text("Ωmega") == "Ωmega");
    CHECK(fold_text("東京") == "東京");
  }
  SECTION("invalid UTF-8 becomes U+FFFD instead of being dropped or crashing") {
    CHECK(fold_text("a\xFF" "b") == "a\xEF\xBF\xBD" "b");
    CHECK(fold_text("\xC3") == "\xEF\xBF\xBD");
    CHECK(fold_text("\xC0\x80") == "\xEF\xBF\xBD");  // overlong NUL
  }
}
