// keygen, pack, verify, publish: bundles from an author's folder to the server.
#include "cli/commands.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/http_client.hpp"
#include "crypto.hpp"
#include "trailpack/bundle/authoring.hpp"
#include "trailpack/bundle/manifest.hpp"
#include "trailpack/crypto/sha256.hpp"
#include "trailpack/encoding.hpp"
#include "trailpack/json_reader.hpp"
#include "trailpack/time.hpp"

namespace trailpack::cli {

namespace fs = std::filesystem;
using nlohmann::json;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CliError("cannot read " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

void write_file(const std::string& path, const std::string& data, bool secret) {
  const fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw CliError("cannot write " + path);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out) throw CliError("cannot write " + path);
  }
  if (secret) ::chmod(tmp.c_str(), 0600);
  fs::rename(tmp, path);
}

std::string read_public_key(const std::string& path) {
  std::string text = read_file(path);
  text.erase(std::remove_if(text.begin(), text.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); }),
             text.end());
  auto raw = base64_decode(text);
  if (!raw || raw->size() != 32) throw CliError(path + ": not an Ed25519 public key (expected 32 bytes in base64)");
  return *raw;
}

namespace {

server::crypto::KeyPair read_secret_key(const std::string& path) {
  auto j = parse_json_text(read_file(path), path);
  if (!j) throw CliError(j.error().describe());
  auto pk = base64_decode(j->value("public_key", ""));
  auto sk = base64_decode(j->value("secret_key", ""));
  if (!pk || !sk || pk->size() != 32 || sk->size() != 64) throw CliError(path + ": not a Trailpack signing key");
  return {*pk, *sk};
}

}  // namespace

int cmd_keygen(const std::string& prefix, bool force) {
  server::crypto::init();
  const std::string key_path = prefix + ".key", pub_path = prefix + ".pub";
  if (!force && fs::exists(key_path)) throw CliError(key_path + " exists; pass --force to replace it");
  const auto kp = server::crypto::ed25519_keypair();
  const json key = {{"alg", "ed25519"},
                    {"key_id", bundle::key_id_of(kp.public_key)},
                    {"public_key", base64_encode(kp.public_key)},
                    {"secret_key", base64_encode(kp.secret_key)}};
  write_file(key_path, key.dump(2) + "\n", true);
  write_file(pub_path, base64_encode(kp.public_key) + "\n", false);
  std::cout << "signing key: " << key_path << " (keep it secret)\n"
            << "public key:  " << pub_path << " (key id " << bundle::key_id_of(kp.public_key) << ")\n";
  return 0;
}

int cmd_pack(const std::string& dir, const std::string& out_path, const std::string& key_path) {
  server::crypto::init();
  // Read every file of the author's folder (no links, no hidden files).
  std::vector<bundle::SourceFile> sources;
  if (!fs::is_directory(dir)) throw CliError(dir + " is not a folder");
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
    const auto rel = fs::relative(it->path(), dir).generic_string();
    if (it->path().filename().string().front() == '.') {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_symlink()) throw CliError(rel + ": links are not allowed in a course folder");
    if (it->is_directory()) continue;
    if (!it->is_regular_file()) throw CliError(rel + ": only regular files are allowed");
    if (it->file_size() > bundle::ArchiveLimits{}.max_file_bytes) throw CliError(rel + ": the file is larger than the limit");
    sources.push_back({rel, read_file(it->path().string())});
  }
  auto compiled = bundle::compile_course(sources);
  if (!compiled) throw CliError(compiled.error().describe());
  const auto kp = read_secret_key(key_path);

  bundle::Manifest m;
  m.course_id = compiled->course.id;
  m.version = compiled->course.version;
  m.title = compiled->course.title;
  m.language = compiled->course.language;
  m.created = format_timestamp(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  std::vector<bundle::ArchiveEntry> files = compiled->files;
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  for (const auto& f : files) m.files.push_back({f.path, trailpack::crypto::sha256_hex(f.data), f.data.size()});
  const std::string manifest_bytes = bundle::manifest_to_json(m).dump(2) + "\n";
  bundle::Signature sig;
  sig.key_id = bundle::key_id_of(kp.public_key);
  sig.signature = server::crypto::ed25519_sign(manifest_bytes, kp.secret_key);
  std::vector<bundle::ArchiveEntry> entries;
  entries.push_back({"manifest.json", manifest_bytes});
  entries.push_back({"manifest.sig", bundle::signature_to_json(sig).dump() + "\n"});
  for (auto& f : files) entries.push_back(std::move(f));
  auto tar = bundle::write_tar(entries);
  if (!tar) throw CliError(tar.error().describe());
  write_file(out_path, *tar, false);
  std::cout << "packed " << m.course_id << " version " << m.version << ": " << m.files.size() << " files, "
            << m.total_size() << " bytes -> " << out_path << " (signed by key " << sig.key_id << ")\n";
  return 0;
}

