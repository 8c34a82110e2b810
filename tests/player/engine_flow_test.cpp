// The learner engine through Engine::call, on a real SQLite file: profile, install,
// cards, quizzes (attempts, time limits, feedback, resume) and course completion.
#include "engine_fixture.hpp"

#include "trailpack/bundle/course.hpp"
#include "trailpack/uuid.hpp"
#include "trailpack/xapi/builder.hpp"

using namespace trailpack;
using namespace trailpack::test;
using nlohmann::json;

namespace {

json find_by_id(const json& list, const std::string& id) {
  for (const auto& x : list)
    if (x["id"] == id) return x;
  FAIL("no " << id << " in " << list.dump());
  return nullptr;
}

void check_error(const Error& e, const std::string& code, const std::string& message, const std::string& where = "") {
  CHECK(e.code == code);
  CHECK(e.message == message);
  CHECK(e.where == where);
}

int count_verb(const std::vector<json>& statements, const std::string& verb, const std::string& object) {
  int n = 0;
  for (const auto& s : statements)
    if (s["verb"]["id"] == verb && s["object"]["id"] == object) ++n;
  return n;
}

// Signs in, installs the course and completes the two cards of module 1.
void ready_for_quiz(EngineFixture& fx) {
  fx.sign_in();
  fx.ok("course.install", {{"course", engine_course()}});
  fx.ok("card.complete", {{"course_id", "c1"}, {"item_id", "intro"}});
  fx.ok("card.complete", {{"course_id", "c1"}, {"item_id", "safety"}});
}

json answer(EngineFixture& fx, const std::string& quiz, const std::string& attempt, const std::string& question,
            const json& response) {
  return fx.ok("quiz.answer", {{"course_id", "c1"},
                               {"item_id", quiz},
                               {"attempt_id", attempt},
                               {"question_id", question},
                               {"response", response}});
}

Error answer_err(EngineFixture& fx, const std::string& quiz, const std::string& attempt, const std::string& question,
                 const json& response) {
  return fx.err("quiz.answer", {{"course_id", "c1"},
                                {"item_id", quiz},
                                {"attempt_id", attempt},
                                {"question_id", question},
                                {"response", response}});
}

json finish(EngineFixture& fx, const std::string& quiz, const std::string& attempt) {
  return fx.ok("quiz.finish", {{"course_id", "c1"}, {"item_id", quiz}, {"attempt_id", attempt}});
}

std::string start(EngineFixture& fx, const std::string& quiz) {
  return fx.ok("quiz.start", {{"course_id", "c1"}, {"item_id", quiz}})["attempt_id"];
}

// Passes the quiz of module 1 so that module 2 unlocks.
void pass_module_one(EngineFixture& fx) {
  const std::string a = start(fx, "quiz");
  answer(fx, "quiz", a, "q1", "b");
  answer(fx, "quiz", a, "q2", "true");
  answer(fx, "quiz", a, "q3", 10);
  REQUIRE(finish(fx, "quiz", a)["passed"] == true);
}

}  // namespace

TEST_CASE("engine: profile", "[engine][profile]") {
  EngineFixture fx;
  CHECK(fx.ok("profile.get").is_null());
  const json p = fx.ok("profile.set", {{"home_page", "https://trailpack.example.org"},
                                       {"account", "ann"},
                                       {"name", "Ann"},
                                       {"device_id", "device-a"}});
  CHECK(p == json{{"home_page", "https://trailpack.example.org"},
                  {"account", "ann"},
                  {"name", "Ann"},
                  {"device_id", "device-a"}});
  CHECK(fx.ok("profile.get") == p);

  SECTION("the device id is kept when the profile changes") {
    fx.ok("profile.set", {{"home_page", "https://trailpack.example.org"}, {"account", "ann"}, {"device_id", "other"}});
    CHECK(fx.ok("profile.get")["device_id"] == "device-a");
    CHECK(fx.ok("profile.get")["name"] == "");
  }
  SECTION("argument errors") {
    check_error(fx.err("profile.set", {{"home_page", "lms.example.org"}, {"account", "ann"}}), "invalid_argument",
                "home_page must be an absolute URL");
    check_error(fx.err("profile.set", {{"home_page", "https://x.org"}}), "invalid_argument",
                "profile.set: missing argument \"account\"");
    check_error(fx.err("profile.set", {{"home_page", "https://x.org"}, {"account", ""}}), "invalid_argument",
                "profile.set: argument \"account\" must be a non-empty string");
    check_error(fx.err("profile.set", json::array()), "invalid_argument", "profile.set: missing argument \"home_page\"");
    CHECK(fx.ok("profile.get")["account"] == "ann");
  }
  SECTION("a new device gets a UUID") {
    EngineFixture fresh;
    fresh.ok("profile.set", {{"home_page", "https://x.org"}, {"account", "bob"}});
    CHECK(is_uuid(fresh.ok("profile.get")["device_id"].get<std::string>()));
  }
}

