// Bundle manifests and their signatures, and opening a whole bundle.
//
// manifest.json lists every file of the bundle with its SHA-256 and size; manifest.sig
// is {"alg":"ed25519","key_id":"<hex>","signature":"<base64>"} over the exact bytes of
// manifest.json. Files are content-addressed by their SHA-256, so devices fetch only
// the ones they lack. The signature primitive is supplied by the platform (libsodium
// natively, WebCrypto in the browser); hashing and every rule live here.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "trailpack/bundle/archive.hpp"
#include "trailpack/bundle/course.hpp"
#include "trailpack/result.hpp"

namespace trailpack::bundle {

inline constexpr int kManifestFormat = 1;

struct ManifestFile {
  std::string path;
  std::string sha256;  ///< lower-case hex
  std::uint64_t size = 0;
};

struct Manifest {
  int format = kManifestFormat;
  std::string course_id;
  std::int64_t version = 1;
  std::string title;
  std::string language;
  std::string created;  ///< ISO 8601, informational
  std::vector<ManifestFile> files;  ///< sorted by path; includes course.json

  std::uint64_t total_size() const;
  const ManifestFile* find(const std::string& path) const;
};

struct Signature {
  std::string alg = "ed25519";
  std::string key_id;     ///< hex of the first 8 bytes of SHA-256(public key)
  std::string signature;  ///< raw 64 bytes
};

Result<Manifest> parse_manifest(const nlohmann::json& j);
nlohmann::json manifest_to_json(const Manifest& m);

Result<Signature> parse_signature(const nlohmann::json& j);
nlohmann::json signature_to_json(const Signature& s);

/// Key id of an Ed25519 public key (32 raw bytes).
std::string key_id_of(std::string_view public_key);

/// Checks `signature` over `message` for the key named by `key_id`; false when the key is
/// not trusted or the signature does not match.
using SignatureVerifier =
    std::function<bool(std::string_view message, std::string_view signature, const std::string& key_id)>;

struct OpenedBundle {
  Manifest manifest;
  std::string manifest_bytes;
  Signature signature;
  Course course;
  std::vector<ArchiveEntry> files;  ///< every file the manifest lists (course.json included)
};

/// Opens a bundle archive: reads the tar under `limits`, checks the signature, then
/// every file's size and SHA-256 against the manifest, refuses unlisted files, and
/// parses and validates course.json (its id and version must match the manifest, and
/// every media path it names must be a listed file).
Result<OpenedBundle> open_bundle(std::string_view archive, const SignatureVerifier& verify,
                                 const ArchiveLimits& limits = {});

/// Checks files already split out (e.g. fetched one by one) against a manifest.
Status check_file(const Manifest& manifest, const std::string& path, std::string_view data);

/// Every media path a course refers to (images, audio, video, captions).
std::vector<std::string> media_paths(const Course& course);

}  // namespace trailpack::bundle
