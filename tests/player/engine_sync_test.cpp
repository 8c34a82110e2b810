// Sync from the engine's side: the outbox (sync.pending / sync.ack), statements pulled
// from the learner's other devices (sync.ingest), and durability across reopening.
#include "engine_fixture.hpp"

#include "trailpack/bundle/course.hpp"
#include "trailpack/uuid.hpp"
#include "trailpack/xapi/builder.hpp"

using namespace trailpack;
using namespace trailpack::test;
using nlohmann::json;

namespace {

// Statements as the learner's other device ("device-b") writes them.
class OtherDevice {
 public:
  json statement(const std::string& verb, const std::string& object, TimeMs at, json result = nullptr,
                 const std::string& attempt = "", const std::string& parent = "") {
    std::array<std::uint8_t, 16> b{};
    const std::uint64_t n = ++counter_;
    b[0] = 0xb0;
    for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(15 - i)] = static_cast<std::uint8_t>(n >> (8 * i));
    xapi::Envelope env;
    env.id = uuid_v4_from_bytes(b);
    env.actor = xapi::account_agent("https://trailpack.example.org", "ann", "Ann");
    env.timestamp = at;
    env.registration = "e05aa883-acaf-40ad-bf54-02c8ce485fb0";
    env.language = "fr";
    env.grouping = json::array({xapi::activity("urn:trailpack:course:c1", "Course", "fr", xapi::activity_types::kCourse)});
    if (!parent.empty()) env.parents = json::array({xapi::activity(parent, "", "", "")});
    env.extensions[xapi::ext::kDevice] = "device-b";
    if (!attempt.empty()) env.extensions[xapi::ext::kAttempt] = attempt;
    return xapi::make_statement(env, verb, xapi::activity(object, "", "", ""), std::move(result));
  }
  json card(const std::string& item, TimeMs at) {
    return statement(xapi::verbs::kExperienced, bundle::item_iri("c1", item), at, {{"completion", true}});
  }
  // A statement voiding `target`, as an administrator's tool would send it: no context.
  json voiding(const std::string& target, TimeMs at) {
    json v = statement(xapi::verbs::kVoided, "urn:x:y", at);
    v["object"] = {{"objectType", "StatementRef"}, {"id", target}};
    v.erase("context");
    return v;
  }

 private:
  std::uint64_t counter_ = 0;
};

json item_progress(EngineFixture& fx, const std::string& id) {
  const json progress = fx.ok("progress.get", {{"course_id", "c1"}});
  for (const auto& ip : progress["items"])
    if (ip["id"] == id) return ip;
  FAIL("no item " << id);
  return nullptr;
}

void check_error(const Error& e, const std::string& code, const std::string& message) {
  CHECK(e.code == code);
  CHECK(e.message == message);
}

std::vector<std::string> ids_of(const json& statements) {
  std::vector<std::string> out;
  for (const auto& s : statements) out.push_back(s["id"]);
  return out;
}

}  // namespace

TEST_CASE("engine sync: pending statements, ack, status", "[engine][sync]") {
  EngineFixture fx;
  fx.sign_in();
  fx.ok("course.install", {{"course", engine_course()}});
  fx.ok("card.complete", {{"course_id", "c1"}, {"item_id", "intro"}});
  fx.ok("card.complete", {{"course_id", "c1"}, {"item_id", "safety"}});
  const auto stored = fx.stored("c1");
  REQUIRE(stored.size() == 2);

  const json st = fx.ok("status");
  CHECK(st["statements"] == 2);
  CHECK(st["unsynced"] == 2);
  CHECK(st["last_sync"].is_null());
  CHECK(st["pull_cursor"] == 0);
  CHECK(st["db_bytes"].get<std::int64_t>() > 0);

  const json pending = fx.ok("sync.pending");
  CHECK(pending["device_id"] == "device-a");
  CHECK(pending["statements"] == json(stored));  // oldest first, bodies as stored

  SECTION("limit") {
    const json one = fx.ok("sync.pending", {{"limit", 1}});
    REQUIRE(one["statements"].size() == 1);
    CHECK(one["statements"][0]["id"] == stored[0]["id"]);
    CHECK(fx.ok("sync.pending", {{"limit", 1000}})["statements"].size() == 2);
    CHECK(fx.ok("sync.pending", json::parse(R"({"limit": 1})"))["statements"].size() == 1);
    for (const json& bad : {json(0), json(-3), json("2"), json(1.5)}) {
      INFO(bad.dump());
      check_error(fx.err("sync.pending", {{"limit", bad}}), "invalid_argument",
                  "sync.pending: limit must be a positive whole number");
    }
  }
  SECTION("ack marks statements synced and records the sync") {
    fx.advance(5000);
    const json after = fx.ok("sync.ack", {{"ids", {stored[0]["id"], "00000000-0000-4000-8000-000000000000", 5}},
                                         {"cursor", 7}});
    CHECK(after["statements"] == 2);
    CHECK(after["unsynced"] == 1);
    CHECK(after["last_sync"] == fx.now());
    CHECK(fx.engine().store().get("push_cursor") == std::optional<std::string>("7"));
    CHECK(ids_of(fx.ok("sync.pending")["statements"]) == std::vector<std::string>{stored[1]["id"]});
    fx.ok("sync.ack", {{"ids", {stored[1]["id"]}}});
    CHECK(fx.ok("sync.pending")["statements"].empty());
    CHECK(fx.ok("status")["unsynced"] == 0);
  }
  SECTION("ack arguments") {
    check_error(fx.err("sync.ack", {{"ids", "x"}}), "invalid_argument", "sync.ack: ids must be an array");
    check_error(fx.err("sync.ack"), "invalid_argument", "sync.ack: missing argument \"ids\"");
    CHECK(fx.ok("status")["unsynced"] == 2);
  }
}