TEST_CASE("engine: unknown methods and the method list", "[engine]") {
  EngineFixture fx;
  check_error(fx.err("quiz.skip"), "unknown_method", "unknown method \"quiz.skip\"");
  CHECK(player::Engine::methods() ==
        std::vector<std::string>{"profile.set", "profile.get", "course.install", "courses.list", "course.get",
                                 "progress.get", "card.complete", "quiz.start", "quiz.answer", "quiz.finish",
                                 "sync.pending", "sync.ack", "sync.ingest", "status", "app.get", "app.put", "flashcards.queue", "flashcards.review", "reviews.due", "survey.submit", "scenario.state", "scenario.choose"});
}

TEST_CASE("engine: course.install", "[engine][install]") {
  EngineFixture fx;
  CHECK(fx.ok("course.install", {{"course", engine_course(2)}}) == json{{"id", "c1"}, {"version", 2}});
  const json list = fx.ok("courses.list");
  REQUIRE(list.size() == 1);
  CHECK(list[0]["id"] == "c1");
  CHECK(list[0]["version"] == 2);
  CHECK(list[0]["title"] == "Course");
  CHECK(list[0]["language"] == "fr");
  CHECK(list[0]["completion"] == 0.0);
  CHECK(list[0]["completed"] == false);
  CHECK(list[0]["resume_item"] == "intro");
  const json got = fx.ok("course.get", {{"course_id", "c1"}});
  CHECK(got["course"] == bundle::course_to_json(*bundle::parse_course(engine_course(2))));
  CHECK(got["progress"]["course_id"] == "c1");

  SECTION("an invalid course is refused with its JSON path") {
    json bad = engine_course(3);
    bad["modules"][0]["items"][2]["pass_mark"] = 5;
    check_error(fx.err("course.install", {{"course", bad}}), "invalid_course",
                "must be between 0 and 1 (a fraction of the maximum score)", "modules[0].items[2].pass_mark");
    bad = engine_course(3);
    bad.erase("title");
    check_error(fx.err("course.install", {{"course", bad}}), "invalid_course", "is required", "title");
    check_error(fx.err("course.install", json::object()), "invalid_argument",
                "course.install: missing argument \"course\"");
    CHECK(fx.ok("courses.list")[0]["version"] == 2);
  }
  SECTION("an older version is refused; the same or a newer one replaces it") {
    check_error(fx.err("course.install", {{"course", engine_course(1)}}), "older_version",
                "course \"c1\" version 1 is older than the installed version 2");
    CHECK(fx.ok("course.install", {{"course", engine_course(2)}})["version"] == 2);
    CHECK(fx.ok("course.install", {{"course", engine_course(5)}})["version"] == 5);
    CHECK(fx.ok("courses.list")[0]["version"] == 5);
  }
  SECTION("unknown courses") {
    check_error(fx.err("course.get", {{"course_id", "zz"}}), "not_found", "course \"zz\" is not installed on this device");
    check_error(fx.err("progress.get", {{"course_id", "zz"}}), "not_found",
                "course \"zz\" is not installed on this device");
    check_error(fx.err("card.complete", {{"course_id", "zz"}, {"item_id", "intro"}}), "not_found",
                "course \"zz\" is not installed on this device");
  }
}

