// How requests reach the xAPI resources on a real server: CORS for browser content
// (preflight, allowed origins, headers on answers and errors) and the alternate
// request syntax of xAPI 1.0.3 part three 1.3 (POST ?method= with a form body).
#include <catch2/catch.hpp>

#include "test_helpers.hpp"

using namespace trailpack::test;
using nlohmann::json;
using trailpack::server::ClientResponse;

namespace {

constexpr const char* kOrigin = "https://content.example";
constexpr const char* kCompleted = "http://adlnet.gov/expapi/verbs/completed";

json statement(const std::string& id) {
  return {{"id", id},
          {"actor", {{"objectType", "Agent"}, {"mbox", "mailto:example@example.com"}, {"name", "Test User"}}},
          {"verb", {{"id", kCompleted}}},
          {"object", {{"id", "http://example.com/xAPI/activities/myactivity"}, {"objectType", "Activity"}}}};
}

std::string form(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) out += (out.empty() ? "" : "&") + url_encode(k) + "=" + url_encode(v);
  return out;
}

ClientResponse post_form(TestServer& srv, const std::string& path, const std::string& body) {
  return srv.request("POST", path, body, {{"content-type", "application/x-www-form-urlencoded"}});
}

}  // namespace

TEST_CASE("xAPI CORS: allowed origins get preflights and CORS headers on every answer; others get 403 and none",
          "[sync][xapi][cors]") {
  TestServer srv({}, [](trailpack::server::Config& c) { c.cors_origins = {kOrigin}; });
  auto [k, s] = srv.app().create_xapi_client("content", {"all"});
  const std::string auth = basic_auth(k, s);

  auto preflight = srv.request("OPTIONS", "/xapi/statements", {},
                               {{"origin", kOrigin},
                                {"access-control-request-method", "POST"},
                                {"access-control-request-headers", "authorization,content-type,x-experience-api-version"}});
  CHECK(preflight.status == 204);
  CHECK(preflight.headers["access-control-allow-origin"] == kOrigin);
  CHECK(preflight.headers["access-control-allow-methods"] == "OPTIONS, GET, HEAD, PUT, POST");
  CHECK(preflight.headers["access-control-allow-headers"] ==
        "Authorization, Content-Type, X-Experience-API-Version, If-Match, If-None-Match, Accept-Language");
  CHECK(preflight.headers["access-control-max-age"] == "600");
  CHECK(preflight.headers["vary"] == "Origin");
  CHECK(preflight.headers["x-experience-api-version"] == "1.0.3");
  auto state_preflight = srv.request("OPTIONS", "/xapi/activities/state", {}, {{"origin", kOrigin}, {"access-control-request-method", "DELETE"}});
  CHECK(state_preflight.status == 204);
  CHECK(state_preflight.headers["access-control-allow-methods"] == "OPTIONS, GET, HEAD, PUT, POST, DELETE");

  auto h = xapi_headers(auth);
  h["origin"] = kOrigin;
  auto posted = srv.post("/xapi/statements", statement(uuid_n(1)).dump(), h);
  CHECK(posted.status == 200);
  CHECK(posted.headers["access-control-allow-origin"] == kOrigin);
  CHECK(posted.headers["access-control-expose-headers"] ==
        "ETag, Last-Modified, Content-Type, X-Experience-API-Version, X-Experience-API-Consistent-Through");
  // Errors too, so that browser content can read why.
  auto h_bad = h;
  h_bad["authorization"] = basic_auth("no", "body");
  auto refused = srv.get("/xapi/statements", h_bad);
  CHECK(refused.status == 401);
  CHECK(refused.headers["access-control-allow-origin"] == kOrigin);

  auto evil = srv.request("OPTIONS", "/xapi/statements", {}, {{"origin", "https://evil.example"}, {"access-control-request-method", "POST"}});
  CHECK(evil.status == 403);
  CHECK(error_message(evil) == "the origin https://evil.example may not call this LRS (see cors_origins in docs/operations.md)");
  CHECK_FALSE(evil.headers.count("access-control-allow-origin"));
  auto h_evil = xapi_headers(auth);
  h_evil["origin"] = "https://evil.example";
  auto evil_get = srv.get("/xapi/statements", h_evil);
  CHECK(evil_get.status == 200);  // the server answers; the browser withholds it
  CHECK_FALSE(evil_get.headers.count("access-control-allow-origin"));

  // The server's own origin (its public URL) is always allowed; no Origin, no CORS headers.
  auto h_self = xapi_headers(auth);
  h_self["origin"] = srv.url();
  CHECK(srv.get("/xapi/statements", h_self).headers["access-control-allow-origin"] == srv.url());
  CHECK_FALSE(srv.get("/xapi/statements", xapi_headers(auth)).headers.count("access-control-allow-origin"));
  auto plain_options = srv.request("OPTIONS", "/xapi/about");
  CHECK(plain_options.status == 204);
  CHECK(plain_options.headers["allow"] == "OPTIONS, GET, HEAD");
}

