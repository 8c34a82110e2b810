#include "http/multipart.hpp"

#include <cctype>
#include <ctime>

#include "trailpack/encoding.hpp"

namespace trailpack::server {

std::string media_type(std::string_view content_type) {
  std::string out;
  for (char c : content_type.substr(0, content_type.find(';')))
    if (c != ' ' && c != '\t') out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

std::optional<std::string> media_type_param(std::string_view content_type, std::string_view name) {
  const std::string wanted = ascii_lower(name);
  std::size_t i = content_type.find(';');
  const std::size_t n = content_type.size();
  while (i != std::string_view::npos && i < n) {
    while (i < n && (content_type[i] == ';' || content_type[i] == ' ' || content_type[i] == '\t')) ++i;
    const std::size_t key_start = i;
    while (i < n && content_type[i] != '=' && content_type[i] != ';') ++i;
    if (i >= n || content_type[i] == ';') continue;  // a parameter without a value
    const std::string key = ascii_lower(trim_blanks(content_type.substr(key_start, i - key_start)));
    ++i;  // '='
    while (i < n && (content_type[i] == ' ' || content_type[i] == '\t')) ++i;
    std::string value;
    if (i < n && content_type[i] == '"') {
      // Quoted values may hold ';' and '=' (RFC 2046 boundaries can).
      for (++i; i < n && content_type[i] != '"'; ++i) {
        if (content_type[i] == '\\' && i + 1 < n) ++i;
        value.push_back(content_type[i]);
      }
      if (i >= n) return std::nullopt;  // unterminated quote
      ++i;
    } else {
      const std::size_t start = i;
      while (i < n && content_type[i] != ';') ++i;
      value = std::string(trim_blanks(content_type.substr(start, i - start)));
    }
    if (key == wanted) return value;
  }
  return std::nullopt;
}

std::optional<std::string> MimePart::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::optional<std::vector<MimePart>> parse_multipart(std::string_view body, const std::string& boundary,
                                                     std::size_t max_parts, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<std::vector<MimePart>> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  if (boundary.empty() || boundary.size() > 70) return fail("the boundary must have 1 to 70 characters");
  const std::string dash = "--" + boundary;
  const std::string delimiter = "\r\n" + dash;
  std::size_t pos;
  if (body.compare(0, dash.size(), dash) == 0) {
    pos = 0;
  } else {
    const std::size_t first = body.find(delimiter);
    if (first == std::string_view::npos) return fail("the body does not contain the boundary");
    pos = first + 2;  // the preamble (and its CRLF) is ignored
  }
  std::vector<MimePart> parts;
  for (;;) {
    pos += dash.size();
    if (body.compare(pos, 2, "--") == 0) break;  // close delimiter; the epilogue is ignored
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
    if (body.compare(pos, 2, "\r\n") != 0) return fail("a boundary line is not followed by CRLF");
    pos += 2;
    const std::size_t end = body.find(delimiter, pos);
    if (end == std::string_view::npos) return fail("the body ends before the closing boundary (--" + boundary + "--)");
    if (parts.size() >= max_parts) return fail("more than " + std::to_string(max_parts) + " parts");
    std::string_view raw = body.substr(pos, end - pos);
    MimePart part;
    std::string_view head;
    if (raw.compare(0, 2, "\r\n") == 0) {
      part.body = std::string(raw.substr(2));
    } else {
      const std::size_t blank = raw.find("\r\n\r\n");
      if (blank == std::string_view::npos)
        return fail("part " + std::to_string(parts.size() + 1) + " has no blank line after its headers");
      head = raw.substr(0, blank);
      part.body = std::string(raw.substr(blank + 4));
    }
    std::string last;
    while (!head.empty()) {
      const std::size_t eol = head.find("\r\n");
      std::string_view line = head.substr(0, eol);
      head = eol == std::string_view::npos ? std::string_view() : head.substr(eol + 2);
      if (!line.empty() && (line.front() == ' ' || line.front() == '\t') && !last.empty()) {
        part.headers[last] += " " + std::string(trim_blanks(line));  // folded header line
        continue;
      }
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0)
        return fail("part " + std::to_string(parts.size() + 1) + " has a header line without a name");
      last = ascii_lower(trim_blanks(line.substr(0, colon)));
      part.headers[last] = std::string(trim_blanks(line.substr(colon + 1)));
    }
    parts.push_back(std::move(part));
    pos = end + 2;
  }
  return parts;
}

std::string build_multipart(const std::vector<OutPart>& parts, const std::string& boundary) {
  std::string out;
  for (const auto& p : parts) {
    out += "--" + boundary + "\r\n";
    for (const auto& [k, v] : p.headers) out += k + ": " + v + "\r\n";
    out += "\r\n";
    out += p.body;
    out += "\r\n";
  }
  out += "--" + boundary + "--\r\n";
  return out;
}

std::string http_date(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

}  // namespace trailpack::server