TEST_CASE("engine: card.complete", "[engine][card]") {
  EngineFixture fx;
  fx.ok("course.install", {{"course", engine_course()}});
  SECTION("needs a signed-in learner") {
    check_error(fx.err("card.complete", {{"course_id", "c1"}, {"item_id", "intro"}}), "no_profile",
                "no learner is signed in on this device");
    CHECK(fx.stored("c1").empty());
  }
  fx.sign_in();
  SECTION("records an experienced statement and returns the new progress") {
    fx.advance(1234);
    const json r = fx.ok("card.complete", {{"course_id", "c1"}, {"item_id", "intro"}, {"duration_ms", 90000}});
    CHECK(r["saved"] == true);
    REQUIRE(r["statement_ids"].size() == 1);
    CHECK(r["progress"]["items"][0]["status"] == "completed");
    CHECK(r["progress"]["resume_item"] == "safety");
    const auto all = fx.stored("c1");
    REQUIRE(all.size() == 1);
    const json& s = all[0];
    CHECK(s["id"] == r["statement_ids"][0]);
    CHECK(s["verb"]["id"] == xapi::verbs::kExperienced);
    CHECK(s["object"]["id"] == "urn:trailpack:course:c1:item:intro");
    CHECK(s["object"]["definition"]["name"] == json{{"fr", "Intro"}});
    CHECK(s["result"] == json{{"completion", true}, {"duration", "PT1M30S"}});
    CHECK(s["timestamp"] == format_timestamp(kT0 + 1234));
    CHECK(s["actor"]["account"] == json{{"homePage", "https://trailpack.example.org"}, {"name", "ann"}});
    CHECK(s["context"]["extensions"][xapi::ext::kDevice] == "device-a");
    CHECK(s["context"]["extensions"][xapi::ext::kBundleVersion] == 1);
    CHECK(is_uuid(s["context"]["registration"].get<std::string>()));
    CHECK(s["context"]["contextActivities"]["grouping"][0]["id"] == "urn:trailpack:course:c1");
  }
  SECTION("the registration stays the same across statements") {
    fx.ok("card.complete", {{"course_id", "c1"}, {"item_id", "intro"}});
    fx.ok("card.complete", {{"course_id", "c1"}, {"item_id", "safety"}});
    const auto all = fx.stored("c1");
    REQUIRE(all.size() == 2);
    CHECK(all[0]["context"]["registration"] == all[1]["context"]["registration"]);
    CHECK(all[0]["id"] != all[1]["id"]);
  }
  SECTION("a locked item is refused with the reason (linear course)") {
    check_error(fx.err("card.complete", {{"course_id", "c1"}, {"item_id", "safety"}}), "locked",
                "item \"safety\" is locked (previous_item)");
    check_error(fx.err("card.complete", {{"course_id", "c1"}, {"item_id", "final"}}), "locked",
                "item \"final\" is locked (module_locked)");
    check_error(fx.err("quiz.start", {{"course_id", "c1"}, {"item_id", "quiz"}}), "locked",
                "quiz \"quiz\" is locked (previous_item)");
    CHECK(fx.stored("c1").empty());
  }
  SECTION("wrong items and arguments") {
    check_error(fx.err("card.complete", {{"course_id", "c1"}, {"item_id", "nope"}}), "not_found",
                "item \"nope\" is not in course \"c1\"");
    check_error(fx.err("card.complete", {{"course_id", "c1"}, {"item_id", "quiz"}}), "wrong_type",
                "item \"quiz\" is a quiz, not a card");
    check_error(fx.err("card.complete", {{"course_id", "c1"}}), "invalid_argument",
                "card.complete: missing argument \"item_id\"");
    check_error(fx.err("card.complete", {{"course_id", "c1"}, {"item_id", "intro"}, {"duration_ms", -1}}),
                "invalid_argument", "card.complete: argument \"duration_ms\" must be a non-negative number");
    check_error(fx.err("quiz.start", {{"course_id", "c1"}, {"item_id", "intro"}}), "not_found",
                "quiz \"intro\" is not in course \"c1\"");
    CHECK(fx.stored("c1").empty());
  }
}

