// The xAPI State resource on a real server (part three 2.2, 2.3, 3.1): documents by
// activity, agent, registration and stateId; ETag (SHA-1) and Last-Modified; If-Match
// and If-None-Match; JSON merge on POST; lists with since; DELETE of one and of all;
// scopes, and learners limited to their own state.
#include <catch2/catch.hpp>

#include <thread>

#include "http/multipart.hpp"
#include "test_helpers.hpp"
#include "trailpack/time.hpp"

using namespace trailpack::test;
using nlohmann::json;

namespace {

const std::string kActivity = "http://example.com/activities/course-1";
const json kAgent = {{"objectType", "Agent"}, {"mbox", "mailto:ann@example.com"}};

struct Lrs : XapiClientServer {
  Lrs() : XapiClientServer("state") {}
};

std::string state_query(const std::string& state_id, const json& agent = kAgent, const std::string& registration = {}) {
  std::string q = "/xapi/activities/state?activityId=" + url_encode(kActivity) + "&agent=" + url_encode(agent.dump());
  if (!registration.empty()) q += "&registration=" + registration;
  if (!state_id.empty()) q += "&stateId=" + url_encode(state_id);
  return q;
}

}  // namespace

TEST_CASE("xAPI state: PUT stores a document that GET returns with its content type, ETag and Last-Modified",
          "[sync][xapi][state]") {
  Lrs lrs;
  const auto before = lrs.srv.app().now_ms();
  auto put = lrs.call("PUT", state_query("bookmark"), "page 7", {{"content-type", "text/plain"}});
  const auto after = lrs.srv.app().now_ms();
  CHECK(put.status == 204);
  CHECK(put.body.empty());
  CHECK(put.headers["x-experience-api-version"] == "1.0.3");

  auto get = lrs.call("GET", state_query("bookmark"));
  REQUIRE(get.status == 200);
  CHECK(get.body == "page 7");
  CHECK(get.headers["content-type"] == "text/plain");
  CHECK(get.headers["etag"] == quoted_sha1("page 7"));
  CHECK(get.headers["etag"] == "\"4259236192d8191ee1b831025e87b45d29c42a40\"");  // sha1sum of "page 7"
  const std::string last_modified = get.headers["last-modified"];
  CHECK((last_modified == trailpack::server::http_date(before) || last_modified == trailpack::server::http_date(after)));

  auto head = lrs.call("HEAD", state_query("bookmark"));
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(head.headers["etag"] == quoted_sha1("page 7"));
  CHECK(head.headers["content-length"] == "6");

  auto missing = lrs.call("GET", state_query("nothing-here"));
  CHECK(missing.status == 404);
  CHECK(error_code(missing) == "not_found");
  CHECK(error_message(missing) == "no such document");

  // The State resource allows PUT without concurrency headers (part three 3.1).
  CHECK(lrs.call("PUT", state_query("bookmark"), "page 8", {{"content-type", "text/plain"}}).status == 204);
  CHECK(lrs.call("GET", state_query("bookmark")).body == "page 8");
  // Without a Content-Type the document is application/octet-stream; bytes are kept as sent.
  const std::string binary("\x00\x01\xff\r\n", 5);
  auto h = xapi_headers(lrs.auth);
  h.erase("content-type");
  CHECK(lrs.srv.request("PUT", state_query("raw"), binary, h).status == 204);
  auto raw = lrs.call("GET", state_query("raw"));
  CHECK(raw.body == binary);
  CHECK(raw.headers["content-type"] == "application/octet-stream");
}

