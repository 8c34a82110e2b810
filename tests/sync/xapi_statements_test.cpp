// The xAPI 1.0.3 Statements resource on a real server: version header, Basic auth with
// scopes, PUT/POST/GET, conflicts, voiding, filters (agents in every role, the
// StatementRef rule), parameters, `more` paging, formats (ids, canonical with
// Accept-Language), consistency headers, HEAD, and who reads what (read/mine, managers,
// admins). Attachments, documents, CORS and the alternate syntax have their own files.
#include <catch2/catch.hpp>

#include <set>
#include <functional>
#include <thread>

#include "http/multipart.hpp"
#include "test_helpers.hpp"
#include "trailpack/encoding.hpp"
#include "trailpack/time.hpp"
#include "trailpack/uuid.hpp"

using namespace trailpack::test;
using nlohmann::json;

namespace {

constexpr const char* kCompleted = "http://adlnet.gov/expapi/verbs/completed";
constexpr const char* kExperienced = "http://adlnet.gov/expapi/verbs/experienced";
constexpr const char* kVoided = "http://adlnet.gov/expapi/verbs/voided";

struct Lrs {
  TestServer srv;
  std::string rw, ro, wo;  // Authorization values
  Lrs() {
    auto [k1, s1] = srv.app().create_xapi_client("reporting tool", {"statements/read", "statements/write"});
    rw = basic_auth(k1, s1);
    auto [k2, s2] = srv.app().create_xapi_client("dashboard", {"statements/read"});
    ro = basic_auth(k2, s2);
    auto [k3, s3] = srv.app().create_xapi_client("authoring tool", {"statements/write"});
    wo = basic_auth(k3, s3);
  }
  trailpack::server::ClientResponse post(const json& body, const std::string& auth = {}) {
    return srv.post("/xapi/statements", body.dump(), xapi_headers(auth.empty() ? rw : auth));
  }
  trailpack::server::ClientResponse put(const std::string& id, const json& body, const std::string& auth = {}) {
    return srv.request("PUT", "/xapi/statements?statementId=" + id, body.dump(), xapi_headers(auth.empty() ? rw : auth));
  }
  trailpack::server::ClientResponse get(const std::string& query, const std::string& auth = {}) {
    return srv.get("/xapi/statements" + query, xapi_headers(auth.empty() ? rw : auth));
  }
};

json agent_mbox(const std::string& who) { return {{"objectType", "Agent"}, {"name", who}, {"mbox", "mailto:" + who + "@example.com"}}; }

json make(const std::string& id, const json& actor, const std::string& verb, const std::string& activity,
          const std::string& registration = {}) {
  json s = {{"id", id},
            {"actor", actor},
            {"verb", {{"id", verb}, {"display", {{"en-US", "did"}}}}},
            {"object", {{"objectType", "Activity"}, {"id", activity}, {"definition", {{"name", {{"en-US", "A thing"}}}}}}},
            {"timestamp", "2026-11-22T10:00:00.000Z"}};
  if (!registration.empty()) s["context"] = {{"registration", registration}};
  return s;
}

json voiding(const std::string& id, const std::string& target) {
  return {{"id", id},
          {"actor", agent_mbox("admin")},
          {"verb", {{"id", kVoided}}},
          {"object", {{"objectType", "StatementRef"}, {"id", target}}}};
}

std::vector<std::string> ids_of(const json& result) {
  std::vector<std::string> out;
  for (const auto& s : result["statements"]) out.push_back(s["id"]);
  return out;
}

// Follows `more` links to the end; returns every id in order and the number of pages.
std::pair<std::vector<std::string>, int> walk(Lrs& lrs, const std::string& first_query, const std::string& auth = {},
                                              const std::function<void(const json&)>& each = {}) {
  std::vector<std::string> ids;
  int pages = 0;
  auto res = lrs.get(first_query, auth);
  for (int guard = 0; guard < 100; ++guard) {
    REQUIRE(res.status == 200);
    const json j = body_json(res);
    ++pages;
    for (const auto& s : j["statements"]) {
      ids.push_back(s["id"]);
      if (each) each(s);
    }
    const std::string more = j["more"];
    if (more.empty()) break;
    REQUIRE(more.rfind("/xapi/statements?", 0) == 0);
    res = lrs.srv.get(more, xapi_headers(auth.empty() ? lrs.rw : auth));
  }
  return {ids, pages};
}

}  // namespace

TEST_CASE("xAPI: a missing or unsupported X-Experience-API-Version is 400", "[sync][xapi]") {
  Lrs lrs;
  const json s = make(uuid_n(1), agent_mbox("ann"), kCompleted, "http://example.com/a");
  auto missing = lrs.srv.post("/xapi/statements", s.dump(), xapi_headers(lrs.rw, ""));
  CHECK(missing.status == 400);
  CHECK(error_code(missing) == "missing_version");
  auto v2 = lrs.srv.post("/xapi/statements", s.dump(), xapi_headers(lrs.rw, "2.0.0"));
  CHECK(v2.status == 400);
  CHECK(error_code(v2) == "unsupported_version");
  CHECK(error_message(v2) == "X-Experience-API-Version 2.0.0 is not supported (1.0.x is)");
  CHECK(lrs.srv.post("/xapi/statements", s.dump(), xapi_headers(lrs.rw, "1.01")).status == 400);
  auto get_missing = lrs.srv.get("/xapi/statements", xapi_headers(lrs.rw, ""));
  CHECK(get_missing.status == 400);
  CHECK(error_code(get_missing) == "missing_version");
  CHECK(count_statements(lrs.srv) == 0);
  // 1.0 and 1.0.0 are 1.0.x.
  auto ok = lrs.srv.post("/xapi/statements", s.dump(), xapi_headers(lrs.rw, "1.0.0"));
  CHECK(ok.status == 200);
  CHECK(ok.headers["x-experience-api-version"] == "1.0.3");
}

TEST_CASE("xAPI: every response carries X-Experience-API-Version, errors included (1.0.3 part three 6.2)",
          "[sync][xapi]") {
  Lrs lrs;
  const json s = make(uuid_n(1), agent_mbox("ann"), kCompleted, "http://example.com/a");
  std::vector<std::pair<int, trailpack::server::ClientResponse>> answers;
  answers.emplace_back(400, lrs.srv.post("/xapi/statements", s.dump(), xapi_headers(lrs.rw, "")));
  answers.emplace_back(401, lrs.post(s, basic_auth("nobody", "x")));
  answers.emplace_back(403, lrs.post(s, lrs.ro));
  answers.emplace_back(200, lrs.post(s));
  json changed = s;
  changed["verb"]["id"] = kExperienced;
  answers.emplace_back(409, lrs.post(changed));
  answers.emplace_back(204, lrs.put(uuid_n(1), s));
  answers.emplace_back(200, lrs.get("?statementId=" + uuid_n(1)));
  answers.emplace_back(404, lrs.get("?statementId=" + uuid_n(2)));
  answers.emplace_back(400, lrs.get("?since=never"));
  answers.emplace_back(200, lrs.srv.get("/xapi/about"));
  for (auto& [status, res] : answers) {
    INFO(status << " " << res.body);
    CHECK(res.status == status);
    CHECK(res.headers["x-experience-api-version"] == "1.0.3");
  }
}

