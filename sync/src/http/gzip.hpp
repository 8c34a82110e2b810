// gzip for HTTP bodies (zlib). Inflation is capped so a small compressed body cannot
// expand into an unbounded one (decompression bombs).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace trailpack::server {

enum class InflateStatus { ok, too_large, malformed };

/// Inflates a gzip (or zlib) stream into `out`, failing past `max_output` bytes.
InflateStatus gzip_inflate(std::string_view in, std::size_t max_output, std::string& out);

/// Compresses with gzip framing at a fast level.
std::string gzip_deflate(std::string_view in, int level = 5);

}  // namespace trailpack::server
