// Course content cannot carry script into the app: what the authoring compiler (trailpack
// pack) refuses, what the server refuses at publish even from a hand-made signed bundle,
// and the headers that keep course files and the app shell inert. The browser side (an
// attack bundle played in Chromium) is tests/e2e/security_content.test.js.
#include <catch2/catch.hpp>

#include "test_helpers.hpp"
#include "trailpack/bundle/authoring.hpp"
#include "trailpack/bundle/manifest.hpp"
#include "trailpack/crypto/sha256.hpp"

using namespace trailpack::test;
using nlohmann::json;
namespace bundle = trailpack::bundle;
namespace crypto = trailpack::server::crypto;

namespace {

const std::string kCourseHead =
    R"J({"id":"x","version":1,"title":"X","language":"en","modules":[{"id":"m","title":"M","items":[)J";

trailpack::Error compile_error(const std::map<std::string, std::string>& files) {
  std::vector<bundle::SourceFile> sources;
  for (const auto& [p, d] : files) sources.push_back({p, d});
  auto r = bundle::compile_course(sources);
  if (r) FAIL("compiled: " << bundle::course_to_json(r->course).dump());
  return r.error();
}

// A signed bundle made by hand from files as given (course.json not compiled), as an
// attacker holding a publisher key, or a buggy tool, could make one.
std::string raw_bundle(const std::map<std::string, std::string>& files, const crypto::KeyPair& key) {
  bundle::Manifest m;
  m.course_id = "x";
  m.version = 1;
  for (const auto& [p, d] : files) m.files.push_back({p, trailpack::crypto::sha256_hex(d), d.size()});
  const std::string manifest = bundle::manifest_to_json(m).dump(2);
  bundle::Signature sig;
  sig.key_id = bundle::key_id_of(key.public_key);
  sig.signature = crypto::ed25519_sign(manifest, key.secret_key);
  std::vector<bundle::ArchiveEntry> entries = {{"manifest.json", manifest}, {"manifest.sig", bundle::signature_to_json(sig).dump()}};
  for (const auto& [p, d] : files) entries.push_back({p, d});
  return *bundle::write_tar(entries);
}

}  // namespace

TEST_CASE("security: pack refuses script-bearing content or turns it into text", "[sync][security]") {
  SECTION("raw HTML in a card") {
    auto e = compile_error({{"course.json", kCourseHead + R"J({"id":"c","type":"card","title":"C","file":"cards/c.md"}]}]})J"},
                            {"cards/c.md", "# Title\n\n<script>alert(1)</script>\n"}});
    CHECK(e.where == "cards/c.md:3");
    CHECK(e.message == "raw HTML is not allowed in cards; use Markdown");
  }
  SECTION("a javascript: link written in course.json") {
    auto e = compile_error({{"course.json", kCourseHead + R"J({"id":"c","type":"card","title":"C","blocks":[{"type":"paragraph",
        "spans":[{"text":"click","style":"link","href":"javascript:alert(1)"}]}]}]}]})J"}});
    CHECK(e.where == "course.json: modules[0].items[0].blocks[0].spans[0].href");
    CHECK(e.message == "links must start with https:// or mailto:");
  }
  SECTION("a javascript: or data: link in Markdown stays text") {
    auto blocks = bundle::parse_card_markdown("# T\n\n[a](javascript:alert(1)) [b](data:text/html,x) [c](https://ok.example)\n", "c.md");
    REQUIRE(blocks);
    std::vector<std::string> hrefs;
    for (const auto& s : (*blocks)[1].spans)
      if (s.style == "link") hrefs.push_back(s.href);
    CHECK(hrefs == std::vector<std::string>{"https://ok.example"});
  }
  SECTION("media outside the bundle") {
    auto e = compile_error({{"course.json", kCourseHead + R"J({"id":"c","type":"card","title":"C","file":"cards/c.md"}]}]})J"},
                            {"cards/c.md", "# T\n\n![x](javascript:alert(1))\n"}});
    CHECK(e.code == "invalid_course");
  }
  SECTION("huge nesting") {
    auto e = compile_error({{"course.json", kCourseHead + std::string(5000, '[') + std::string(5000, ']') + "]}]}"}});
    CHECK(e.code == "invalid_json");
    CHECK(e.message.find("nested deeper than 100 levels") != std::string::npos);
  }
}

