// Fuzzes the ustar reader and the archive path rules. Invariants: every entry read has a
// valid path, no two paths differ only in case, sizes respect the limits, and writing
// the entries back gives an archive that reads to the same entries.
#include <algorithm>
#include <cctype>
#include <set>

#include "fuzz_common.hpp"
#include "trailpack/bundle/archive.hpp"

using namespace trailpack;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes = fuzz::as_string(data, size);
  (void)bundle::path_problem(bytes, 200);
  bundle::ArchiveLimits limits;
  limits.max_files = 64;
  limits.max_file_bytes = 1 << 16;
  limits.max_total_bytes = 1 << 17;
  auto entries = bundle::read_tar(bytes, limits);
  if (!entries) {
    fuzz::check(!entries.error().where.empty(), "archive errors name the entry");
    return 0;
  }
  std::set<std::string> lower;
  std::size_t total = 0;
  for (const auto& e : *entries) {
    fuzz::check(bundle::path_problem(e.path, limits.max_path_length).empty(), "entry paths are valid");
    std::string l = e.path;
    std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    fuzz::check(lower.insert(l).second, "no duplicate paths");
    fuzz::check(e.data.size() <= limits.max_file_bytes, "file size limit");
    total += e.data.size();
  }
  fuzz::check(total <= limits.max_total_bytes, "total size limit");
  fuzz::check(entries->size() <= limits.max_files, "file count limit");
  auto written = bundle::write_tar(*entries);
  if (!written) return 0;  // e.g. a name that does not fit ustar's name/prefix split
  auto again = bundle::read_tar(*written, limits);
  fuzz::check(again.ok(), "a written archive reads");
  fuzz::check(again->size() == entries->size(), "same number of entries");
  for (std::size_t i = 0; i < again->size(); ++i)
    fuzz::check((*again)[i].path == (*entries)[i].path && (*again)[i].data == (*entries)[i].data, "same entries");
  return 0;
}
