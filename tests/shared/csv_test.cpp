// CSV (RFC 4180) reading with line numbers and limits, and cell escaping for exports.
#include <catch2/catch.hpp>

#include "trailpack/csv.hpp"

using namespace trailpack;
using Fields = std::vector<std::string>;

namespace {

std::vector<csv::Row> must_parse(std::string_view text, const csv::Limits& limits = {}) {
  auto r = csv::parse(text, limits);
  if (!r) FAIL(r.error().describe());
  return *r;
}

void refused(std::string_view text, const std::string& where, const std::string& message,
             const csv::Limits& limits = {}) {
  auto r = csv::parse(text, limits);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "invalid_csv");
  CHECK(r.error().where == where);
  CHECK(r.error().message == message);
}

}  // namespace

TEST_CASE("CSV: RFC 4180 records", "[csv]") {
  SECTION("plain rows with their line numbers") {
    auto rows = must_parse("email,name\nann@example.org,Ann\n");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].line == 1);
    CHECK(rows[0].fields == Fields{"email", "name"});
    CHECK(rows[1].line == 2);
    CHECK(rows[1].fields == Fields{"ann@example.org", "Ann"});
  }
  SECTION("the last line needs no line break") {
    auto rows = must_parse("a,b");
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].fields == Fields{"a", "b"});
  }
  SECTION("empty text has no rows") { CHECK(must_parse("").empty()); }
  SECTION("quoted fields hold commas") {
    CHECK(must_parse("\"Smith, Ann\",x")[0].fields == Fields{"Smith, Ann", "x"});
  }
  SECTION("doubled quotes are one quote") {
    CHECK(must_parse("\"say \"\"hi\"\"\",\"\"\"\"")[0].fields == Fields{"say \"hi\"", "\""});
  }
  SECTION("empty fields, leading, inner and trailing") {
    CHECK(must_parse("a,,c")[0].fields == Fields{"a", "", "c"});
    CHECK(must_parse(",,")[0].fields == Fields{"", "", ""});
    CHECK(must_parse("a,")[0].fields == Fields{"a", ""});
    CHECK(must_parse("\"\",b")[0].fields == Fields{"", "b"});
  }
  SECTION("spaces are kept") {
    CHECK(must_parse(" a , b ")[0].fields == Fields{" a ", " b "});
  }
  SECTION("CRLF line ends") {
    auto rows = must_parse("a,b\r\nc,d\r\n");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].fields == Fields{"a", "b"});
    CHECK(rows[1].fields == Fields{"c", "d"});
    CHECK(rows[1].line == 2);
  }
  SECTION("lone CR line ends") {
    auto rows = must_parse("a\rb");
    REQUIRE(rows.size() == 2);
    CHECK(rows[1].fields == Fields{"b"});
    CHECK(rows[1].line == 2);
  }
  SECTION("embedded newlines are kept and later rows keep true line numbers") {
    auto rows = must_parse("id,text\n1,\"line one\nline two\r\nline three\"\n2,x\n");
    REQUIRE(rows.size() == 3);
    CHECK(rows[1].line == 2);
    CHECK(rows[1].fields == Fields{"1", "line one\nline two\r\nline three"});
    CHECK(rows[2].line == 5);
    CHECK(rows[2].fields == Fields{"2", "x"});
  }
  SECTION("a UTF-8 byte order mark is dropped") {
    auto rows = must_parse("\xEF\xBB\xBFname\nÉlodie");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].fields == Fields{"name"});
    CHECK(rows[1].fields == Fields{"Élodie"});
  }
  SECTION("blank lines are skipped but counted") {
    auto rows = must_parse("a\n\n\r\nb\n\n");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].line == 1);
    CHECK(rows[1].line == 4);
    CHECK(rows[1].fields == Fields{"b"});
  }
  SECTION("a line holding only \"\" is blank too") {
    auto rows = must_parse("a\n\"\"\nb");
    REQUIRE(rows.size() == 2);
    CHECK(rows[1].line == 3);
  }
}

TEST_CASE("CSV: malformed input names the line", "[csv]") {
  refused("a,\"bc\nd", "line 1", "a quoted field is not closed");
  refused("x\ny\n\"open", "line 3", "a quoted field is not closed");
  refused("\"ab\"c,d", "line 1", "unexpected text after a closing quote");
  refused("x\n\"a\nb\" c", "line 3", "unexpected text after a closing quote");
  refused("ok\nab\"c", "line 2", "a quote inside an unquoted field (quote the whole field and double the quote)");
}

TEST_CASE("CSV: limits", "[csv]") {
  csv::Limits limits;
  SECTION("fields per row") {
    limits.max_fields = 3;
    CHECK(must_parse("a,b,c", limits)[0].fields.size() == 3);
    refused("a,b,c\na,b,c,d", "line 2", "a row has more than 3 fields", limits);
    refused("a,b,c,", "line 1", "a row has more than 3 fields", limits);
  }
  SECTION("bytes per field, quoted or not") {
    limits.max_field_bytes = 5;
    CHECK(must_parse("12345,\"12345\"", limits)[0].fields == Fields{"12345", "12345"});
    refused("123456", "line 1", "a field is longer than 5 bytes", limits);
    refused("x\n\"123456\"", "line 2", "a field is longer than 5 bytes", limits);
    refused("\"1\n2\n3456\"", "line 1", "a field is longer than 5 bytes", limits);
  }
  SECTION("rows; blank lines do not count") {
    limits.max_rows = 2;
    CHECK(must_parse("a\n\n\nb\n\n", limits).size() == 2);
    refused("a\nb\n\nc", "line 4", "the file has more than 2 rows", limits);
  }
}

TEST_CASE("CSV export: escape_cell prevents formula injection and quotes when needed", "[csv][security]") {
  CHECK(csv::escape_cell("plain text") == "plain text");
  CHECK(csv::escape_cell("") == "");
  CHECK(csv::escape_cell("=HYPERLINK(\"http://evil\")") == "\"'=HYPERLINK(\"\"http://evil\"\")\"");
  CHECK(csv::escape_cell("=1+1") == "'=1+1");
  CHECK(csv::escape_cell("+1") == "'+1");
  CHECK(csv::escape_cell("-2") == "'-2");
  CHECK(csv::escape_cell("@SUM(A1)") == "'@SUM(A1)");
  CHECK(csv::escape_cell("\tcmd") == "'\tcmd");
  CHECK(csv::escape_cell("\r=1") == "\"'\r=1\"");
  CHECK(csv::escape_cell("a=1") == "a=1");
  CHECK(csv::escape_cell("a,b") == "\"a,b\"");
  CHECK(csv::escape_cell("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv::escape_cell("two\nlines") == "\"two\nlines\"");
  CHECK(csv::escape_cell("=1,2") == "\"'=1,2\"");

  SECTION("format_row joins cells and ends with CRLF") {
    CHECK(csv::format_row({"a", "=b", "c,d"}) == "a,'=b,\"c,d\"\r\n");
    CHECK(csv::format_row({}) == "\r\n");
  }
  SECTION("exported rows read back as the same cells") {
    const Fields cells = {"Ann \"The Hammer\" O'Neil", "x,y", "multi\nline", "", " spaced ", "Élodie"};
    auto rows = must_parse(csv::format_row(cells) + csv::format_row({"second"}));
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].fields == cells);
    CHECK(rows[1].line == 3);
  }
}
