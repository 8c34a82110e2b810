// The xAPI Activity Profile and Agent Profile resources on a real server (part three
// 2.6, 2.7, 3.1): a PUT that would overwrite without If-Match/If-None-Match is 409,
// preconditions are 412, lists with since, DELETE needs profileId; scopes, and what
// learners may do.
#include <catch2/catch.hpp>

#include <thread>

#include "test_helpers.hpp"
#include "trailpack/time.hpp"

using namespace trailpack::test;
using nlohmann::json;

namespace {

const std::string kActivity = "http://example.com/activities/course-1";
const json kAgent = {{"objectType", "Agent"}, {"mbox", "mailto:ann@example.com"}};

struct Lrs : XapiClientServer {
  Lrs() : XapiClientServer("profile") {}
};

std::string activity_profile(const std::string& profile_id) {
  std::string q = "/xapi/activities/profile?activityId=" + url_encode(kActivity);
  if (!profile_id.empty()) q += "&profileId=" + url_encode(profile_id);
  return q;
}

std::string agent_profile(const std::string& profile_id, const json& agent = kAgent) {
  std::string q = "/xapi/agents/profile?agent=" + url_encode(agent.dump());
  if (!profile_id.empty()) q += "&profileId=" + url_encode(profile_id);
  return q;
}

}  // namespace

TEST_CASE("xAPI profiles: PUT over an existing profile needs If-Match or If-None-Match (409), preconditions are 412",
          "[sync][xapi][profiles]") {
  Lrs lrs;
  for (const auto& path : {activity_profile("settings"), agent_profile("settings")}) {
    INFO(path);
    CHECK(lrs.call("PUT", path, R"({"theme":"dark"})").status == 204);
    auto blind = lrs.call("PUT", path, R"({"theme":"light"})");
    CHECK(blind.status == 409);
    CHECK(error_code(blind) == "conflict");
    CHECK(error_message(blind) ==
          "this document already exists: GET it for its current state, then PUT again with If-Match set to its ETag");
    auto got = lrs.call("GET", path);
    REQUIRE(got.status == 200);
    CHECK(got.body == R"({"theme":"dark"})");
    CHECK(got.headers["etag"] == quoted_sha1(R"({"theme":"dark"})"));
    CHECK(got.headers.count("last-modified"));

    CHECK(lrs.call("PUT", path, R"({"theme":"light"})", {{"if-none-match", "*"}}).status == 412);
    CHECK(lrs.call("PUT", path, R"({"theme":"light"})", {{"if-match", quoted_sha1("other")}}).status == 412);
    CHECK(lrs.call("PUT", path, R"({"theme":"light"})", {{"if-match", got.headers["etag"]}}).status == 204);
    CHECK(lrs.call("GET", path).body == R"({"theme":"light"})");
    // POST merges without needing a header; with a stale one it is 412.
    CHECK(lrs.call("POST", path, R"({"size":2})").status == 204);
    CHECK(json::parse(lrs.call("GET", path).body) == json{{"theme", "light"}, {"size", 2}});
    CHECK(lrs.call("POST", path, R"({"size":3})", {{"if-match", "\"stale\""}}).status == 412);
    CHECK(lrs.call("DELETE", path, {}, {{"if-match", "\"stale\""}}).status == 412);
    CHECK(lrs.call("DELETE", path).status == 204);
    CHECK(lrs.call("GET", path).status == 404);
    // A new profile with If-None-Match: * is created.
    CHECK(lrs.call("PUT", path, "x", {{"if-none-match", "*"}, {"content-type", "text/plain"}}).status == 204);
  }
}

