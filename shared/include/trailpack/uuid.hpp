// UUIDs for statement ids and registrations. The core has no I/O, so randomness is
// passed in: callers supply 16 random bytes from their platform's CSPRNG.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace trailpack {

/// Formats 16 random bytes as a version-4, variant-1 UUID in lower case.
std::string uuid_v4_from_bytes(const std::array<std::uint8_t, 16>& random_bytes);

/// True for the canonical 8-4-4-4-12 hexadecimal form (any version, either case).
bool is_uuid(std::string_view text);

/// Lower-cases a UUID (statement ids compare case-insensitively in xAPI).
std::string normalize_uuid(std::string_view text);

}  // namespace trailpack
