// The course model: a full valid course parses with every field in place and
// round-trips through course_to_json; each validation rule refuses with its exact
// message and JSON path.
#include <catch2/catch.hpp>

#include "course_fixtures.hpp"
#include "trailpack/bundle/course.hpp"

using namespace trailpack;
using namespace trailpack::bundle;
using nlohmann::json;

namespace {

// Parses `j` and requires the exact error.
void expect_invalid(const json& j, const std::string& where, const std::string& message) {
  auto c = parse_course(j);
  if (c) FAIL("the course was accepted; expected " << where << ": " << message);
  CHECK(c.error().code == "invalid_course");
  CHECK(c.error().where == where);
  CHECK(c.error().message == message);
}

json& item(json& c, int m, int i) { return c["modules"][m]["items"][i]; }
json& block(json& c, int b) { return item(c, 0, 0)["blocks"][b]; }
json& pool_question(json& c, int pool, int q) { return item(c, 1, 0)["pools"][pool]["questions"][q]; }
const std::string kQ = "modules[1].items[0].pools";  // path prefix of the post-test's pools

}  // namespace

TEST_CASE("a full course using every item, block and question type parses", "[course]") {
  auto parsed = parse_course(test::full_course_json());
  if (!parsed) FAIL(parsed.error().describe());
  const Course& c = *parsed;

  CHECK(c.format == 1);
  CHECK(c.id == "safety");
  CHECK(c.version == 3);
  CHECK(c.title == "Workplace safety");
  CHECK(c.language == "fr-CA");
  CHECK(c.description == "Hazards, equipment and what to do.");
  CHECK(c.sequencing == "linear");
  REQUIRE(c.modules.size() == 2);
  CHECK(c.modules[0].prerequisites.empty());
  CHECK(c.modules[1].prerequisites == std::vector<std::string>{"m1"});

  SECTION("card blocks") {
    const Item& card = c.modules[0].items[0];
    CHECK(card.type == "card");
    CHECK(card.required);
    REQUIRE(card.blocks.size() == 8);
    CHECK(card.blocks[0].type == "heading");
    CHECK(card.blocks[0].level == 1);
    CHECK(card.blocks[0].spans[0].text == "Why this matters");
    const auto& spans = card.blocks[1].spans;
    REQUIRE(spans.size() == 6);
    CHECK(spans[0].style == "");
    CHECK(spans[1].style == "strong");
    CHECK(spans[2].style == "em");
    CHECK(spans[3].style == "code");
    CHECK(spans[4].style == "link");
    CHECK(spans[4].href == "https://example.org/safety");
    CHECK(spans[5].href == "mailto:safety@example.org");
    CHECK(card.blocks[2].type == "list");
    CHECK(card.blocks[2].ordered);
    REQUIRE(card.blocks[2].items.size() == 2);
    CHECK(card.blocks[2].items[1][0].text == "two");
    CHECK(card.blocks[2].items[1][0].style == "strong");
    CHECK_FALSE(card.blocks[3].ordered);
    CHECK(card.blocks[4].type == "quote");
    CHECK(card.blocks[5].type == "image");
    CHECK(card.blocks[5].src == "media/sign.png");
    CHECK(card.blocks[5].alt == "A wet floor sign");
    CHECK(card.blocks[6].captions == "media/demo.vtt");
    CHECK(card.blocks[7].transcript == "Hello and welcome.");
  }
  SECTION("a quiz written with \"questions\" gets one pool named main") {
    const Item& pre = c.modules[0].items[1];
    CHECK(pre.role == "pretest");
    CHECK(pre.test_out);
    CHECK(pre.pass_mark == 0.9);
    CHECK(pre.max_attempts == 0);
    CHECK(pre.feedback == "immediate");
    CHECK_FALSE(pre.shuffle);
    REQUIRE(pre.pools.size() == 1);
    CHECK(pre.pools[0].id == "main");
    CHECK(pre.pools[0].draw == 0);
    CHECK(pre.pools[0].questions.size() == 2);
    const Question& tf = pre.pools[0].questions[0];
    CHECK(tf.choices.size() == 2);
    CHECK(tf.choices[0].id == "true");
    CHECK(tf.choices[1].id == "false");
    CHECK(tf.correct == std::vector<std::string>{"true"});
  }
  SECTION("a quiz with pools and every question type") {
    const Item& q = c.modules[1].items[0];
    CHECK(q.role == "posttest");
    CHECK(q.pass_mark == 0.75);
    CHECK(q.max_attempts == 3);
    CHECK(q.shuffle);
    CHECK(q.feedback == "deferred");
    CHECK(q.time_limit_s == 600);
    CHECK_FALSE(q.test_out);
    REQUIRE(q.pools.size() == 2);
    CHECK(q.pools[0].id == "easy");
    CHECK(q.pools[0].draw == 2);
    CHECK(q.pools[1].draw == 0);
    const Question& single = q.pools[0].questions[0];
    CHECK(single.points == 2);
    CHECK(single.objectives == std::vector<std::string>{"hazards"});
    CHECK(single.feedback_correct == "Yes.");
    CHECK(single.feedback_incorrect == "No.");
    CHECK(single.explanation == "Because B.");
    CHECK_FALSE(single.partial_credit);
    CHECK_FALSE(q.pools[0].questions[1].partial_credit);
    CHECK(q.pools[0].questions[1].correct == std::vector<std::string>{"a", "c"});
    CHECK(q.pools[0].questions[2].correct == std::vector<std::string>{"false"});
    CHECK(q.pools[1].questions[0].answer == 9.81);
    CHECK(q.pools[1].questions[0].tolerance == 0.05);
    CHECK(q.pools[1].questions[1].accepted == std::vector<std::string>{"Électricité", "power"});
    CHECK(q.pools[1].questions[2].partial_credit);  // ordering defaults to partial credit
    CHECK(q.pools[1].questions[2].points == 1);
    CHECK_FALSE(q.pools[1].questions[3].partial_credit);
    CHECK(q.pools[1].questions[3].pairs[1].right == "Woof");
  }
  SECTION("flashcards are optional by default") {
    const Item& deck = c.modules[1].items[1];
    CHECK_FALSE(deck.required);
    REQUIRE(deck.cards.size() == 2);
    CHECK(deck.cards[1].back == "Material safety data sheet");
  }
  SECTION("surveys") {
    const Item& hot = c.modules[1].items[2];
    CHECK(hot.role == "hot");
    CHECK(hot.delay_days == 0);
    CHECK(hot.required);
    REQUIRE(hot.survey.size() == 3);
    CHECK(hot.survey[0].scale == 7);
    CHECK(hot.survey[1].choices.size() == 2);
    CHECK(hot.survey[2].type == "text");
    const Item& cold = c.modules[1].items[3];
    CHECK(cold.role == "cold");
    CHECK(cold.delay_days == 45);
    CHECK(cold.survey[0].scale == 5);
  }
  SECTION("a cold survey is optional by default: it is due after the course is completed") {
    CHECK_FALSE(c.modules[1].items[3].required);
    json j = test::full_course_json();
    item(j, 1, 3).erase("delay_days");
    auto c2 = parse_course(j);
    REQUIRE(c2);
    CHECK(c2->modules[1].items[3].delay_days == 30);
    CHECK_FALSE(c2->modules[1].items[3].required);
  }
  SECTION("scenario") {
    const Item& s = c.modules[1].items[4];
    CHECK(s.start == "n1");
    REQUIRE(s.nodes.size() == 3);
    CHECK(s.nodes[0].choices[0].feedback == "Good.");
    CHECK(s.nodes[0].choices[1].feedback == "");
    CHECK_FALSE(s.nodes[0].outcome.has_value());
    CHECK(s.nodes[1].outcome == 1.0);
    CHECK(s.nodes[2].outcome == 0.25);
  }
  SECTION("lookups by id") {
    CHECK(c.find_module("m2") == &c.modules[1]);
    CHECK(c.find_module("nope") == nullptr);
    std::size_t mi = 99;
    CHECK(c.find_item("spill", &mi) == &c.modules[1].items[4]);
    CHECK(mi == 1);
    CHECK(c.find_item("nope") == nullptr);
    const Item* quiz = nullptr;
    CHECK(c.find_question("q-order", &quiz) == &c.modules[1].items[0].pools[1].questions[2]);
    CHECK(quiz == &c.modules[1].items[0]);
    CHECK(c.find_question("nope") == nullptr);
    CHECK(validate_course(c));
  }
}

