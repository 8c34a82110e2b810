// Bundles on a real server: publishing signed bundles, refusing untrusted or damaged
// ones, dry runs with their impact report, versions, and the content-addressed files.
#include <catch2/catch.hpp>

#include "test_helpers.hpp"
#include "trailpack/crypto/sha256.hpp"

using namespace trailpack::test;
using nlohmann::json;
namespace crypto = trailpack::server::crypto;

namespace {

constexpr const char* kExperienced = "http://adlnet.gov/expapi/verbs/experienced";

std::map<std::string, std::string> octets(const std::string& token) {
  auto h = TestServer::bearer(token);
  h["content-type"] = "application/octet-stream";
  return h;
}

trailpack::server::ClientResponse publish(TestServer& srv, const std::string& archive, bool dry_run = false,
                                          const std::string& token = {}) {
  return srv.post(std::string("/api/v1/bundles") + (dry_run ? "?dry_run=1" : ""), archive,
                  octets(token.empty() ? srv.admin_token() : token));
}

// Version 2 of the demo course: "ppe" reworded, "welcome" removed, "exits" added,
// "check" untouched.
std::map<std::string, std::string> demo_v2() {
  auto files = demo_course_files();
  json course = json::parse(files["course.json"]);
  course["version"] = 2;
  json& items = course["modules"][0]["items"];
  json kept = json::array();
  for (const auto& it : items)
    if (it["id"] != "welcome") kept.push_back(it);
  kept.push_back({{"id", "exits"}, {"type", "card"}, {"title", "Fire exits"}, {"file", "cards/exits.md"}});
  items = kept;
  files["course.json"] = course.dump(2);
  files["cards/ppe.md"] += "\n4. Hearing protection in loud areas.\n";
  files["cards/exits.md"] = "# Fire exits\n\nKnow the two nearest exits from where you work.\n";
  return files;
}

std::int64_t count_rows(TestServer& srv, const std::string& table) {
  std::int64_t n = 0;
  srv.app().db().read([&](trailpack::server::db::Connection& c) { n = c.query("SELECT COUNT(*) FROM " + table)[0].i64(0); });
  return n;
}

json courses(TestServer& srv, const std::string& token) {
  auto res = srv.get("/api/v1/courses", TestServer::bearer(token));
  REQUIRE(res.status == 200);
  return body_json(res)["courses"];
}

}  // namespace

TEST_CASE("bundles: an admin publishes a signed bundle (201) and the course is offered to devices", "[sync][bundles]") {
  TestServer srv;
  const auto key = crypto::ed25519_keypair();
  srv.app().add_trusted_key(key.public_key, "test publisher");
  const std::string archive = build_bundle(demo_course_files(), key);

  auto res = publish(srv, archive);
  REQUIRE(res.status == 201);
  const json r = body_json(res);
  CHECK(r["course"] == "safety-basics");
  CHECK(r["version"] == 1);
  CHECK(r["title"] == "Workplace safety basics");
  CHECK(r["published"] == true);
  CHECK(r["dry_run"] == false);
  CHECK(r["files"] == 2);  // course.json and media/wet-floor.svg
  CHECK(r["key_id"] == trailpack::bundle::key_id_of(key.public_key));
  CHECK(r["items_changed"].empty());
  CHECK(r["learners_affected"] == 0);
  CHECK_FALSE(r.contains("previous_version"));

  Device d = srv.enroll_learner("lea@example.com", "Lea");
  for (const std::string& token : {srv.admin_token(), d.access_token}) {
    const json list = courses(srv, token);
    REQUIRE(list.size() == 1);
    CHECK(list[0]["id"] == "safety-basics");
    CHECK(list[0]["version"] == 1);
    CHECK(list[0]["title"] == "Workplace safety basics");
    CHECK(list[0]["signature"]["key_id"] == r["key_id"]);
    const json manifest = json::parse(list[0]["manifest"].get<std::string>());
    CHECK(manifest["files"].size() == 2);
  }
  // Devices learn the key at enrollment.
  CHECK(srv.get("/api/v1/keys").status == 200);
  CHECK(body_json(srv.get("/api/v1/keys"))["keys"][0]["key_id"] == r["key_id"]);
  auto versions = srv.get("/api/v1/courses/safety-basics/versions", TestServer::bearer(srv.admin_token()));
  REQUIRE(versions.status == 200);
  CHECK(body_json(versions)["versions"].size() == 1);
  CHECK(srv.get("/api/v1/courses").status == 401);
}

