// Bundle manifests and open_bundle: a signed bundle built in the test, then altered one
// way at a time. Signatures are checked by libsodium elsewhere; here a fake verifier
// accepts one key id and a keyed digest of the exact manifest bytes, so that any change
// to manifest.json breaks "the signature" just as it would break Ed25519.
#include <catch2/catch.hpp>

#include <functional>

#include "trailpack/bundle/manifest.hpp"
#include "trailpack/crypto/sha256.hpp"
#include "trailpack/encoding.hpp"

using namespace trailpack;
using namespace trailpack::bundle;
using nlohmann::json;

namespace {

const std::string kTrustedKey = "0123456789abcdef";

std::string digest(const std::string& s) {
  crypto::Sha256 h;
  h.update(s);
  const auto d = h.finish();
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

// 64 bytes, like an Ed25519 signature, that only the "trusted key" can make.
std::string fake_sign(std::string_view message, const std::string& key = kTrustedKey) {
  const std::string a = digest(key + ":" + std::string(message));
  return a + digest(a);
}

bool fake_verify(std::string_view message, std::string_view signature, const std::string& key_id) {
  return key_id == kTrustedKey && signature == fake_sign(message);
}

json course_json() {
  return json::parse(R"({"id": "safety", "version": 2, "title": "Safety", "modules": [{"id": "m1", "title": "M",
    "items": [
      {"id": "c1", "type": "card", "title": "C", "blocks": [
        {"type": "image", "src": "media/sign.png", "alt": "A sign"},
        {"type": "video", "src": "media/demo.mp4", "alt": "Demo", "captions": "media/demo.vtt"}]},
      {"id": "s1", "type": "scenario", "title": "S", "start": "n1", "nodes": [
        {"id": "n1", "blocks": [{"type": "audio", "src": "media/talk.mp3", "transcript": "Hi"}], "outcome": 1}]}
    ]}]})");
}

// The pieces of a bundle; tests change them, then pack() makes the archive.
struct Parts {
  std::vector<ArchiveEntry> files;  // course.json and media, as they go in the archive
  Manifest manifest;
  std::string manifest_bytes;  // when empty, manifest_to_json(manifest).dump()
  std::string signing_key = kTrustedKey;
  std::string key_id = kTrustedKey;
  bool with_manifest = true;
  bool with_sig = true;
  std::string sig_bytes;  // when empty, a signature of manifest_bytes
};

Manifest manifest_for(const std::vector<ArchiveEntry>& files) {
  Manifest m;
  m.course_id = "safety";
  m.version = 2;
  m.title = "Safety";
  m.language = "en";
  m.created = "2026-11-22T09:00:00Z";
  for (const auto& f : files) m.files.push_back({f.path, crypto::sha256_hex(f.data), f.data.size()});
  std::sort(m.files.begin(), m.files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return m;
}

Parts good_parts() {
  Parts p;
  p.files = {{"course.json", course_json().dump()},
             {"media/demo.mp4", "MP4-DATA"},
             {"media/demo.vtt", "WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n"},
             {"media/sign.png", std::string("\x89PNG\r\n\x1a\n\0\0", 10)},
             {"media/talk.mp3", "ID3-DATA"}};
  p.manifest = manifest_for(p.files);
  return p;
}

std::string pack(Parts p) {
  if (p.manifest_bytes.empty()) p.manifest_bytes = manifest_to_json(p.manifest).dump();
  if (p.sig_bytes.empty())
    p.sig_bytes = signature_to_json({"ed25519", p.key_id, fake_sign(p.manifest_bytes, p.signing_key)}).dump();
  std::vector<ArchiveEntry> entries;
  if (p.with_manifest) entries.push_back({"manifest.json", p.manifest_bytes});
  if (p.with_sig) entries.push_back({"manifest.sig", p.sig_bytes});
  for (auto& f : p.files) entries.push_back(f);
  auto tar = write_tar(entries);
  REQUIRE(tar);
  return *tar;
}

void refused(const std::string& archive, const std::string& code, const std::string& where,
             const std::string& message) {
  auto b = open_bundle(archive, fake_verify);
  if (b) FAIL("the bundle was accepted; expected " << where << ": " << message);
  CHECK(b.error().code == code);
  CHECK(b.error().where == where);
  CHECK(b.error().message == message);
}

ArchiveEntry* file(Parts& p, const std::string& path) {
  for (auto& f : p.files)
    if (f.path == path) return &f;
  FAIL("no file " << path);
  return nullptr;
}

}  // namespace