TEST_CASE("engine: quiz start, answer, finish with immediate feedback", "[engine][quiz]") {
  EngineFixture fx;
  ready_for_quiz(fx);
  fx.advance(60000);
  const json s = fx.ok("quiz.start", {{"course_id", "c1"}, {"item_id", "quiz"}});
  const std::string a = s["attempt_id"];
  CHECK(is_uuid(a));
  CHECK(s["resumed"] == false);
  CHECK(s["answered"] == json::array());
  CHECK(s["started"] == fx.now());
  CHECK(s["time_limit_s"] == 0);
  CHECK(s["feedback"] == "immediate");
  CHECK(s["saved"] == true);
  REQUIRE(s["questions"].size() == 3);
  const json q1 = find_by_id(s["questions"], "q1");
  CHECK(q1["type"] == "single");
  CHECK(q1["points"] == 1.0);
  CHECK(q1.size() == 5);  // id, type, prompt, points, choices: no answer key
  CHECK(q1["choices"].size() == 2);
  CHECK(find_by_id(s["questions"], "q2")["choices"] == json::array({{{"id", "true"}, {"text", "True"}},
                                                                     {{"id", "false"}, {"text", "False"}}}));
  CHECK_FALSE(find_by_id(s["questions"], "q3").contains("choices"));

  const json r1 = answer(fx, "quiz", a, "q1", "b");
  CHECK(r1["saved"] == true);
  CHECK(r1["answered"] == 1);
  CHECK(r1["total"] == 3);
  CHECK(r1["correct"] == true);
  CHECK(r1["score"] == 1.0);
  CHECK(r1["feedback"] == "Yes.");
  CHECK(r1["explanation"] == "B is right.");
  CHECK(r1["correct_response"] == json::array({"b"}));
  const json r2 = answer(fx, "quiz", a, "q2", "false");
  CHECK(r2["correct"] == false);
  CHECK(r2["score"] == 0.0);
  CHECK(r2["feedback"] == "");
  CHECK_FALSE(r2.contains("explanation"));
  CHECK(r2["answered"] == 2);
  CHECK(answer(fx, "quiz", a, "q3", 10.4)["correct"] == true);

  SECTION("the answered statement carries the interaction and the score") {
    const auto all = fx.stored("c1");
    const json& st = all[all.size() - 3];  // q1
    CHECK(st["verb"]["id"] == xapi::verbs::kAnswered);
    CHECK(st["object"]["id"] == "urn:trailpack:course:c1:question:q1");
    CHECK(st["object"]["definition"]["interactionType"] == "choice");
    CHECK(st["object"]["definition"]["name"]["fr"] == std::string(199, 'Q'));
    CHECK(st["result"] == json{{"response", "b"},
                               {"success", true},
                               {"score", {{"raw", 1.0}, {"min", 0}, {"max", 1.0}, {"scaled", 1.0}}},
                               {"duration", "PT0S"}});
    CHECK(st["context"]["contextActivities"]["parent"][0]["id"] == "urn:trailpack:course:c1:item:quiz");
    CHECK(st["context"]["extensions"][xapi::ext::kAttempt] == a);
  }
  SECTION("finish scores the attempt") {
    fx.advance(30000);
    const json f = finish(fx, "quiz", a);
    CHECK(f["saved"] == true);
    CHECK(f["raw"] == 2.0);
    CHECK(f["max"] == 3.0);
    CHECK(f["scaled"] == Approx(2.0 / 3.0));
    CHECK(f["passed"] == true);
    CHECK(f["pass_mark"] == 0.5);
    CHECK(f["attempts"] == 1);
    CHECK(f["attempts_left"] == 1);
    CHECK(f["course_completed"] == false);
    CHECK(find_by_id(f["questions"], "q2") == json{{"id", "q2"}, {"answered", true}, {"correct", false}, {"score", 0.0}});
    CHECK(find_by_id(f["progress"]["items"], "quiz")["status"] == "completed");
    const json last = fx.stored("c1").back();
    CHECK(last["verb"]["id"] == xapi::verbs::kPassed);
    CHECK(last["result"]["score"] == json{{"raw", 2.0}, {"min", 0}, {"max", 3.0}, {"scaled", 2.0 / 3.0}});
    CHECK(last["result"]["duration"] == "PT30S");
    CHECK(last["context"]["extensions"][xapi::ext::kAttempt] == a);
  }
  SECTION("answering twice, unknown attempts and questions, finished attempts") {
    check_error(answer_err(fx, "quiz", a, "q1", "a"), "already_answered", "question \"q1\" is already answered");
    check_error(answer_err(fx, "quiz", "nope", "q1", "a"), "not_found", "attempt nope was not started on this device");
    check_error(fx.err("quiz.finish", {{"course_id", "c1"}, {"item_id", "quiz"}, {"attempt_id", "nope"}}), "not_found",
                "attempt nope was not started on this device");
    check_error(answer_err(fx, "quiz", a, "t1", "x"), "not_found", "question \"t1\" is not part of this attempt");
    check_error(answer_err(fx, "timed", a, "q1", "b"), "not_found", "attempt " + a + " was not started on this device");
    finish(fx, "quiz", a);
    check_error(fx.err("quiz.finish", {{"course_id", "c1"}, {"item_id", "quiz"}, {"attempt_id", a}}),
                "attempt_finished", "this attempt is already finished");
    check_error(answer_err(fx, "quiz", a, "q1", "a"), "attempt_finished", "this attempt is already finished");
  }
}

