// MIME helpers the xAPI LRS needs on top of plain HTTP: media types and their
// parameters, multipart/mixed bodies (RFC 2046) both ways, and HTTP dates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trailpack::server {

/// "type/subtype" of a Content-Type value, lower-cased, without parameters and spaces.
std::string media_type(std::string_view content_type);

/// A parameter of a Content-Type value (`boundary`, `charset`), unquoted; nothing when
/// absent. Parameter names compare case-insensitively.
std::optional<std::string> media_type_param(std::string_view content_type, std::string_view name);

/// One part of a multipart body.
struct MimePart {
  std::map<std::string, std::string> headers;  ///< lower-cased names, trimmed values
  std::string body;

  std::optional<std::string> header(const std::string& lower_name) const;
};

/// Parses a multipart body with this boundary. At most `max_parts` parts. On a
/// malformed body: nothing, and why in `*error`.
std::optional<std::vector<MimePart>> parse_multipart(std::string_view body, const std::string& boundary,
                                                     std::size_t max_parts, std::string* error);

/// Serialises parts with CRLF line ends: `--boundary CRLF headers CRLF CRLF body CRLF`
/// per part, then `--boundary--`. Header names are written as given in `ordered_headers`.
struct OutPart {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};
std::string build_multipart(const std::vector<OutPart>& parts, const std::string& boundary);

/// An IMF-fixdate (RFC 7231 7.1.1.1), as Last-Modified uses: `Sun, 06 Nov 1994 08:49:37 GMT`.
std::string http_date(std::int64_t ms);

}  // namespace trailpack::server