TEST_CASE("course_to_json round-trips through parse_course", "[course]") {
  auto first = parse_course(test::full_course_json());
  REQUIRE(first);
  const json canonical = course_to_json(*first);
  auto second = parse_course(canonical);
  if (!second) FAIL(second.error().describe());
  CHECK(course_to_json(*second) == canonical);
  CHECK(course_to_json(*second).dump() == canonical.dump());

  SECTION("the compiled form always uses pools and writes defaults out") {
    const json& pre = canonical["modules"][0]["items"][1];
    CHECK_FALSE(pre.contains("questions"));
    CHECK(pre["pools"][0]["id"] == "main");
    CHECK(pre["pass_mark"] == 0.9);
    CHECK(pre["feedback"] == "immediate");
    CHECK(pre["test_out"] == true);
    CHECK(canonical["modules"][1]["items"][1]["required"] == false);
    CHECK(canonical["modules"][1]["items"][3]["delay_days"] == 45);
    CHECK(canonical["modules"][1]["items"][3]["required"] == false);
    CHECK_FALSE(canonical["modules"][1]["items"][2].contains("delay_days"));
    CHECK(canonical["modules"][1]["prerequisites"] == json::array({"m1"}));
    CHECK_FALSE(canonical["modules"][0].contains("prerequisites"));
  }
  SECTION("a minimal course gets its defaults") {
    auto c = parse_course(json::parse(R"({"id":"c","title":"T","modules":[{"id":"m","title":"M",
      "items":[{"id":"i","type":"card","title":"I","blocks":[{"type":"heading","spans":[{"text":"H"}]}]}]}]})"));
    REQUIRE(c);
    CHECK(c->format == 1);
    CHECK(c->version == 1);
    CHECK(c->language == "en");
    CHECK(c->sequencing == "linear");
    CHECK(c->modules[0].items[0].blocks[0].level == 2);
    CHECK(course_to_json(*c) == json::parse(R"({"format":1,"id":"c","version":1,"title":"T","language":"en",
      "sequencing":"linear","modules":[{"id":"m","title":"M","items":[{"id":"i","type":"card","title":"I",
      "required":true,"blocks":[{"type":"heading","level":2,"spans":[{"text":"H"}]}]}]}]})"));
  }
}