TEST_CASE("engine: an invalid response records nothing", "[engine][quiz]") {
  EngineFixture fx;
  ready_for_quiz(fx);
  const std::string a = start(fx, "quiz");
  const auto before = fx.stored("c1").size();
  check_error(answer_err(fx, "quiz", a, "q1", 5), "invalid_response", "question \"q1\": expected one choice id");
  check_error(answer_err(fx, "quiz", a, "q1", "c"), "invalid_response", "question \"q1\": \"c\" is not a choice");
  check_error(fx.err("quiz.answer", {{"course_id", "c1"}, {"item_id", "quiz"}, {"attempt_id", a}, {"question_id", "q1"}}),
              "invalid_argument", "quiz.answer: missing argument \"response\"");
  CHECK(fx.stored("c1").size() == before);
  CHECK(answer(fx, "quiz", a, "q1", "b")["correct"] == true);
}

TEST_CASE("engine: attempts limit", "[engine][quiz]") {
  EngineFixture fx;
  ready_for_quiz(fx);
  for (int i = 0; i < 2; ++i) {
    const std::string a = start(fx, "quiz");
    answer(fx, "quiz", a, "q1", "a");
    const json f = finish(fx, "quiz", a);
    CHECK(f["passed"] == false);
    CHECK(f["attempts"] == i + 1);
    CHECK(f["attempts_left"] == 1 - i);
  }
  check_error(fx.err("quiz.start", {{"course_id", "c1"}, {"item_id", "quiz"}}), "no_attempts_left",
              "all 2 attempts at \"Quiz\" are used");
  const json p = fx.ok("progress.get", {{"course_id", "c1"}});
  const json q = find_by_id(p["items"], "quiz");
  CHECK(q["attempts_exhausted"] == true);
  CHECK(q["status"] == "completed");
  CHECK(p["modules"][1]["locked"] == false);  // the learner is not stuck
}

