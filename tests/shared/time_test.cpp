#include <catch2/catch.hpp>

#include "trailpack/time.hpp"

using namespace trailpack;

TEST_CASE("timestamps format and parse as xAPI writes them", "[time]") {
  CHECK(format_timestamp(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_timestamp(1795338000123) == "2026-11-22T09:00:00.123Z");
  CHECK(parse_timestamp("2026-11-22T09:00:00.123Z") == 1795338000123);
  CHECK(parse_timestamp("2026-11-22T10:00:00.123+01:00") == 1795338000123);
  CHECK(parse_timestamp("2024-02-29T00:00:00Z").has_value());

  SECTION("refuses what is not a full date-time with a zone") {
    CHECK_FALSE(parse_timestamp("2026-11-22"));
    CHECK_FALSE(parse_timestamp("2026-11-22T09:00:00"));
    CHECK_FALSE(parse_timestamp("2023-02-29T00:00:00Z"));
    CHECK_FALSE(parse_timestamp("2026-11-22T09:00:00-00:00"));
    CHECK_FALSE(parse_timestamp("2026-13-01T00:00:00Z"));
  }
}

TEST_CASE("durations round to centiseconds", "[time]") {
  CHECK(format_duration(0) == "PT0S");
  CHECK(format_duration(12340) == "PT12.34S");
  CHECK(format_duration(3723000) == "PT1H2M3S");
  CHECK(parse_duration("PT1H2M3.5S") == 3723500);
  CHECK(parse_duration("P1DT1S") == 86401000);
  CHECK_FALSE(parse_duration("P1M"));
  CHECK_FALSE(parse_duration("PT"));
  CHECK_FALSE(parse_duration("1H"));
}
