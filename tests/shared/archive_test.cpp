// Bundle archives: ustar written and read back, and hand-built malicious archives
// refused with their exact message and the entry they name.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>

#include "trailpack/bundle/archive.hpp"

using namespace trailpack;
using namespace trailpack::bundle;

namespace {

void put_octal(std::string& h, std::size_t off, std::size_t width, std::uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*llo", static_cast<int>(width - 1), static_cast<unsigned long long>(v));
  std::memcpy(&h[off], buf, width - 1);
  h[off + width - 1] = '\0';
}

void fix_checksum(std::string& h) {
  std::memset(&h[148], ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%06o", sum);
  std::memcpy(&h[148], buf, 6);
  h[154] = '\0';
  h[155] = ' ';
}

// One ustar header built by hand, so that tests can say anything a hostile archive
// could say.
std::string header(const std::string& name, std::uint64_t size, char type = '0', const std::string& prefix = "") {
  std::string h(512, '\0');
  std::memcpy(&h[0], name.data(), std::min<std::size_t>(name.size(), 100));
  put_octal(h, 100, 8, 0644);
  put_octal(h, 108, 8, 0);
  put_octal(h, 116, 8, 0);
  put_octal(h, 124, 12, size);
  put_octal(h, 136, 12, 0);
  h[156] = type;
  std::memcpy(&h[257], "ustar", 6);
  std::memcpy(&h[263], "00", 2);
  std::memcpy(&h[345], prefix.data(), std::min<std::size_t>(prefix.size(), 155));
  fix_checksum(h);
  return h;
}

std::string padded(const std::string& data) { return data + std::string((512 - data.size() % 512) % 512, '\0'); }

std::string entry(const std::string& name, const std::string& data, char type = '0') {
  return header(name, data.size(), type) + padded(data);
}

const std::string kEnd(1024, '\0');

void refused(const std::string& tar, const std::string& where, const std::string& message,
             const ArchiveLimits& limits = {}) {
  auto r = read_tar(tar, limits);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "invalid_archive");
  CHECK(r.error().where == where);
  CHECK(r.error().message == message);
}

std::vector<ArchiveEntry> must_read(const std::string& tar, const ArchiveLimits& limits = {}) {
  auto r = read_tar(tar, limits);
  if (!r) FAIL(r.error().describe());
  return *r;
}

}  // namespace

TEST_CASE("write_tar and read_tar round-trip regular files", "[archive]") {
  std::string binary;
  for (int i = 0; i < 1000; ++i) binary.push_back(static_cast<char>(i % 256));
  const std::vector<ArchiveEntry> files = {{"course.json", "{\"id\":\"c\"}"},
                                           {"media/photo.png", binary},
                                           {"media/empty.txt", ""},
                                           {"media/block.bin", std::string(512, 'x')}};
  auto tar = write_tar(files);
  REQUIRE(tar);
  // Each file: a header and its data padded to 512; then two zero blocks.
  CHECK(tar->size() == 512 + 512 + 512 + 1024 + 512 + 512 + 512 + 1024);
  CHECK(tar->size() % 512 == 0);
  const auto back = must_read(*tar);
  REQUIRE(back.size() == files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    CHECK(back[i].path == files[i].path);
    CHECK(back[i].data == files[i].data);
  }

  SECTION("the output is reproducible: mode 0644, owner 0, mtime 0, ustar magic") {
    CHECK(*write_tar(files) == *tar);
    CHECK(tar->substr(100, 8) == std::string("0000644\0", 8));
    CHECK(tar->substr(108, 8) == std::string("0000000\0", 8));
    CHECK(tar->substr(124, 12) == std::string("00000000012\0", 12));
    CHECK(tar->substr(136, 12) == std::string("00000000000\0", 12));
    CHECK((*tar)[156] == '0');
    CHECK(tar->substr(257, 8) == std::string("ustar\0" "00", 8));
  }
  SECTION("an empty archive is two zero blocks and reads as no files") {
    auto empty = write_tar({});
    REQUIRE(empty);
    CHECK(*empty == kEnd);
    CHECK(must_read(*empty).empty());
  }
  SECTION("a missing end marker and anything after it are tolerated") {
    const std::string body = entry("a.txt", "hello");
    auto no_end = must_read(body);
    REQUIRE(no_end.size() == 1);
    CHECK(no_end[0].data == "hello");
    auto trailing = must_read(body + kEnd + "garbage after the end");
    CHECK(trailing.size() == 1);
  }
  SECTION("directory entries are skipped") {
    auto r = must_read(header("media/", 0, '5') + entry("media/a.txt", "A") + kEnd);
    REQUIRE(r.size() == 1);
    CHECK(r[0].path == "media/a.txt");
  }
  SECTION("old-style regular files (type NUL) are read") {
    auto r = must_read(entry("a.txt", "A", '\0') + kEnd);
    REQUIRE(r.size() == 1);
    CHECK(r[0].data == "A");
  }
}

