// Fuzzes opening a bundle (tar, signature, manifest, hashes, course.json) and the
// authoring compiler behind `trailpack pack`. The signature check is replaced by one
// that accepts everything, so inputs reach the manifest and course parsers.
//
// First byte even: the rest is a bundle archive, opened as the server opens uploads.
// First byte odd: the rest is an author's folder, "@@ <path>\n" starting each file; it is
// compiled, packed as `trailpack pack` does, and opened. Invariant: what the compiler
// accepts, the opener accepts, and the opened course is the compiled one.
#include <algorithm>

#include "fuzz_common.hpp"
#include "trailpack/bundle/authoring.hpp"
#include "trailpack/bundle/manifest.hpp"
#include "trailpack/crypto/sha256.hpp"

using namespace trailpack;

namespace {

bool accept_all(std::string_view, std::string_view, const std::string&) { return true; }

std::vector<bundle::SourceFile> split_folder(std::string_view in) {
  std::vector<bundle::SourceFile> out;
  std::size_t pos = 0;
  while (pos < in.size()) {
    if (in.compare(pos, 3, "@@ ") != 0) {
      const auto next = in.find("\n@@ ", pos);
      if (next == std::string_view::npos) break;
      pos = next + 1;
      continue;
    }
    const auto eol = in.find('\n', pos);
    if (eol == std::string_view::npos) break;
    const std::string path(in.substr(pos + 3, eol - pos - 3));
    auto end = in.find("\n@@ ", eol);
    const std::size_t stop = end == std::string_view::npos ? in.size() : end;
    out.push_back({path, std::string(in.substr(eol + 1, stop - eol - 1))});
    pos = end == std::string_view::npos ? in.size() : end + 1;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string rest = fuzz::as_string(data + 1, size - 1);
  bundle::ArchiveLimits limits;
  limits.max_files = 64;
  limits.max_file_bytes = 1 << 18;
  limits.max_total_bytes = 1 << 19;
  if ((data[0] & 1) == 0) {
    auto b = bundle::open_bundle(rest, accept_all, limits);
    if (b) {
      for (const auto& p : bundle::media_paths(b->course)) fuzz::check(b->manifest.find(p) != nullptr, "media are listed");
      fuzz::check(b->manifest.find("course.json") != nullptr, "course.json is listed");
    }
    return 0;
  }
  auto compiled = bundle::compile_course(split_folder(rest));
  if (!compiled) return 0;
  bundle::Manifest m;
  m.course_id = compiled->course.id;
  m.version = compiled->course.version;
  m.title = compiled->course.title;
  m.language = compiled->course.language;
  auto entries = compiled->files;
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  for (const auto& f : entries) m.files.push_back({f.path, crypto::sha256_hex(f.data), f.data.size()});
  std::vector<bundle::ArchiveEntry> tar_entries{{"manifest.json", bundle::manifest_to_json(m).dump(2) + "\n"},
                                                {"manifest.sig", "{\"alg\":\"ed25519\",\"key_id\":\"00\",\"signature\":\"" +
                                                                     std::string(86, 'A') + "==\"}"}};
  for (auto& f : entries) tar_entries.push_back(f);
  auto tar = bundle::write_tar(tar_entries);
  if (!tar) {  // a path that fits the rules but not ustar's 100 + 155 split: refused clearly
    fuzz::check(tar.error().code == "invalid_archive" && !tar.error().where.empty(), "pack errors name the file");
    return 0;
  }
  auto opened = bundle::open_bundle(*tar, accept_all);
  if (!opened) {
    std::fprintf(stderr, "open_bundle refused a compiled course: %s\n", opened.error().describe().c_str());
    fuzz::check(false, "what the compiler accepts, the opener accepts");
  }
  fuzz::check(bundle::course_to_json(opened->course) == bundle::course_to_json(compiled->course),
              "the opened course is the compiled one");
  return 0;
}