TEST_CASE("a signed, complete bundle opens", "[bundle][manifest]") {
  const Parts parts = good_parts();
  auto b = open_bundle(pack(parts), fake_verify);
  if (!b) FAIL(b.error().describe());
  CHECK(b->manifest.course_id == "safety");
  CHECK(b->manifest.version == 2);
  CHECK(b->manifest.title == "Safety");
  CHECK(b->manifest.created == "2026-11-22T09:00:00Z");
  CHECK(b->manifest.files.size() == 5);
  CHECK(b->manifest.total_size() == parts.manifest.total_size());
  CHECK(b->manifest_bytes == manifest_to_json(parts.manifest).dump());
  CHECK(b->signature.alg == "ed25519");
  CHECK(b->signature.key_id == kTrustedKey);
  CHECK(b->signature.signature == fake_sign(b->manifest_bytes));
  CHECK(b->course.id == "safety");
  REQUIRE(b->files.size() == 5);  // manifest.json and manifest.sig are not course files
  CHECK(b->files[0].path == "course.json");
  CHECK(b->files[3].path == "media/sign.png");
  CHECK(b->files[3].data == parts.files[3].data);

  SECTION("the verifier sees the exact manifest bytes, the raw signature and the key id") {
    std::string seen_message, seen_sig, seen_key;
    auto spy = [&](std::string_view m, std::string_view s, const std::string& k) {
      seen_message = m;
      seen_sig = s;
      seen_key = k;
      return true;
    };
    REQUIRE(open_bundle(pack(parts), spy));
    CHECK(seen_message == manifest_to_json(parts.manifest).dump());
    CHECK(seen_sig.size() == 64);
    CHECK(seen_key == kTrustedKey);
  }
}