TEST_CASE("xAPI state: If-Match and If-None-Match guard changes with 412, and change nothing when they fail",
          "[sync][xapi][state]") {
  Lrs lrs;
  REQUIRE(lrs.call("PUT", state_query("s"), "one", {{"content-type", "text/plain"}}).status == 204);
  const std::string etag = lrs.call("GET", state_query("s")).headers["etag"];

  auto stale = lrs.call("PUT", state_query("s"), "two", {{"content-type", "text/plain"}, {"if-match", "\"0000\""}});
  CHECK(stale.status == 412);
  CHECK(error_code(stale) == "precondition_failed");
  CHECK(error_message(stale) == "If-Match: the document has changed (its ETag is now " + etag + ")");
  CHECK(lrs.call("GET", state_query("s")).body == "one");

  auto exists = lrs.call("PUT", state_query("s"), "two", {{"content-type", "text/plain"}, {"if-none-match", "*"}});
  CHECK(exists.status == 412);
  CHECK(error_message(exists) == "If-None-Match: the document already exists");
  auto absent = lrs.call("PUT", state_query("new"), "x", {{"content-type", "text/plain"}, {"if-match", "*"}});
  CHECK(absent.status == 412);
  CHECK(error_message(absent) == "If-Match: there is no such document");
  CHECK(lrs.call("GET", state_query("new")).status == 404);

  CHECK(lrs.call("PUT", state_query("s"), "two", {{"content-type", "text/plain"}, {"if-match", etag}}).status == 204);
  CHECK(lrs.call("GET", state_query("s")).body == "two");
  // A list of tags, weak tags and unquoted tags are understood.
  const std::string etag2 = quoted_sha1("two");
  CHECK(lrs.call("PUT", state_query("s"), "three", {{"content-type", "text/plain"}, {"if-match", "\"abc\", W/" + etag2}}).status == 204);
  CHECK(lrs.call("PUT", state_query("fresh"), "x", {{"content-type", "text/plain"}, {"if-none-match", "*"}}).status == 204);
  // POST and DELETE honour them too.
  CHECK(lrs.call("POST", state_query("s"), "{}", {{"if-match", "\"0000\""}}).status == 412);
  auto del = lrs.call("DELETE", state_query("s"), {}, {{"if-match", "\"0000\""}});
  CHECK(del.status == 412);
  CHECK(lrs.call("GET", state_query("s")).body == "three");
  CHECK(lrs.call("DELETE", state_query("s"), {}, {{"if-match", quoted_sha1("three")}}).status == 204);
  CHECK(lrs.call("GET", state_query("s")).status == 404);
}

TEST_CASE("xAPI state: POST merges JSON objects at the top level; anything else is 400 and changes nothing",
          "[sync][xapi][state]") {
  Lrs lrs;
  CHECK(lrs.call("POST", state_query("vars"), R"({"x":"foo","y":"bar"})").status == 204);
  CHECK(lrs.call("POST", state_query("vars"), R"({"x":"bash","z":"faz"})").status == 204);
  auto merged = lrs.call("GET", state_query("vars"));
  REQUIRE(merged.status == 200);
  CHECK(json::parse(merged.body) == json{{"x", "bash"}, {"y", "bar"}, {"z", "faz"}});
  CHECK(merged.headers["content-type"] == "application/json");
  CHECK(merged.headers["etag"] == quoted_sha1(merged.body));
  // Objects are replaced whole, not merged deeply.
  CHECK(lrs.call("POST", state_query("vars"), R"({"y":{"a":1}})").status == 204);
  CHECK(lrs.call("POST", state_query("vars"), R"({"y":{"b":2}})").status == 204);
  CHECK(json::parse(lrs.call("GET", state_query("vars")).body)["y"] == json{{"b", 2}});

  auto array = lrs.call("POST", state_query("vars"), "[1,2]");
  CHECK(array.status == 400);
  CHECK(error_code(array) == "invalid_document");
  CHECK(error_message(array) == "POST merges JSON objects, and this application/json body is not one");
  REQUIRE(lrs.call("PUT", state_query("text"), "plain words", {{"content-type", "text/plain"}}).status == 204);
  auto onto_text = lrs.call("POST", state_query("text"), R"({"a":1})");
  CHECK(onto_text.status == 400);
  CHECK(error_message(onto_text) == "POST merges JSON documents: both the stored document and the body must be application/json");
  CHECK(lrs.call("GET", state_query("text")).body == "plain words");
  auto text_onto_json = lrs.call("POST", state_query("vars"), "words", {{"content-type", "text/plain"}});
  CHECK(text_onto_json.status == 400);
  CHECK(json::parse(lrs.call("GET", state_query("vars")).body)["x"] == "bash");
  // A POST creates a document that does not exist yet, whatever its type.
  CHECK(lrs.call("POST", state_query("note"), "hello", {{"content-type", "text/plain"}}).status == 204);
  CHECK(lrs.call("GET", state_query("note")).body == "hello");
}

