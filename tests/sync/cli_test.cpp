// The real `trailpack` binary: keygen, pack, verify, and publish to a real server.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "cli/commands.hpp"
#include "test_helpers.hpp"

using namespace trailpack::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const fs::path kDemo = fs::path(TRAILPACK_SOURCE_DIR) / "tests" / "fixtures" / "courses" / "safety-basics";

// A copy of the demo course to break on purpose.
fs::path copy_demo(const TempDir& tmp) {
  const fs::path dst = tmp.path / "course";
  fs::copy(kDemo, dst, fs::copy_options::recursive);
  return dst;
}

}  // namespace

TEST_CASE("cli: keygen, pack and verify a course", "[sync][cli]") {
  TempDir tmp;
  const std::string prefix = (tmp.path / "publisher").string();
  auto keygen = run_cli({"keygen", "-o", prefix});
  INFO(keygen.output);
  REQUIRE(keygen.exit_code == 0);
  REQUIRE(fs::exists(prefix + ".key"));
  REQUIRE(fs::exists(prefix + ".pub"));
  struct stat st {};
  REQUIRE(::stat((prefix + ".key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const json key = json::parse(read_text(prefix + ".key"));
  CHECK(key["alg"] == "ed25519");

  const std::string bundle = (tmp.path / "safety.tpk").string();
  auto pack = run_cli({"pack", kDemo.string(), "-o", bundle, "--key", prefix + ".key"});
  INFO(pack.output);
  REQUIRE(pack.exit_code == 0);
  CHECK(pack.output.find("packed safety-basics version 1: 2 files") != std::string::npos);
  CHECK(pack.output.find(key["key_id"].get<std::string>()) != std::string::npos);

  auto verify = run_cli({"verify", bundle, "--trusted-key", prefix + ".pub"});
  INFO(verify.output);
  CHECK(verify.exit_code == 0);
  CHECK(verify.output.find(bundle + ": OK") != std::string::npos);
  CHECK(verify.output.find("course safety-basics version 1, 2 files") != std::string::npos);

  // An existing key is never overwritten by accident.
  auto again = run_cli({"keygen", "-o", prefix});
  CHECK(again.exit_code == 1);
  CHECK(again.output.find(prefix + ".key exists; pass --force to replace it") != std::string::npos);
}

TEST_CASE("cli: verify with the wrong key fails with exit code 1 naming manifest.sig", "[sync][cli]") {
  TempDir tmp;
  const std::string signer = (tmp.path / "signer").string(), other = (tmp.path / "other").string();
  REQUIRE(run_cli({"keygen", "-o", signer}).exit_code == 0);
  REQUIRE(run_cli({"keygen", "-o", other}).exit_code == 0);
  const std::string bundle = (tmp.path / "safety.tpk").string();
  REQUIRE(run_cli({"pack", kDemo.string(), "-o", bundle, "--key", signer + ".key"}).exit_code == 0);
  auto verify = run_cli({"verify", bundle, "--trusted-key", other + ".pub"});
  INFO(verify.output);
  CHECK(verify.exit_code == 1);
  CHECK(verify.output.find("manifest.sig: the manifest's signature does not verify with a trusted key") != std::string::npos);

  // A damaged file inside the bundle names that file.
  std::string data = read_text(bundle);
  const auto at = data.find("Ten minutes on hazards");
  REQUIRE(at != std::string::npos);
  data[at] = 't';
  write_text(bundle, data);
  auto damaged = run_cli({"verify", bundle, "--trusted-key", signer + ".pub"});
  INFO(damaged.output);
  CHECK(damaged.exit_code == 1);
  CHECK(damaged.output.find("course.json: SHA-256 does not match the manifest") != std::string::npos);

  auto no_key = run_cli({"verify", bundle, "--trusted-key", (tmp.path / "missing.pub").string()});
  CHECK(no_key.exit_code == 1);
  CHECK(no_key.output.find("cannot read") != std::string::npos);
}

TEST_CASE("cli: pack of a folder with an error exits 1 naming the file and the JSON path", "[sync][cli]") {
  TempDir tmp;
  const std::string key = (tmp.path / "k").string();
  REQUIRE(run_cli({"keygen", "-o", key}).exit_code == 0);
  const fs::path dir = copy_demo(tmp);
  const std::string out = (tmp.path / "out.tpk").string();

  SECTION("a wrong type in course.json") {
    json course = json::parse(read_text(dir / "course.json"));
    course["modules"][0]["items"][1]["title"] = 5;
    write_text(dir / "course.json", course.dump(2));
    auto pack = run_cli({"pack", dir.string(), "-o", out, "--key", key + ".key"});
    INFO(pack.output);
    CHECK(pack.exit_code == 1);
    CHECK(pack.output.find("course.json: modules[0].items[1].title") != std::string::npos);
  }
  SECTION("a file the course names is missing") {
    fs::remove(dir / "cards" / "ppe.md");
    auto pack = run_cli({"pack", dir.string(), "-o", out, "--key", key + ".key"});
    INFO(pack.output);
    CHECK(pack.exit_code == 1);
    CHECK(pack.output.find("course.json: modules[0].items[1].file: \"cards/ppe.md\" does not exist in the course folder") !=
          std::string::npos);
  }
  SECTION("broken JSON in a quiz file") {
    write_text(dir / "quizzes" / "check.json", "{\"pass_mark\": 0.5,\n  \"questions\": [\n");
    auto pack = run_cli({"pack", dir.string(), "-o", out, "--key", key + ".key"});
    INFO(pack.output);
    CHECK(pack.exit_code == 1);
    CHECK(pack.output.find("quizzes/check.json") != std::string::npos);
  }
  CHECK_FALSE(fs::exists(out));
}

TEST_CASE("cli: publish to a real server, with a dry run", "[sync][cli]") {
  TestServer srv;
  TempDir tmp;
  const std::string key = (tmp.path / "k").string();
  REQUIRE(run_cli({"keygen", "-o", key}).exit_code == 0);
  const std::string bundle = (tmp.path / "safety.tpk").string();
  REQUIRE(run_cli({"pack", kDemo.string(), "-o", bundle, "--key", key + ".key"}).exit_code == 0);

  // Not trusted yet: refused with the server's reason.
  auto refused = run_cli({"publish", bundle, "--server", srv.url(), "--email", "admin@example.com", "--password", "admin-pass-1"});
  INFO(refused.output);
  CHECK(refused.exit_code == 1);
  CHECK(refused.output.find("(422): manifest.sig: the manifest's signature does not verify") != std::string::npos);

  srv.app().add_trusted_key(trailpack::cli::read_public_key(key + ".pub"), "cli test");

  auto dry = run_cli({"publish", bundle, "--server", srv.url(), "--email", "admin@example.com", "--password", "admin-pass-1", "--dry-run"});
  INFO(dry.output);
  CHECK(dry.exit_code == 0);
  CHECK(dry.output.find("dry run: safety-basics version 1") != std::string::npos);
  CHECK(srv.get("/api/v1/courses", TestServer::bearer(srv.admin_token())).body.find("safety-basics") == std::string::npos);

  auto pub = run_cli({"publish", bundle, "--server", srv.url(), "--email", "admin@example.com", "--password", "admin-pass-1"});
  INFO(pub.output);
  CHECK(pub.exit_code == 0);
  CHECK(pub.output.find("published: safety-basics version 1") != std::string::npos);
  CHECK(body_json(srv.get("/api/v1/courses", TestServer::bearer(srv.admin_token())))["courses"][0]["id"] == "safety-basics");

  auto wrong = run_cli({"publish", bundle, "--server", srv.url(), "--email", "admin@example.com", "--password", "nope"});
  CHECK(wrong.exit_code == 1);
  CHECK(wrong.output.find("sign-in failed (401): wrong email or password") != std::string::npos);
}

// The course compiler merges a quiz file into its item before validating, and reports a
// mistake in the quiz file at its place in course.json ("course.json: modules[0].items[2]
// .pass_mark"), so the author is sent to the wrong file. That is in the core
// (shared/src/bundle/authoring.cpp), outside the server; this test records the expected
// message and is marked to fail until the core names the quiz file.
TEST_CASE("cli: KNOWN BUG in the core - a mistake inside a quiz file is reported against course.json",
          "[sync][cli][!shouldfail]") {
  TempDir tmp;
  const std::string key = (tmp.path / "k").string();
  REQUIRE(run_cli({"keygen", "-o", key}).exit_code == 0);
  const fs::path dir = copy_demo(tmp);
  json quiz = json::parse(read_text(dir / "quizzes" / "check.json"));
  quiz["pass_mark"] = "high";
  write_text(dir / "quizzes" / "check.json", quiz.dump(2));
  auto pack = run_cli({"pack", dir.string(), "-o", (tmp.path / "out.tpk").string(), "--key", key + ".key"});
  INFO(pack.output);
  REQUIRE(pack.exit_code == 1);
  CHECK(pack.output.find("quizzes/check.json: pass_mark") != std::string::npos);
}