int cmd_verify(const std::string& file, const std::vector<std::string>& trusted) {
  server::crypto::init();
  if (trusted.empty()) throw CliError("name at least one trusted public key with --trusted-key");
  std::map<std::string, std::string> keys;
  for (const auto& t : trusted) {
    const auto pk = read_public_key(t);
    keys[bundle::key_id_of(pk)] = pk;
  }
  const std::string data = read_file(file);
  auto opened = bundle::open_bundle(data, [&](std::string_view msg, std::string_view sig, const std::string& key_id) {
    auto it = keys.find(key_id);
    return it != keys.end() && server::crypto::ed25519_verify(msg, sig, it->second);
  });
  if (!opened) throw CliError(file + ": " + opened.error().describe());
  std::cout << file << ": OK — course " << opened->manifest.course_id << " version " << opened->manifest.version << ", "
            << opened->manifest.files.size() << " files, " << opened->manifest.total_size() << " bytes, signed by key "
            << opened->signature.key_id << "\n";
  return 0;
}

std::string login(const std::string& server, const std::string& email, const std::string& password) {
  auto res = server::http_request("POST", server + "/api/v1/auth/login", json{{"email", email}, {"password", password}}.dump(),
                                  {{"content-type", "application/json"}});
  if (res.status != 200) {
    auto j = json::parse(res.body, nullptr, false);
    throw CliError("sign-in failed (" + std::to_string(res.status) + "): " +
                   (j.is_object() && j.contains("error") ? j["error"].value("message", "") : res.body));
  }
  return json::parse(res.body)["token"].get<std::string>();
}

int cmd_publish(const std::string& file, const std::string& server, const std::string& email, const std::string& password,
                bool dry_run) {
  const std::string token = login(server, email, password);
  const std::string data = read_file(file);
  auto res = server::http_request("POST", server + "/api/v1/bundles" + (dry_run ? "?dry_run=1" : ""), data,
                                  {{"content-type", "application/octet-stream"}, {"authorization", "Bearer " + token}}, 300);
  auto j = json::parse(res.body, nullptr, false);
  if (res.status != 200 && res.status != 201) {
    std::string msg = res.body;
    if (j.is_object() && j.contains("error"))
      msg = (j["error"].contains("where") ? j["error"]["where"].get<std::string>() + ": " : "") + j["error"].value("message", "");
    throw CliError("the server refused " + file + " (" + std::to_string(res.status) + "): " + msg);
  }
  std::cout << (dry_run ? "dry run: " : "published: ") << j["course"].get<std::string>() << " version " << j["version"] << "\n";
  if (j.contains("previous_version")) {
    std::cout << "  replaces version " << j["previous_version"] << "\n"
              << "  items changed: " << j["items_changed"].dump() << "\n"
              << "  items removed: " << j["items_removed"].dump() << "\n"
              << "  items added:   " << j["items_added"].dump() << "\n"
              << "  learners whose progress this touches: " << j["learners_affected"] << "\n";
  }
  return 0;
}

}  // namespace trailpack::cli