TEST_CASE("xAPI profiles: GET without profileId lists ids (since); DELETE needs profileId; parameters are checked",
          "[sync][xapi][profiles]") {
  Lrs lrs;
  REQUIRE(lrs.call("PUT", activity_profile("b"), "1", {{"content-type", "text/plain"}}).status == 204);
  REQUIRE(lrs.call("PUT", activity_profile("a"), "1", {{"content-type", "text/plain"}}).status == 204);
  REQUIRE(lrs.call("PUT", agent_profile("p"), "1", {{"content-type", "text/plain"}}).status == 204);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  const std::string between = trailpack::format_timestamp(lrs.srv.app().now_ms());
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  REQUIRE(lrs.call("PUT", activity_profile("c"), "1", {{"content-type", "text/plain"}}).status == 204);
  CHECK(json::parse(lrs.call("GET", activity_profile("")).body) == json::array({"a", "b", "c"}));
  CHECK(json::parse(lrs.call("GET", activity_profile("") + "&since=" + url_encode(between)).body) == json::array({"c"}));
  CHECK(json::parse(lrs.call("GET", agent_profile("")).body) == json::array({"p"}));
  CHECK(json::parse(lrs.call("GET", agent_profile("", json{{"mbox", "mailto:bob@example.com"}})).body) == json::array());

  auto del = lrs.call("DELETE", activity_profile(""));
  CHECK(del.status == 400);
  CHECK(error_message(del) == "profileId is required");
  CHECK(json::parse(lrs.call("GET", activity_profile("")).body).size() == 3);

  auto unknown = lrs.call("GET", activity_profile("a") + "&agent=" + url_encode(kAgent.dump()));
  CHECK(unknown.status == 400);
  CHECK(error_message(unknown) == "unknown parameter agent (this request takes activityId, profileId, since)");
  auto group = lrs.call("GET", agent_profile("p", json{{"objectType", "Group"}, {"mbox", "mailto:team@example.com"}}));
  CHECK(group.status == 400);
  CHECK(error_message(group) == "agent must be a JSON Agent, not a Group");
  auto no_activity = lrs.call("GET", "/xapi/activities/profile?profileId=a");
  CHECK(no_activity.status == 400);
  CHECK(error_message(no_activity) == "activityId is required");
  auto stray = lrs.call("PUT", agent_profile("p") + "&registration=c0000000-0000-4000-8000-000000000001", "1");
  CHECK(stray.status == 400);
  CHECK(error_where(stray) == "registration");
}

TEST_CASE("xAPI profiles: the profile scope is needed; learners read activity profiles and keep their own agent profile",
          "[sync][xapi][profiles]") {
  Lrs lrs;
  auto [sk, ss] = lrs.srv.app().create_xapi_client("state only", {"state"});
  auto [rk, rs] = lrs.srv.app().create_xapi_client("reader", {"all/read"});
  REQUIRE(lrs.call("PUT", activity_profile("config"), R"({"passing":0.8})").status == 204);
  auto state_only = lrs.call("GET", activity_profile("config"), {}, {}, basic_auth(sk, ss));
  CHECK(state_only.status == 403);
  CHECK(error_message(state_only) == "this client lacks the profile scope");
  CHECK(lrs.call("GET", activity_profile("config"), {}, {}, basic_auth(rk, rs)).status == 200);
  CHECK(lrs.call("PUT", activity_profile("x"), "{}", {}, basic_auth(rk, rs)).status == 403);

  Device lea = lrs.srv.enroll_learner("lea@example.com", "Lea");
  const std::string bearer = "Bearer " + lea.access_token;
  CHECK(lrs.call("GET", activity_profile("config"), {}, {}, bearer).body == R"({"passing":0.8})");
  auto change = lrs.call("POST", activity_profile("config"), R"({"passing":0.1})", {}, bearer);
  CHECK(change.status == 403);
  CHECK(error_message(change) == "only xAPI clients with the profile scope can change activity profiles");
  CHECK(lrs.call("PUT", agent_profile("cmi5LearnerPreferences", lea.agent), R"({"languagePreference":"fr"})", {}, bearer).status == 204);
  CHECK(lrs.call("GET", agent_profile("cmi5LearnerPreferences", lea.agent), {}, {}, bearer).body == R"({"languagePreference":"fr"})");
  auto other = lrs.call("GET", agent_profile("settings"), {}, {}, bearer);
  CHECK(other.status == 403);
  CHECK(error_message(other) == "a learner can only use their own agent profile");
  // The profile a client wrote for her is hers to read too.
  CHECK(lrs.call("PUT", agent_profile("badge", json{{"mbox", "mailto:lea@example.com"}}), "gold", {{"content-type", "text/plain"}}).status == 204);
  CHECK(lrs.call("GET", agent_profile("badge", json{{"mbox", "mailto:lea@example.com"}}), {}, {}, bearer).body == "gold");
}
