// Routing: method + path pattern -> handler. Patterns are literal segments, `{name}`
// parameters and a final `*` that matches the rest. Each route declares its body limit
// so that the server knows it before reading the body.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "http/message.hpp"

namespace trailpack::server {

using Handler = std::function<Response(Request&)>;

struct RouteOptions {
  std::size_t body_limit = 1 << 20;  ///< bytes after gzip decoding
};

class Router {
 public:
  void add(const std::string& method, const std::string& pattern, Handler handler, RouteOptions options = {});

  /// Body limit for a request line, before the body is read (default when no route).
  std::size_t body_limit(const std::string& method, const std::string& path) const;
  /// The largest body any route accepts: the bound while headers are read, before the
  /// route (and so its own limit) is known.
  std::size_t max_body_limit() const;

  /// Runs the matching handler; 404/405 when none; converts HttpError and any other
  /// exception into the error shape (500 without internals).
  Response handle(Request& request) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
    RouteOptions options;
  };
  const Route* match(const std::string& method, const std::string& path, Request* fill, bool* path_matched) const;
  std::vector<Route> routes_;
};

std::vector<std::string> split_path(const std::string& path);

}  // namespace trailpack::server
