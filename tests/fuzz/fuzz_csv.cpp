// Fuzzes the CSV reader (user import) and the export escaping. Invariants: limits hold,
// line numbers increase, and every parsed row written back with format_row parses to the
// same fields, except that a cell a spreadsheet would run as a formula comes back with a
// leading quote.
#include "fuzz_common.hpp"
#include "trailpack/csv.hpp"

using namespace trailpack;

namespace {

bool formula_start(const std::string& s) {
  return !s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r');
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = fuzz::as_string(data, size);
  const csv::Limits limits{.max_rows = 200, .max_fields = 16, .max_field_bytes = 512};
  auto rows = csv::parse(text, limits);
  if (!rows) {
    fuzz::check(rows.error().where.rfind("line ", 0) == 0, "errors name the line");
    return 0;
  }
  fuzz::check(rows->size() <= limits.max_rows, "row limit");
  std::size_t last_line = 0;
  for (const auto& r : *rows) {
    fuzz::check(r.line > last_line, "lines increase");
    last_line = r.line;
    fuzz::check(r.fields.size() <= limits.max_fields, "field count limit");
    for (const auto& f : r.fields) fuzz::check(f.size() <= limits.max_field_bytes, "field size limit");
    if (r.fields.size() == 1 && r.fields[0].empty()) continue;  // a blank line is skipped
    const std::string line = csv::format_row(r.fields);
    if (line.rfind("\xEF\xBB\xBF", 0) == 0) continue;  // at a file's start, read as the file's BOM
    auto again = csv::parse(line, {.max_rows = 10, .max_fields = 16, .max_field_bytes = 1100});
    fuzz::check(again.ok() && again->size() == 1, "a formatted row parses to one row");
    const auto& back = (*again)[0].fields;
    fuzz::check(back.size() == r.fields.size(), "same number of fields");
    for (std::size_t i = 0; i < back.size(); ++i) {
      const std::string want = formula_start(r.fields[i]) ? "'" + r.fields[i] : r.fields[i];
      fuzz::check(back[i] == want, "cells round trip (formulas defused)");
      fuzz::check(!formula_start(back[i]), "no exported cell starts a formula");
    }
  }
  for (char c : text.substr(0, 64)) (void)csv::escape_cell(std::string(1, c));
  return 0;
}
