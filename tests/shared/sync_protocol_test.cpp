// The sync protocol's message shapes: push and pull requests with their limits and
// errors, and the push response.
#include <catch2/catch.hpp>

#include "trailpack/sync/protocol.hpp"

using namespace trailpack;
using namespace trailpack::sync;
using nlohmann::json;

namespace {

json push(std::size_t n) {
  json st = json::array();
  for (std::size_t i = 0; i < n; ++i) st.push_back({{"n", i}});
  return {{"protocol", 1}, {"device_id", "device-1"}, {"statements", st}};
}

void push_refused(const json& body, const std::string& where, const std::string& message) {
  INFO(body.dump().substr(0, 200));
  auto r = parse_push_request(body);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "invalid_push");
  CHECK(r.error().where == where);
  CHECK(r.error().message == message);
}

void pull_refused(const json& body, const std::string& where, const std::string& message) {
  INFO(body.dump());
  auto r = parse_pull_request(body);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "invalid_pull");
  CHECK(r.error().where == where);
  CHECK(r.error().message == message);
}

}  // namespace

TEST_CASE("push requests", "[sync][protocol]") {
  SECTION("a valid push keeps its statements as they are") {
    auto r = parse_push_request(push(3));
    REQUIRE(r);
    CHECK(r->protocol == 1);
    CHECK(r->device_id == "device-1");
    REQUIRE(r->statements.size() == 3);
    CHECK(r->statements[2] == json{{"n", 2}});
  }
  SECTION("statements are not validated here, so one bad one does not reject the batch") {
    json body = push(0);
    body["statements"] = {"not a statement", 42, json::object()};
    auto r = parse_push_request(body);
    REQUIRE(r);
    CHECK(r->statements.size() == 3);
  }
  SECTION("protocol defaults to 1; an empty batch is fine") {
    json body = push(0);
    body.erase("protocol");
    auto r = parse_push_request(body);
    REQUIRE(r);
    CHECK(r->protocol == kProtocolVersion);
    CHECK(r->statements.empty());
  }
  SECTION("limits: 500 statements, a 64-character device id") {
    CHECK(parse_push_request(push(kMaxPushStatements)));
    push_refused(push(kMaxPushStatements + 1), "statements", "a batch holds at most 500 statements, found 501");
    json body = push(1);
    body["device_id"] = std::string(64, 'd');
    CHECK(parse_push_request(body));
    body["device_id"] = std::string(65, 'd');
    push_refused(body, "device_id", "must be at most 64 characters");
  }
  SECTION("errors") {
    json body = push(1);
    body["protocol"] = 2;
    push_refused(body, "protocol", "protocol 2 is not supported (this server speaks 1)");
    body["protocol"] = 0;
    push_refused(body, "protocol", "protocol 0 is not supported (this server speaks 1)");
    body["protocol"] = "1";
    push_refused(body, "protocol", "expected a whole number, found a string");
    body = push(1);
    body.erase("device_id");
    push_refused(body, "device_id", "is required");
    body["device_id"] = "";
    push_refused(body, "device_id", "must not be empty");
    body["device_id"] = 7;
    push_refused(body, "device_id", "expected a string, found a number");
    body = push(1);
    body.erase("statements");
    push_refused(body, "statements", "is required");
    body["statements"] = nullptr;
    push_refused(body, "statements", "is required");
    body["statements"] = json::object();
    push_refused(body, "statements", "expected an array");
    body = push(1);
    body["cursor"] = 3;
    push_refused(body, "cursor", "unknown field");
    push_refused(json::array(), "$", "expected an object, found an array");
    push_refused("push", "$", "expected an object, found a string");
  }
}

