// SHA-256 against the FIPS 180-4 / NIST example vectors (in one piece and in odd-sized
// chunks), and base64 against RFC 4648 section 10.
#include <catch2/catch.hpp>

#include "trailpack/crypto/sha256.hpp"
#include "trailpack/encoding.hpp"

using namespace trailpack;
using crypto::sha256_hex;

namespace {

std::string pattern(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<char>((i * 7 + 3) % 256));
  return s;
}

std::string chunked_hex(const std::string& data, const std::vector<std::size_t>& sizes) {
  crypto::Sha256 h;
  std::size_t off = 0, k = 0;
  while (off < data.size()) {
    const std::size_t n = std::min(sizes[k++ % sizes.size()], data.size() - off);
    h.update(data.data() + off, n);
    off += n;
  }
  const auto d = h.finish();
  return crypto::to_hex(d.data(), d.size());
}

}  // namespace

TEST_CASE("SHA-256 NIST example vectors", "[crypto][sha256]") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsm"
                   "nopqrstnopqrstu") == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");

  SECTION("one million 'a', in one piece and in odd-sized chunks") {
    const std::string million(1000000, 'a');
    const std::string want = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    CHECK(sha256_hex(million) == want);
    CHECK(chunked_hex(million, {1}) == want);
    CHECK(chunked_hex(million, {3, 7, 61, 64, 65, 127, 1000, 1}) == want);
    CHECK(chunked_hex(million, {63}) == want);
    CHECK(chunked_hex(million, {4095}) == want);
  }
  SECTION("lengths around the padding boundary (55/56 and 64 bytes)") {
    const std::vector<std::pair<std::size_t, const char*>> vectors = {
        {55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b"},
        {56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27"},
        {57, "35df609437dcfea3279283ab79fd554e2bf78f8f7ae2de532d8ee300b09e8f73"},
        {63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055"},
        {64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241"},
        {65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e"},
        {119, "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e"},
        {120, "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5"},
        {127, "a8d23e75d936f303d248888d9b165ee543f4cbafcad3c9dd2a79bd84faa11d07"},
        {128, "d2742f1f4ac6bb7ca2b239ee18402ba8b3f9f8e652d2a72973c2b9ba11c08cf6"}};
    for (const auto& [n, want] : vectors) {
      INFO("length " << n);
      CHECK(sha256_hex(pattern(n)) == want);
      CHECK(chunked_hex(pattern(n), {1, 2, 5}) == want);
      CHECK(chunked_hex(pattern(n), {60}) == want);
    }
  }
  SECTION("every split point of a 130-byte message gives the same digest") {
    const std::string data = pattern(130);
    const std::string want = sha256_hex(data);
    for (std::size_t cut = 0; cut <= data.size(); ++cut) {
      crypto::Sha256 h;
      h.update(data.substr(0, cut));
      h.update(data.substr(cut));
      const auto d = h.finish();
      INFO("cut " << cut);
      CHECK(crypto::to_hex(d.data(), d.size()) == want);
    }
  }
  SECTION("binary data with NUL bytes is hashed whole") {
    CHECK(sha256_hex(std::string("\0", 1)) == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
    CHECK(sha256_hex(std::string("a\0b", 3)) != sha256_hex("a"));
  }
}

TEST_CASE("to_hex is lower-case, two digits per byte", "[crypto]") {
  const std::uint8_t bytes[] = {0x00, 0x0f, 0xa0, 0xff};
  CHECK(crypto::to_hex(bytes, 4) == "000fa0ff");
  CHECK(crypto::to_hex(bytes, 0) == "");
}

TEST_CASE("base64 RFC 4648 test vectors", "[encoding][base64]") {
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, coded] : vectors) {
    INFO(plain);
    CHECK(base64_encode(plain) == coded);
    CHECK(base64_decode(coded) == plain);
    // URL-safe output has no padding; the decoder takes it with or without.
    std::string unpadded = coded;
    while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
    CHECK(base64_encode(plain, true) == unpadded);
    CHECK(base64_decode(unpadded) == plain);
  }
  SECTION("the two alphabets differ in 62 and 63") {
    const std::string bytes("\xfb\xff\xbf", 3);
    CHECK(base64_encode(bytes) == "+/+/");
    CHECK(base64_encode(bytes, true) == "-_-_");
    CHECK(base64_decode("+/+/") == bytes);
    CHECK(base64_decode("-_-_") == bytes);
    CHECK(base64_encode(std::string("\xfb\xff", 2)) == "+/8=");
    CHECK(base64_encode(std::string("\xfb\xff", 2), true) == "-_8");
  }
  SECTION("every byte value round-trips in both alphabets") {
    std::string all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
    for (std::size_t len : {std::size_t{254}, std::size_t{255}, std::size_t{256}}) {
      const std::string data = all.substr(0, len);
      CHECK(base64_decode(base64_encode(data)) == data);
      CHECK(base64_decode(base64_encode(data, true)) == data);
      CHECK(base64_encode(data).size() == (len + 2) / 3 * 4);
    }
  }
  SECTION("invalid input decodes to nothing") {
    for (const char* bad : {"Z", "Zm9vY", "Zm9v!", "Zm 9v", "Zm9v\n", "Zg==Zg==", "Z===", "====", "Zg===",
                            "Zg=", "Zm9v=", "Zm9vYg=", "=Zg", "Zm8==", "\xc3\xa9" "AA"}) {
      INFO(bad);
      CHECK_FALSE(base64_decode(bad).has_value());
    }
  }
}

TEST_CASE("protocol tokens: ASCII lower case and blanks trimmed, other bytes untouched", "[encoding]") {
  CHECK(ascii_lower("Content-Type: TEXT/Plain; X=1") == "content-type: text/plain; x=1");
  CHECK(ascii_lower("\xc3\x89t\xc3\xa9 A") == "\xc3\x89t\xc3\xa9 a");  // É stays: only A-Z change
  CHECK(ascii_lower("") == "");
  CHECK(trim_blanks(" \t multipart/mixed \t") == "multipart/mixed");
  CHECK(trim_blanks("\n a \n") == "\n a \n");  // only spaces and tabs
  CHECK(trim_blanks("   ").empty());
}
