#include "http/message.hpp"

namespace trailpack::server {

std::optional<std::string> Request::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Request::query_param(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

const std::string& Request::param(const std::string& name) const {
  static const std::string empty;
  auto it = params.find(name);
  return it == params.end() ? empty : it->second;
}

Response Response::json(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response Response::error(int status, const std::string& code, const std::string& message, const std::string& where) {
  nlohmann::json e = {{"code", code}, {"message", message}};
  if (!where.empty()) e["where"] = where;
  return json(status, {{"error", e}});
}

Response Response::text(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

Response Response::no_content() {
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

std::optional<std::string> url_decode(std::string_view in, bool plus_as_space) {
  std::string out;
  out.reserve(in.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      const int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<std::multimap<std::string, std::string>> parse_query(std::string_view q) {
  std::multimap<std::string, std::string> out;
  std::size_t start = 0;
  while (start < q.size()) {
    auto end = q.find('&', start);
    if (end == std::string_view::npos) end = q.size();
    const auto part = q.substr(start, end - start);
    if (!part.empty()) {
      const auto eq = part.find('=');
      auto k = url_decode(part.substr(0, eq), true);
      auto v = url_decode(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1), true);
      if (!k || !v) return std::nullopt;
      out.emplace(std::move(*k), std::move(*v));
    }
    start = end + 1;
  }
  return out;
}

}  // namespace trailpack::server