TEST_CASE("xAPI CORS: by default only the server's own origin; \"*\" allows any", "[sync][xapi][cors]") {
  TestServer strict;
  auto strict_preflight = strict.request("OPTIONS", "/xapi/statements", {}, {{"origin", kOrigin}, {"access-control-request-method", "GET"}});
  CHECK(strict_preflight.status == 403);
  TestServer open({}, [](trailpack::server::Config& c) { c.cors_origins = {"*"}; });
  auto open_preflight = open.request("OPTIONS", "/xapi/statements", {}, {{"origin", kOrigin}, {"access-control-request-method", "GET"}});
  CHECK(open_preflight.status == 204);
  CHECK(open_preflight.headers["access-control-allow-origin"] == kOrigin);
}

TEST_CASE("xAPI alternate request syntax: POST ?method= with the headers, parameters and content in a form",
          "[sync][xapi][syntax]") {
  TestServer srv;
  auto [k, s] = srv.app().create_xapi_client("ie9 content", {"all"});
  const std::string auth = basic_auth(k, s);
  const json st = statement(uuid_n(1));

  // The PUT of part three, appendix C.
  auto put = post_form(srv, "/xapi/statements?method=PUT",
                       form({{"statementId", uuid_n(1)}, {"Authorization", auth}, {"X-Experience-API-Version", "1.0.3"},
                             {"Content-Type", "application/json"}, {"Content-Length", std::to_string(st.dump().size())},
                             {"content", st.dump()}}));
  CHECK(put.status == 204);
  CHECK(put.headers.count("x-experience-api-consistent-through"));
  CHECK(count_statements_where(srv, "id = $1", {uuid_n(1)}) == 1);

  // A GET with long parameters.
  auto got = post_form(srv, "/xapi/statements?method=GET",
                       form({{"verb", kCompleted}, {"Authorization", auth}, {"X-Experience-API-Version", "1.0.3"}}));
  REQUIRE(got.status == 200);
  CHECK(body_json(got)["statements"][0]["id"] == uuid_n(1));
  // "HEAD" through a POST is answered like the GET it stands for (a POST answer has a body).
  auto head = post_form(srv, "/xapi/statements?method=HEAD",
                        form({{"statementId", uuid_n(1)}, {"Authorization", auth}, {"X-Experience-API-Version", "1.0.3"}}));
  CHECK(head.status == 200);
  CHECK(body_json(head)["id"] == uuid_n(1));

  // The State resource, content type from the form.
  const std::string state = "?method=PUT";
  auto state_put = post_form(srv, "/xapi/activities/state" + state,
                             form({{"activityId", "http://example.com/a"}, {"agent", R"({"mbox":"mailto:ann@example.com"})"},
                                   {"stateId", "bookmark"}, {"Authorization", auth}, {"X-Experience-API-Version", "1.0.3"},
                                   {"Content-Type", "text/plain"}, {"content", "page 7"}}));
  CHECK(state_put.status == 204);
  auto state_get = srv.get("/xapi/activities/state?activityId=" + url_encode("http://example.com/a") + "&agent=" +
                               url_encode(R"({"mbox":"mailto:ann@example.com"})") + "&stateId=bookmark",
                           xapi_headers(auth));
  CHECK(state_get.body == "page 7");
  CHECK(state_get.headers["content-type"] == "text/plain");
  // A resource without POST of its own takes the syntax too.
  auto about = post_form(srv, "/xapi/activities?method=GET",
                         form({{"activityId", "http://example.com/a"}, {"Authorization", auth}, {"X-Experience-API-Version", "1.0.3"}}));
  CHECK(about.status == 200);
  CHECK(body_json(about) == json{{"objectType", "Activity"}, {"id", "http://example.com/a"}});
  auto plain_post = srv.post("/xapi/activities", "{}", xapi_headers(auth));
  CHECK(plain_post.status == 405);
  CHECK(error_message(plain_post) == "POST is not allowed on /xapi/activities (OPTIONS, GET, HEAD)");

  struct Bad {
    std::string target, body, content_type, where, message;
  };
  for (const auto& b : std::vector<Bad>{
           {"/xapi/statements?method=GET&verb=x", form({{"Authorization", auth}}), "application/x-www-form-urlencoded", "verb",
            "with the alternate request syntax (method=GET), parameters go in the form body, not the query: verb"},
           {"/xapi/statements?method=PATCH", form({{"Authorization", auth}}), "application/x-www-form-urlencoded", "method",
            "method must be GET, HEAD, PUT, POST or DELETE"},
           {"/xapi/statements?method=GET", R"({"verb":"x"})", "application/json", "Content-Type",
            "the alternate request syntax needs a Content-Type of application/x-www-form-urlencoded"},
           {"/xapi/statements?method=GET", "a=%zz", "application/x-www-form-urlencoded", "content", "the form body has a malformed % escape"},
           {"/xapi/statements?method=GET", form({{"Authorization", auth}, {"method", "PUT"}}), "application/x-www-form-urlencoded", "method",
            "method belongs in the query string, once"},
       }) {
    INFO(b.target << " " << b.body);
    auto res = srv.request("POST", b.target, b.body, {{"content-type", b.content_type}});
    CHECK(res.status == 400);
    CHECK(error_where(res) == b.where);
    CHECK(error_message(res) == b.message);
  }
  // Headers in the form are checked like headers.
  auto no_version = post_form(srv, "/xapi/statements?method=GET", form({{"Authorization", auth}}));
  CHECK(no_version.status == 400);
  CHECK(error_code(no_version) == "missing_version");
  auto no_auth = post_form(srv, "/xapi/statements?method=GET", form({{"X-Experience-API-Version", "1.0.3"}}));
  CHECK(no_auth.status == 401);
  auto unknown = post_form(srv, "/xapi/statements?method=GET",
                           form({{"Authorization", auth}, {"X-Experience-API-Version", "1.0.3"}, {"cachebuster", "1"}}));
  CHECK(unknown.status == 400);
  CHECK(error_where(unknown) == "cachebuster");
}