TEST_CASE("security: publish refuses a signed bundle with script links or huge nesting", "[sync][security]") {
  TestServer srv;
  const auto key = crypto::ed25519_keypair();
  srv.app().add_trusted_key(key.public_key, "publisher");
  auto h = TestServer::bearer(srv.admin_token());
  h["content-type"] = "application/octet-stream";

  const std::string js_link = kCourseHead + R"J({"id":"c","type":"card","title":"C","blocks":[{"type":"paragraph",
      "spans":[{"text":"click","style":"link","href":"javascript:alert(document.cookie)"}]}]}]}]})J";
  auto res = srv.post("/api/v1/bundles", raw_bundle({{"course.json", js_link}}, key), h);
  CHECK(res.status == 400);
  CHECK(error_code(res) == "invalid_course");
  CHECK(error_where(res) == "course.json: modules[0].items[0].blocks[0].spans[0].href");

  const std::string deep = kCourseHead + std::string(100000, '[') + std::string(100000, ']') + "]}]}";
  res = srv.post("/api/v1/bundles", raw_bundle({{"course.json", deep}}, key), h);
  CHECK(res.status == 400);
  CHECK(error_code(res) == "invalid_json");
  CHECK(srv.get("/livez").status == 200);

  // Text fields with markup are data: stored as sent, rendered as text by the app.
  const std::string markup = R"J({"id":"x","version":1,"title":"<img src=x onerror=alert(1)>","language":"en","modules":[
      {"id":"m","title":"<script>alert(1)</script>","items":[{"id":"c","type":"card","title":"C","blocks":[
      {"type":"paragraph","spans":[{"text":"<b onmouseover=alert(1)>x</b>"}]}]}]}]})J";
  res = srv.post("/api/v1/bundles", raw_bundle({{"course.json", markup}}, key), h);
  CHECK(res.status == 201);
  CHECK(body_json(res)["course"] == "x");
}

TEST_CASE("security: the app shell carries a strict CSP; course files are served inert", "[sync][security]") {
  TempDir web;
  write_text(web.path / "index.html", "<!doctype html><title>t</title>");
  write_text(web.path / "app" / "main.js", "export {};");
  TestServer srv({}, [&](trailpack::server::Config& c) { c.web_root = web.path.string(); });
  auto shell = srv.get("/");
  REQUIRE(shell.status == 200);
  CHECK(shell.headers["content-security-policy"] ==
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' blob: data:; "
        "media-src 'self' blob:; connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'");
  CHECK(shell.headers["x-content-type-options"] == "nosniff");
  CHECK(shell.headers["referrer-policy"] == "no-referrer");

  const auto key = crypto::ed25519_keypair();
  srv.app().add_trusted_key(key.public_key, "publisher");
  auto files = demo_course_files();
  const std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><script>alert(2)</script></svg>";
  files["media/wet-floor.svg"] = svg;
  auto h = TestServer::bearer(srv.admin_token());
  h["content-type"] = "application/octet-stream";
  REQUIRE(srv.post("/api/v1/bundles", build_bundle(files, key), h).status == 201);
  Device d = srv.enroll_learner("d@example.com", "D");
  auto file = srv.get("/api/v1/files/" + trailpack::crypto::sha256_hex(svg), TestServer::bearer(d.access_token));
  REQUIRE(file.status == 200);
  CHECK(file.body == svg);
  CHECK(file.headers["content-type"] == "application/octet-stream");
  CHECK(file.headers["x-content-type-options"] == "nosniff");
  CHECK(file.headers["content-security-policy"] == "default-src 'none'; sandbox");
  CHECK(file.headers["content-disposition"] == "attachment");
}
