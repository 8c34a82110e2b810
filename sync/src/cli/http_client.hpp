// A small blocking HTTP/1.1 client for the CLI (publish, report) and tests.
#pragma once

#include <map>
#include <string>

namespace trailpack::server {

struct ClientResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  ///< lower-cased names
  std::string body;
};

/// Sends one request to an http:// URL. Throws std::runtime_error on network failure.
ClientResponse http_request(const std::string& method, const std::string& url, const std::string& body = {},
                            const std::map<std::string, std::string>& headers = {}, int timeout_s = 60);

}  // namespace trailpack::server
