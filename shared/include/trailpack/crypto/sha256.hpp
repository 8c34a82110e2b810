// SHA-256 (FIPS 180-4), pure computation so the same content-addressing code runs in
// the wasm player, the server and the CLI. Signatures use platform crypto (libsodium,
// WebCrypto); hashing does not need to.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace trailpack::crypto {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  std::array<std::uint8_t, 32> finish();

 private:
  void block(const std::uint8_t* p);
  std::array<std::uint32_t, 8> h_;
  std::array<std::uint8_t, 64> buf_{};
  std::size_t buf_len_ = 0;
  std::uint64_t total_ = 0;
};

/// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

std::string to_hex(const std::uint8_t* data, std::size_t size);

}  // namespace trailpack::crypto