TEST_CASE("engine sync: statements from the learner's other device", "[engine][sync]") {
  EngineFixture fx;
  fx.sign_in();
  fx.ok("course.install", {{"course", engine_course()}});
  OtherDevice b;
  const json intro = b.card("intro", kT0 - 60000);
  const json safety = b.card("safety", kT0 - 30000);

  const json r = fx.ok("sync.ingest", {{"statements", {intro, safety}}, {"cursor", 42}});
  CHECK(r == json{{"added", 2}, {"rejected", 0}});
  CHECK(item_progress(fx, "intro")["status"] == "completed");
  CHECK(item_progress(fx, "safety")["status"] == "completed");
  CHECK(item_progress(fx, "quiz")["locked"] == false);
  const json st = fx.ok("status");
  CHECK(st["statements"] == 2);
  CHECK(st["unsynced"] == 0);  // they came from the server: nothing to push back
  CHECK(st["pull_cursor"] == 42);
  CHECK(fx.ok("sync.pending")["statements"].empty());

  SECTION("duplicates are ignored, also when the id differs in case") {
    json shouted = intro;
    std::string id = shouted["id"];
    for (char& c : id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    shouted["id"] = id;
    CHECK(fx.ok("sync.ingest", {{"statements", {intro, safety, shouted}}}) == json{{"added", 0}, {"rejected", 0}});
    CHECK(fx.ok("status")["statements"] == 2);
  }
  SECTION("invalid statements are counted and skipped, the rest is kept") {
    json no_actor = b.card("quiz", kT0);
    no_actor.erase("actor");
    json no_id = b.card("final", kT0);
    no_id.erase("id");
    const json ok = b.statement(xapi::verbs::kAttempted, bundle::item_iri("c1", "quiz"), kT0, nullptr, "att-b");
    CHECK(fx.ok("sync.ingest", {{"statements", {no_actor, ok, no_id, "text", intro}}}) ==
          json{{"added", 1}, {"rejected", 3}});
    CHECK(fx.ok("status")["statements"] == 3);
  }
  SECTION("statements read back from an LRS may carry stored and authority") {
    json lrs = b.card("intro", kT0);
    lrs["stored"] = format_timestamp(kT0 + 1);
    lrs["authority"] = xapi::account_agent("https://trailpack.example.org", "server", "");
    lrs["version"] = "1.0.3";
    CHECK(fx.ok("sync.ingest", {{"statements", {lrs}}})["added"] == 1);
  }
  SECTION("statements of other courses are kept for those courses") {
    const json other = b.statement(xapi::verbs::kExperienced, "urn:trailpack:course:c9:item:x", kT0);
    CHECK(fx.ok("sync.ingest", {{"statements", {other}}})["added"] == 1);
    CHECK(fx.engine().store().statements_for_course("c9").size() == 1);
    CHECK(fx.ok("progress.get", {{"course_id", "c1"}})["statements"] == 2);
  }
  SECTION("arguments") {
    check_error(fx.err("sync.ingest", {{"statements", json::object()}}), "invalid_argument",
                "sync.ingest: statements must be an array");
    check_error(fx.err("sync.ingest"), "invalid_argument", "sync.ingest: missing argument \"statements\"");
  }
}

TEST_CASE("engine sync: a statement voided on another device stops counting here", "[engine][sync][voiding]") {
  EngineFixture fx;
  fx.sign_in();
  fx.ok("course.install", {{"course", engine_course()}});
  const std::string local = fx.ok("card.complete", {{"course_id", "c1"}, {"item_id", "intro"}})["statement_ids"][0];
  REQUIRE(item_progress(fx, "intro")["status"] == "completed");
  OtherDevice b;

  SECTION("the voided statement is already here") {
    CHECK(fx.ok("sync.ingest", {{"statements", {b.voiding(local, kT0 + 1000)}}})["added"] == 1);
    CHECK(item_progress(fx, "intro")["status"] == "not_started");
    CHECK(fx.ok("progress.get", {{"course_id", "c1"}})["statements"] == 0);
  }
  SECTION("the voided statement arrives in the same batch") {
    const json card = b.card("safety", kT0 + 500);
    CHECK(fx.ok("sync.ingest", {{"statements", {b.voiding(card["id"], kT0 + 1000), card}}})["added"] == 2);
    CHECK(item_progress(fx, "safety")["status"] == "not_started");
    CHECK(item_progress(fx, "intro")["status"] == "completed");
  }
}

TEST_CASE("engine sync: an attempt whose start is not here is not resumed", "[engine][sync][quiz]") {
  EngineFixture fx;
  fx.sign_in();
  fx.ok("course.install", {{"course", engine_course()}});
  fx.ok("card.complete", {{"course_id", "c1"}, {"item_id", "intro"}});
  fx.ok("card.complete", {{"course_id", "c1"}, {"item_id", "safety"}});
  OtherDevice b;
  // An answer of another device's attempt arrives without its "attempted" statement.
  const json orphan = b.statement(xapi::verbs::kAnswered, bundle::question_iri("c1", "q1"), kT0 + 10,
                                  {{"success", true}, {"score", {{"raw", 1}, {"scaled", 1}}}}, "att-b",
                                  bundle::item_iri("c1", "quiz"));
  REQUIRE(fx.ok("sync.ingest", {{"statements", {orphan}}})["added"] == 1);
  const json s = fx.ok("quiz.start", {{"course_id", "c1"}, {"item_id", "quiz"}});
  CHECK(s["resumed"] == false);
  CHECK(s["attempt_id"] != "att-b");
  const std::string a = s["attempt_id"];
  CHECK(fx.ok("quiz.answer", {{"course_id", "c1"},
                              {"item_id", "quiz"},
                              {"attempt_id", a},
                              {"question_id", "q1"},
                              {"response", "b"}})["saved"] == true);
}

TEST_CASE("engine sync: a course completed on another device is not completed again here",
          "[engine][sync][completion]") {
  EngineFixture fx;
  fx.sign_in();
  fx.ok("course.install", {{"course", engine_course()}});
  OtherDevice b;
  std::vector<json> history;
  TimeMs t = kT0 - 3600000;
  for (const char* card : {"intro", "safety"}) history.push_back(b.card(card, t += 1000));
  for (const char* quiz : {"quiz", "timed"}) {
    const std::string iri = bundle::item_iri("c1", quiz);
    const std::string attempt = std::string("att-") + quiz;
    history.push_back(b.statement(xapi::verbs::kAttempted, iri, t += 1000, nullptr, attempt));
    history.push_back(b.statement(xapi::verbs::kPassed, iri, t += 1000,
                                  {{"score", {{"scaled", 1.0}}}, {"success", true}, {"completion", true}}, attempt));
  }
  history.push_back(b.card("final", t += 1000));
  history.push_back(b.statement(xapi::verbs::kCompleted, "urn:trailpack:course:c1", t += 1000, {{"completion", true}}));
  CHECK(fx.ok("sync.ingest", {{"statements", history}})["added"] == 8);
  const json p = fx.ok("progress.get", {{"course_id", "c1"}});
  CHECK(p["completed"] == true);
  CHECK(p["completed_at"] == t - 1000);  // when the last card was done on the other device
  fx.ok("card.complete", {{"course_id", "c1"}, {"item_id", "final"}});
  int completed = 0;
  for (const auto& s : fx.stored("c1"))
    if (s["verb"]["id"] == xapi::verbs::kCompleted && s["object"]["id"] == "urn:trailpack:course:c1") ++completed;
  CHECK(completed == 1);
}

TEST_CASE("engine sync: reopening the store keeps everything", "[engine][sync][store]") {
  EngineFixture fx;
  fx.sign_in();
  fx.ok("course.install", {{"course", engine_course()}});
  fx.ok("card.complete", {{"course_id", "c1"}, {"item_id", "intro"}});
  OtherDevice b;
  fx.ok("sync.ingest", {{"statements", {b.card("safety", kT0 + 10)}}, {"cursor", 9}});
  const std::string attempt = fx.ok("quiz.start", {{"course_id", "c1"}, {"item_id", "quiz"}})["attempt_id"];
  fx.ok("sync.ack", {{"ids", {fx.stored("c1")[0]["id"]}}});
  const json status = fx.ok("status");
  const json progress = fx.ok("progress.get", {{"course_id", "c1"}});
  const json profile = fx.ok("profile.get");
  const json pending = fx.ok("sync.pending");

  fx.reopen();
  CHECK(fx.ok("status") == status);
  CHECK(fx.ok("progress.get", {{"course_id", "c1"}}).dump() == progress.dump());
  CHECK(fx.ok("profile.get") == profile);
  CHECK(fx.ok("sync.pending") == pending);
  CHECK(fx.ok("courses.list")[0]["version"] == 1);
  CHECK(fx.ok("quiz.start", {{"course_id", "c1"}, {"item_id", "quiz"}})["attempt_id"] == attempt);
  CHECK(fx.engine().store().integrity_check() == "ok");
  CHECK(status["statements"] == 3);
  CHECK(status["unsynced"] == 1);
  CHECK(status["pull_cursor"] == 9);
}
