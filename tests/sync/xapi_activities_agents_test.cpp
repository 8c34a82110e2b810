// The xAPI Activities and Agents resources on a real server (part three 2.4, 2.5):
// the definition the LRS holds for an Activity (canonical once a `define` client sent
// one), and the Person object for an Agent, combined with what the server knows of its
// users only for callers who may see them.
#include <catch2/catch.hpp>

#include "crypto.hpp"
#include "test_helpers.hpp"

using namespace trailpack::test;
using nlohmann::json;
using trailpack::server::ClientResponse;

namespace {

const std::string kActivity = "http://example.com/activities/q1";
constexpr const char* kAnswered = "http://adlnet.gov/expapi/verbs/answered";

json statement_about(const std::string& id, const json& definition) {
  return {{"id", id},
          {"actor", {{"mbox", "mailto:ann@example.com"}}},
          {"verb", {{"id", kAnswered}}},
          {"object", {{"id", kActivity}, {"definition", definition}}}};
}

ClientResponse get(TestServer& srv, const std::string& path, const std::string& auth) { return srv.get(path, xapi_headers(auth)); }

}  // namespace

TEST_CASE("xAPI activities: an Activity with the definition the LRS holds; define-scope definitions are canonical",
          "[sync][xapi][activities]") {
  TestServer srv;
  auto [wk, ws] = srv.app().create_xapi_client("content", {"statements/write"});
  auto [dk, ds] = srv.app().create_xapi_client("authoring", {"statements/write", "define"});
  const std::string writer = basic_auth(wk, ws), definer = basic_auth(dk, ds);
  const std::string path = "/xapi/activities?activityId=" + url_encode(kActivity);

  auto unknown = get(srv, path, writer);
  REQUIRE(unknown.status == 200);
  CHECK(body_json(unknown) == json{{"objectType", "Activity"}, {"id", kActivity}});
  CHECK(unknown.headers["etag"] == "\"" + trailpack::server::crypto::sha1_hex(unknown.body) + "\"");

  // Before any `define` client: the merge of what statements carried.
  REQUIRE(srv.post("/xapi/statements", statement_about(uuid_n(1), {{"name", {{"en-US", "Question 1"}}}}).dump(), xapi_headers(writer)).status == 200);
  REQUIRE(srv.post("/xapi/statements", statement_about(uuid_n(2), {{"name", {{"fr", "Question 1 (fr)"}}}, {"type", "http://adlnet.gov/expapi/activities/cmi.interaction"}}).dump(),
                   xapi_headers(writer))
              .status == 200);
  CHECK(body_json(get(srv, path, writer))["definition"] ==
        json{{"name", {{"en-US", "Question 1"}, {"fr", "Question 1 (fr)"}}}, {"type", "http://adlnet.gov/expapi/activities/cmi.interaction"}});

  // A define client's definition is merged in and becomes canonical...
  REQUIRE(srv.post("/xapi/statements", statement_about(uuid_n(3), {{"name", {{"en-US", "Fire safety, question 1"}}}, {"description", {{"en-US", "Which extinguisher?"}}}}).dump(),
                   xapi_headers(definer))
              .status == 200);
  const json canonical = {{"name", {{"en-US", "Fire safety, question 1"}, {"fr", "Question 1 (fr)"}}},
                          {"description", {{"en-US", "Which extinguisher?"}}},
                          {"type", "http://adlnet.gov/expapi/activities/cmi.interaction"}};
  auto defined = get(srv, path, writer);
  CHECK(body_json(defined)["definition"] == canonical);
  CHECK(defined.headers.count("last-modified"));
  // ...which other clients no longer change.
  REQUIRE(srv.post("/xapi/statements", statement_about(uuid_n(4), {{"name", {{"en-US", "Vandalised"}}}}).dump(), xapi_headers(writer)).status == 200);
  CHECK(body_json(get(srv, path, writer))["definition"] == canonical);

  // Definitions in context activities and SubStatements count too.
  json in_context = statement_about(uuid_n(5), {{"name", {{"en", "x"}}}});
  in_context["context"] = {{"contextActivities", {{"parent", json::array({{{"id", "http://example.com/activities/course"}, {"definition", {{"name", {{"en", "The course"}}}}}}})}}}};
  REQUIRE(srv.post("/xapi/statements", in_context.dump(), xapi_headers(writer)).status == 200);
  CHECK(body_json(get(srv, "/xapi/activities?activityId=" + url_encode("http://example.com/activities/course"), writer))["definition"] ==
        json{{"name", {{"en", "The course"}}}});

  auto missing = get(srv, "/xapi/activities", writer);
  CHECK(missing.status == 400);
  CHECK(error_message(missing) == "activityId is required");
  auto not_iri = get(srv, "/xapi/activities?activityId=q1", writer);
  CHECK(not_iri.status == 400);
  CHECK(error_message(not_iri) == "activityId must be an IRI");
  CHECK(get(srv, path + "&format=exact", writer).status == 400);
  CHECK(get(srv, path, basic_auth("nobody", "x")).status == 401);
  // A learner's device may read it.
  Device lea = srv.enroll_learner("lea@example.com", "Lea");
  CHECK(body_json(get(srv, path, "Bearer " + lea.access_token))["definition"] == canonical);
}

