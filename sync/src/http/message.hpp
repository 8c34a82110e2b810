// Plain request/response values that handlers see. Handlers never touch Beast types,
// so they can be unit-tested and the transport can change without touching them.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace trailpack::server {

struct Request {
  std::string method;                          ///< "GET", "POST", ...
  std::string target;                          ///< raw target, path + query
  std::string path;                            ///< percent-decoded path
  std::multimap<std::string, std::string> query;  ///< decoded query parameters
  std::map<std::string, std::string> headers;  ///< lower-cased names
  std::string body;                            ///< decoded (gzip already inflated)
  std::string remote;                          ///< peer address
  std::map<std::string, std::string> params;   ///< route parameters ("{id}")

  std::optional<std::string> header(const std::string& lower_name) const;
  std::optional<std::string> query_param(const std::string& name) const;
  const std::string& param(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool head_only = false;  ///< HEAD: send headers and Content-Length, no body

  Response& header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }

  static Response json(int status, const nlohmann::json& body);
  /// The one error shape of every endpoint: {"error": {"code", "message", "where"?}}.
  static Response error(int status, const std::string& code, const std::string& message,
                        const std::string& where = {});
  static Response text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
  static Response no_content();
};

/// Thrown by handlers to answer with an error; converted once by the router.
struct HttpError {
  int status;
  std::string code;
  std::string message;
  std::string where;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// Percent-decodes a URL component ('+' as space when `plus_as_space`). Nothing on
/// malformed escapes.
std::optional<std::string> url_decode(std::string_view in, bool plus_as_space);

/// Splits "a=1&b=2" into decoded pairs.
std::optional<std::multimap<std::string, std::string>> parse_query(std::string_view query);

}  // namespace trailpack::server
