// Routing: method + path pattern -> handler. Patterns are literal segments, `{name}`
// parameters and a final `*` that matches the rest. Each route declares its body limit
// so that the server knows it before reading the body.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "http/message.hpp"

namespace trailpack::server {

using Handler = std::function<Response(Request&)>;

struct RouteOptions {
  std::size_t body_limit = 1 << 20;  ///< bytes after gzip decoding
  /// Runs on the request's method, path, query and headers as soon as they are read,
  /// before the body is: a route that needs credentials checks them here (throwing
  /// HttpError), so nobody without them can make the server receive and hold a body.
  std::function<void(const Request&)> before_body;
};

/// A registered route, as listed by Router::routes() (for tests and documentation).
struct RouteInfo {
  std::string method;
  std::string pattern;
  std::size_t body_limit;
  bool checks_before_body;
};

class Router {
 public:
  void add(const std::string& method, const std::string& pattern, Handler handler, RouteOptions options = {});

  /// Body limit for a request line, before the body is read (default when no route).
  std::size_t body_limit(const std::string& method, const std::string& path) const;
  /// The largest body any route accepts: the bound while headers are read, before the
  /// route (and so its own limit) is known.
  std::size_t max_body_limit() const;
  /// Runs the matching route's before_body check on a request whose body is not read
  /// yet; the error response when it refuses, nothing when it lets the request go on.
  std::optional<Response> check_before_body(const Request& head) const;
  /// Every route, in registration order.
  std::vector<RouteInfo> routes() const;

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
  std::vector<std::string> patterns_;  ///< as registered, for routes()
};

std::vector<std::string> split_path(const std::string& path);

}  // namespace trailpack::server
