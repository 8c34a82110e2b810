// The HTTP/1.1 server on Boost.Beast: async reads with deadlines, limits enforced
// before and during reading, and handlers run on the I/O threads.
//
// Limits: header bytes, body bytes per route (chunked bodies included, and again after
// gzip inflation), a budget for all the request bodies being received at once (so many
// connections cannot add up to unbounded memory), a credentials check before a body is
// read (RouteOptions::before_body), a header deadline and a whole-request deadline (slow
// clients), a connection cap (excess connections are closed at accept), and idle
// keep-alive timeouts. Graceful stop: stop accepting, let in-flight handlers finish (a push batch
// is committed inside its handler, so it completes), then close everything.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "http/router.hpp"

namespace trailpack::server {

struct ServerLimits {
  std::size_t header_limit = 16 * 1024;
  /// Bytes of request bodies being received at once, over every connection (a declared
  /// Content-Length is counted when the headers arrive, a chunked body chunk by chunk).
  /// Past it: 503 overloaded. A single body larger than the budget (a bundle upload) is
  /// let in only while no other body is being received.
  std::size_t body_budget = 64 * 1024 * 1024;
  /// The first bytes of every body are outside the budget, so that ordinary small requests
  /// are served even while large bodies fill it (they are bounded by the connection cap).
  std::size_t small_body = 64 * 1024;
  std::size_t max_connections = 512;
  std::chrono::seconds header_timeout{10};
  std::chrono::seconds request_timeout{30};
  std::chrono::seconds idle_timeout{60};
};

/// Observes every completed request (metrics, access logs).
using RequestObserver = std::function<void(const Request&, const Response&, double seconds)>;

class HttpServer {
 public:
  HttpServer(const Router& router, ServerLimits limits, RequestObserver observer = {});
  ~HttpServer();

  /// Binds to address:port (port 0 picks a free port). Returns the bound port.
  unsigned short listen(const std::string& address, unsigned short port);
  /// Runs the I/O loop on `threads` threads until stop(); blocks.
  void run(int threads);
  /// Thread-safe, callable from a signal watcher: graceful stop.
  void stop();

  std::size_t active_connections() const;

  struct Impl;  // public so the connection type in server.cpp can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace trailpack::server
