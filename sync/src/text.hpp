// Checks for text that reaches storage. PostgreSQL text columns accept only valid UTF-8
// without NUL bytes (SQLite stores any bytes), so untrusted bytes are checked where they
// enter: request targets, Basic credentials, CSV cells, JSON strings cut to a length.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "trailpack/encoding.hpp"

namespace trailpack::server {

/// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points past
/// U+10FFFF) and contains no NUL byte.
inline bool is_storable_text(std::string_view s) {
  return s.find('\0') == std::string_view::npos && utf8_invalid_at(s) == std::string_view::npos;
}

/// The longest prefix of `s` of at most `max_bytes` bytes that does not end inside a
/// UTF-8 sequence (a plain substr could cut a character in half).
inline std::string utf8_prefix(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return std::string(s.substr(0, end));
}

}  // namespace trailpack::server