TEST_CASE("long paths use the ustar prefix field", "[archive]") {
  // 181 bytes: "media/ddd..." (86) goes to the prefix field, "fff....png" (94) to the name.
  const std::string long_path = "media/" + std::string(80, 'd') + "/" + std::string(90, 'f') + ".png";
  REQUIRE(long_path.size() == 181);
  auto tar = write_tar({{long_path, "data"}});
  REQUIRE(tar);
  CHECK(tar->substr(0, 94) == std::string(90, 'f') + ".png");
  CHECK((*tar)[94] == '\0');
  CHECK(tar->substr(345, 86) == "media/" + std::string(80, 'd'));
  auto back = must_read(*tar);
  REQUIRE(back.size() == 1);
  CHECK(back[0].path == long_path);

  SECTION("a name of exactly 100 bytes fills the name field without a NUL") {
    const std::string hundred = std::string(96, 'n') + ".txt";
    auto t = write_tar({{hundred, "x"}});
    REQUIRE(t);
    CHECK(t->substr(345, 155) == std::string(155, '\0'));
    CHECK(must_read(*t)[0].path == hundred);
  }
  SECTION("a last segment over 100 bytes cannot be written") {
    const std::string p = "media/" + std::string(101, 'f');
    auto t = write_tar({{p, "x"}});
    REQUIRE_FALSE(t);
    CHECK(t.error().code == "invalid_archive");
    CHECK(t.error().where == p);
    CHECK(t.error().message == "the path is too long for a ustar header");
  }
  SECTION("paths over 200 bytes are refused before that") {
    const std::string p = std::string(100, 'a') + "/" + std::string(100, 'b');
    auto t = write_tar({{p, "x"}});
    REQUIRE_FALSE(t);
    CHECK(t.error().message == "the path is longer than 200 bytes");
    refused(header(std::string(100, 'b'), 1, '0', std::string(100, 'a')) + padded("x") + kEnd, p,
            "the path is longer than 200 bytes");
  }
}

TEST_CASE("write_tar refuses unsafe and duplicate paths", "[archive]") {
  auto bad = write_tar({{"../x", "x"}});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == "invalid_archive");
  CHECK(bad.error().where == "../x");
  CHECK(bad.error().message == "'..' is not allowed in paths");
  auto dup = write_tar({{"Course.json", "a"}, {"course.json", "b"}});
  REQUIRE_FALSE(dup);
  CHECK(dup.error().where == "course.json");
  CHECK(dup.error().message == "duplicate path");
}

