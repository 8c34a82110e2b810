// Bundle archives: POSIX ustar, read and written in memory with strict limits.
//
// A bundle file (`.tpk`) is a plain tar of regular files: manifest.json, manifest.sig,
// course.json and media under media/. Readers refuse anything else: links, devices,
// absolute paths, `..`, duplicate names (also when they differ only in case), sizes
// past the limits, and truncated or malformed headers; each with a message that names
// the entry. Nothing here writes to a file system.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "trailpack/result.hpp"

namespace trailpack::bundle {

struct ArchiveLimits {
  std::size_t max_files = 2000;
  std::uint64_t max_file_bytes = 256ull << 20;   ///< one file
  std::uint64_t max_total_bytes = 512ull << 20;  ///< all files together
  std::size_t max_path_length = 200;
};

struct ArchiveEntry {
  std::string path;
  std::string data;
  std::size_t offset = 0;  ///< where the data starts in the archive (set by read_tar)
};

/// Checks a bundle-relative path: 1..max_path_length bytes of [A-Za-z0-9._-/], no
/// leading '/', no empty, '.' or '..' segments. Returns a reason, or "" when valid.
std::string path_problem(std::string_view path, std::size_t max_length = 200);

/// Reads every regular file of a ustar archive. Directory entries are skipped.
Result<std::vector<ArchiveEntry>> read_tar(std::string_view bytes, const ArchiveLimits& limits = {});

/// Writes a ustar archive of regular files (mode 0644, mtime 0: reproducible output).
Result<std::string> write_tar(const std::vector<ArchiveEntry>& entries);

}  // namespace trailpack::bundle
