// Base64 (RFC 4648, standard and URL-safe alphabets). Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace trailpack {

std::string base64_encode(std::string_view data, bool url_safe = false);
/// Decodes either alphabet, with or without padding (padding, when present, must be
/// complete); nothing on malformed input.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace trailpack