TEST_CASE("open_bundle refuses altered, incomplete or unsigned bundles", "[bundle][manifest][security]") {
  Parts p = good_parts();
  const std::string bad_sig = "the manifest's signature does not verify with a trusted key (key id " + kTrustedKey + ")";

  SECTION("one flipped byte in any file") {
    for (std::size_t i = 0; i < p.files.size(); ++i) {
      Parts q = good_parts();
      q.files[i].data[q.files[i].data.size() / 2] ^= 0x01;
      INFO(q.files[i].path);
      refused(pack(q), "invalid_bundle", q.files[i].path,
              "SHA-256 does not match the manifest (the file was altered or damaged)");
    }
  }
  SECTION("one flipped byte in manifest.json breaks the signature") {
    const std::string original = manifest_to_json(p.manifest).dump();
    for (std::size_t at : {std::size_t{0}, original.size() / 3, original.size() / 2, original.size() - 1}) {
      INFO("byte " << at);
      Parts q = good_parts();
      q.manifest_bytes = original;
      q.sig_bytes = signature_to_json({"ed25519", kTrustedKey, fake_sign(original)}).dump();
      q.manifest_bytes[at] ^= 0x01;
      refused(pack(q), "bad_signature", "manifest.sig", bad_sig);
    }
  }
  SECTION("a file replaced by one of another size") {
    file(p, "media/sign.png")->data = "EVIL";
    refused(pack(p), "invalid_bundle", "media/sign.png", "size 4 does not match the manifest's 10");
  }
  SECTION("a file the manifest does not list") {
    p.files.push_back({"media/extra.js", "alert(1)"});
    refused(pack(p), "invalid_bundle", "media/extra.js", "the file is not listed in the manifest");
  }
  SECTION("a listed file missing from the archive") {
    p.files.erase(p.files.begin() + 4);  // media/talk.mp3
    refused(pack(p), "invalid_bundle", "media/talk.mp3", "the manifest lists this file but the bundle lacks it");
  }
  SECTION("course.json missing from the archive") {
    p.files.erase(p.files.begin());
    refused(pack(p), "invalid_bundle", "course.json", "the manifest lists this file but the bundle lacks it");
  }
  SECTION("course id mismatch") {
    p.manifest.course_id = "other";
    refused(pack(p), "invalid_bundle", "course.json", "course.json is course \"safety\" but the manifest says \"other\"");
  }
  SECTION("course version mismatch") {
    p.manifest.version = 3;
    refused(pack(p), "invalid_bundle", "course.json", "course.json is version 2 but the manifest says 3");
  }
  SECTION("no manifest.sig") {
    p.with_sig = false;
    refused(pack(p), "invalid_bundle", "", "the bundle has no manifest.sig (it is not signed)");
  }
  SECTION("no manifest.json") {
    p.with_manifest = false;
    refused(pack(p), "invalid_bundle", "", "the bundle has no manifest.json");
  }
  SECTION("an unknown key id") {
    p.key_id = "fedcba9876543210";
    p.signing_key = "fedcba9876543210";
    refused(pack(p), "bad_signature", "manifest.sig",
            "the manifest's signature does not verify with a trusted key (key id fedcba9876543210)");
  }
  SECTION("signed by another key under the trusted key id") {
    p.signing_key = "attacker";
    refused(pack(p), "bad_signature", "manifest.sig", bad_sig);
  }
  SECTION("media the course refers to but the bundle lacks") {
    p.files.erase(p.files.begin() + 2);  // media/demo.vtt
    p.manifest = manifest_for(p.files);
    refused(pack(p), "invalid_bundle", "media/demo.vtt", "the course refers to a file the bundle does not contain");
  }
  SECTION("media referenced only from a scenario node") {
    p.files.pop_back();  // media/talk.mp3
    p.manifest = manifest_for(p.files);
    refused(pack(p), "invalid_bundle", "media/talk.mp3", "the course refers to a file the bundle does not contain");
  }
  SECTION("an invalid course.json, signed and hashed") {
    json c = course_json();
    c["modules"][0]["items"][0]["blocks"][0].erase("alt");
    file(p, "course.json")->data = c.dump();
    p.manifest = manifest_for(p.files);
    refused(pack(p), "invalid_course", "course.json: modules[0].items[0].blocks[0].alt",
            "images need alternative text for screen readers");
  }
  SECTION("course.json that is not JSON") {
    file(p, "course.json")->data = "{oops";
    p.manifest = manifest_for(p.files);
    refused(pack(p), "invalid_json", "course.json:1:2", "not valid JSON (syntax error near line 1, column 2)");
  }
  SECTION("a malformed manifest.sig") {
    p.sig_bytes = "not json";
    refused(pack(p), "invalid_json", "manifest.sig:1:2", "not valid JSON (syntax error near line 1, column 2)");
    p.sig_bytes = R"({"alg":"ed25519","key_id":"0123456789abcdef","signature":"c2hvcnQ="})";
    refused(pack(p), "invalid_signature", "manifest.sig.signature", "expected a base64 Ed25519 signature (64 bytes)");
    p.sig_bytes = R"({"alg":"rsa","key_id":"0123456789abcdef","signature":"c2hvcnQ="})";
    refused(pack(p), "invalid_signature", "manifest.sig.alg", "\"rsa\" is not one of \"ed25519\"");
    p.sig_bytes = R"({"key_id":"0123456789abcdef","signature":"c2hvcnQ=","comment":"x"})";
    refused(pack(p), "invalid_signature", "manifest.sig.comment", "unknown field");
  }
  SECTION("a broken archive") {
    std::string archive = pack(p);
    archive[0] ^= 0x20;
    refused(archive, "invalid_archive", "entry 0", "header checksum mismatch (the archive is corrupt)");
  }
}