TEST_CASE("engine: an unfinished attempt is resumed with the same questions", "[engine][quiz]") {
  EngineFixture fx;
  ready_for_quiz(fx);
  const json first = fx.ok("quiz.start", {{"course_id", "c1"}, {"item_id", "quiz"}});
  const std::string a = first["attempt_id"];
  answer(fx, "quiz", a, "q2", "true");
  fx.advance(3600000);
  const json again = fx.ok("quiz.start", {{"course_id", "c1"}, {"item_id", "quiz"}});
  CHECK(again["attempt_id"] == a);
  CHECK(again["resumed"] == true);
  CHECK(again["questions"] == first["questions"]);  // same order, same shuffled choices
  REQUIRE(again["answered"].size() == 1);  // with what was recorded, so a reload shows it as saved
  CHECK(again["answered"][0]["question_id"] == "q2");
  CHECK(again["answered"][0]["response"] == "true");
  CHECK(again["answered"][0]["synced"] == false);
  CHECK(again["started"] == first["started"]);
  SECTION("also after the app restarts") {
    fx.reopen();
    const json third = fx.ok("quiz.start", {{"course_id", "c1"}, {"item_id", "quiz"}});
    CHECK(third["attempt_id"] == a);
    CHECK(third["questions"] == first["questions"]);
  }
  SECTION("different attempts draw with different seeds") {
    finish(fx, "quiz", a);
    const json next = fx.ok("quiz.start", {{"course_id", "c1"}, {"item_id", "quiz"}});
    CHECK(next["attempt_id"] != a);
    CHECK(next["resumed"] == false);
    const auto all = fx.stored("c1");
    std::vector<std::string> seeds;
    for (const auto& s : all)
      if (s["verb"]["id"] == xapi::verbs::kAttempted) seeds.push_back(s["context"]["extensions"][xapi::ext::kSeed]);
    REQUIRE(seeds.size() == 2);
    CHECK(seeds[0] != seeds[1]);
  }
}

TEST_CASE("engine: time limit", "[engine][quiz][time]") {
  EngineFixture fx;
  ready_for_quiz(fx);
  pass_module_one(fx);
  const json s = fx.ok("quiz.start", {{"course_id", "c1"}, {"item_id", "timed"}});
  const std::string a = s["attempt_id"];
  CHECK(s["time_limit_s"] == 60);
  SECTION("answers are taken until the limit plus a 5 s grace, then time_up; finishing is still allowed") {
    fx.advance(65000);
    CHECK(answer(fx, "timed", a, "t1", "x")["saved"] == true);
    fx.advance(1);
    check_error(answer_err(fx, "timed", a, "t2", "false"), "time_up", "the time limit of this quiz has passed");
    const json f = finish(fx, "timed", a);
    CHECK(f["raw"] == 1.0);
    CHECK(f["max"] == 2.0);
    CHECK(f["passed"] == true);
    CHECK(find_by_id(f["questions"], "t2")["answered"] == false);
  }
  SECTION("an expired attempt is submitted when the quiz is opened again, and counts as an attempt") {
    answer(fx, "timed", a, "t2", "true");  // wrong
    fx.advance(10 * 60000);
    check_error(fx.err("quiz.start", {{"course_id", "c1"}, {"item_id", "timed"}}), "no_attempts_left",
                "all 1 attempts at \"Timed\" are used");
    const auto all = fx.stored("c1");
    REQUIRE(count_verb(all, xapi::verbs::kFailed, "urn:trailpack:course:c1:item:timed") == 1);
    const json& f = all.back();
    CHECK(f["verb"]["id"] == xapi::verbs::kFailed);
    CHECK(f["context"]["extensions"][xapi::ext::kAttempt] == a);
    CHECK(f["result"]["score"] == json{{"raw", 0.0}, {"min", 0}, {"max", 2.0}, {"scaled", 0.0}});
    // Recorded when the time ran out, lasting the time limit.
    CHECK(f["timestamp"] == format_timestamp(s["started"].get<TimeMs>() + 60000));
    CHECK(f["result"]["duration"] == "PT1M");
    const json p = fx.ok("progress.get", {{"course_id", "c1"}});
    CHECK(find_by_id(p["items"], "timed")["attempts"] == 1);
    CHECK(find_by_id(p["items"], "timed")["status"] == "completed");
    CHECK_FALSE(find_by_id(p["items"], "final")["locked"]);
  }
}

