// The xAPI 1.0.3 Statements resource on a real server: version header, Basic auth with
// scopes, PUT/POST/GET, conflicts, voiding, filters, `more` paging and formats.
#include <catch2/catch.hpp>

#include <set>
#include <functional>
#include <thread>

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
  CHECK(s["version"] == "1.0.3");
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
  // Same id twice in one batch with different content: also 409, nothing stored.
  json twin = make(uuid_n(9), agent_mbox("ann"), kCompleted, "http://example.com/x");
  json twin2 = twin;
  twin2["verb"]["id"] = kExperienced;
  CHECK(lrs.post(json::array({twin, twin2})).status == 409);
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
  CHECK(error_message(res) == "result.score.scaled: must be between -1 and 1");
  CHECK(count_statements(lrs.srv) == 0);
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
  auto by_activity = lrs.get("?activity=" + url_encode("http://example.com/a"));
  CHECK(ids_of(body_json(by_activity)) == std::vector<std::string>{uuid_n(2)});
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
  CHECK(error_message(res) == "object: a voiding statement cannot void another voiding statement");
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
  // The admin console session reads everything.
  const auto [everything, p2] = walk(lrs, "", "Bearer " + lrs.srv.admin_token());
  CHECK(everything.size() == 4);
}