TEST_CASE("path_problem explains what is wrong with a path", "[archive]") {
  CHECK(path_problem("media/a-b_c.1.png") == "");
  CHECK(path_problem("") == "the path is empty");
  CHECK(path_problem("/etc/passwd") == "absolute paths are not allowed");
  CHECK(path_problem("../x") == "'..' is not allowed in paths");
  CHECK(path_problem("a/../../x") == "'..' is not allowed in paths");
  CHECK(path_problem("a/..") == "'..' is not allowed in paths");
  CHECK(path_problem("./x") == "'.' segments are not allowed in paths");
  CHECK(path_problem("a//b") == "empty path segments are not allowed");
  CHECK(path_problem("a/") == "empty path segments are not allowed");
  CHECK(path_problem("media\\a.png") == "backslashes are not allowed");
  CHECK(path_problem("a b") == "only letters, digits, '.', '_', '-' and '/' are allowed");
  CHECK(path_problem("C:x") == "only letters, digits, '.', '_', '-' and '/' are allowed");
  CHECK(path_problem(std::string("a\0b", 3)) == "only letters, digits, '.', '_', '-' and '/' are allowed");
  CHECK(path_problem("caf\xC3\xA9") == "only letters, digits, '.', '_', '-' and '/' are allowed");
  CHECK(path_problem("..a") == "");  // a name that starts with dots is only a name
  CHECK(path_problem(std::string(200, 'a')) == "");
  CHECK(path_problem(std::string(201, 'a')) == "the path is longer than 200 bytes");
  CHECK(path_problem(std::string(11, 'a'), 10) == "the path is longer than 10 bytes");
}