TEST_CASE("bundles: a bundle larger than 1 MiB publishes (the route's body limit applies, not the default)",
          "[sync][bundles][limits]") {
  TestServer srv;
  const auto key = crypto::ed25519_keypair();
  srv.app().add_trusted_key(key.public_key, "test publisher");
  auto files = demo_course_files();
  files["media/wet-floor.svg"] = "<svg xmlns=\"http://www.w3.org/2000/svg\"><!--" + std::string(3u << 20, 'x') + "--></svg>\n";
  const std::string archive = build_bundle(files, key);
  REQUIRE(archive.size() > (3u << 20));
  auto res = publish(srv, archive);
  REQUIRE(res.status == 201);
  CHECK(body_json(res)["bytes"].get<std::int64_t>() > (3 << 20));
  auto file = srv.get("/api/v1/files/" + trailpack::crypto::sha256_hex(files["media/wet-floor.svg"]),
                      TestServer::bearer(srv.admin_token()));
  CHECK(file.status == 200);
  CHECK(file.body == files["media/wet-floor.svg"]);
}

TEST_CASE("bundles: only admins publish", "[sync][bundles]") {
  TestServer srv;
  const auto key = crypto::ed25519_keypair();
  srv.app().add_trusted_key(key.public_key, "test publisher");
  const std::string archive = build_bundle(demo_course_files(), key);
  Device d = srv.enroll_learner("lea@example.com", "Lea");
  auto learner = publish(srv, archive, false, d.access_token);
  CHECK(learner.status == 403);
  CHECK(error_code(learner) == "forbidden");
  add_staff(srv, "manager@example.com", "manager", "manager-pass-1");
  auto manager = publish(srv, archive, false, login(srv, "manager@example.com", "manager-pass-1"));
  CHECK(manager.status == 403);
  CHECK(error_message(manager) == "admins only");
  auto anon = srv.post("/api/v1/bundles", archive, {{"content-type", "application/octet-stream"}});
  CHECK(anon.status == 401);
  CHECK(count_rows(srv, "bundles") == 0);
  CHECK(count_rows(srv, "blobs") == 0);
}

TEST_CASE("bundles: a bundle signed by an untrusted key is 422 bad_signature", "[sync][bundles]") {
  TestServer srv;
  const auto trusted = crypto::ed25519_keypair();
  srv.app().add_trusted_key(trusted.public_key, "test publisher");
  const auto stranger = crypto::ed25519_keypair();
  auto res = publish(srv, build_bundle(demo_course_files(), stranger));
  CHECK(res.status == 422);
  CHECK(error_code(res) == "bad_signature");
  CHECK(error_where(res) == "manifest.sig");
  CHECK(error_message(res) == "the manifest's signature does not verify with a trusted key (key id " +
                                  trailpack::bundle::key_id_of(stranger.public_key) + ")");
  // A dry run is refused the same way.
  CHECK(publish(srv, build_bundle(demo_course_files(), stranger), true).status == 422);
  CHECK(count_rows(srv, "bundles") == 0);
  CHECK(count_rows(srv, "courses") == 0);
}