TEST_CASE("parse_manifest rules, located in manifest.json", "[bundle][manifest]") {
  Parts p = good_parts();
  auto signed_manifest = [&](const json& m) {
    Parts q = good_parts();
    q.manifest_bytes = m.dump();
    return pack(q);
  };
  json m = manifest_to_json(p.manifest);

  SECTION("round trip, files sorted by path") {
    json shuffled = m;
    std::reverse(shuffled["files"].begin(), shuffled["files"].end());
    auto parsed = parse_manifest(shuffled);
    REQUIRE(parsed);
    CHECK(manifest_to_json(*parsed) == m);
    CHECK(parsed->find("media/demo.vtt") == &parsed->files[2]);
    CHECK(parsed->find("media/nope") == nullptr);
  }
  SECTION("errors") {
    auto expect = [&](const json& bad, const std::string& where, const std::string& message) {
      INFO(bad.dump());
      refused(signed_manifest(bad), "invalid_manifest", where, message);
    };
    json bad = m;
    bad["files"][0]["mode"] = "0644";
    expect(bad, "manifest.json: files[0].mode", "unknown field");
    bad = m;
    bad["files"][1]["path"] = "manifest.sig";
    expect(bad, "manifest.json: files[1].path", "the manifest does not list itself");
    bad = m;
    bad["files"][1]["path"] = "course.json";
    expect(bad, "manifest.json: files[1].path", "\"course.json\" is listed twice");
    bad = m;
    bad["files"][1]["path"] = "../x";
    expect(bad, "manifest.json: files[1].path", "'..' is not allowed in paths");
    bad = m;
    bad["files"][2]["sha256"] = std::string(64, 'A');
    expect(bad, "manifest.json: files[2].sha256", "expected 64 lower-case hex digits");
    bad = m;
    bad["files"][2].erase("size");
    expect(bad, "manifest.json: files[2].size", "is required");
    bad = m;
    bad["files"][2]["size"] = -1;
    expect(bad, "manifest.json: files[2].size", "must be at least 0");
    bad = m;
    bad["files"].erase(0);
    expect(bad, "manifest.json: files", "the manifest must list course.json");
    bad = m;
    bad["format"] = 2;
    expect(bad, "manifest.json: format", "manifest format 2 is not supported");
    bad = m;
    bad["course"] = "no spaces allowed";
    expect(bad, "manifest.json: course", "\"no spaces allowed\" is not a valid course id");
    bad = m;
    bad["files"] = json::array();
    expect(bad, "manifest.json: files", "must not be empty");
  }
}

TEST_CASE("check_file compares a fetched file with the manifest", "[bundle][manifest]") {
  const Parts p = good_parts();
  CHECK(check_file(p.manifest, "media/demo.mp4", "MP4-DATA"));
  auto unlisted = check_file(p.manifest, "media/x", "MP4-DATA");
  REQUIRE_FALSE(unlisted);
  CHECK(unlisted.error().code == "invalid_bundle");
  CHECK(unlisted.error().where == "media/x");
  CHECK(unlisted.error().message == "the file is not listed in the manifest");
  auto size = check_file(p.manifest, "media/demo.mp4", "MP4-DATA!");
  REQUIRE_FALSE(size);
  CHECK(size.error().message == "size 9 does not match the manifest's 8");
  auto hash = check_file(p.manifest, "media/demo.mp4", "MP4-DATB");
  REQUIRE_FALSE(hash);
  CHECK(hash.error().where == "media/demo.mp4");
  CHECK(hash.error().message == "SHA-256 does not match the manifest (the file was altered or damaged)");
}

TEST_CASE("media_paths lists every file a course refers to, once, sorted", "[bundle][manifest]") {
  auto c = parse_course(course_json());
  REQUIRE(c);
  CHECK(media_paths(*c) ==
        std::vector<std::string>{"media/demo.mp4", "media/demo.vtt", "media/sign.png", "media/talk.mp3"});
  Course twice = *c;
  twice.modules[0].items[0].blocks.push_back(twice.modules[0].items[0].blocks[0]);
  CHECK(media_paths(twice).size() == 4);
}

TEST_CASE("key ids are the first 8 bytes of SHA-256 of the public key, in hex", "[bundle][manifest]") {
  CHECK(key_id_of("") == "e3b0c44298fc1c14");
  CHECK(key_id_of("abc") == "ba7816bf8f01cfea");
  CHECK(key_id_of(std::string(32, '\0')).size() == 16);
}
