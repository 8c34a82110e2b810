// Secrets and signatures through libsodium: random tokens, token hashing, Argon2id
// password hashes, Ed25519 keys and signatures. For the xAPI LRS, through OpenSSL's
// libcrypto: SHA-1 (document ETags), SHA-2 (attachment hashes) and the RSA signatures
// of signed statements (JWS RS256/384/512 with an X.509 certificate).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace trailpack::server::crypto {

/// Initialises libsodium; call once at start-up (idempotent).
void init();

/// `bytes` random bytes as unpadded base64url (tokens, enrollment codes, ids).
std::string random_token(std::size_t bytes = 32);
/// A random UUID v4 (statement ids assigned by the LRS).
std::string random_uuid();
/// A short human-friendly code of `length` characters from an unambiguous alphabet.
std::string random_code(std::size_t length);

/// SHA-256 hex of a token: what the database stores instead of the token.
std::string token_hash(std::string_view token);

/// HMAC-SHA256 of `message` under `key`, in lower-case hex (webhook signatures).
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

/// Argon2id (libsodium's interactive limits). The string embeds salt and parameters.
std::string hash_password(std::string_view password);
bool verify_password(const std::string& hash, std::string_view password);

/// Constant-time comparison.
bool equal(std::string_view a, std::string_view b);

struct KeyPair {
  std::string public_key;  ///< 32 raw bytes
  std::string secret_key;  ///< 64 raw bytes
};
KeyPair ed25519_keypair();
std::string ed25519_sign(std::string_view message, const std::string& secret_key);
bool ed25519_verify(std::string_view message, std::string_view signature, const std::string& public_key);

/// Lower-case hex SHA-1 of `data` (xAPI document ETags, part three 3.1).
std::string sha1_hex(std::string_view data);

/// Lower-case hex SHA-2 of `data` in the variant whose hex length is `hex_length`: 64
/// (SHA-256), 96 (SHA-384) or 128 (SHA-512). Nothing for any other length.
std::optional<std::string> sha2_hex(std::string_view data, std::size_t hex_length);

/// Verifies an RSASSA-PKCS1-v1_5 signature (JWS RS256, RS384, RS512: `sha_bits` 256, 384
/// or 512) of `message` with the public key of a DER X.509 certificate. On failure,
/// false and why in `*error`.
bool rsa_verify_with_certificate(std::string_view message, std::string_view signature, std::string_view der_certificate,
                                 int sha_bits, std::string* error);

}  // namespace trailpack::server::crypto