TEST_CASE("engine: deferred feedback hides correctness until finish", "[engine][quiz]") {
  EngineFixture fx;
  ready_for_quiz(fx);
  pass_module_one(fx);
  const std::string a = start(fx, "timed");
  const json r = answer(fx, "timed", a, "t1", "y");
  CHECK(r.size() == 4);
  CHECK(r["saved"] == true);
  CHECK(r["answered"] == 1);
  CHECK(r["total"] == 2);
  CHECK(r.contains("statement_id"));
  for (const char* hidden : {"correct", "score", "feedback", "explanation", "correct_response"}) CHECK_FALSE(r.contains(hidden));
  const json f = finish(fx, "timed", a);
  CHECK(find_by_id(f["questions"], "t1") == json{{"id", "t1"}, {"answered", true}, {"correct", false}, {"score", 0.0}});
  CHECK(f["passed"] == false);
}

TEST_CASE("engine: an attempt whose question a course update removed is refused, not crashed", "[engine][quiz]") {
  EngineFixture fx;
  ready_for_quiz(fx);
  const std::string a = start(fx, "quiz");
  answer(fx, "quiz", a, "q1", "b");
  json v2 = engine_course(2);
  auto& questions = v2["modules"][0]["items"][2]["questions"];
  questions.erase(questions.begin() + 2);  // q3
  fx.ok("course.install", {{"course", v2}});
  check_error(answer_err(fx, "quiz", a, "q3", 10), "not_found", "question \"q3\" is no longer in course \"c1\"");
  const json f = finish(fx, "quiz", a);
  CHECK(f["max"] == 2.0);
  CHECK(f["raw"] == 1.0);
}

TEST_CASE("engine: finishing the last required item emits exactly one course completed statement",
          "[engine][completion]") {
  EngineFixture fx;
  ready_for_quiz(fx);
  pass_module_one(fx);
  const std::string a = start(fx, "timed");
  answer(fx, "timed", a, "t1", "x");
  answer(fx, "timed", a, "t2", "false");
  CHECK(finish(fx, "timed", a)["course_completed"] == false);
  fx.advance(1000);
  const json last = fx.ok("card.complete", {{"course_id", "c1"}, {"item_id", "final"}, {"duration_ms", 5000}});
  CHECK(last["statement_ids"].size() == 2);
  CHECK(last["progress"]["completed"] == true);
  CHECK(last["progress"]["completion"] == 1.0);
  const std::string course_iri = "urn:trailpack:course:c1";
  auto all = fx.stored("c1");
  CHECK(count_verb(all, xapi::verbs::kCompleted, course_iri) == 1);
  const json& done = all.back();
  CHECK(done["id"] == last["statement_ids"][1]);
  CHECK(done["object"]["definition"]["type"] == xapi::activity_types::kCourse);
  CHECK(done["result"]["completion"] == true);
  CHECK(done["timestamp"] == format_timestamp(fx.now()));
  CHECK(last["progress"]["completed_at"] == fx.now());

  SECTION("more activity does not complete the course again") {
    fx.ok("card.complete", {{"course_id", "c1"}, {"item_id", "intro"}});
    fx.ok("card.complete", {{"course_id", "c1"}, {"item_id", "final"}});
    const std::string b = start(fx, "quiz");
    finish(fx, "quiz", b);
    fx.reopen();
    fx.ok("card.complete", {{"course_id", "c1"}, {"item_id", "safety"}});
    CHECK(count_verb(fx.stored("c1"), xapi::verbs::kCompleted, course_iri) == 1);
    const json p = fx.ok("progress.get", {{"course_id", "c1"}});
    CHECK(p["completed_at"] == last["progress"]["completed_at"]);
  }
  SECTION("every statement in the store is valid xAPI with an id") {
    all = fx.stored("c1");
    CHECK(all.size() == 13);  // 2 cards, 5 + 4 quiz statements, the last card, course completed
    for (const auto& s : all) {
      INFO(s.dump());
      auto v = xapi::validate_statement(s, {.require_id = true});
      if (!v) FAIL(v.error().describe());
      CHECK(s["id"] == normalize_uuid(s["id"].get<std::string>()));
    }
    CHECK(fx.engine().store().integrity_check() == "ok");
  }
}
