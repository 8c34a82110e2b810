// Regressions found by the fuzz targets (tests/fuzz): each input that crashed or broke an
// invariant, as a plain test. The inputs themselves are kept in the seed corpora too
// (tests/fuzz/corpus/<target>/regression-*).
#include <catch2/catch.hpp>

#include "trailpack/bundle/authoring.hpp"
#include "trailpack/encoding.hpp"
#include "trailpack/json_reader.hpp"

using namespace trailpack;

namespace {

void json_refused(const std::string& text, const std::string& where, const std::string& message) {
  INFO(text.substr(0, 80));
  auto r = parse_json_text(text, "f.json");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "invalid_json");
  CHECK(r.error().where == where);
  CHECK(r.error().message == message);
}

}  // namespace

TEST_CASE("fuzz regression: a number too large for a double is invalid_json with its place, not an exception",
          "[fuzz][json]") {
  // fuzz_manifest: "1e3081sa" threw nlohmann's out_of_range from the error locator.
  json_refused("1e3081sa", "f.json:1:6", "not valid JSON (a number too large near line 1, column 6)");
  json_refused("{\"a\": [1, 2e999]}", "f.json:1:15", "not valid JSON (a number too large near line 1, column 15)");
  json_refused("{\"a\":\n -1e400}", "f.json:2:7", "not valid JSON (a number too large near line 2, column 7)");
  // Syntax errors are located as before.
  json_refused("[1,", "f.json:1:4", "not valid JSON (syntax error near line 1, column 4)");
}

TEST_CASE("fuzz regression: JSON nested deeper than 100 levels is refused before it is parsed", "[fuzz][json]") {
  // Found by hand while fuzzing the push decoder: copying a statement nested 100 000 deep
  // overflowed the server's stack (a crash from one 200 KB push).
  json_refused(std::string(101, '['), "f.json:1:101", "not valid JSON (nested deeper than 100 levels near line 1, column 101)");
  json_refused("{\"a\":\n" + std::string(100000, '[') + std::string(100000, ']') + "}", "f.json:2:100",
               "not valid JSON (nested deeper than 100 levels near line 2, column 100)");
  // 100 levels are fine, and brackets inside strings do not count.
  CHECK(parse_json_text(std::string(100, '[') + std::string(100, ']')).ok());
  CHECK(parse_json_text("[\"" + std::string(500, '[') + "\\\"" + std::string(500, '{') + "\"]").ok());
}

TEST_CASE("fuzz regression: a card that is not UTF-8 is refused with its line", "[fuzz][authoring]") {
  // fuzz_open_bundle: a card with a 0xFF byte compiled, then writing course.json threw
  // nlohmann's type_error 316 out of compile_course (trailpack pack died on it).
  auto b = bundle::parse_card_markdown("# Title\n\nok\nbad \xff byte\n", "cards/x.md");
  REQUIRE_FALSE(b);
  CHECK(b.error().code == "invalid_card");
  CHECK(b.error().where == "cards/x.md:4");
  CHECK(b.error().message == "the file is not UTF-8 text (save it as UTF-8)");

  const std::vector<bundle::SourceFile> folder = {
      {"course.json", R"({"id":"c","version":1,"title":"C","language":"en","modules":[{"id":"m","title":"M",
        "items":[{"id":"a","type":"card","title":"A","file":"cards/a.md"}]}]})"},
      {"cards/a.md", "# A\n\n\xc3\x28 broken\n"}};
  auto compiled = bundle::compile_course(folder);
  REQUIRE_FALSE(compiled);
  CHECK(compiled.error().where == "cards/a.md:3");
}

TEST_CASE("UTF-8 check: well-formed text passes, each kind of malformed byte is located", "[fuzz][encoding]") {
  CHECK(utf8_invalid_at("plain, é, 漢字, 😀") == std::string_view::npos);
  CHECK(utf8_invalid_at("") == std::string_view::npos);
  CHECK(utf8_invalid_at("ab\xff") == 2);             // not a lead byte
  CHECK(utf8_invalid_at("\xc0\xaf") == 0);           // overlong '/'
  CHECK(utf8_invalid_at("x\xed\xa0\x80") == 1);      // a UTF-16 surrogate
  CHECK(utf8_invalid_at("\xf4\x90\x80\x80") == 0);   // past U+10FFFF
  CHECK(utf8_invalid_at("a\xe2\x82") == 1);          // truncated at the end
  CHECK(utf8_invalid_at("\xe2\x28\xa1") == 0);       // bad continuation byte
}
