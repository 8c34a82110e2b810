// CSV (RFC 4180) reading with limits, and cell escaping for exports that spreadsheets
// open safely (no formula injection). Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "trailpack/result.hpp"

namespace trailpack::csv {

struct Limits {
  std::size_t max_rows = 100000;
  std::size_t max_fields = 64;
  std::size_t max_field_bytes = 4096;
};

struct Row {
  std::size_t line = 0;  ///< 1-based line where the row starts
  std::vector<std::string> fields;
};

/// Parses CSV text (comma separated, double-quote quoting, CRLF or LF, optional UTF-8
/// BOM). Blank lines are skipped. Errors name the line.
Result<std::vector<Row>> parse(std::string_view text, const Limits& limits = {});

/// One cell for export: quoted when needed; a leading = + - @ tab or CR is prefixed with
/// a single quote so spreadsheets show it as text instead of running it as a formula.
std::string escape_cell(std::string_view value);

/// Joins escaped cells into one CSV line ending with CRLF.
std::string format_row(const std::vector<std::string>& cells);

}  // namespace trailpack::csv
