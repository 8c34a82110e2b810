// A small blocking HTTP/1.1 client (http:// only) for the CLI (publish, report, import),
// the reminder webhooks of the server and the tests. Every call has a deadline that
// covers resolving, connecting, sending and receiving, so a peer that accepts and never
// answers cannot hold the caller.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>

namespace trailpack::server {

struct ClientResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  ///< lower-cased names
  std::string body;
};

struct ClientOptions {
  std::chrono::milliseconds timeout{60000};      ///< for the whole exchange
  std::size_t max_response_bytes = 256ull << 20;  ///< a longer body fails the request
  std::string user_agent = "trailpack";
};

/// Sends one request to an http:// URL. Throws std::runtime_error on network failure,
/// timeout, or a response body over the limit.
ClientResponse http_request(const std::string& method, const std::string& url, const std::string& body,
                            const std::map<std::string, std::string>& headers, const ClientOptions& options);

/// The same with a timeout in seconds and the default limits.
ClientResponse http_request(const std::string& method, const std::string& url, const std::string& body = {},
                            const std::map<std::string, std::string>& headers = {}, int timeout_s = 60);

}  // namespace trailpack::server