TEST_CASE("xAPI: Basic credentials and scopes", "[sync][xapi]") {
  Lrs lrs;
  const json s = make(uuid_n(1), agent_mbox("ann"), kCompleted, "http://example.com/a");
  auto ro = lrs.post(s, lrs.ro);
  CHECK(ro.status == 403);
  CHECK(error_code(ro) == "forbidden");
  CHECK(error_message(ro) == "this client lacks the statements/write scope");
  auto wo = lrs.get("", lrs.wo);
  CHECK(wo.status == 403);
  CHECK(error_message(wo) == "this client lacks the statements/read scope");
  auto unknown = lrs.post(s, basic_auth("xc-nobody", "secret"));
  CHECK(unknown.status == 401);
  CHECK(error_code(unknown) == "unauthorized");
  CHECK(unknown.headers["www-authenticate"] == "Basic realm=\"trailpack-xapi\"");
  auto [key, secret] = lrs.srv.app().create_xapi_client("x", {"all"});
  CHECK(lrs.post(s, basic_auth(key, secret + "x")).status == 401);
  CHECK(lrs.srv.post("/xapi/statements", s.dump(), xapi_headers("")).status == 401);
  CHECK(lrs.srv.post("/xapi/statements", s.dump(), xapi_headers("Basic !!!")).status == 401);
  CHECK(count_statements(lrs.srv) == 0);
  // "all" covers both.
  CHECK(lrs.post(s, basic_auth(key, secret)).status == 200);
  CHECK(lrs.get("?statementId=" + uuid_n(1), basic_auth(key, secret)).status == 200);
  CHECK(lrs.get("?statementId=" + uuid_n(1), lrs.ro).status == 200);
}

TEST_CASE("xAPI: POST of one statement and of an array returns the ids, the LRS assigns missing ids", "[sync][xapi]") {
  Lrs lrs;
  auto one = lrs.post(make(uuid_n(1), agent_mbox("ann"), kCompleted, "http://example.com/a"));
  REQUIRE(one.status == 200);
  CHECK(body_json(one) == json::array({uuid_n(1)}));

  json no_id = make("", agent_mbox("ann"), kCompleted, "http://example.com/b");
  no_id.erase("id");
  json upper = make("", agent_mbox("bob"), kCompleted, "http://example.com/c");
  upper["id"] = "A0000000-0000-4000-8000-0000000000FF";
  auto many = lrs.post(json::array({make(uuid_n(2), agent_mbox("ann"), kCompleted, "http://example.com/a"), no_id, upper}));
  REQUIRE(many.status == 200);
  const json ids = body_json(many);
  REQUIRE(ids.size() == 3);
  CHECK(ids[0] == uuid_n(2));
  CHECK(trailpack::is_uuid(ids[1].get<std::string>()));
  CHECK(ids[2] == "a0000000-0000-4000-8000-0000000000ff");
  CHECK(count_statements(lrs.srv) == 4);

  // The stored form: stored, authority (the client), version.
  auto got = lrs.get("?statementId=" + ids[1].get<std::string>());
  REQUIRE(got.status == 200);
  const json s = body_json(got);
  CHECK(s["id"] == ids[1]);
  CHECK(s.contains("stored"));
  CHECK(s["version"] == "1.0.0");  // part two 2.4.10: a statement sent without a version is 1.0.0
  CHECK(s["authority"]["name"] == "reporting tool");
  CHECK(got.headers.count("x-experience-api-consistent-through"));
}

TEST_CASE("xAPI: PUT with statementId is 204, an id that differs from statementId is 400", "[sync][xapi]") {
  Lrs lrs;
  json s = make(uuid_n(1), agent_mbox("ann"), kCompleted, "http://example.com/a");
  auto put = lrs.put(uuid_n(1), s);
  CHECK(put.status == 204);
  CHECK(put.body.empty());
  CHECK(put.headers["x-experience-api-version"] == "1.0.3");
  CHECK(count_statements(lrs.srv) == 1);
  // Again, same content: still 204, still one row.
  CHECK(lrs.put(uuid_n(1), s).status == 204);
  CHECK(count_statements(lrs.srv) == 1);

  json no_id = s;
  no_id.erase("id");
  CHECK(lrs.put(uuid_n(2), no_id).status == 204);
  CHECK(count_statements_where(lrs.srv, "id = $1", {uuid_n(2)}) == 1);

  auto mismatch = lrs.put(uuid_n(3), make(uuid_n(4), agent_mbox("ann"), kCompleted, "http://example.com/a"));
  CHECK(mismatch.status == 400);
  CHECK(error_code(mismatch) == "invalid_statement");
  CHECK(error_where(mismatch) == "id");
  auto no_param = lrs.srv.request("PUT", "/xapi/statements", s.dump(), xapi_headers(lrs.rw));
  CHECK(no_param.status == 400);
  CHECK(error_where(no_param) == "statementId");
  auto array = lrs.put(uuid_n(5), json::array({s}));
  CHECK(array.status == 400);
  CHECK(count_statements(lrs.srv) == 2);
}

TEST_CASE("xAPI: the same id with different content is 409 and nothing of the batch is stored", "[sync][xapi]") {
  Lrs lrs;
  const json original = make(uuid_n(1), agent_mbox("ann"), kCompleted, "http://example.com/a");
  REQUIRE(lrs.post(original).status == 200);
  json changed = original;
  changed["object"]["id"] = "http://example.com/other";
  auto res = lrs.post(json::array({make(uuid_n(2), agent_mbox("ann"), kCompleted, "http://example.com/a"), changed,
                                   make(uuid_n(3), agent_mbox("ann"), kCompleted, "http://example.com/a")}));
  CHECK(res.status == 409);
  CHECK(error_code(res) == "conflict");
  CHECK(count_statements(lrs.srv) == 1);
  CHECK(body_json(lrs.get("?statementId=" + uuid_n(1)))["object"]["id"] == "http://example.com/a");
  CHECK(lrs.put(uuid_n(1), changed).status == 409);
  // Same id twice in one batch, with different or equal content: 400 (part three
  // 2.1.2), nothing stored.
  json twin = make(uuid_n(9), agent_mbox("ann"), kCompleted, "http://example.com/x");
  json twin2 = twin;
  twin2["verb"]["id"] = kExperienced;
  auto twins = lrs.post(json::array({twin, twin2}));
  CHECK(twins.status == 400);
  CHECK(error_message(twins) == "[1].id: statement " + uuid_n(9) + " appears twice in this batch (first at [0])");
  CHECK(error_where(twins) == "[1].id");
  CHECK(lrs.post(json::array({twin, twin})).status == 400);
  CHECK(count_statements(lrs.srv) == 1);
  // Identical content under the same id is fine (idempotent POST).
  auto again = lrs.post(json::array({original}));
  CHECK(again.status == 200);
  CHECK(count_statements(lrs.srv) == 1);
}

