#include "qr.hpp"

#include <qrencode.h>

#include <memory>

namespace trailpack::server::qr {

std::optional<std::string> svg(const std::string& text) {
  std::unique_ptr<QRcode, void (*)(QRcode*)> code(QRcode_encodeString8bit(text.c_str(), 0, QR_ECLEVEL_M), QRcode_free);
  if (!code) return std::nullopt;
  const int n = code->width;
  const int quiet = 4;
  const int size = n + 2 * quiet;
  std::string path;
  path.reserve(static_cast<std::size_t>(n) * n);
  // Dark modules as horizontal runs: one "M x y h w v1 h -w z" per run keeps the SVG small.
  for (int y = 0; y < n; ++y) {
    int x = 0;
    while (x < n) {
      if (!(code->data[y * n + x] & 1)) {
        ++x;
        continue;
      }
      int end = x;
      while (end < n && (code->data[y * n + end] & 1)) ++end;
      path += "M" + std::to_string(x + quiet) + " " + std::to_string(y + quiet) + "h" + std::to_string(end - x) + "v1h-" +
              std::to_string(end - x) + "z";
      x = end;
    }
  }
  const std::string s = std::to_string(size);
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + s + " " + s + "\" width=\"" + std::to_string(size * 6) +
         "\" height=\"" + std::to_string(size * 6) + "\" shape-rendering=\"crispEdges\">" + "<rect width=\"" + s + "\" height=\"" +
         s + "\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + path + "\"/></svg>\n";
}

}  // namespace trailpack::server::qr
