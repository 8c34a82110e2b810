// Case and accent folding for short-text answers, without ICU: decodes UTF-8, maps the
// Latin-1 Supplement and Latin Extended-A letters to their base letters, lower-cases,
// and collapses white space. Other scripts pass through lower-cased where ASCII.
#include <cstdint>
#include <string>

#include "trailpack/quiz/scoring.hpp"

namespace trailpack::quiz {
namespace {

// Base letters for U+00C0..U+017F ('\0' = keep the code point as it is).
constexpr const char* kLatin1 =
    // C0-CF: À Á Â Ã Ä Å Æ Ç È É Ê Ë Ì Í Î Ï
    "aaaaaa\1ceeeeiiii"
    // D0-DF: Ð Ñ Ò Ó Ô Õ Ö × Ø Ù Ú Û Ü Ý Þ ß
    "dnooooo\0ouuuuy\0\2"
    // E0-EF
    "aaaaaa\1ceeeeiiii"
    // F0-FF
    "dnooooo\0ouuuuy\0y";
constexpr const char* kLatinExtA =
    // 0100-011F
    "aaaaaaccccccccdd"
    "ddeeeeeeeeeegggg"
    // 0120-013F
    "gggghhhhiiiiiiii"
    "ii\3\3jjkkklllllll"
    // 0140-015F
    "lllnnnnnnnnnoooo"
    "oo\4\4rrrrrrssssss"
    // 0160-017F
    "ssttttttuuuuuuuu"
    "uuuuwwyyyzzzzzzs";

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes one code point; invalid bytes become U+FFFD and advance by one.
std::uint32_t next_code_point(const std::string& s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](std::size_t k) { return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80; };
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  if ((b0 & 0xE0) == 0xC0 && cont(1)) {
    std::uint32_t cp = ((b0 & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
    i += 2;
    return cp >= 0x80 ? cp : 0xFFFD;
  }
  if ((b0 & 0xF0) == 0xE0 && cont(1) && cont(2)) {
    std::uint32_t cp = ((b0 & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
                       (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
    i += 3;
    return cp >= 0x800 ? cp : 0xFFFD;
  }
  if ((b0 & 0xF8) == 0xF0 && cont(1) && cont(2) && cont(3)) {
    std::uint32_t cp = ((b0 & 0x07u) << 18) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 12) |
                       ((static_cast<unsigned char>(s[i + 2]) & 0x3Fu) << 6) |
                       (static_cast<unsigned char>(s[i + 3]) & 0x3Fu);
    i += 4;
    return cp >= 0x10000 && cp <= 0x10FFFF ? cp : 0xFFFD;
  }
  ++i;
  return 0xFFFD;
}

bool is_space(std::uint32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v' || cp == 0xA0 ||
         cp == 0x202F || cp == 0x2009;
}

}  // namespace

std::string fold_text(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  std::size_t i = 0;
  while (i < text.size()) {
    std::uint32_t cp = next_code_point(text, i);
    if (is_space(cp)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    // Combining diacritical marks (decomposed input): drop them.
    if (cp >= 0x0300 && cp <= 0x036F) continue;
    if (cp >= 'A' && cp <= 'Z') cp += 32;
    if (cp >= 0xC0 && cp <= 0xFF) {
      const char base = kLatin1[cp - 0xC0];
      if (base == '\1') { out += "ae"; continue; }
      if (base == '\2') { out += "ss"; continue; }
      if (base != '\0') { out.push_back(base); continue; }
    } else if (cp >= 0x100 && cp <= 0x17F) {
      const char base = kLatinExtA[cp - 0x100];
      if (base == '\3') { out += "ij"; continue; }
      if (base == '\4') { out += "oe"; continue; }
      out.push_back(base);
      continue;
    }
    append_utf8(out, cp);
  }
  return out;
}

}  // namespace trailpack::quiz
