#include "crypto.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sodium.h>

#include <memory>

#include <stdexcept>

#include "trailpack/crypto/sha256.hpp"
#include "trailpack/encoding.hpp"
#include "trailpack/uuid.hpp"

namespace trailpack::server::crypto {

void init() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

std::string random_token(std::size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  return base64_encode(raw, true);
}

std::string random_uuid() {
  std::array<std::uint8_t, 16> b{};
  randombytes_buf(b.data(), b.size());
  return uuid_v4_from_bytes(b);
}

std::string random_code(std::size_t length) {
  static constexpr char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";  // no 0/O, 1/I
  std::string out;
  for (std::size_t i = 0; i < length; ++i) out.push_back(alphabet[randombytes_uniform(sizeof alphabet - 1)]);
  return out;
}

std::string token_hash(std::string_view token) { return trailpack::crypto::sha256_hex(token); }

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(message.data()), message.size());
  crypto_auth_hmacsha256_final(&st, mac);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : mac) {
    out.push_back(hex[b >> 4]);
    out.push_back(hex[b & 15]);
  }
  return out;
}

std::string hash_password(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    throw std::runtime_error("out of memory while hashing a password");
  return out;
}

bool verify_password(const std::string& hash, std::string_view password) {
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

bool equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

KeyPair ed25519_keypair() {
  KeyPair k;
  k.public_key.resize(crypto_sign_PUBLICKEYBYTES);
  k.secret_key.resize(crypto_sign_SECRETKEYBYTES);
  crypto_sign_keypair(reinterpret_cast<unsigned char*>(k.public_key.data()),
                      reinterpret_cast<unsigned char*>(k.secret_key.data()));
  return k;
}

std::string ed25519_sign(std::string_view message, const std::string& secret_key) {
  if (secret_key.size() != crypto_sign_SECRETKEYBYTES) throw std::runtime_error("not an Ed25519 secret key");
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       reinterpret_cast<const unsigned char*>(secret_key.data()));
  return sig;
}

bool ed25519_verify(std::string_view message, std::string_view signature, const std::string& public_key) {
  if (signature.size() != crypto_sign_BYTES || public_key.size() != crypto_sign_PUBLICKEYBYTES) return false;
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                                     reinterpret_cast<const unsigned char*>(public_key.data())) == 0;
}

namespace {

std::string digest_hex(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) throw std::runtime_error("digest failed");
  return trailpack::crypto::to_hex(out, len);
}

const EVP_MD* sha2_for_bits(int bits) {
  switch (bits) {
    case 256: return EVP_sha256();
    case 384: return EVP_sha384();
    case 512: return EVP_sha512();
    default: return nullptr;
  }
}

}  // namespace

std::string sha1_hex(std::string_view data) { return digest_hex(EVP_sha1(), data); }

std::optional<std::string> sha2_hex(std::string_view data, std::size_t hex_length) {
  const EVP_MD* md = sha2_for_bits(static_cast<int>(hex_length * 4));
  if (!md) return std::nullopt;
  return digest_hex(md, data);
}

bool rsa_verify_with_certificate(std::string_view message, std::string_view signature, std::string_view der_certificate,
                                 int sha_bits, std::string* error) {
  auto fail = [&](const char* why) {
    if (error) *error = why;
    return false;
  };
  const EVP_MD* md = sha2_for_bits(sha_bits);
  if (!md) return fail("unsupported hash");
  const auto* der = reinterpret_cast<const unsigned char*>(der_certificate.data());
  std::unique_ptr<X509, decltype(&X509_free)> cert(d2i_X509(nullptr, &der, static_cast<long>(der_certificate.size())), X509_free);
  if (!cert) return fail("the x5c certificate is not a DER X.509 certificate");
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(X509_get_pubkey(cert.get()), EVP_PKEY_free);
  if (!key || EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA) return fail("the x5c certificate does not hold an RSA key");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key.get()) != 1) return fail("the key cannot verify");
  const int ok = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                                  reinterpret_cast<const unsigned char*>(message.data()), message.size());
  if (ok != 1) return fail("the signature does not verify with the x5c certificate");
  return true;
}

}  // namespace trailpack::server::crypto
