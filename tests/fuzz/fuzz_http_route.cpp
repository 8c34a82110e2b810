// Fuzzes the server's request-target handling: percent-decoding, query parsing and the
// router's matching, with the route patterns the server registers. Invariants: decoding
// an encoded string gives it back; a matched route's parameters are path segments of the
// request; the router always answers with a status and, for errors, the one error shape.
#include <nlohmann/json.hpp>

#include "fuzz_common.hpp"
#include "http/message.hpp"
#include "http/router.hpp"

using namespace trailpack;
using namespace trailpack::server;

namespace {

const char* const kRoutes[][2] = {
    {"GET", "/livez"},
    {"GET", "/readyz"},
    {"GET", "/metrics"},
    {"POST", "/api/v1/auth/login"},
    {"POST", "/api/v1/auth/enroll"},
    {"POST", "/api/v1/auth/refresh"},
    {"POST", "/api/v1/auth/logout"},
    {"GET", "/api/v1/me"},
    {"GET", "/xapi/about"},
    {"PUT", "/xapi/statements"},
    {"POST", "/xapi/statements"},
    {"GET", "/xapi/statements"},
    {"GET", "/api/v1/sync/hello"},
    {"POST", "/api/v1/sync/push"},
    {"POST", "/api/v1/sync/pull"},
    {"POST", "/api/v1/bundles"},
    {"GET", "/api/v1/keys"},
    {"GET", "/api/v1/courses"},
    {"GET", "/api/v1/courses/{id}/versions"},
    {"GET", "/api/v1/files/{sha256}"},
    {"GET", "/api/v1/admin/learners"},
    {"GET", "/api/v1/admin/learners/{id}/statements"},
    {"POST", "/api/v1/admin/users/{id}/enrollment-codes"},
    {"POST", "/api/v1/admin/users/import"},
    {"GET", "/*"},
};

const Router& router() {
  static Router r = [] {
    Router out;
    for (const auto& route : kRoutes) {
      const std::string pattern = route[1];
      out.add(route[0], pattern, [pattern](Request& req) {
        // Every parameter is one non-empty segment of the path (or the rest, for "*").
        for (const auto& [k, v] : req.params) {
          if (k == "*") continue;
          fuzz::check(!v.empty() && v.find('/') == std::string::npos, "a parameter is one segment");
        }
        if (pattern == "/api/v1/files/{sha256}") throw HttpError{400, "invalid_hash", "bad", "sha256", {}};
        return Response::json(200, {{"pattern", pattern}});
      });
    }
    return out;
  }();
  return r;
}

std::string encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out.push_back(static_cast<char>(c));
    else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const char* const methods[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"};
  const std::string target = fuzz::as_string(data + 1, size - 1);
  auto round = url_decode(encode(target), data[0] & 1);
  fuzz::check(round && *round == target, "decode(encode(x)) == x");
  const auto q = target.find('?');
  auto path = url_decode(std::string_view(target).substr(0, q), false);
  auto query = parse_query(q == std::string::npos ? std::string_view() : std::string_view(target).substr(q + 1));
  if (!path || !query) return 0;
  Request req;
  req.method = methods[data[0] % 6];
  req.target = target;
  req.path = *path;
  req.query = *query;
  (void)req.query_param("limit");
  (void)router().body_limit(req.method, req.path);
  Response res = router().handle(req);
  fuzz::check(res.status >= 200 && res.status < 600, "a status");
  if (res.status >= 400) {
    auto j = nlohmann::json::parse(res.body, nullptr, false);
    fuzz::check(j.is_object() && j.contains("error") && j["error"].contains("code") && j["error"].contains("message"),
                "errors have the one shape");
  }
  return 0;
}
