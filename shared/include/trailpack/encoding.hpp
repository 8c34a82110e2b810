// Base64 (RFC 4648, standard and URL-safe alphabets), a UTF-8 check, and the ASCII case
// and blank handling of protocol tokens (HTTP headers, media types, IRIs' schemes). Pure
// functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace trailpack {

std::string base64_encode(std::string_view data, bool url_safe = false);
/// Decodes either alphabet, with or without padding (padding, when present, must be
/// complete); nothing on malformed input.
std::optional<std::string> base64_decode(std::string_view text);

/// Offset of the first byte that is not part of well-formed UTF-8 (overlongs, surrogates
/// and code points past U+10FFFF are not), or std::string_view::npos when all of `text`
/// is. JSON can only carry UTF-8, so text that becomes JSON is checked where it enters.
std::size_t utf8_invalid_at(std::string_view text);

/// `text` with A-Z lowered (other bytes, UTF-8 included, unchanged): for protocol tokens
/// that compare case-insensitively (header names, media types, schemes, hashes).
std::string ascii_lower(std::string_view text);

/// `text` without leading and trailing spaces and tabs (HTTP's optional whitespace).
std::string_view trim_blanks(std::string_view text);

}  // namespace trailpack