TEST_CASE("xAPI: an invalid statement in a batch is 400 with its path and nothing is stored", "[sync][xapi]") {
  Lrs lrs;
  json bad = make(uuid_n(2), agent_mbox("ann"), kCompleted, "http://example.com/a");
  bad["result"] = {{"score", {{"scaled", 2}}}};
  auto res = lrs.post(json::array({make(uuid_n(1), agent_mbox("ann"), kCompleted, "http://example.com/a"), bad}));
  CHECK(res.status == 400);
  CHECK(error_code(res) == "invalid_statement");
  CHECK(error_message(res) == "[1].result.score.scaled: must be between -1 and 1");
  CHECK(error_where(res) == "[1].result.score.scaled");
  CHECK(count_statements(lrs.srv) == 0);
  auto single = lrs.post(bad);
  CHECK(single.status == 400);
  CHECK(error_message(single) == "result.score.scaled: must be between -1 and 1");
  json stored = make(uuid_n(3), agent_mbox("ann"), kCompleted, "http://example.com/a");
  stored["stored"] = "2020-01-01T00:00:00Z";  // ignored: the LRS sets stored
  REQUIRE(lrs.post(stored).status == 200);
  CHECK(body_json(lrs.get("?statementId=" + uuid_n(3)))["stored"] != "2020-01-01T00:00:00Z");
  auto not_json = lrs.srv.post("/xapi/statements", "[{", xapi_headers(lrs.rw));
  CHECK(not_json.status == 400);
  CHECK(error_code(not_json) == "invalid_json");
}

TEST_CASE("xAPI: GET by statementId and voidedStatementId, voiding hides a statement from queries", "[sync][xapi]") {
  Lrs lrs;
  REQUIRE(lrs.post(json::array({make(uuid_n(1), agent_mbox("ann"), kCompleted, "http://example.com/a"),
                                make(uuid_n(2), agent_mbox("ann"), kCompleted, "http://example.com/a")}))
              .status == 200);
  auto got = lrs.get("?statementId=" + uuid_n(1));
  REQUIRE(got.status == 200);
  CHECK(body_json(got)["id"] == uuid_n(1));
  CHECK(lrs.get("?voidedStatementId=" + uuid_n(1)).status == 404);
  auto unknown = lrs.get("?statementId=" + uuid_n(77));
  CHECK(unknown.status == 404);
  CHECK(error_code(unknown) == "not_found");
  auto bad = lrs.get("?statementId=nope");
  CHECK(bad.status == 400);
  CHECK(error_where(bad) == "statementId");
  auto combined = lrs.get("?statementId=" + uuid_n(1) + "&verb=" + url_encode(kCompleted));
  CHECK(combined.status == 400);
  CHECK(error_where(combined) == "verb");

  REQUIRE(lrs.post(voiding(uuid_n(3), uuid_n(1))).status == 200);
  CHECK(lrs.get("?statementId=" + uuid_n(1)).status == 404);
  auto voided = lrs.get("?voidedStatementId=" + uuid_n(1));
  REQUIRE(voided.status == 200);
  CHECK(body_json(voided)["id"] == uuid_n(1));
  // Queries return the voiding statement and the untouched one, never the voided one.
  auto all = lrs.get("");
  REQUIRE(all.status == 200);
  const auto ids = ids_of(body_json(all));
  CHECK(std::set<std::string>(ids.begin(), ids.end()) == std::set<std::string>{uuid_n(2), uuid_n(3)});
  // The voiding statement (3) matches through the statement it targets (part three
  // 2.1.3, filter conditions for StatementRefs); the voided one (1) never appears.
  auto by_activity = lrs.get("?activity=" + url_encode("http://example.com/a"));
  CHECK(ids_of(body_json(by_activity)) == std::vector<std::string>{uuid_n(3), uuid_n(2)});
  // The statement is still stored (voided, not deleted).
  CHECK(count_statements(lrs.srv) == 3);

  // A voiding statement that arrives before its target: the target is voided on arrival.
  REQUIRE(lrs.post(voiding(uuid_n(4), uuid_n(5))).status == 200);
  REQUIRE(lrs.post(make(uuid_n(5), agent_mbox("ann"), kCompleted, "http://example.com/late")).status == 200);
  CHECK(lrs.get("?statementId=" + uuid_n(5)).status == 404);
  CHECK(lrs.get("?voidedStatementId=" + uuid_n(5)).status == 200);
}

TEST_CASE("xAPI: a voiding statement that targets a voiding statement is rejected with 400 (1.0.3 voiding rules, 409 is only for id conflicts)",
          "[sync][xapi]") {
  Lrs lrs;
  REQUIRE(lrs.post(make(uuid_n(1), agent_mbox("ann"), kCompleted, "http://example.com/a")).status == 200);
  REQUIRE(lrs.post(voiding(uuid_n(2), uuid_n(1))).status == 200);
  auto res = lrs.post(json::array({make(uuid_n(4), agent_mbox("ann"), kCompleted, "http://example.com/b"), voiding(uuid_n(3), uuid_n(2))}));
  CHECK(res.status == 400);
  CHECK(error_code(res) == "invalid_statement");
  CHECK(error_message(res) == "[1].object: a voiding statement cannot void another voiding statement");
  CHECK(count_statements(lrs.srv) == 2);
  // The first voiding statement still stands and still appears in queries.
  CHECK(lrs.get("?statementId=" + uuid_n(2)).status == 200);
  // A voiding statement whose object is not a StatementRef is 400 too.
  json bad = voiding(uuid_n(5), uuid_n(1));
  bad["object"] = {{"objectType", "Activity"}, {"id", "http://example.com/a"}};
  auto bad_res = lrs.post(bad);
  CHECK(bad_res.status == 400);
  CHECK(error_message(bad_res) == "object: a voiding statement's object must be a StatementRef");
}