TEST_CASE("xAPI state: registrations keep documents apart; GET lists ids (since), DELETE removes one or all",
          "[sync][xapi][state]") {
  Lrs lrs;
  const std::string reg = "c0000000-0000-4000-8000-000000000001";
  const std::string reg2 = "c0000000-0000-4000-8000-000000000002";
  REQUIRE(lrs.call("PUT", state_query("a"), "no registration", {{"content-type", "text/plain"}}).status == 204);
  REQUIRE(lrs.call("PUT", state_query("a", kAgent, reg), "registration 1", {{"content-type", "text/plain"}}).status == 204);
  REQUIRE(lrs.call("PUT", state_query("b", kAgent, reg), "b", {{"content-type", "text/plain"}}).status == 204);
  REQUIRE(lrs.call("PUT", state_query("c", kAgent, reg2), "c", {{"content-type", "text/plain"}}).status == 204);
  // Another agent's and another activity's states are not listed.
  REQUIRE(lrs.call("PUT", state_query("z", json{{"mbox", "mailto:bob@example.com"}}), "z", {{"content-type", "text/plain"}}).status == 204);
  CHECK(lrs.call("GET", state_query("a")).body == "no registration");
  CHECK(lrs.call("GET", state_query("a", kAgent, reg)).body == "registration 1");
  CHECK(lrs.call("GET", state_query("b")).status == 404);

  auto all = lrs.call("GET", state_query(""));
  REQUIRE(all.status == 200);
  CHECK(json::parse(all.body) == json::array({"a", "b", "c"}));
  CHECK(all.headers["etag"] == quoted_sha1(all.body));
  CHECK(all.headers.count("last-modified"));
  CHECK(json::parse(lrs.call("GET", state_query("", kAgent, reg)).body) == json::array({"a", "b"}));

  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  const std::string between = trailpack::format_timestamp(lrs.srv.app().now_ms());
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  REQUIRE(lrs.call("PUT", state_query("b", kAgent, reg), "b2", {{"content-type", "text/plain"}}).status == 204);
  CHECK(json::parse(lrs.call("GET", state_query("") + "&since=" + url_encode(between)).body) == json::array({"b"}));
  CHECK(json::parse(lrs.call("GET", state_query("", json{{"mbox", "mailto:nobody@example.com"}})).body) == json::array());

  // DELETE with a registration removes that registration's states only.
  CHECK(lrs.call("DELETE", state_query("", kAgent, reg)).status == 204);
  CHECK(json::parse(lrs.call("GET", state_query("")).body) == json::array({"a", "c"}));
  CHECK(lrs.call("DELETE", state_query("a")).status == 204);
  CHECK(json::parse(lrs.call("GET", state_query("")).body) == json::array({"c"}));
  CHECK(lrs.call("DELETE", state_query("")).status == 204);  // every registration
  CHECK(json::parse(lrs.call("GET", state_query("")).body) == json::array());
  CHECK(lrs.call("GET", state_query("z", json{{"mbox", "mailto:bob@example.com"}})).body == "z");
  CHECK(lrs.call("DELETE", state_query("never-existed")).status == 204);
}

TEST_CASE("xAPI state: parameters are checked with exact messages", "[sync][xapi][state]") {
  Lrs lrs;
  const std::string agent = url_encode(kAgent.dump());
  const std::string activity = url_encode(kActivity);
  struct Bad {
    std::string method, query, where, message;
  };
  for (const auto& b : std::vector<Bad>{
           {"GET", "?agent=" + agent + "&stateId=s", "activityId", "activityId is required"},
           {"GET", "?activityId=not-an-iri&agent=" + agent, "activityId", "activityId must be an IRI"},
           {"GET", "?activityId=" + activity, "agent", "agent is required"},
           {"GET", "?activityId=" + activity + "&agent=%7Bnope", "agent", "agent must be a JSON Agent"},
           {"GET", "?activityId=" + activity + "&agent=" + url_encode(json{{"name", "x"}}.dump()), "agent",
            "agent must be a JSON Agent (agent: an Agent needs exactly one identifier (mbox, mbox_sha1sum, openid or account))"},
           {"GET", "?activityId=" + activity + "&agent=" + url_encode(json{{"objectType", "Group"}, {"mbox", "mailto:g@example.com"}}.dump()),
            "agent", "agent must be a JSON Agent, not a Group"},
           {"GET", "?activityId=" + activity + "&agent=" + agent + "&registration=r1", "registration", "registration must be a UUID"},
           {"GET", "?activityId=" + activity + "&agent=" + agent + "&stateId=s&since=2020-01-01T00:00:00Z", "since",
            "since cannot be combined with stateId"},
           {"GET", "?activityId=" + activity + "&agent=" + agent + "&since=yesterday", "since", "since must be an ISO 8601 timestamp"},
           {"GET", "?activityId=" + activity + "&agent=" + agent + "&profileId=p", "profileId",
            "unknown parameter profileId (this request takes activityId, agent, registration, stateId, since)"},
           {"PUT", "?activityId=" + activity + "&agent=" + agent, "stateId", "stateId is required"},
           {"PUT", "?activityId=" + activity + "&agent=" + agent + "&stateId=s&since=2020-01-01T00:00:00Z", "since",
            "unknown parameter since (this request takes activityId, agent, registration, stateId)"},
           {"PUT", "?activityId=" + activity + "&agent=" + agent + "&stateId=", "stateId", "stateId must not be empty"},
           {"PUT", "?activityId=" + activity + "&agent=" + agent + "&stateId=" + std::string(1025, 's'), "stateId",
            "stateId is longer than 1024 bytes"},
       }) {
    INFO(b.method << " " << b.query);
    auto res = lrs.call(b.method, "/xapi/activities/state" + b.query, "x", {{"content-type", "text/plain"}});
    CHECK(res.status == 400);
    CHECK(error_code(res) == "invalid_parameter");
    CHECK(error_where(res) == b.where);
    CHECK(error_message(res) == b.message);
  }
  auto no_version = lrs.srv.request("GET", state_query("s"), {}, xapi_headers(lrs.auth, ""));
  CHECK(no_version.status == 400);
  CHECK(error_code(no_version) == "missing_version");
  CHECK(no_version.headers["x-experience-api-version"] == "1.0.3");
}