TEST_CASE("malicious archives are refused, naming the entry", "[archive][security]") {
  const std::string ok = entry("course.json", "{}");

  SECTION("path traversal and absolute paths") {
    refused(ok + entry("../x", "evil") + kEnd, "../x", "'..' is not allowed in paths");
    refused(entry("a/../../x", "evil") + kEnd, "a/../../x", "'..' is not allowed in paths");
    refused(entry("/etc/x", "evil") + kEnd, "/etc/x", "absolute paths are not allowed");
    refused(entry("media\\..\\x", "evil") + kEnd, "media\\..\\x", "backslashes are not allowed");
    refused(entry("./course.json", "{}") + kEnd, "./course.json", "'.' segments are not allowed in paths");
    // Traversal hidden in the prefix field.
    refused(header("x", 1, '0', "..") + padded("x") + kEnd, "../x", "'..' is not allowed in paths");
    refused(header("x", 1, '0', "/etc") + padded("x") + kEnd, "/etc/x", "absolute paths are not allowed");
  }
  SECTION("directory entries are checked too") {
    refused(header("../media/", 0, '5') + kEnd, "../media/", "'..' is not allowed in paths");
  }
  SECTION("links") {
    std::string sym = header("media/passwd", 0, '2');
    std::memcpy(&sym[157], "/etc/passwd", 11);  // linkname
    fix_checksum(sym);
    refused(ok + sym + kEnd, "media/passwd", "links are not allowed in bundles");
    std::string hard = header("media/copy", 0, '1');
    std::memcpy(&hard[157], "course.json", 11);
    fix_checksum(hard);
    refused(ok + hard + kEnd, "media/copy", "links are not allowed in bundles");
  }
  SECTION("devices, fifos and other special files") {
    for (char type : {'3', '4', '6', '7', 'S', 'V'}) {
      INFO("type " << type);
      refused(header("media/dev", 0, type) + kEnd, "media/dev", "only regular files are allowed in bundles");
    }
  }
  SECTION("pax and GNU extended headers") {
    const std::string pax_body = "30 path=../../../../etc/passwd\n";
    for (char type : {'x', 'g', 'L', 'K'}) {
      INFO("type " << type);
      refused(header("PaxHeader/x", pax_body.size(), type) + padded(pax_body) + entry("x", "y") + kEnd, "PaxHeader/x",
              "extended (pax/GNU) headers are not supported; write plain ustar archives");
    }
  }
  SECTION("duplicate names, also when they differ only in case") {
    refused(ok + entry("media/a.png", "1") + entry("media/a.png", "2") + kEnd, "media/a.png",
            "the archive holds this path twice");
    refused(ok + entry("Course.json", "{}") + kEnd, "Course.json", "the archive holds this path twice");
    refused(ok + entry("media/A.PNG", "1") + entry("media/a.png", "2") + kEnd, "media/a.png",
            "the archive holds this path twice");
  }
  SECTION("a file over max_file_bytes") {
    ArchiveLimits limits;
    limits.max_file_bytes = 10;
    CHECK(must_read(entry("a", std::string(10, 'x')) + kEnd, limits).size() == 1);
    refused(entry("a", std::string(10, 'x')) + entry("b", std::string(11, 'x')) + kEnd, "b",
            "the file is larger than the limit of 10 bytes", limits);
  }
  SECTION("files adding up to more than max_total_bytes") {
    ArchiveLimits limits;
    limits.max_total_bytes = 20;
    CHECK(must_read(entry("a", std::string(10, 'x')) + entry("b", std::string(10, 'x')) + kEnd, limits).size() == 2);
    refused(entry("a", std::string(10, 'x')) + entry("b", std::string(10, 'x')) + entry("c", "x") + kEnd, "c",
            "the archive's files add up to more than the limit of 20 bytes", limits);
  }
  SECTION("more than max_files") {
    ArchiveLimits limits;
    limits.max_files = 2;
    CHECK(must_read(entry("a", "1") + entry("b", "2") + kEnd, limits).size() == 2);
    refused(entry("a", "1") + entry("b", "2") + entry("c", "3") + kEnd, "c", "the archive holds more than 2 files",
            limits);
  }
  SECTION("a path over max_path_length") {
    ArchiveLimits limits;
    limits.max_path_length = 8;
    refused(entry("media/a.png", "1") + kEnd, "media/a.png", "the path is longer than 8 bytes", limits);
  }
  SECTION("truncated header") {
    refused("", "entry 0", "the archive is truncated (a header is incomplete)");
    refused(ok.substr(0, 300), "entry 0", "the archive is truncated (a header is incomplete)");
    refused(ok + entry("b", "2").substr(0, 511), "entry 1", "the archive is truncated (a header is incomplete)");
  }
  SECTION("truncated data") {
    refused(header("media/big.bin", 1000) + std::string(600, 'x'), "media/big.bin",
            "the archive is truncated (the file's data is incomplete)");
    refused(header("media/big.bin", 1), "media/big.bin", "the archive is truncated (the file's data is incomplete)");
  }
  SECTION("bad checksum") {
    std::string tampered = ok + kEnd;
    tampered[0] = 'C';  // "Course.json" with the old checksum
    refused(tampered, "entry 0", "header checksum mismatch (the archive is corrupt)");
    std::string second = ok + entry("media/a.png", "1") + kEnd;
    second[512 + 512 + 130] ^= 1;  // a size digit of the second header
    refused(second, "entry 1", "header checksum mismatch (the archive is corrupt)");
    std::string garbage = ok + kEnd;
    std::memcpy(&garbage[148], "zzzzzz\0 ", 8);
    refused(garbage, "entry 0", "malformed header checksum");
  }
  SECTION("a malformed size field") {
    std::string h = header("a", 1);
    std::memcpy(&h[124], "0000000001x\0", 12);
    fix_checksum(h);
    refused(h + padded("x") + kEnd, "a", "malformed size field");
    std::string b256 = header("a", 1);
    b256[124] = static_cast<char>(0x80);  // GNU base-256 sizes are not ustar
    fix_checksum(b256);
    refused(b256 + padded("x") + kEnd, "a", "malformed size field");
  }
  SECTION("a header declaring a huge size (archive bomb) is refused before reading") {
    refused(header("media/bomb.bin", 077777777777ULL) + std::string(512, 'x') + kEnd, "media/bomb.bin",
            "the file is larger than the limit of 268435456 bytes");
    ArchiveLimits unlimited;
    unlimited.max_file_bytes = UINT64_MAX;
    unlimited.max_total_bytes = UINT64_MAX;
    refused(header("media/bomb.bin", 077777777777ULL) + std::string(512, 'x') + kEnd, "media/bomb.bin",
            "the archive is truncated (the file's data is incomplete)", unlimited);
  }
}