TEST_CASE("bundles: one flipped byte in the archive is 400 naming the damaged file", "[sync][bundles]") {
  TestServer srv;
  const auto key = crypto::ed25519_keypair();
  srv.app().add_trusted_key(key.public_key, "test publisher");
  const auto files = demo_course_files();
  const std::string archive = build_bundle(files, key);

  SECTION("in a media file") {
    const auto at = archive.find(files.at("media/wet-floor.svg").substr(0, 40));
    REQUIRE(at != std::string::npos);
    std::string damaged = archive;
    damaged[at + 10] = static_cast<char>(damaged[at + 10] ^ 0x01);
    auto res = publish(srv, damaged);
    CHECK(res.status == 400);
    CHECK(error_code(res) == "invalid_bundle");
    CHECK(error_where(res) == "media/wet-floor.svg");
    CHECK(error_message(res) == "SHA-256 does not match the manifest (the file was altered or damaged)");
  }
  SECTION("in course.json") {
    // The description is in course.json only (the manifest carries the title, not it).
    const auto at = archive.find("Ten minutes on hazards");
    REQUIRE(at != std::string::npos);
    REQUIRE(archive.find("Ten minutes on hazards", at + 1) == std::string::npos);
    std::string damaged = archive;
    damaged[at] = 'w';
    auto res = publish(srv, damaged);
    CHECK(res.status == 400);
    CHECK(error_where(res) == "course.json");
  }
  SECTION("in the signed manifest") {
    const auto at = archive.find("\"safety-basics\"");
    REQUIRE(at != std::string::npos);
    std::string damaged = archive;
    damaged[at + 1] = 'S';
    auto res = publish(srv, damaged);
    CHECK(res.status == 422);
    CHECK(error_where(res) == "manifest.sig");
  }
  SECTION("cut short") {
    auto res = publish(srv, archive.substr(0, archive.size() / 2));
    CHECK(res.status == 400);
    CHECK_FALSE(error_code(res).empty());
  }
  CHECK(count_rows(srv, "bundles") == 0);
  CHECK(count_rows(srv, "blobs") == 0);
}

TEST_CASE("bundles: a dry run reports changed, removed and added items and the learners affected, and publishes nothing",
          "[sync][bundles]") {
  TestServer srv;
  const auto key = crypto::ed25519_keypair();
  srv.app().add_trusted_key(key.public_key, "test publisher");
  REQUIRE(publish(srv, build_bundle(demo_course_files(), key)).status == 201);

  // Two learners worked on "ppe" (changed in v2); a third only on "check" (unchanged).
  Device lea = srv.enroll_learner("lea@example.com", "Lea");
  Device sam = srv.enroll_learner("sam@example.com", "Sam");
  Device kim = srv.enroll_learner("kim@example.com", "Kim");
  REQUIRE(body_json(push(srv, lea, {item_statement(lea, uuid_n(1), "safety-basics", "ppe", kExperienced),
                                    item_statement(lea, uuid_n(2), "safety-basics", "ppe", kExperienced)}))["stored"] == 2);
  REQUIRE(body_json(push(srv, sam, {item_statement(sam, uuid_n(3), "safety-basics", "ppe", kExperienced)}))["stored"] == 1);
  REQUIRE(body_json(push(srv, kim, {item_statement(kim, uuid_n(4), "safety-basics", "check", "http://adlnet.gov/expapi/verbs/attempted")}))["stored"] == 1);

  const std::int64_t blobs_before = count_rows(srv, "blobs");
  const std::string v2 = build_bundle(demo_v2(), key);
  auto res = publish(srv, v2, true);
  REQUIRE(res.status == 200);
  const json r = body_json(res);
  CHECK(r["dry_run"] == true);
  CHECK(r["version"] == 2);
  CHECK(r["previous_version"] == 1);
  CHECK(r["items_changed"] == json::array({"ppe"}));
  CHECK(r["items_removed"] == json::array({"welcome"}));
  CHECK(r["items_added"] == json::array({"exits"}));
  CHECK(r["learners_affected"] == 2);
  CHECK_FALSE(r.contains("published"));

  // Nothing was published.
  CHECK(courses(srv, srv.admin_token())[0]["version"] == 1);
  CHECK(count_rows(srv, "bundles") == 1);
  CHECK(count_rows(srv, "blobs") == blobs_before);

  // The real publish reports the same and switches the course.
  auto real = publish(srv, v2);
  REQUIRE(real.status == 201);
  CHECK(body_json(real)["learners_affected"] == 2);
  CHECK(courses(srv, srv.admin_token())[0]["version"] == 2);
  CHECK(count_rows(srv, "bundles") == 2);
}