TEST_CASE("xAPI: unknown resources and methods answer with the xAPI headers too", "[sync][xapi][syntax]") {
  TestServer srv({}, [](trailpack::server::Config& c) { c.cors_origins = {kOrigin}; });
  auto [k, s] = srv.app().create_xapi_client("content", {"all"});
  auto h = xapi_headers(basic_auth(k, s));
  h["origin"] = kOrigin;
  auto oauth = srv.get("/xapi/OAuth/initiate", h);
  CHECK(oauth.status == 404);
  CHECK(error_message(oauth) == "no such xAPI resource: /xapi/OAuth/initiate");
  CHECK(oauth.headers["x-experience-api-version"] == "1.0.3");
  CHECK(oauth.headers["access-control-allow-origin"] == kOrigin);
  CHECK(srv.request("DELETE", "/xapi/extensions/x", {}, h).status == 404);
  auto del = srv.request("DELETE", "/xapi/statements", {}, h);
  CHECK(del.status == 405);
  CHECK(error_message(del) == "DELETE is not allowed on /xapi/statements (OPTIONS, GET, HEAD, PUT, POST)");
  CHECK(del.headers["x-experience-api-version"] == "1.0.3");
  CHECK(del.headers.count("x-experience-api-consistent-through"));
  auto put_about = srv.request("PUT", "/xapi/about", "{}", h);
  CHECK(put_about.status == 405);
  CHECK(put_about.headers["x-experience-api-version"] == "1.0.3");
}