TEST_CASE("xAPI state: a document over 1 MiB is 413 and the stored one stays", "[sync][xapi][state]") {
  Lrs lrs;
  REQUIRE(lrs.call("PUT", state_query("big"), "small", {{"content-type", "text/plain"}}).status == 204);
  auto put = lrs.call("PUT", state_query("big"), std::string((1u << 20) + 1, 'x'), {{"content-type", "text/plain"}});
  CHECK(put.status == 413);
  CHECK(error_code(put) == "body_too_large");
  // A POST may carry up to 4 MiB (URL-encoded alternate syntax), but a document stays within 1 MiB.
  auto post = lrs.call("POST", state_query("big"), std::string((1u << 20) + 1, 'x'), {{"content-type", "text/plain"}});
  CHECK(post.status == 413);
  CHECK(error_code(post) == "document_too_large");
  CHECK(error_message(post) == "documents are limited to 1048576 bytes");
  CHECK(lrs.call("GET", state_query("big")).body == "small");
}

TEST_CASE("xAPI state: the state scope is needed; all/read reads; a learner reaches only their own states",
          "[sync][xapi][state]") {
  Lrs lrs;
  auto [rk, rs] = lrs.srv.app().create_xapi_client("reader", {"all/read"});
  auto [sk, ss] = lrs.srv.app().create_xapi_client("statements only", {"statements/write", "statements/read"});
  REQUIRE(lrs.call("PUT", state_query("s"), "v", {{"content-type", "text/plain"}}).status == 204);
  CHECK(lrs.call("GET", state_query("s"), {}, {}, basic_auth(rk, rs)).status == 200);
  auto write = lrs.call("PUT", state_query("s"), "w", {{"content-type", "text/plain"}}, basic_auth(rk, rs));
  CHECK(write.status == 403);
  CHECK(error_message(write) == "this client lacks the state scope");
  auto none = lrs.call("GET", state_query("s"), {}, {}, basic_auth(sk, ss));
  CHECK(none.status == 403);
  CHECK(error_message(none) == "this client lacks the state scope");
  auto anonymous = lrs.call("GET", state_query("s"), {}, {}, basic_auth("who", "knows"));
  CHECK(anonymous.status == 401);
  CHECK(anonymous.headers["www-authenticate"] == "Basic realm=\"trailpack-xapi\"");

  Device lea = lrs.srv.enroll_learner("lea@example.com", "Lea");
  const std::string bearer = "Bearer " + lea.access_token;
  CHECK(lrs.call("PUT", state_query("resume", lea.agent), "slide 3", {{"content-type", "text/plain"}}, bearer).status == 204);
  CHECK(lrs.call("GET", state_query("resume", lea.agent), {}, {}, bearer).body == "slide 3");
  // Her email identifies her too.
  const json by_mail = {{"mbox", "mailto:lea@example.com"}};
  CHECK(lrs.call("PUT", state_query("pref", by_mail), "dark", {{"content-type", "text/plain"}}, bearer).status == 204);
  auto others = lrs.call("GET", state_query("s"), {}, {}, bearer);
  CHECK(others.status == 403);
  CHECK(error_message(others) == "a learner can only use their own state documents");
  CHECK(lrs.call("DELETE", state_query("", kAgent), {}, {}, bearer).status == 403);
  CHECK(lrs.call("GET", state_query("s")).body == "v");
}