TEST_CASE("bundles: a version that is not newer than the published one is 409", "[sync][bundles]") {
  TestServer srv;
  const auto key = crypto::ed25519_keypair();
  srv.app().add_trusted_key(key.public_key, "test publisher");
  const std::string v1 = build_bundle(demo_course_files(), key);
  REQUIRE(publish(srv, v1).status == 201);
  auto same = publish(srv, v1);
  CHECK(same.status == 409);
  CHECK(error_code(same) == "version_not_newer");
  CHECK(error_message(same) == "version 1 is not newer than the published version 1");
  CHECK(publish(srv, v1, true).status == 409);
  REQUIRE(publish(srv, build_bundle(demo_v2(), key)).status == 201);
  auto older = publish(srv, v1);
  CHECK(older.status == 409);
  CHECK(error_message(older) == "version 1 is not newer than the published version 2");
  CHECK(courses(srv, srv.admin_token())[0]["version"] == 2);
}

TEST_CASE("bundles: files are served by SHA-256 with immutable caching and byte ranges", "[sync][bundles]") {
  TestServer srv;
  const auto key = crypto::ed25519_keypair();
  srv.app().add_trusted_key(key.public_key, "test publisher");
  REQUIRE(publish(srv, build_bundle(demo_course_files(), key)).status == 201);
  const std::string svg = demo_course_files().at("media/wet-floor.svg");
  const std::string sha = trailpack::crypto::sha256_hex(svg);
  const std::string size = std::to_string(svg.size());
  Device d = srv.enroll_learner("lea@example.com", "Lea");
  const auto auth = TestServer::bearer(d.access_token);

  auto whole = srv.get("/api/v1/files/" + sha, auth);
  REQUIRE(whole.status == 200);
  CHECK(whole.body == svg);
  CHECK(whole.headers["content-type"] == "application/octet-stream");
  CHECK(whole.headers["cache-control"] == "private, max-age=31536000, immutable");
  CHECK(whole.headers["etag"] == "\"" + sha + "\"");
  CHECK(whole.headers["accept-ranges"] == "bytes");
  CHECK(whole.headers["content-length"] == size);

  auto with = [&](const std::string& range) {
    auto h = auth;
    h["range"] = range;
    return srv.get("/api/v1/files/" + sha, h);
  };
  auto first = with("bytes=0-9");
  CHECK(first.status == 206);
  CHECK(first.body == svg.substr(0, 10));
  CHECK(first.headers["content-range"] == "bytes 0-9/" + size);
  auto resume = with("bytes=100-");
  CHECK(resume.status == 206);
  CHECK(resume.body == svg.substr(100));
  CHECK(resume.headers["content-range"] == "bytes 100-" + std::to_string(svg.size() - 1) + "/" + size);
  auto past_end = with("bytes=10-999999");
  CHECK(past_end.status == 206);
  CHECK(past_end.body == svg.substr(10));
  // RFC 9110 14.1.1: "bytes=-N" is the last N bytes.
  auto suffix = with("bytes=-10");
  CHECK(suffix.status == 206);
  CHECK(suffix.body == svg.substr(svg.size() - 10));
  CHECK(suffix.headers["content-range"] == "bytes " + std::to_string(svg.size() - 10) + "-" + std::to_string(svg.size() - 1) + "/" + size);
  auto longer = with("bytes=-100000");  // longer than the file: all of it
  CHECK(longer.status == 206);
  CHECK(longer.body == svg);
  CHECK(longer.headers["content-range"] == "bytes 0-" + std::to_string(svg.size() - 1) + "/" + size);
  CHECK(with("bytes=-0").status == 416);
  auto unsatisfiable = with("bytes=" + size + "-");
  CHECK(unsatisfiable.status == 416);
  CHECK(unsatisfiable.headers["content-range"] == "bytes */" + size);
  CHECK(error_code(unsatisfiable) == "bad_range");
  CHECK(with("bytes=20-10").status == 416);

  auto missing = srv.get("/api/v1/files/" + std::string(64, 'a'), auth);
  CHECK(missing.status == 404);
  CHECK(error_code(missing) == "not_found");
  auto short_hash = srv.get("/api/v1/files/abc", auth);
  CHECK(short_hash.status == 400);
  CHECK(error_code(short_hash) == "invalid_hash");
  CHECK(srv.get("/api/v1/files/" + sha).status == 401);
}
