#include "trailpack/bundle/manifest.hpp"

#include <algorithm>
#include <set>

#include "trailpack/crypto/sha256.hpp"
#include "trailpack/encoding.hpp"
#include "trailpack/json_reader.hpp"

namespace trailpack::bundle {

using nlohmann::json;

std::uint64_t Manifest::total_size() const {
  std::uint64_t t = 0;
  for (const auto& f : files) t += f.size;
  return t;
}

const ManifestFile* Manifest::find(const std::string& path) const {
  for (const auto& f : files)
    if (f.path == path) return &f;
  return nullptr;
}

namespace {

bool is_hex64(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

Result<Manifest> parse_manifest(const json& j) {
  return read_json_checked<Manifest>("invalid_manifest", [&] {
    JsonReader r(j, "");
    r.only({"format", "course", "version", "title", "language", "created", "files"});
    Manifest m;
    m.format = static_cast<int>(r.integer_or("format", kManifestFormat, 1, 1000));
    if (m.format != kManifestFormat) r.fail("format", "manifest format " + std::to_string(m.format) + " is not supported");
    m.course_id = r.str("course");
    if (!is_valid_id(m.course_id)) r.fail("course", "\"" + m.course_id + "\" is not a valid course id");
    m.version = r.integer_or("version", 1, 1, 1'000'000'000);
    m.title = r.str_or("title", "");
    m.language = r.str_or("language", "");
    m.created = r.str_or("created", "");
    std::set<std::string> paths;
    for (const auto& f : r.objects("files")) {
      f.only({"path", "sha256", "size"});
      ManifestFile mf;
      mf.path = f.str("path");
      if (auto p = path_problem(mf.path); !p.empty()) f.fail("path", p);
      if (mf.path == "manifest.json" || mf.path == "manifest.sig") f.fail("path", "the manifest does not list itself");
      if (!paths.insert(mf.path).second) f.fail("path", "\"" + mf.path + "\" is listed twice");
      mf.sha256 = f.str("sha256");
      if (!is_hex64(mf.sha256)) f.fail("sha256", "expected 64 lower-case hex digits");
      mf.size = static_cast<std::uint64_t>(f.integer_or("size", -1, 0, INT64_MAX));
      if (!f.has("size")) f.fail("size", "is required");
      m.files.push_back(std::move(mf));
    }
    if (!paths.count("course.json")) r.fail("files", "the manifest must list course.json");
    std::sort(m.files.begin(), m.files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
    return m;
  });
}

json manifest_to_json(const Manifest& m) {
  json files = json::array();
  for (const auto& f : m.files) files.push_back({{"path", f.path}, {"sha256", f.sha256}, {"size", f.size}});
  json o = {{"format", m.format}, {"course", m.course_id}, {"version", m.version}, {"files", files}};
  if (!m.title.empty()) o["title"] = m.title;
  if (!m.language.empty()) o["language"] = m.language;
  if (!m.created.empty()) o["created"] = m.created;
  return o;
}

Result<Signature> parse_signature(const json& j) {
  return read_json_checked<Signature>("invalid_signature", [&] {
    JsonReader r(j, "manifest.sig");
    r.only({"alg", "key_id", "signature"});
    Signature s;
    s.alg = r.one_of("alg", {"ed25519"}, "ed25519");
    s.key_id = r.str("key_id");
    auto raw = base64_decode(r.str("signature"));
    if (!raw || raw->size() != 64) r.fail("signature", "expected a base64 Ed25519 signature (64 bytes)");
    s.signature = *raw;
    return s;
  });
}

json signature_to_json(const Signature& s) {
  return {{"alg", s.alg}, {"key_id", s.key_id}, {"signature", base64_encode(s.signature)}};
}

std::string key_id_of(std::string_view public_key) { return crypto::sha256_hex(public_key).substr(0, 16); }

Status check_file(const Manifest& m, const std::string& path, std::string_view data) {
  const ManifestFile* f = m.find(path);
  if (!f) return make_error("invalid_bundle", "the file is not listed in the manifest", path);
  if (data.size() != f->size)
    return make_error("invalid_bundle",
                      "size " + std::to_string(data.size()) + " does not match the manifest's " + std::to_string(f->size),
                      path);
  if (crypto::sha256_hex(data) != f->sha256)
    return make_error("invalid_bundle", "SHA-256 does not match the manifest (the file was altered or damaged)", path);
  return ok_status();
}

std::vector<std::string> media_paths(const Course& c) {
  std::vector<std::string> out;
  auto blocks = [&](const std::vector<Block>& bs) {
    for (const auto& b : bs) {
      if (!b.src.empty()) out.push_back(b.src);
      if (!b.captions.empty()) out.push_back(b.captions);
    }
  };
  for (const auto& m : c.modules)
    for (const auto& it : m.items) {
      blocks(it.blocks);
      for (const auto& n : it.nodes) blocks(n.blocks);
    }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<OpenedBundle> open_bundle(std::string_view archive, const SignatureVerifier& verify, const ArchiveLimits& limits) {
  auto entries = read_tar(archive, limits);
  if (!entries) return entries.error();
  OpenedBundle b;
  const ArchiveEntry* manifest = nullptr;
  const ArchiveEntry* sig = nullptr;
  for (const auto& e : *entries) {
    if (e.path == "manifest.json") manifest = &e;
    if (e.path == "manifest.sig") sig = &e;
  }
  if (!manifest) return make_error("invalid_bundle", "the bundle has no manifest.json");
  if (!sig) return make_error("invalid_bundle", "the bundle has no manifest.sig (it is not signed)");
  auto sig_json = parse_json_text(sig->data, "manifest.sig");
  if (!sig_json) return sig_json.error();
  auto s = parse_signature(*sig_json);
  if (!s) return s.error();
  if (!verify(manifest->data, s->signature, s->key_id))
    return make_error("bad_signature",
                      "the manifest's signature does not verify with a trusted key (key id " + s->key_id + ")",
                      "manifest.sig");
  auto mj = parse_json_text(manifest->data, "manifest.json");
  if (!mj) return mj.error();
  auto m = parse_manifest(*mj);
  if (!m) {
    Error e = m.error();
    e.where = "manifest.json: " + e.where;
    return e;
  }
  std::set<std::string> listed;
  for (const auto& f : m->files) listed.insert(f.path);
  for (auto& e : *entries) {
    if (e.path == "manifest.json" || e.path == "manifest.sig") continue;
    if (!listed.count(e.path)) return make_error("invalid_bundle", "the file is not listed in the manifest", e.path);
    if (auto st = check_file(*m, e.path, e.data); !st) return st.error();
    listed.erase(e.path);
    b.files.push_back(std::move(e));
  }
  if (!listed.empty()) return make_error("invalid_bundle", "the manifest lists this file but the bundle lacks it", *listed.begin());
  std::string course_text;
  for (const auto& f : b.files)
    if (f.path == "course.json") course_text = f.data;
  auto cj = parse_json_text(course_text, "course.json");
  if (!cj) return cj.error();
  auto course = parse_course(*cj);
  if (!course) {
    Error e = course.error();
    e.where = "course.json: " + e.where;
    return e;
  }
  if (course->id != m->course_id)
    return make_error("invalid_bundle",
                      "course.json is course \"" + course->id + "\" but the manifest says \"" + m->course_id + "\"",
                      "course.json");
  if (course->version != m->version)
    return make_error("invalid_bundle",
                      "course.json is version " + std::to_string(course->version) + " but the manifest says " +
                          std::to_string(m->version),
                      "course.json");
  for (const auto& p : media_paths(*course))
    if (!m->find(p)) return make_error("invalid_bundle", "the course refers to a file the bundle does not contain", p);
  b.manifest = std::move(m).value();
  b.manifest_bytes = manifest->data;
  b.signature = std::move(s).value();
  b.course = std::move(course).value();
  return b;
}

}  // namespace trailpack::bundle