TEST_CASE("pull requests", "[sync][protocol]") {
  SECTION("defaults") {
    auto r = parse_pull_request(json::object());
    REQUIRE(r);
    CHECK(r->protocol == 1);
    CHECK(r->cursor == 0);
    CHECK(r->limit == kMaxPullStatements);
    CHECK_FALSE(r->skip_own);
  }
  SECTION("values within the limits") {
    auto r = parse_pull_request({{"protocol", 1}, {"cursor", 123456789012LL}, {"limit", 1}});
    REQUIRE(r);
    CHECK(r->cursor == 123456789012LL);
    CHECK(r->limit == 1);
    CHECK(parse_pull_request({{"limit", 1000}})->limit == 1000);
    auto acks = parse_pull_request({{"ack_reminders", {"r-7QJ3K9M2X4PA", "r_2"}}});
    REQUIRE(acks);
    CHECK(acks->ack_reminders == std::vector<std::string>{"r-7QJ3K9M2X4PA", "r_2"});
    CHECK(parse_pull_request(json::object())->ack_reminders.empty());
    CHECK(parse_pull_request({{"ack_reminders", std::vector<std::string>(200, "r-1")}}));
    CHECK(parse_pull_request({{"skip_own", true}})->skip_own);
    CHECK_FALSE(parse_pull_request({{"skip_own", false}})->skip_own);
  }
  SECTION("errors") {
    pull_refused({{"cursor", -1}}, "cursor", "must be at least 0");
    pull_refused({{"cursor", "5"}}, "cursor", "expected a whole number, found a string");
    pull_refused({{"cursor", 1.5}}, "cursor", "expected a whole number, found a number");
    pull_refused({{"cursor", 18446744073709551615ULL}}, "cursor", "must be at most 9223372036854775807");
    pull_refused({{"limit", 0}}, "limit", "must be at least 1");
    pull_refused({{"limit", 1001}}, "limit", "must be at most 1000");
    pull_refused({{"protocol", 2}}, "protocol", "protocol 2 is not supported (this server speaks 1)");
    pull_refused({{"protocol", 0}}, "protocol", "protocol 0 is not supported (this server speaks 1)");
    pull_refused({{"since", 0}}, "since", "unknown field");
    pull_refused({{"skip_own", 1}}, "skip_own", "expected true or false, found a number");
    pull_refused({{"ack_reminders", "r-1"}}, "ack_reminders", "expected an array of strings, found a string");
    pull_refused({{"ack_reminders", {"r-1", ""}}}, "ack_reminders[1]", "expected a non-empty string");
    pull_refused({{"ack_reminders", {"r-1", "r 2"}}}, "ack_reminders[1]", "is not a reminder id");
    pull_refused({{"ack_reminders", {std::string(65, 'a')}}}, "ack_reminders[0]", "is not a reminder id");
    pull_refused({{"ack_reminders", std::vector<std::string>(201, "r-1")}}, "ack_reminders", "at most 200 ids, found 201");
    pull_refused(json::array(), "$", "expected an object, found an array");
  }
}

TEST_CASE("push responses count each outcome", "[sync][protocol]") {
  const std::vector<PushOutcome> outcomes = {{"id-1", PushStatus::stored, ""},
                                             {"id-2", PushStatus::duplicate, ""},
                                             {"id-3", PushStatus::stored, ""},
                                             {"id-4", PushStatus::conflict, "a different statement has this id"},
                                             {"id-5", PushStatus::rejected, "actor.mbox: must be a mailto: IRI"}};
  const json r = push_response(outcomes, 42);
  CHECK(r["protocol"] == 1);
  CHECK(r["stored"] == 2);
  CHECK(r["duplicates"] == 1);
  CHECK(r["conflicts"] == 1);
  CHECK(r["rejected"] == 1);
  CHECK(r["cursor"] == 42);
  REQUIRE(r["results"].size() == 5);
  CHECK(r["results"][0] == json{{"id", "id-1"}, {"status", "stored"}});
  CHECK(r["results"][1] == json{{"id", "id-2"}, {"status", "duplicate"}});
  CHECK(r["results"][3] == json{{"id", "id-4"}, {"status", "conflict"}, {"error", "a different statement has this id"}});
  CHECK(r["results"][4]["status"] == "rejected");
  SECTION("an empty push") {
    CHECK(push_response({}, 0) == json{{"protocol", 1},
                                       {"results", json::array()},
                                       {"stored", 0},
                                       {"duplicates", 0},
                                       {"conflicts", 0},
                                       {"rejected", 0},
                                       {"cursor", 0}});
  }
  CHECK(std::string(to_string(PushStatus::duplicate)) == "duplicate");
  CHECK(capabilities() == std::vector<std::string>{"push", "pull", "gzip", "statement-results"});
}