TEST_CASE("ids: 1-64 letters, digits, '.', '_', '-', starting with a letter or digit", "[course]") {
  CHECK(is_valid_id("a"));
  CHECK(is_valid_id("Module-1.b_c"));
  CHECK(is_valid_id("9lives"));
  CHECK(is_valid_id(std::string(64, 'x')));
  CHECK_FALSE(is_valid_id(""));
  CHECK_FALSE(is_valid_id(std::string(65, 'x')));
  CHECK_FALSE(is_valid_id("-a"));
  CHECK_FALSE(is_valid_id(".a"));
  CHECK_FALSE(is_valid_id("_a"));
  CHECK_FALSE(is_valid_id("a b"));
  CHECK_FALSE(is_valid_id("a/b"));
  CHECK_FALSE(is_valid_id("a:b"));
  CHECK_FALSE(is_valid_id("é"));
  CHECK(course_iri("c1") == "urn:trailpack:course:c1");
  CHECK(item_iri("c1", "i1") == "urn:trailpack:course:c1:item:i1");
  CHECK(question_iri("c1", "q1") == "urn:trailpack:course:c1:question:q1");
}

TEST_CASE("validation rules refuse with the exact message and JSON path", "[course][validation]") {
  json j = test::full_course_json();
  const std::string bad_id_tail =
      " is not a valid id (1-64 characters: letters, digits, '.', '_', '-'; starting with a letter or digit)";

  SECTION("the root must be an object") {
    expect_invalid(json::array(), "$", "expected an object, found an array");
    expect_invalid("course", "$", "expected an object, found a string");
  }
  SECTION("duplicate module ids") {
    j["modules"][1]["id"] = "m1";
    j["modules"][1]["prerequisites"] = json::array();
    expect_invalid(j, "modules[1].id", "duplicate module id \"m1\"");
  }
  SECTION("duplicate item ids, also across modules") {
    item(j, 1, 1)["id"] = "welcome";
    expect_invalid(j, "modules[1].items[1].id", "duplicate item id \"welcome\"");
  }
  SECTION("duplicate item ids in one module") {
    item(j, 1, 2)["id"] = "check";
    expect_invalid(j, "modules[1].items[2].id", "duplicate item id \"check\"");
  }
  SECTION("duplicate question ids, also across quizzes") {
    pool_question(j, 1, 0)["id"] = "pre-2";
    expect_invalid(j, kQ + "[1].questions[0].id", "duplicate question id \"pre-2\"");
  }
  SECTION("duplicate question ids across pools of one quiz") {
    pool_question(j, 1, 2)["id"] = "q-multi";
    expect_invalid(j, kQ + "[1].questions[2].id", "duplicate question id \"q-multi\"");
  }
  SECTION("duplicate choice ids") {
    pool_question(j, 0, 0)["choices"][2]["id"] = "a";
    expect_invalid(j, kQ + "[0].questions[0].choices[2].id", "duplicate choice id \"a\"");
  }
  SECTION("duplicate pair ids") {
    pool_question(j, 1, 3)["pairs"][1]["id"] = "p1";
    expect_invalid(j, kQ + "[1].questions[3].pairs[1].id", "duplicate pair id \"p1\"");
  }
  SECTION("duplicate pool ids") {
    item(j, 1, 0)["pools"][1]["id"] = "easy";
    expect_invalid(j, kQ + "[1].id", "duplicate pool id \"easy\"");
  }
  SECTION("duplicate scenario node ids") {
    item(j, 1, 4)["nodes"][2]["id"] = "n2";
    expect_invalid(j, "modules[1].items[4].nodes[2].id", "duplicate node id \"n2\"");
  }
  SECTION("duplicate choice ids in a scenario node") {
    item(j, 1, 4)["nodes"][0]["choices"][1]["id"] = "clean";
    expect_invalid(j, "modules[1].items[4].nodes[0].choices[1].id", "duplicate choice id \"clean\"");
  }
  SECTION("duplicate flashcard ids") {
    item(j, 1, 1)["cards"][1]["id"] = "f1";
    expect_invalid(j, "modules[1].items[1].cards[1].id", "duplicate card id \"f1\"");
  }
  SECTION("duplicate survey question ids") {
    item(j, 1, 2)["survey"][2]["id"] = "s-rate";
    expect_invalid(j, "modules[1].items[2].survey[2].id", "duplicate survey question id \"s-rate\"");
  }
  SECTION("duplicate survey choice ids") {
    item(j, 1, 2)["survey"][1]["choices"][1]["id"] = "short";
    expect_invalid(j, "modules[1].items[2].survey[1].choices[1].id", "duplicate choice id \"short\"");
  }
  SECTION("bad ids") {
    j["id"] = "my course";
    expect_invalid(j, "id", "\"my course\"" + bad_id_tail);
    j = test::full_course_json();
    j["modules"][0]["id"] = "-m";
    expect_invalid(j, "modules[0].id", "\"-m\"" + bad_id_tail);
    j = test::full_course_json();
    item(j, 0, 0)["id"] = std::string(65, 'w');
    expect_invalid(j, "modules[0].items[0].id", "\"" + std::string(65, 'w') + "\"" + bad_id_tail);
    j = test::full_course_json();
    pool_question(j, 0, 0)["choices"][0]["id"] = "a/b";
    expect_invalid(j, kQ + "[0].questions[0].choices[0].id", "\"a/b\"" + bad_id_tail);
    j = test::full_course_json();
    item(j, 1, 0)["pools"][0]["id"] = "";
    expect_invalid(j, kQ + "[0].id", "must not be empty");
    j = test::full_course_json();
    item(j, 1, 0)["pools"][0]["id"] = 7;
    expect_invalid(j, kQ + "[0].id", "expected a string, found a number");
    j = test::full_course_json();
    j.erase("id");
    expect_invalid(j, "id", "is required");
  }
  SECTION("unknown fields, at every level") {
    j["titel"] = "typo";
    expect_invalid(j, "titel", "unknown field");
    j = test::full_course_json();
    j["modules"][1]["prerequisite"] = json::array();
    expect_invalid(j, "modules[1].prerequisite", "unknown field");
    j = test::full_course_json();
    item(j, 1, 1)["colour"] = "red";
    expect_invalid(j, "modules[1].items[1].colour", "unknown field");
    j = test::full_course_json();
    block(j, 0)["color"] = "red";
    expect_invalid(j, "modules[0].items[0].blocks[0].color", "unknown field");
    j = test::full_course_json();
    block(j, 1)["spans"][0]["bold"] = true;
    expect_invalid(j, "modules[0].items[0].blocks[1].spans[0].bold", "unknown field");
    j = test::full_course_json();
    pool_question(j, 0, 0)["correct_answer"] = "b";
    expect_invalid(j, kQ + "[0].questions[0].correct_answer", "unknown field");
    j = test::full_course_json();
    pool_question(j, 0, 0)["feedback"]["partial"] = "so-so";
    expect_invalid(j, kQ + "[0].questions[0].feedback.partial", "unknown field");
    j = test::full_course_json();
    item(j, 1, 0)["pools"][0]["shuffle"] = true;
    expect_invalid(j, kQ + "[0].shuffle", "unknown field");
    j = test::full_course_json();
    item(j, 1, 4)["nodes"][0]["choices"][0]["score"] = 1;
    expect_invalid(j, "modules[1].items[4].nodes[0].choices[0].score", "unknown field");
  }
  SECTION("enumerations list what is allowed") {
    item(j, 0, 0)["type"] = "page";
    expect_invalid(j, "modules[0].items[0].type",
                   "\"page\" is not one of \"card\", \"quiz\", \"flashcards\", \"survey\", \"scenario\"");
    j = test::full_course_json();
    j["sequencing"] = "random";
    expect_invalid(j, "sequencing", "\"random\" is not one of \"linear\", \"free\"");
    j = test::full_course_json();
    item(j, 1, 0)["feedback"] = "never";
    expect_invalid(j, "modules[1].items[0].feedback", "\"never\" is not one of \"immediate\", \"deferred\"");
    j = test::full_course_json();
    pool_question(j, 0, 0)["type"] = "essay";
    expect_invalid(j, kQ + "[0].questions[0].type",
                   "\"essay\" is not one of \"single\", \"multiple\", \"true_false\", \"numeric\", \"short_text\", "
                   "\"ordering\", \"matching\"");
  }
  SECTION("correct ids must name choices, once") {
    pool_question(j, 0, 0)["correct"] = json::array({"z"});
    expect_invalid(j, kQ + "[0].questions[0].correct[0]", "\"z\" is not a choice id");
    j = test::full_course_json();
    pool_question(j, 0, 1)["correct"] = json::array({"a", "c", "a"});
    expect_invalid(j, kQ + "[0].questions[1].correct[2]", "\"a\" is listed twice");
    j = test::full_course_json();
    pool_question(j, 0, 0)["correct"] = json::array({"a", "b"});
    expect_invalid(j, kQ + "[0].questions[0].correct", "must name exactly 1 choice id");
    j = test::full_course_json();
    pool_question(j, 0, 1)["correct"] = json::array();
    expect_invalid(j, kQ + "[0].questions[1].correct", "must name at least 1 choice id");
    j = test::full_course_json();
    pool_question(j, 0, 0)["correct"] = json::array({""});
    expect_invalid(j, kQ + "[0].questions[0].correct[0]", "expected a non-empty string");
  }
  SECTION("question shapes") {
    pool_question(j, 0, 0)["choices"] = json::array({{{"id", "a"}, {"text", "A"}}});
    pool_question(j, 0, 0)["correct"] = json::array({"a"});
    expect_invalid(j, kQ + "[0].questions[0].choices", "needs at least 2 choices");
    j = test::full_course_json();
    pool_question(j, 0, 2).erase("answer");
    expect_invalid(j, kQ + "[0].questions[2].answer", "expected true or false");
    j = test::full_course_json();
    pool_question(j, 0, 2)["answer"] = "true";
    expect_invalid(j, kQ + "[0].questions[2].answer", "expected true or false");
    j = test::full_course_json();
    pool_question(j, 1, 0)["tolerance"] = -1;
    expect_invalid(j, kQ + "[1].questions[0].tolerance", "must not be negative");
    j = test::full_course_json();
    pool_question(j, 1, 0).erase("answer");
    expect_invalid(j, kQ + "[1].questions[0].answer", "is required");
    j = test::full_course_json();
    pool_question(j, 1, 1)["accepted"] = json::array();
    expect_invalid(j, kQ + "[1].questions[1].accepted", "needs at least one accepted answer");
    j = test::full_course_json();
    pool_question(j, 1, 2)["choices"].erase(1);
    pool_question(j, 1, 2)["choices"].erase(1);
    expect_invalid(j, kQ + "[1].questions[2].choices", "needs at least 2 items to order");
    j = test::full_course_json();
    pool_question(j, 1, 3)["pairs"].erase(1);
    expect_invalid(j, kQ + "[1].questions[3].pairs", "needs at least 2 pairs");
    j = test::full_course_json();
    pool_question(j, 0, 0)["points"] = 0;
    expect_invalid(j, kQ + "[0].questions[0].points", "must be greater than 0 and at most 1000");
    j = test::full_course_json();
    pool_question(j, 0, 0)["prompt"] = "";
    expect_invalid(j, kQ + "[0].questions[0].prompt", "must not be empty");
  }
  SECTION("draw larger than the pool") {
    item(j, 1, 0)["pools"][0]["draw"] = 4;
    expect_invalid(j, kQ + "[0].draw", "draws 4 questions but only 3 exist");
    j = test::full_course_json();
    item(j, 0, 1)["draw"] = 3;
    expect_invalid(j, "modules[0].items[1].draw", "draws 3 questions but only 2 exist");
    j = test::full_course_json();
    item(j, 1, 0)["draw"] = 1;
    expect_invalid(j, "modules[1].items[0].draw", "with pools, set \"draw\" on each pool");
    j = test::full_course_json();
    item(j, 1, 0)["pools"][0]["draw"] = -1;
    expect_invalid(j, kQ + "[0].draw", "must be at least 0");
    j = test::full_course_json();
    item(j, 1, 0)["pools"][0]["draw"] = 1.5;
    expect_invalid(j, kQ + "[0].draw", "expected a whole number, found a number");
  }
  SECTION("questions and pools together") {
    item(j, 1, 0)["questions"] = item(j, 1, 0)["pools"][0]["questions"];
    expect_invalid(j, "modules[1].items[0].questions", "use either \"questions\" or \"pools\", not both");
  }
  SECTION("pass_mark out of range") {
    item(j, 1, 0)["pass_mark"] = 1.01;
    expect_invalid(j, "modules[1].items[0].pass_mark", "must be between 0 and 1 (a fraction of the maximum score)");
    item(j, 1, 0)["pass_mark"] = -0.1;
    expect_invalid(j, "modules[1].items[0].pass_mark", "must be between 0 and 1 (a fraction of the maximum score)");
    item(j, 1, 0)["pass_mark"] = "80%";
    expect_invalid(j, "modules[1].items[0].pass_mark", "expected a number, found a string");
    item(j, 1, 0)["pass_mark"] = 1;
    CHECK(parse_course(j));
    item(j, 1, 0)["pass_mark"] = 0;
    CHECK(parse_course(j));
  }
  SECTION("quiz limits") {
    item(j, 1, 0)["max_attempts"] = 101;
    expect_invalid(j, "modules[1].items[0].max_attempts", "must be at most 100");
    j = test::full_course_json();
    item(j, 1, 0)["time_limit_s"] = 86401;
    expect_invalid(j, "modules[1].items[0].time_limit_s", "must be at most 86400");
  }
  SECTION("test_out on anything but a pretest") {
    item(j, 1, 0)["test_out"] = true;
    expect_invalid(j, "modules[1].items[0].test_out", "only a pretest can let learners test out");
  }
  SECTION("prerequisites must be earlier modules") {
    j["modules"][1]["prerequisites"] = json::array({"m1", "m9"});
    expect_invalid(j, "modules[1].prerequisites[1]", "\"m9\" is not a module id");
    j = test::full_course_json();
    j["modules"][0]["prerequisites"] = json::array({"m2"});
    expect_invalid(j, "modules[0].prerequisites[0]", "\"m2\" must be a module that comes earlier");
    j = test::full_course_json();
    j["modules"][1]["prerequisites"] = json::array({"m2"});
    expect_invalid(j, "modules[1].prerequisites[0]", "\"m2\" must be a module that comes earlier");
  }
  SECTION("scenario links must name nodes") {
    item(j, 1, 4)["nodes"][0]["choices"][1]["next"] = "n9";
    expect_invalid(j, "modules[1].items[4].nodes[0].choices[1].next", "\"n9\" is not a node id");
    j = test::full_course_json();
    item(j, 1, 4)["start"] = "n0";
    expect_invalid(j, "modules[1].items[4].start", "\"n0\" is not a node id");
  }
  SECTION("scenario end nodes and outcomes") {
    item(j, 1, 4)["nodes"][2].erase("outcome");
    expect_invalid(j, "modules[1].items[4].nodes[2]", "a node without choices is an end node and needs an outcome");
    j = test::full_course_json();
    item(j, 1, 4)["nodes"][0]["outcome"] = 0.5;
    expect_invalid(j, "modules[1].items[4].nodes[0].outcome", "only end nodes (no choices) have an outcome");
    j = test::full_course_json();
    item(j, 1, 4)["nodes"][1]["outcome"] = 1.5;
    expect_invalid(j, "modules[1].items[4].nodes[1].outcome", "must be between 0 and 1");
  }
  SECTION("surveys") {
    item(j, 1, 2)["delay_days"] = 10;
    expect_invalid(j, "modules[1].items[2].delay_days", "only a cold survey has a delay");
    j = test::full_course_json();
    item(j, 1, 2)["survey"][0]["scale"] = 11;
    expect_invalid(j, "modules[1].items[2].survey[0].scale", "must be at most 10");
    j = test::full_course_json();
    item(j, 1, 3)["required"] = true;
    expect_invalid(j, "modules[1].items[3].required",
                   "a cold survey is due after the course is completed, so it cannot be required");
  }
  SECTION("images need alt text") {
    block(j, 5).erase("alt");
    expect_invalid(j, "modules[0].items[0].blocks[5].alt", "images need alternative text for screen readers");
    j = test::full_course_json();
    item(j, 1, 4)["nodes"][1]["blocks"][0]["alt"] = "";
    expect_invalid(j, "modules[1].items[4].nodes[1].blocks[0].alt", "images need alternative text for screen readers");
  }
  SECTION("video needs captions or a transcript, audio a transcript or captions") {
    block(j, 6).erase("captions");
    expect_invalid(j, "modules[0].items[0].blocks[6]", "a video needs captions or a transcript");
    block(j, 6)["transcript"] = "Words.";
    CHECK(parse_course(j));
    j = test::full_course_json();
    block(j, 7).erase("transcript");
    expect_invalid(j, "modules[0].items[0].blocks[7]", "audio needs a transcript or captions");
  }
  SECTION("links must be https: or mailto:") {
    for (const char* href : {"http://example.org", "javascript:alert(1)", "HTTPS://example.org", "//example.org",
                             "ftp://example.org", "data:text/html,x"}) {
      INFO(href);
      j = test::full_course_json();
      block(j, 1)["spans"][4]["href"] = href;
      expect_invalid(j, "modules[0].items[0].blocks[1].spans[4].href", "links must start with https:// or mailto:");
    }
    j = test::full_course_json();
    block(j, 1)["spans"][4].erase("href");
    expect_invalid(j, "modules[0].items[0].blocks[1].spans[4].href", "links must start with https:// or mailto:");
    j = test::full_course_json();
    block(j, 1)["spans"][0]["href"] = "https://example.org";
    expect_invalid(j, "modules[0].items[0].blocks[1].spans[0].href", "only spans with style \"link\" have an href");
    j = test::full_course_json();
    block(j, 2)["items"][1][0] = {{"text", "x"}, {"style", "link"}, {"href", "http://x"}};
    expect_invalid(j, "modules[0].items[0].blocks[2].items[1][0].href", "links must start with https:// or mailto:");
  }
  SECTION("media paths stay inside the bundle") {
    const std::vector<std::string> bad = {"/etc/passwd", "../secret.png", "media/../../x.png", "media\\a.png",
                                          "https://cdn.example.org/a.png", "media/..png/../x"};
    for (const auto& p : bad) {
      INFO(p);
      j = test::full_course_json();
      block(j, 5)["src"] = p;
      expect_invalid(j, "modules[0].items[0].blocks[5].src", "\"" + p + "\" must be a relative path inside the bundle");
    }
    j = test::full_course_json();
    block(j, 6)["captions"] = "/tmp/a.vtt";
    expect_invalid(j, "modules[0].items[0].blocks[6].captions", "\"/tmp/a.vtt\" must be a relative path inside the bundle");
  }
  SECTION("blocks must have their content") {
    block(j, 2).erase("items");
    expect_invalid(j, "modules[0].items[0].blocks[2].items", "expected a non-empty array of items");
    block(j, 2)["items"] = json::array();
    expect_invalid(j, "modules[0].items[0].blocks[2].items", "expected a non-empty array of items");
    j = test::full_course_json();
    block(j, 2)["items"][0] = "one";
    expect_invalid(j, "modules[0].items[0].blocks[2].items[0]", "expected an array, found a string");
    j = test::full_course_json();
    block(j, 0)["spans"] = json::array();
    expect_invalid(j, "modules[0].items[0].blocks[0].spans", "must not be empty");
    j = test::full_course_json();
    block(j, 0)["level"] = 4;
    expect_invalid(j, "modules[0].items[0].blocks[0].level", "must be at most 3");
    j = test::full_course_json();
    block(j, 1)["spans"][0]["style"] = "underline";
    expect_invalid(j, "modules[0].items[0].blocks[1].spans[0].style",
                   "\"underline\" is not one of \"\", \"strong\", \"em\", \"code\", \"link\"");
    j = test::full_course_json();
    item(j, 0, 0)["blocks"] = json::array();
    expect_invalid(j, "modules[0].items[0].blocks", "must not be empty");
  }
  SECTION("course-level fields") {
    j["format"] = 2;
    expect_invalid(j, "format", "format 2 is not supported (this version reads format 1)");
    j = test::full_course_json();
    j["version"] = 0;
    expect_invalid(j, "version", "must be at least 1");
    j = test::full_course_json();
    j["language"] = "e";
    expect_invalid(j, "language", "expected a language tag such as \"en\" or \"fr-CA\"");
    j = test::full_course_json();
    j["modules"] = json::array();
    expect_invalid(j, "modules", "must not be empty");
    j = test::full_course_json();
    j["modules"][0]["items"] = json::array();
    expect_invalid(j, "modules[0].items", "must not be empty");
    j = test::full_course_json();
    j["modules"][1]["prerequisites"] = "m1";
    expect_invalid(j, "modules[1].prerequisites", "expected an array of strings, found a string");
  }
}

TEST_CASE("validate_course checks references of a course built in code", "[course][validation]") {
  auto c = parse_course(test::full_course_json());
  REQUIRE(c);
  Course built = *c;
  built.modules[1].items[0].pools[1].questions[0].id = "q-single";
  auto st = validate_course(built);
  REQUIRE_FALSE(st);
  CHECK(st.error().code == "invalid_course");
  CHECK(st.error().where == "modules[1].items[0].pools[1].questions[0].id");
  CHECK(st.error().message == "duplicate question id \"q-single\"");

  built = *c;
  built.modules[1].items[4].nodes[0].choices[0].next = "gone";
  st = validate_course(built);
  REQUIRE_FALSE(st);
  CHECK(st.error().where == "modules[1].items[4].nodes[0].choices[0].next");
  CHECK(st.error().message == "\"gone\" is not a node id");
}
