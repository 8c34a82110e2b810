#include "trailpack/bundle/archive.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <set>

#include "trailpack/encoding.hpp"

namespace trailpack::bundle {
namespace {

constexpr std::size_t kBlock = 512;

bool all_zero(std::string_view block) {
  return std::all_of(block.begin(), block.end(), [](char c) { return c == 0; });
}

// Reads a NUL- or space-terminated octal field; false when malformed.
bool octal(std::string_view field, std::uint64_t& out) {
  std::uint64_t v = 0;
  std::size_t i = 0;
  while (i < field.size() && field[i] == ' ') ++i;
  bool any = false;
  for (; i < field.size(); ++i) {
    const char c = field[i];
    if (c == '\0' || c == ' ') break;
    if (c < '0' || c > '7') return false;
    if (v > (UINT64_MAX >> 3)) return false;
    v = (v << 3) | static_cast<std::uint64_t>(c - '0');
    any = true;
  }
  out = v;
  return any;
}

std::string cstr(std::string_view field) {
  const auto nul = field.find('\0');
  return std::string(field.substr(0, nul));
}

void put_octal(char* dst, std::size_t width, std::uint64_t v) {
  // width includes the terminating NUL
  std::memset(dst, '0', width - 1);
  dst[width - 1] = '\0';
  for (std::size_t i = width - 1; i-- > 0 && v;) {
    dst[i] = static_cast<char>('0' + (v & 7));
    v >>= 3;
  }
}

}  // namespace

std::string path_problem(std::string_view path, std::size_t max_length) {
  if (path.empty()) return "the path is empty";
  if (path.size() > max_length) return "the path is longer than " + std::to_string(max_length) + " bytes";
  if (path.front() == '/') return "absolute paths are not allowed";
  for (char c : path) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '/';
    if (!ok) {
      if (c == '\\') return "backslashes are not allowed";
      return "only letters, digits, '.', '_', '-' and '/' are allowed";
    }
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const auto seg = path.substr(start, end - start);
    if (seg.empty()) return "empty path segments are not allowed";
    if (seg == "..") return "'..' is not allowed in paths";
    if (seg == ".") return "'.' segments are not allowed in paths";
    if (end == path.size()) break;
    start = end + 1;
  }
  return {};
}

Result<std::vector<ArchiveEntry>> read_tar(std::string_view bytes, const ArchiveLimits& limits) {
  std::vector<ArchiveEntry> out;
  std::set<std::string> seen;
  std::uint64_t total = 0;
  std::size_t off = 0;
  int index = 0;
  auto err = [&](const std::string& name, const std::string& msg) {
    return make_error("invalid_archive", msg, name.empty() ? "entry " + std::to_string(index) : name);
  };
  while (true) {
    if (off + kBlock > bytes.size()) {
      if (off == bytes.size() && !out.empty()) break;  // tolerate a missing end marker
      return err("", "the archive is truncated (a header is incomplete)");
    }
    const std::string_view h = bytes.substr(off, kBlock);
    if (all_zero(h)) break;  // end of archive
    // Checksum: sum of header bytes with the checksum field read as spaces.
    std::uint64_t want = 0;
    if (!octal(h.substr(148, 8), want)) return err("", "malformed header checksum");
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < kBlock; ++i) sum += (i >= 148 && i < 156) ? 32u : static_cast<unsigned char>(h[i]);
    if (sum != want) return err("", "header checksum mismatch (the archive is corrupt)");
    std::string name = cstr(h.substr(0, 100));
    if (h.substr(257, 5) == "ustar") {
      const std::string prefix = cstr(h.substr(345, 155));
      if (!prefix.empty()) name = prefix + "/" + name;
    }
    const char type = h[156];
    std::uint64_t size = 0;
    if (!octal(h.substr(124, 12), size) && type != '5') return err(name, "malformed size field");
    off += kBlock;
    if (type == '1' || type == '2') return err(name, "links are not allowed in bundles");
    if (type == 'x' || type == 'g' || type == 'L' || type == 'K')
      return err(name, "extended (pax/GNU) headers are not supported; write plain ustar archives");
    if (type == '5') {
      std::string dir = name;
      while (!dir.empty() && dir.back() == '/') dir.pop_back();
      if (auto p = path_problem(dir, limits.max_path_length); !p.empty()) return err(name, p);
      ++index;
      continue;
    }
    if (type != '0' && type != '\0') return err(name, "only regular files are allowed in bundles");
    if (auto p = path_problem(name, limits.max_path_length); !p.empty()) return err(name, p);
    if (!seen.insert(ascii_lower(name)).second) return err(name, "the archive holds this path twice");
    if (out.size() + 1 > limits.max_files)
      return err(name, "the archive holds more than " + std::to_string(limits.max_files) + " files");
    if (size > limits.max_file_bytes)
      return err(name, "the file is larger than the limit of " + std::to_string(limits.max_file_bytes) + " bytes");
    total += size;
    if (total > limits.max_total_bytes)
      return err(name, "the archive's files add up to more than the limit of " +
                           std::to_string(limits.max_total_bytes) + " bytes");
    if (size > bytes.size() - off) return err(name, "the archive is truncated (the file's data is incomplete)");
    out.push_back({name, std::string(bytes.substr(off, static_cast<std::size_t>(size))), off});
    off += static_cast<std::size_t>((size + kBlock - 1) / kBlock * kBlock);
    if (off > bytes.size()) off = bytes.size();
    ++index;
  }
  return out;
}

Result<std::string> write_tar(const std::vector<ArchiveEntry>& entries) {
  std::string out;
  std::set<std::string> seen;
  for (const auto& e : entries) {
    if (auto p = path_problem(e.path); !p.empty()) return make_error("invalid_archive", p, e.path);
    if (!seen.insert(ascii_lower(e.path)).second) return make_error("invalid_archive", "duplicate path", e.path);
    char h[kBlock];
    std::memset(h, 0, sizeof h);
    std::string name = e.path, prefix;
    if (name.size() > 100) {
      // Split at a '/' so that the prefix fits 155 bytes and the name 100.
      const auto cut = name.rfind('/', 155);
      if (cut == std::string::npos || name.size() - cut - 1 > 100)
        return make_error("invalid_archive", "the path is too long for a ustar header", e.path);
      prefix = name.substr(0, cut);
      name = name.substr(cut + 1);
    }
    std::memcpy(h, name.data(), name.size());
    put_octal(h + 100, 8, 0644);
    put_octal(h + 108, 8, 0);
    put_octal(h + 116, 8, 0);
    put_octal(h + 124, 12, e.data.size());
    put_octal(h + 136, 12, 0);
    std::memset(h + 148, ' ', 8);
    h[156] = '0';
    std::memcpy(h + 257, "ustar", 6);
    std::memcpy(h + 263, "00", 2);
    std::memcpy(h + 345, prefix.data(), prefix.size());
    std::uint64_t sum = 0;
    for (char c : h) sum += static_cast<unsigned char>(c);
    put_octal(h + 148, 7, sum);
    h[155] = ' ';
    out.append(h, kBlock);
    out += e.data;
    out.append((kBlock - e.data.size() % kBlock) % kBlock, '\0');
  }
  out.append(2 * kBlock, '\0');
  return out;
}

}  // namespace trailpack::bundle
