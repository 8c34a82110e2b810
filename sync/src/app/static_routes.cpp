// Static files: the learner app at /, the console at /admin/. Paths are resolved
// inside the web root only; HTML gets a strict Content-Security-Policy so course content
// (rendered as text, never HTML) cannot run script in the app's origin.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/app.hpp"
#include "trailpack/crypto/sha256.hpp"

namespace trailpack::server {

namespace fs = std::filesystem;

namespace {

std::string mime_for(const std::string& ext) {
  static const std::map<std::string, std::string> types = {
      {".html", "text/html; charset=utf-8"}, {".js", "application/javascript; charset=utf-8"},
      {".mjs", "application/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".json", "application/json"}, {".webmanifest", "application/manifest+json"},
      {".wasm", "application/wasm"}, {".svg", "image/svg+xml"}, {".png", "image/png"},
      {".jpg", "image/jpeg"}, {".webp", "image/webp"}, {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"}, {".vtt", "text/vtt; charset=utf-8"},
      {".woff2", "font/woff2"}};
  auto it = types.find(ext);
  return it == types.end() ? "application/octet-stream" : it->second;
}

constexpr const char* kCsp =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' blob: data:; "
    "media-src 'self' blob:; connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'";

}  // namespace

void register_static_routes(Router& router, App& app) {
  if (app.config().web_root.empty()) return;
  const fs::path root = fs::weakly_canonical(app.config().web_root);
  router.add("GET", "/*", [root](Request& req) {
    std::string rel = req.param("*");
    if (rel.empty()) rel = "index.html";
    if (!rel.empty() && rel.back() == '/') rel += "index.html";
    fs::path p = fs::weakly_canonical(root / rel);
    // Stay inside the root (no "..", no symlinks out).
    const auto rs = root.string(), ps = p.string();
    if (ps.compare(0, rs.size(), rs) != 0 || (ps.size() > rs.size() && ps[rs.size()] != '/'))
      throw HttpError{404, "not_found", "no such file", {}, {}};
    std::error_code ec;
    if (fs::is_directory(p, ec)) p /= "index.html";
    if (!fs::is_regular_file(p, ec)) throw HttpError{404, "not_found", "no such file: /" + rel, {}, {}};
    std::ifstream in(p, std::ios::binary);
    std::ostringstream buf;
    buf << in.rdbuf();
    Response res;
    res.content_type = mime_for(p.extension().string());
    res.body = buf.str();
    const std::string etag = "\"" + trailpack::crypto::sha256_hex(res.body).substr(0, 32) + "\"";
    res.header("ETag", etag);
    // Revalidate the app shell every time (the service worker keeps the offline copy).
    res.header("Cache-Control", "no-cache");
    if (res.content_type.rfind("text/html", 0) == 0) res.header("Content-Security-Policy", kCsp);
    if (p.filename() == "sw.js") res.header("Service-Worker-Allowed", "/");
    if (auto inm = req.header("if-none-match"); inm && *inm == etag) {
      Response nm;
      nm.status = 304;
      nm.content_type.clear();
      nm.header("ETag", etag);
      nm.header("Cache-Control", "no-cache");
      return nm;
    }
    return res;
  });
}

}  // namespace trailpack::server
