// Static files (the learner app and console) on a real server with a web root:
// traversal stays inside the root, HTML carries the CSP, ETag revalidation.
#include <catch2/catch.hpp>

#include "test_helpers.hpp"

using namespace trailpack::test;
namespace fs = std::filesystem;
namespace server = trailpack::server;

namespace {

fs::path make_site(const fs::path& dir) {
  const fs::path web = dir / "web";
  write_text(web / "index.html", "<!doctype html><title>Trailpack</title>");
  write_text(web / "app.js", "console.log('app');");
  write_text(web / "admin" / "index.html", "<!doctype html><title>Console</title>");
  write_text(dir / "secret.txt", "outside the web root");
  return web;
}

// The test server with a web root of three files, and a secret file beside the root.
struct WebServer {
  TempDir dir;
  fs::path web = make_site(dir.path);
  TestServer server{{}, [this](server::Config& c) { c.web_root = web.string(); }};

  server::ClientResponse get(const std::string& path, const std::map<std::string, std::string>& headers = {}) {
    return server.get(path, headers);
  }
};

}  // namespace

TEST_CASE("static: the app is served from the web root with a CSP on HTML", "[sync][static]") {
  WebServer srv;
  auto index = srv.get("/");
  REQUIRE(index.status == 200);
  CHECK(index.body == "<!doctype html><title>Trailpack</title>");
  CHECK(index.headers["content-type"] == "text/html; charset=utf-8");
  const std::string csp = index.headers["content-security-policy"];
  CHECK(csp.find("default-src 'self'") != std::string::npos);
  CHECK(csp.find("object-src 'none'") != std::string::npos);
  CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
  CHECK(index.headers["x-content-type-options"] == "nosniff");
  CHECK(index.headers["cache-control"] == "no-cache");

  auto admin = srv.get("/admin/");
  REQUIRE(admin.status == 200);
  CHECK(admin.body == "<!doctype html><title>Console</title>");
  CHECK(admin.headers.count("content-security-policy"));
  CHECK(srv.get("/admin").status == 200);  // a folder serves its index.html

  auto js = srv.get("/app.js");
  REQUIRE(js.status == 200);
  CHECK(js.headers["content-type"] == "application/javascript; charset=utf-8");
  CHECK_FALSE(js.headers.count("content-security-policy"));

  auto missing = srv.get("/nope.html");
  CHECK(missing.status == 404);
  CHECK(error_code(missing) == "not_found");
  // The API still wins over the catch-all.
  CHECK(srv.get("/livez").status == 200);
}

TEST_CASE("static: .. and %2e%2e cannot leave the web root", "[sync][static]") {
  WebServer srv;
  for (const std::string& path : std::vector<std::string>{"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/admin/../../secret.txt",
                                 "/admin/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt", "/%2e%2e%2fsecret.txt",
                                 "/admin/..%2f..%2fsecret.txt", "/" + srv.dir.path.string() + "/secret.txt"}) {
    INFO(path);
    auto res = srv.get(path);
    CHECK(res.status == 404);
    CHECK(res.body.find("outside the web root") == std::string::npos);
  }
  // Inside the root, ".." that stays inside is harmless.
  auto inside = srv.get("/admin/../app.js");
  CHECK(inside.status == 200);
  auto nul = srv.get("/index.html%00.js");
  CHECK(nul.status == 400);
}

TEST_CASE("static: ETag and If-None-Match give 304", "[sync][static]") {
  WebServer srv;
  auto first = srv.get("/app.js");
  REQUIRE(first.status == 200);
  const std::string etag = first.headers["etag"];
  REQUIRE(etag.size() > 2);
  CHECK(etag.front() == '"');
  auto again = srv.get("/app.js", {{"if-none-match", etag}});
  CHECK(again.status == 304);
  CHECK(again.body.empty());
  CHECK(again.headers["etag"] == etag);
  auto other = srv.get("/app.js", {{"if-none-match", "\"something-else\""}});
  CHECK(other.status == 200);
  // A changed file gets a new ETag.
  write_text(srv.web / "app.js", "console.log('v2');");
  auto changed = srv.get("/app.js", {{"if-none-match", etag}});
  CHECK(changed.status == 200);
  CHECK(changed.headers["etag"] != etag);
}