TEST_CASE("xAPI: query filters agent, verb, activity, registration, since, until, ascending, limit", "[sync][xapi]") {
  Lrs lrs;
  const std::string reg = "c0000000-0000-4000-8000-000000000001";
  REQUIRE(lrs.post(json::array({make(uuid_n(1), agent_mbox("ann"), kCompleted, "http://example.com/a", reg),
                                make(uuid_n(2), agent_mbox("bob"), kCompleted, "http://example.com/b"),
                                make(uuid_n(3), agent_mbox("ann"), kExperienced, "http://example.com/b")}))
              .status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  const std::string between = trailpack::format_timestamp(lrs.srv.app().now_ms());
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  REQUIRE(lrs.post(json::array({make(uuid_n(4), agent_mbox("bob"), kExperienced, "http://example.com/a", reg),
                                make(uuid_n(5), agent_mbox("ann"), kCompleted, "http://example.com/c")}))
              .status == 200);

  auto q = [&](const std::string& query) { return ids_of(body_json(lrs.get(query))); };
  using V = std::vector<std::string>;
  // Default order: newest stored first.
  CHECK(q("") == V{uuid_n(5), uuid_n(4), uuid_n(3), uuid_n(2), uuid_n(1)});
  CHECK(q("?ascending=true") == V{uuid_n(1), uuid_n(2), uuid_n(3), uuid_n(4), uuid_n(5)});
  CHECK(q("?agent=" + url_encode(json{{"mbox", "mailto:ann@example.com"}}.dump()) + "&ascending=true") ==
        V{uuid_n(1), uuid_n(3), uuid_n(5)});
  CHECK(q("?verb=" + url_encode(kExperienced)) == V{uuid_n(4), uuid_n(3)});
  CHECK(q("?activity=" + url_encode("http://example.com/b")) == V{uuid_n(3), uuid_n(2)});
  CHECK(q("?registration=" + reg) == V{uuid_n(4), uuid_n(1)});
  CHECK(q("?since=" + url_encode(between)) == V{uuid_n(5), uuid_n(4)});
  CHECK(q("?until=" + url_encode(between)) == V{uuid_n(3), uuid_n(2), uuid_n(1)});
  CHECK(q("?limit=2") == V{uuid_n(5), uuid_n(4)});
  CHECK(q("?agent=" + url_encode(json{{"mbox", "mailto:bob@example.com"}}.dump()) + "&verb=" + url_encode(kCompleted)) ==
        V{uuid_n(2)});

  auto bad_agent = lrs.get("?agent=" + url_encode("{\"name\":\"no identifier\"}"));
  CHECK(bad_agent.status == 400);
  CHECK(error_where(bad_agent) == "agent");
  auto bad_since = lrs.get("?since=yesterday");
  CHECK(bad_since.status == 400);
  CHECK(error_where(bad_since) == "since");
  auto bad_limit = lrs.get("?limit=-1");
  CHECK(bad_limit.status == 400);
  CHECK(error_where(bad_limit) == "limit");
  auto bad_format = lrs.get("?format=full");
  CHECK(bad_format.status == 400);
  CHECK(error_where(bad_format) == "format");
  auto all = lrs.get("");
  CHECK(all.headers.count("x-experience-api-consistent-through"));
  CHECK(trailpack::parse_timestamp(all.headers["x-experience-api-consistent-through"]).has_value());
}

TEST_CASE("xAPI: related_activities matches the activity anywhere in the statement, and only that activity",
          "[sync][xapi]") {
  Lrs lrs;
  json in_parent = make(uuid_n(2), agent_mbox("ann"), kCompleted, "http://example.com/q1");
  in_parent["context"] = {{"contextActivities", {{"parent", json::array({{{"id", "http://example.com/a"}}})}}}};
  json in_grouping = make(uuid_n(3), agent_mbox("ann"), kCompleted, "http://example.com/q2");
  in_grouping["context"] = {{"contextActivities", {{"grouping", json::array({{{"id", "http://example.com/a"}}})}}}};
  json longer = make(uuid_n(4), agent_mbox("ann"), kCompleted, "http://example.com/ab");
  json other_case = make(uuid_n(5), agent_mbox("ann"), kCompleted, "http://example.com/A");
  json wildcard = make(uuid_n(6), agent_mbox("ann"), kCompleted, "http://example.com/x");
  wildcard["context"] = {{"contextActivities", {{"grouping", json::array({{{"id", "http://example.com/a_b"}}})}}}};
  REQUIRE(lrs.post(json::array({make(uuid_n(1), agent_mbox("ann"), kCompleted, "http://example.com/a"), in_parent,
                                in_grouping, longer, other_case, wildcard}))
              .status == 200);
  auto q = [&](const std::string& query) {
    auto ids = ids_of(body_json(lrs.get(query)));
    return std::set<std::string>(ids.begin(), ids.end());
  };
  CHECK(q("?activity=" + url_encode("http://example.com/a")) == std::set<std::string>{uuid_n(1)});
  CHECK(q("?related_activities=true&activity=" + url_encode("http://example.com/a")) ==
        std::set<std::string>{uuid_n(1), uuid_n(2), uuid_n(3)});
  CHECK(q("?related_activities=true&activity=" + url_encode("http://example.com/a_b")) == std::set<std::string>{uuid_n(6)});
  CHECK(q("?related_activities=true&activity=" + url_encode("http://example.com/a%b")).empty());
}

TEST_CASE("xAPI: more paging walks every result exactly once, keeping the filters and the format", "[sync][xapi]") {
  Lrs lrs;
  json batch = json::array();
  for (int i = 1; i <= 23; ++i)
    batch.push_back(make(uuid_n(i), agent_mbox(i % 2 ? "ann" : "bob"), kCompleted, "http://example.com/a"));
  REQUIRE(lrs.post(batch).status == 200);

  auto [all, pages] = walk(lrs, "?limit=5");
  CHECK(pages == 5);
  CHECK(all.size() == 23);
  CHECK(std::set<std::string>(all.begin(), all.end()).size() == 23);
  CHECK(all.front() == uuid_n(23));

  auto [asc, asc_pages] = walk(lrs, "?limit=4&ascending=true");
  CHECK(asc_pages == 6);
  REQUIRE(asc.size() == 23);
  for (int i = 0; i < 23; ++i) CHECK(asc[static_cast<std::size_t>(i)] == uuid_n(static_cast<std::uint64_t>(i + 1)));

  auto [anns, ann_pages] = walk(lrs, "?limit=5&agent=" + url_encode(json{{"mbox", "mailto:ann@example.com"}}.dump()));
  CHECK(anns.size() == 12);
  CHECK(ann_pages == 3);

  // format=ids on every page, not just the first.
  int checked = 0;
  auto [ids, id_pages] = walk(lrs, "?limit=10&format=ids", {}, [&](const json& s) {
    CHECK_FALSE(s["actor"].contains("name"));
    CHECK_FALSE(s["object"].contains("definition"));
    CHECK_FALSE(s["verb"].contains("display"));
    ++checked;
  });
  CHECK(id_pages == 3);
  CHECK(checked == 23);

  auto bad_more = lrs.get("?more=not-a-token");
  CHECK(bad_more.status == 400);
  CHECK(error_where(bad_more) == "more");
  auto forged = lrs.get("?more=" + trailpack::base64_encode(json{{"q", 5}, {"after", 3}}.dump(), true));
  CHECK(forged.status == 400);
  CHECK(error_where(forged) == "more");
  auto forged2 = lrs.get("?more=" + trailpack::base64_encode(json{{"q", {{"agent", 5}}}, {"after", 3}}.dump(), true));
  CHECK(forged2.status == 400);
}

TEST_CASE("xAPI: format=exact keeps everything, format=ids keeps only identifiers", "[sync][xapi]") {
  Lrs lrs;
  REQUIRE(lrs.post(make(uuid_n(1), agent_mbox("ann"), kCompleted, "http://example.com/a")).status == 200);
  const json exact = body_json(lrs.get("?statementId=" + uuid_n(1)));
  CHECK(exact["actor"]["name"] == "ann");
  CHECK(exact["verb"]["display"]["en-US"] == "did");
  CHECK(exact["object"]["definition"]["name"]["en-US"] == "A thing");
  const json ids = body_json(lrs.get("?statementId=" + uuid_n(1) + "&format=ids"));
  CHECK(ids["actor"] == json{{"objectType", "Agent"}, {"mbox", "mailto:ann@example.com"}});
  CHECK(ids["verb"] == json{{"id", kCompleted}});
  CHECK(ids["object"] == json{{"objectType", "Activity"}, {"id", "http://example.com/a"}});
}

TEST_CASE("xAPI: a learner's device token reads only the learner's own statements", "[sync][xapi]") {
  Lrs lrs;
  Device lea = lrs.srv.enroll_learner("lea@example.com", "Lea");
  Device sam = lrs.srv.enroll_learner("sam@example.com", "Sam");
  REQUIRE(body_json(push(lrs.srv, lea, {statement(lea, uuid_n(1), kCompleted, "http://example.com/a")}))["stored"] == 1);
  REQUIRE(body_json(push(lrs.srv, sam, {statement(sam, uuid_n(2), kCompleted, "http://example.com/a")}))["stored"] == 1);
  // A tool records a statement about Lea by her email: it is hers too.
  REQUIRE(lrs.post(make(uuid_n(3), agent_mbox("lea"), kCompleted, "http://example.com/b")).status == 200);
  REQUIRE(lrs.post(make(uuid_n(4), agent_mbox("zed"), kCompleted, "http://example.com/b")).status == 200);

  const std::string lea_auth = "Bearer " + lea.access_token;
  const auto [mine, pages] = walk(lrs, "?limit=1", lea_auth);
  CHECK(std::set<std::string>(mine.begin(), mine.end()) == std::set<std::string>{uuid_n(1), uuid_n(3)});
  CHECK(lrs.get("?statementId=" + uuid_n(1), lea_auth).status == 200);
  CHECK(lrs.get("?statementId=" + uuid_n(2), lea_auth).status == 404);
  CHECK(lrs.get("?statementId=" + uuid_n(4), lea_auth).status == 404);
  // Asking for Sam's statements by agent gives nothing.
  CHECK(ids_of(body_json(lrs.get("?agent=" + url_encode(sam.agent.dump()), lea_auth))).empty());
  // And she cannot write statements for Sam through the LRS either.
  auto forged = lrs.post(statement(sam, uuid_n(5), kCompleted, "http://example.com/a"), lea_auth);
  CHECK(forged.status == 403);
  CHECK(error_message(forged) == "actor: a learner can only record their own statements");
  // The admin's session reads the statements of their organisation's users: not Zed's,
  // who is nobody on this server.
  const auto [org, p2] = walk(lrs, "", "Bearer " + lrs.srv.admin_token());
  CHECK(std::set<std::string>(org.begin(), org.end()) == std::set<std::string>{uuid_n(1), uuid_n(2), uuid_n(3)});
}

// ---------------------------------------------------------------- agents in queries

namespace {

json group(const std::string& mbox, const std::vector<json>& members) {
  json g = {{"objectType", "Group"}, {"mbox", "mailto:" + mbox}, {"member", members}};
  return g;
}

std::set<std::string> id_set(const json& result) {
  std::set<std::string> out;
  for (const auto& s : result["statements"]) out.insert(s["id"].get<std::string>());
  return out;
}

std::string q_agent(const json& agent) { return "agent=" + url_encode(agent.dump()); }

}  // namespace

TEST_CASE("xAPI: agent matches the actor or an Agent/Group object and Group members; related_agents adds authority, "
          "instructor, team and SubStatement agents",
          "[sync][xapi]") {
  Lrs lrs;
  const json ann = agent_mbox("ann"), bob = agent_mbox("bob"), carl = agent_mbox("carl"), dan = agent_mbox("dan");
  json s1 = make(uuid_n(1), ann, kCompleted, "http://example.com/a");
  json s2 = make(uuid_n(2), group("team@example.com", {bob}), kCompleted, "http://example.com/a");
  json s3 = make(uuid_n(3), carl, kExperienced, "http://example.com/a");
  s3["object"] = ann;
  json s4 = make(uuid_n(4), carl, kCompleted, "http://example.com/a");
  s4["context"] = {{"instructor", ann}};
  json s5 = make(uuid_n(5), carl, kCompleted, "http://example.com/a");
  s5["object"] = {{"objectType", "SubStatement"}, {"actor", ann}, {"verb", {{"id", kCompleted}}},
                  {"object", {{"id", "http://example.com/b"}}}};
  json s6 = make(uuid_n(6), dan, kCompleted, "http://example.com/a");
  s6["context"] = {{"team", group("crew@example.com", {ann})}};
  REQUIRE(lrs.post(json::array({s1, s2, s3, s4, s5, s6})).status == 200);
  auto [k2, s2secret] = lrs.srv.app().create_xapi_client("other tool", {"statements/write"}, "other-tool-key");
  REQUIRE(lrs.post(make(uuid_n(7), dan, kCompleted, "http://example.com/a"), basic_auth(k2, s2secret)).status == 200);

  auto q = [&](const std::string& query) {
    auto res = lrs.get("?" + query);
    REQUIRE(res.status == 200);
    return id_set(body_json(res));
  };
  using S = std::set<std::string>;
  CHECK(q(q_agent(json{{"mbox", "mailto:ann@example.com"}})) == S{uuid_n(1), uuid_n(3)});
  CHECK(q(q_agent(json{{"mbox", "mailto:ann@example.com"}}) + "&related_agents=true") ==
        S{uuid_n(1), uuid_n(3), uuid_n(4), uuid_n(5), uuid_n(6)});
  CHECK(q(q_agent(json{{"mbox", "mailto:ann@example.com"}}) + "&related_agents=false") == S{uuid_n(1), uuid_n(3)});
  // A Group's members match the Group's statements; the identified Group matches too.
  CHECK(q(q_agent(json{{"mbox", "mailto:bob@example.com"}})) == S{uuid_n(2)});
  CHECK(q(q_agent(json{{"objectType", "Group"}, {"mbox", "mailto:team@example.com"}})) == S{uuid_n(2)});
  // The authority the LRS set: the client that stored the statement.
  const json other_tool = {{"objectType", "Agent"}, {"account", {{"homePage", lrs.srv.url()}, {"name", "other-tool-key"}}}};
  CHECK(q(q_agent(other_tool) + "&related_agents=true") == S{uuid_n(7)});
  CHECK(q(q_agent(other_tool)).empty());
  // Same identifier kind only: an mbox_sha1sum does not match an mbox.
  CHECK(q(q_agent(json{{"mbox_sha1sum", "0123456789abcdef0123456789abcdef01234567"}})).empty());

  auto anonymous = lrs.get("?" + q_agent(json{{"objectType", "Group"}, {"member", json::array({ann})}}));
  CHECK(anonymous.status == 400);
  CHECK(error_message(anonymous) == "agent must be a JSON Agent or identified Group (an anonymous Group has no identifier)");
  CHECK(error_where(anonymous) == "agent");
}

TEST_CASE("xAPI: a statement that targets another with a StatementRef matches the filters its target matches, "
          "recursively; time filters apply to the statement itself",
          "[sync][xapi]") {
  Lrs lrs;
  const std::string confirmed = "http://example.com/verbs/confirmed", endorsed = "http://example.com/verbs/endorsed";
  REQUIRE(lrs.post(make(uuid_n(1), agent_mbox("ben"), kCompleted, "http://example.com/explosives")).status == 200);
  REQUIRE(lrs.post(make(uuid_n(2), agent_mbox("zoe"), kCompleted, "http://example.com/other")).status == 200);
  json confirm = make(uuid_n(3), agent_mbox("andrew"), confirmed, "http://example.com/x");
  confirm["object"] = {{"objectType", "StatementRef"}, {"id", uuid_n(1)}};
  REQUIRE(lrs.post(confirm).status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  const std::string between = trailpack::format_timestamp(lrs.srv.app().now_ms());
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  json endorse = make(uuid_n(4), agent_mbox("carol"), endorsed, "http://example.com/x");
  endorse["object"] = {{"objectType", "StatementRef"}, {"id", uuid_n(3)}};
  REQUIRE(lrs.post(endorse).status == 200);

  auto q = [&](const std::string& query) { return id_set(body_json(lrs.get("?" + query))); };
  using S = std::set<std::string>;
  CHECK(q(q_agent(json{{"mbox", "mailto:ben@example.com"}})) == S{uuid_n(1), uuid_n(3), uuid_n(4)});
  CHECK(q("activity=" + url_encode("http://example.com/explosives")) == S{uuid_n(1), uuid_n(3), uuid_n(4)});
  CHECK(q("verb=" + url_encode(confirmed)) == S{uuid_n(3), uuid_n(4)});
  // Each filter on its own: 4 is "endorsed" itself, and about Ben through 3 and 1.
  CHECK(q("verb=" + url_encode(endorsed) + "&" + q_agent(json{{"mbox", "mailto:ben@example.com"}})) == S{uuid_n(4)});
  CHECK(q(q_agent(json{{"mbox", "mailto:ben@example.com"}}) + "&since=" + url_encode(between)) == S{uuid_n(4)});
  CHECK(q(q_agent(json{{"mbox", "mailto:zoe@example.com"}})) == S{uuid_n(2)});
}

// ---------------------------------------------------------------- parameters

TEST_CASE("xAPI: unknown parameters, parameters in another case and malformed values are 400", "[sync][xapi]") {
  Lrs lrs;
  auto verb_case = lrs.get("?Verb=" + url_encode(kCompleted));
  CHECK(verb_case.status == 400);
  CHECK(error_code(verb_case) == "invalid_parameter");
  CHECK(error_where(verb_case) == "Verb");
  CHECK(error_message(verb_case) ==
        "unknown parameter Verb (this request takes statementId, voidedStatementId, agent, verb, activity, registration, "
        "related_activities, related_agents, since, until, limit, format, attachments, ascending, more)");
  auto post_param = lrs.srv.post("/xapi/statements?statementId=" + uuid_n(1),
                                 make(uuid_n(1), agent_mbox("ann"), kCompleted, "http://example.com/a").dump(), xapi_headers(lrs.rw));
  CHECK(post_param.status == 400);
  CHECK(error_message(post_param) == "unknown parameter statementId (this request takes none)");
  auto put_param = lrs.srv.request("PUT", "/xapi/statements?statementId=" + uuid_n(1) + "&verb=x",
                                   make(uuid_n(1), agent_mbox("ann"), kCompleted, "http://example.com/a").dump(), xapi_headers(lrs.rw));
  CHECK(put_param.status == 400);
  CHECK(error_where(put_param) == "verb");
  CHECK(count_statements(lrs.srv) == 0);

  struct Bad {
    std::string query, where, message;
  };
  for (const auto& b : std::vector<Bad>{
           {"?related_agents=yes", "related_agents", "related_agents must be true or false"},
           {"?ascending=TRUE", "ascending", "ascending must be true or false"},
           {"?attachments=1", "attachments", "attachments must be true or false"},
           {"?verb=not-an-iri", "verb", "verb must be an IRI"},
           {"?activity=", "activity", "activity must be an IRI"},
           {"?registration=nope", "registration", "registration must be a UUID"},
           {"?limit=ten", "limit", "limit must be a whole number, 0 or more"},
           {"?limit=-1", "limit", "limit must be a whole number, 0 or more"},
           {"?statementId=" + uuid_n(1) + "&voidedStatementId=" + uuid_n(2), "voidedStatementId",
            "statementId and voidedStatementId cannot be combined"},
           {"?statementId=" + uuid_n(1) + "&ascending=true", "ascending", "ascending cannot be combined with statementId"},
           {"?more=abc&limit=1", "more", "more cannot be combined with other parameters"},
           {"?verb=" + url_encode(kCompleted) + "&verb=" + url_encode(kVoided), "verb", "verb is given more than once"},
           {"?agent=" + url_encode(std::string(9000, 'x')), "agent", "agent is longer than 8192 bytes"},
       }) {
    INFO(b.query);
    auto res = lrs.get(b.query);
    CHECK(res.status == 400);
    CHECK(error_where(res) == b.where);
    CHECK(error_message(res) == b.message);
  }
  // statementId takes format and attachments.
  REQUIRE(lrs.post(make(uuid_n(1), agent_mbox("ann"), kCompleted, "http://example.com/a")).status == 200);
  CHECK(lrs.get("?statementId=" + uuid_n(1) + "&format=ids&attachments=false").status == 200);
  // limit=0 is the server's maximum.
  CHECK(lrs.get("?limit=0").status == 200);
}

TEST_CASE("xAPI: every Statements answer has X-Experience-API-Consistent-Through; single statements and pages have "
          "Last-Modified; HEAD answers headers only",
          "[sync][xapi]") {
  Lrs lrs;
  const auto before = lrs.srv.app().now_ms();
  auto post = lrs.post(make(uuid_n(1), agent_mbox("ann"), kCompleted, "http://example.com/a"));
  auto put = lrs.put(uuid_n(2), make(uuid_n(2), agent_mbox("ann"), kCompleted, "http://example.com/a"));
  auto bad = lrs.post(json{{"actor", 1}});
  auto unauthorized = lrs.get("", basic_auth("x", "y"));
  auto one = lrs.get("?statementId=" + uuid_n(1));
  auto page = lrs.get("");
  for (auto* r : {&post, &put, &bad, &unauthorized, &one, &page}) {
    INFO(r->status << " " << r->body);
    REQUIRE(r->headers.count("x-experience-api-consistent-through"));
    auto t = trailpack::parse_timestamp(r->headers["x-experience-api-consistent-through"]);
    REQUIRE(t.has_value());
    CHECK(*t >= before);
  }
  CHECK(post.status == 200);
  CHECK(put.status == 204);
  CHECK(bad.status == 400);
  CHECK(unauthorized.status == 401);
  REQUIRE(one.status == 200);
  const auto stored1 = *trailpack::parse_timestamp(body_json(one)["stored"].get<std::string>());
  CHECK(one.headers["last-modified"] == trailpack::server::http_date(stored1));
  const json statements = body_json(page)["statements"];
  REQUIRE(statements.size() == 2);
  const auto stored2 = *trailpack::parse_timestamp(statements[0]["stored"].get<std::string>());
  CHECK(page.headers["last-modified"] == trailpack::server::http_date(std::max(stored1, stored2)));
  CHECK_FALSE(lrs.get("?verb=" + url_encode(kVoided)).headers.count("last-modified"));  // nothing found

  auto head = lrs.srv.request("HEAD", "/xapi/statements?statementId=" + uuid_n(1), {}, xapi_headers(lrs.rw));
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(head.headers["content-length"] == std::to_string(one.body.size()));
  CHECK(head.headers["last-modified"] == one.headers["last-modified"]);
  CHECK(head.headers["x-experience-api-version"] == "1.0.3");
  auto head_missing = lrs.srv.request("HEAD", "/xapi/statements?statementId=" + uuid_n(9), {}, xapi_headers(lrs.rw));
  CHECK(head_missing.status == 404);
  CHECK(head_missing.body.empty());
  auto head_about = lrs.srv.request("HEAD", "/xapi/about");
  CHECK(head_about.status == 200);
  CHECK(head_about.body.empty());
}

TEST_CASE("xAPI: a device's statements are served with the learner as authority and version 1.0.0", "[sync][xapi]") {
  Lrs lrs;
  Device lea = lrs.srv.enroll_learner("lea@example.com", "Lea");
  REQUIRE(body_json(push(lrs.srv, lea, {statement(lea, uuid_n(1), kCompleted, "http://example.com/a")}))["stored"] == 1);
  const json s = body_json(lrs.get("?statementId=" + uuid_n(1)));
  CHECK(s["authority"] == json{{"objectType", "Agent"}, {"account", {{"homePage", lrs.srv.url()}, {"name", lea.user_id}}}});
  CHECK(s["version"] == "1.0.0");
  // related_agents finds it by that authority.
  auto related = lrs.get("?" + q_agent(lea.agent) + "&related_agents=true");
  CHECK(id_set(body_json(related)) == std::set<std::string>{uuid_n(1)});
  // A statement sent with a version keeps it.
  json versioned = make(uuid_n(2), agent_mbox("ann"), kCompleted, "http://example.com/a");
  versioned["version"] = "1.0.3";
  REQUIRE(lrs.post(versioned).status == 200);
  CHECK(body_json(lrs.get("?statementId=" + uuid_n(2)))["version"] == "1.0.3");
}

// ---------------------------------------------------------------- formats

TEST_CASE("xAPI: format=canonical serves the canonical definition with one language per map, chosen by Accept-Language",
          "[sync][xapi]") {
  Lrs lrs;
  auto [dk, ds] = lrs.srv.app().create_xapi_client("authoring tool", {"statements/write", "define"});
  const std::string definer = basic_auth(dk, ds);
  json defined = make(uuid_n(1), agent_mbox("ann"), kCompleted, "http://example.com/a");
  defined["verb"]["display"] = {{"en-US", "completed"}, {"fr", "a terminé"}, {"de", "abgeschlossen"}};
  defined["object"]["definition"] = {{"name", {{"en-US", "Hello"}, {"fr", "Bonjour"}, {"de", "Hallo"}}},
                                     {"description", {{"en-US", "A greeting"}, {"fr", "Une salutation"}}},
                                     {"type", "http://adlnet.gov/expapi/activities/interaction"},
                                     {"interactionType", "choice"},
                                     {"choices", json::array({{{"id", "a"}, {"description", {{"en-US", "Yes"}, {"fr", "Oui"}}}}})}};
  REQUIRE(lrs.post(defined, definer).status == 200);
  // A client without `define` sends another definition: stored as sent, not canonical.
  json other = make(uuid_n(2), agent_mbox("bob"), kCompleted, "http://example.com/a");
  other["object"]["definition"] = {{"name", {{"en-US", "Changed"}}}};
  REQUIRE(lrs.post(other).status == 200);

  auto get = [&](const std::string& query, const std::string& accept_language) {
    auto h = xapi_headers(lrs.rw);
    if (!accept_language.empty()) h["accept-language"] = accept_language;
    auto res = lrs.srv.get("/xapi/statements" + query, h);
    REQUIRE(res.status == 200);
    return body_json(res);
  };
  const json exact = get("?statementId=" + uuid_n(2), "fr");
  CHECK(exact["object"]["definition"] == json{{"name", {{"en-US", "Changed"}}}});
  const json fr = get("?statementId=" + uuid_n(2) + "&format=canonical", "fr;q=0.9, de;q=0.5");
  CHECK(fr["object"]["definition"]["name"] == json{{"fr", "Bonjour"}});
  CHECK(fr["object"]["definition"]["description"] == json{{"fr", "Une salutation"}});
  CHECK(fr["object"]["definition"]["choices"][0]["description"] == json{{"fr", "Oui"}});
  CHECK(fr["object"]["definition"]["interactionType"] == "choice");
  CHECK(fr["actor"] == agent_mbox("bob"));  // Agents as in exact
  const json de = get("?statementId=" + uuid_n(1) + "&format=canonical", "de, fr;q=0.8");
  CHECK(de["object"]["definition"]["name"] == json{{"de", "Hallo"}});
  CHECK(de["verb"]["display"] == json{{"de", "abgeschlossen"}});
  // A range matches longer tags ("en" -> "en-US"); a tag falls back to its prefix ("fr-CA" -> "fr").
  CHECK(get("?statementId=" + uuid_n(1) + "&format=canonical", "en")["object"]["definition"]["name"] == json{{"en-US", "Hello"}});
  CHECK(get("?statementId=" + uuid_n(1) + "&format=canonical", "fr-CA")["object"]["definition"]["name"] == json{{"fr", "Bonjour"}});
  // No match, or no header: the first language in sorted order.
  CHECK(get("?statementId=" + uuid_n(1) + "&format=canonical", "es")["object"]["definition"]["name"] == json{{"de", "Hallo"}});
  CHECK(get("?statementId=" + uuid_n(1) + "&format=canonical", "")["object"]["definition"]["name"] == json{{"de", "Hallo"}});
  // Queries too, on every page.
  const json page = get("?format=canonical&limit=1", "fr");
  CHECK(page["statements"][0]["object"]["definition"]["name"] == json{{"fr", "Bonjour"}});
  const json page2 = body_json(lrs.srv.get(page["more"].get<std::string>(), [&] {
    auto h = xapi_headers(lrs.rw);
    h["accept-language"] = "fr";
    return h;
  }()));
  CHECK(page2["statements"][0]["object"]["definition"]["name"] == json{{"fr", "Bonjour"}});
}

TEST_CASE("xAPI: format=ids strips context agents and activities, the authority and SubStatements too", "[sync][xapi]") {
  Lrs lrs;
  json s = make(uuid_n(1), group("team@example.com", {agent_mbox("bob")}), kCompleted, "http://example.com/a");
  s["context"] = {{"instructor", agent_mbox("ann")},
                  {"contextActivities", {{"parent", json::array({{{"id", "http://example.com/p"}, {"definition", {{"name", {{"en", "P"}}}}}}})}}}};
  s["object"] = {{"objectType", "SubStatement"}, {"actor", agent_mbox("carl")}, {"verb", {{"id", kCompleted}, {"display", {{"en", "done"}}}}},
                 {"object", {{"id", "http://example.com/b"}, {"definition", {{"name", {{"en", "B"}}}}}}}};
  REQUIRE(lrs.post(s).status == 200);
  const json ids = body_json(lrs.get("?statementId=" + uuid_n(1) + "&format=ids"));
  CHECK(ids["actor"] == json{{"objectType", "Group"}, {"mbox", "mailto:team@example.com"}});
  CHECK(ids["context"]["instructor"] == json{{"objectType", "Agent"}, {"mbox", "mailto:ann@example.com"}});
  CHECK(ids["context"]["contextActivities"]["parent"][0] == json{{"id", "http://example.com/p"}});
  CHECK(ids["object"]["actor"] == json{{"objectType", "Agent"}, {"mbox", "mailto:carl@example.com"}});
  CHECK(ids["object"]["verb"] == json{{"id", kCompleted}});
  CHECK(ids["object"]["object"] == json{{"id", "http://example.com/b"}});
  CHECK(ids["authority"] == json{{"objectType", "Agent"}, {"account", {{"homePage", lrs.srv.url()}, {"name", ids["authority"]["account"]["name"]}}}});
  CHECK_FALSE(ids["authority"].contains("name"));
}

// ---------------------------------------------------------------- who reads what

TEST_CASE("xAPI: statements/read/mine reads only what that client stored", "[sync][xapi]") {
  Lrs lrs;
  auto [mk, ms] = lrs.srv.app().create_xapi_client("course", {"statements/write", "statements/read/mine"});
  const std::string mine = basic_auth(mk, ms);
  REQUIRE(lrs.post(make(uuid_n(1), agent_mbox("ann"), kCompleted, "http://example.com/a"), mine).status == 200);
  REQUIRE(lrs.post(make(uuid_n(2), agent_mbox("ann"), kCompleted, "http://example.com/a"), mine).status == 200);
  REQUIRE(lrs.post(make(uuid_n(3), agent_mbox("ann"), kCompleted, "http://example.com/a")).status == 200);
  CHECK(id_set(body_json(lrs.get("", mine))) == std::set<std::string>{uuid_n(1), uuid_n(2)});
  CHECK(lrs.get("?statementId=" + uuid_n(3), mine).status == 404);
  CHECK(lrs.get("?statementId=" + uuid_n(1), mine).status == 200);
  CHECK(id_set(body_json(lrs.get(""))).size() == 3);  // statements/read reads everything
  auto [wk, ws] = lrs.srv.app().create_xapi_client("write only", {"statements/write", "state"});
  auto denied = lrs.get("", basic_auth(wk, ws));
  CHECK(denied.status == 403);
  CHECK(error_message(denied) == "this client lacks the statements/read scope");
}

TEST_CASE("xAPI: a manager reads the learners of the groups they manage (and subgroups), an admin their organisation",
          "[sync][xapi]") {
  Lrs lrs;
  Device lea = lrs.srv.enroll_learner("lea@example.com", "Lea");  // in a subgroup of the managed group
  Device sam = lrs.srv.enroll_learner("sam@example.com", "Sam");  // in another group
  Device tom = lrs.srv.enroll_learner("tom@example.com", "Tom");  // in no group
  const std::string org = org_id(lrs.srv);
  const std::string manager = add_staff(lrs.srv, "mia@example.com", "manager", "manager-pass-1");
  lrs.srv.app().db().write([&](trailpack::server::db::Connection& c) {
    for (const char* g : {"g-north", "g-north-a", "g-south"})
      c.exec("INSERT INTO user_groups(id, org_id, name, parent_id, created_ms) VALUES ($1, $2, $3, $4, 0)",
             {std::string(g), org, std::string(g),
              std::string(g) == "g-north-a" ? trailpack::server::db::Value(std::string("g-north")) : trailpack::server::db::Value(nullptr)});
    c.exec("INSERT INTO group_members(group_id, user_id) VALUES ('g-north-a', $1)", {lea.user_id});
    c.exec("INSERT INTO group_members(group_id, user_id) VALUES ('g-south', $1)", {sam.user_id});
    c.exec("INSERT INTO manager_scopes(user_id, group_id) VALUES ($1, 'g-north')", {manager});
  });
  REQUIRE(body_json(push(lrs.srv, lea, {statement(lea, uuid_n(1), kCompleted, "http://example.com/a")}))["stored"] == 1);
  REQUIRE(body_json(push(lrs.srv, sam, {statement(sam, uuid_n(2), kCompleted, "http://example.com/a")}))["stored"] == 1);
  REQUIRE(body_json(push(lrs.srv, tom, {statement(tom, uuid_n(3), kCompleted, "http://example.com/a")}))["stored"] == 1);
  REQUIRE(lrs.post(make(uuid_n(4), agent_mbox("zed"), kCompleted, "http://example.com/a")).status == 200);  // nobody here
  const std::string mia = "Bearer " + login(lrs.srv, "mia@example.com", "manager-pass-1");
  const json mia_actor = {{"objectType", "Agent"}, {"account", {{"homePage", lrs.srv.url()}, {"name", manager}}}};
  REQUIRE(lrs.post(make(uuid_n(5), mia_actor, kExperienced, "http://example.com/a"), mia).status == 200);

  const auto [seen, pages] = walk(lrs, "", mia);
  CHECK(std::set<std::string>(seen.begin(), seen.end()) == std::set<std::string>{uuid_n(1), uuid_n(5)});
  CHECK(lrs.get("?statementId=" + uuid_n(1), mia).status == 200);
  CHECK(lrs.get("?statementId=" + uuid_n(2), mia).status == 404);
  CHECK(ids_of(body_json(lrs.get("?" + q_agent(sam.agent), mia))).empty());

  const auto [all, p2] = walk(lrs, "", "Bearer " + lrs.srv.admin_token());
  CHECK(std::set<std::string>(all.begin(), all.end()) == std::set<std::string>{uuid_n(1), uuid_n(2), uuid_n(3), uuid_n(5)});

  // An admin of another organisation sees none of them.
  const std::string org2 = lrs.srv.app().create_org("Other org");
  lrs.srv.app().create_user(org2, "olga@example.com", "Olga", "admin", "olga-pass-12");
  const std::string olga = "Bearer " + login(lrs.srv, "olga@example.com", "olga-pass-12");
  CHECK(ids_of(body_json(lrs.get("", olga))).empty());
  CHECK(lrs.get("?statementId=" + uuid_n(1), olga).status == 404);
}

TEST_CASE("xAPI: statements stored before the query index existed are indexed at start-up, and only once",
          "[sync][xapi]") {
  Lrs lrs;
  json batch = json::array();
  for (int i = 1; i <= 620; ++i) {
    json s = make(uuid_n(i), agent_mbox(i % 2 ? "ann" : "bob"), kCompleted, "http://example.com/a");
    s["context"] = {{"instructor", agent_mbox("ivy")}};
    batch.push_back(s);
  }
  REQUIRE(lrs.post(batch).status == 200);
  REQUIRE(lrs.post(make(uuid_n(700), agent_mbox("cat"), kCompleted, "http://example.com/b")).status == 200);
  const std::string ivy = "?agent=" + url_encode(json{{"mbox", "mailto:ivy@example.com"}}.dump()) + "&related_agents=true&limit=0";
  REQUIRE(body_json(lrs.get(ivy))["statements"].size() == 500);
  // As a database migrated from schema 1 looks: statements, no index, a backlog.
  lrs.srv.app().db().write([](trailpack::server::db::Connection& c) {
    c.exec("DELETE FROM statement_agents");
    c.exec("DELETE FROM statement_activities");
    c.exec("INSERT INTO statement_index_backlog(next_seq, last_seq) SELECT 1, MAX(seq) FROM statements");
  });
  CHECK(body_json(lrs.get(ivy))["statements"].empty());
  CHECK(lrs.srv.app().index_statements() == 621);
  CHECK(lrs.srv.app().index_statements() == 0);  // done: the backlog is gone
  auto [ivy_all, pages] = walk(lrs, ivy);
  CHECK(ivy_all.size() == 620);
  CHECK(ids_of(body_json(lrs.get("?" + q_agent(json{{"mbox", "mailto:cat@example.com"}})))) == std::vector<std::string>{uuid_n(700)});
  CHECK(count_statements(lrs.srv) == 621);
}
