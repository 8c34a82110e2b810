#include "trailpack/csv.hpp"

namespace trailpack::csv {

Result<std::vector<Row>> parse(std::string_view text, const Limits& limits) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<Row> rows;
  std::size_t i = 0, line = 1;
  auto err = [&](std::size_t at_line, const std::string& msg) {
    return make_error("invalid_csv", msg, "line " + std::to_string(at_line));
  };
  while (i < text.size()) {
    Row row;
    row.line = line;
    std::string field;
    bool row_done = false;
    bool any = false;
    while (!row_done) {
      field.clear();
      if (i < text.size() && text[i] == '"') {
        ++i;
        for (;;) {
          if (i >= text.size()) return err(row.line, "a quoted field is not closed");
          const char c = text[i++];
          if (c == '"') {
            if (i < text.size() && text[i] == '"') {
              field.push_back('"');
              ++i;
            } else {
              break;
            }
          } else {
            if (c == '\n') ++line;
            field.push_back(c);
          }
          if (field.size() > limits.max_field_bytes)
            return err(row.line, "a field is longer than " + std::to_string(limits.max_field_bytes) + " bytes");
        }
        if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
          return err(line, "unexpected text after a closing quote");
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          if (text[i] == '"') return err(line, "a quote inside an unquoted field (quote the whole field and double the quote)");
          field.push_back(text[i++]);
          if (field.size() > limits.max_field_bytes)
            return err(line, "a field is longer than " + std::to_string(limits.max_field_bytes) + " bytes");
        }
      }
      any = any || !field.empty();
      row.fields.push_back(field);
      if (row.fields.size() > limits.max_fields)
        return err(row.line, "a row has more than " + std::to_string(limits.max_fields) + " fields");
      if (i < text.size() && text[i] == ',') {
        ++i;
        any = true;
        continue;
      }
      if (i < text.size() && text[i] == '\r') ++i;
      if (i < text.size() && text[i] == '\n') ++i;
      ++line;
      row_done = true;
    }
    if (!any && row.fields.size() == 1) continue;  // blank line
    if (rows.size() >= limits.max_rows) return err(row.line, "the file has more than " + std::to_string(limits.max_rows) + " rows");
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string escape_cell(std::string_view value) {
  std::string v(value);
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r'))
    v.insert(v.begin(), '\'');
  const bool quote = v.find_first_of(",\"\r\n") != std::string::npos;
  if (!quote) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += "\"\"";
    else out.push_back(c);
  }
  out += "\"";
  return out;
}

std::string format_row(const std::vector<std::string>& cells) {
  std::string out;
  for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + escape_cell(cells[i]);
  out += "\r\n";
  return out;
}

}  // namespace trailpack::csv