TEST_CASE("xAPI agents: the Person for an Agent; what the server knows of a user only for those who may see them",
          "[sync][xapi][agents]") {
  TestServer srv;
  auto [ak, as] = srv.app().create_xapi_client("warehouse", {"all/read"});
  auto [rk, rs] = srv.app().create_xapi_client("content", {"statements/read", "statements/write"});
  const std::string all_read = basic_auth(ak, as), reader = basic_auth(rk, rs);
  Device lea = srv.enroll_learner("lea@example.com", "Lea Learner");
  Device sam = srv.enroll_learner("sam@example.com", "Sam");
  auto person = [&](const json& agent, const std::string& auth) {
    auto res = get(srv, "/xapi/agents?agent=" + url_encode(agent.dump()), auth);
    REQUIRE(res.status == 200);
    CHECK(res.headers["etag"] == "\"" + trailpack::server::crypto::sha1_hex(res.body) + "\"");
    return body_json(res);
  };

  // Nobody known: the Agent itself, as a Person.
  CHECK(person(json{{"objectType", "Agent"}, {"name", "Zed"}, {"mbox", "mailto:zed@example.com"}}, reader) ==
        json{{"objectType", "Person"}, {"name", json::array({"Zed"})}, {"mbox", json::array({"mailto:zed@example.com"})}});
  CHECK(person(json{{"openid", "http://openid.example.org/zed"}}, reader) ==
        json{{"objectType", "Person"}, {"openid", json::array({"http://openid.example.org/zed"})}});

  const json lea_full = {{"objectType", "Person"},
                         {"name", json::array({"Lea Learner"})},
                         {"mbox", json::array({"mailto:lea@example.com"})},
                         {"account", json::array({{{"homePage", srv.url()}, {"name", lea.user_id}}})}};
  const json by_mail = {{"mbox", "mailto:lea@example.com"}};
  CHECK(person(by_mail, all_read) == lea_full);
  CHECK(person(lea.agent, all_read) == lea_full);
  // statements/read is not enough to learn more than was asked.
  CHECK(person(by_mail, reader) == json{{"objectType", "Person"}, {"mbox", json::array({"mailto:lea@example.com"})}});
  // Lea herself, and the admin of her organisation, see her; Sam does not.
  CHECK(person(by_mail, "Bearer " + lea.access_token) == lea_full);
  CHECK(person(by_mail, "Bearer " + srv.admin_token()) == lea_full);
  CHECK(person(by_mail, "Bearer " + sam.access_token) == json{{"objectType", "Person"}, {"mbox", json::array({"mailto:lea@example.com"})}});

  auto group = get(srv, "/xapi/agents?agent=" + url_encode(json{{"objectType", "Group"}, {"mbox", "mailto:g@example.com"}}.dump()), reader);
  CHECK(group.status == 400);
  CHECK(error_message(group) == "agent must be a JSON Agent, not a Group");
  auto none = get(srv, "/xapi/agents", reader);
  CHECK(none.status == 400);
  CHECK(error_message(none) == "agent is required");
}
