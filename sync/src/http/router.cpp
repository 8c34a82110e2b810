#include "http/router.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>

#include "log.hpp"

namespace trailpack::server {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < path.size()) {
    auto end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

void Router::add(const std::string& method, const std::string& pattern, Handler handler, RouteOptions options) {
  routes_.push_back({method, split_path(pattern), std::move(handler), std::move(options)});
  patterns_.push_back(pattern);
}

std::vector<RouteInfo> Router::routes() const {
  std::vector<RouteInfo> out;
  for (std::size_t i = 0; i < routes_.size(); ++i)
    out.push_back({routes_[i].method, patterns_[i], routes_[i].options.body_limit, bool(routes_[i].options.before_body)});
  return out;
}

const Router::Route* Router::match(const std::string& method, const std::string& path, Request* fill,
                                   bool* path_matched) const {
  const auto segs = split_path(path);
  for (const auto& r : routes_) {
    std::map<std::string, std::string> params;
    bool ok = true;
    std::size_t i = 0;
    for (; i < r.segments.size(); ++i) {
      const std::string& p = r.segments[i];
      if (p == "*") {
        std::string rest;
        for (std::size_t k = i; k < segs.size(); ++k) rest += (k > i ? "/" : "") + segs[k];
        params["*"] = rest;
        i = segs.size();
        break;
      }
      if (i >= segs.size()) {
        ok = false;
        break;
      }
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') params[p.substr(1, p.size() - 2)] = segs[i];
      else if (p != segs[i]) {
        ok = false;
        break;
      }
    }
    const bool wildcard = !r.segments.empty() && r.segments.back() == "*";
    if (!ok || (!wildcard && i != segs.size()) || (!wildcard && segs.size() != r.segments.size())) continue;
    if (path_matched) *path_matched = true;
    const bool method_ok = r.method == method || (r.method == "GET" && method == "HEAD");
    if (!method_ok) continue;
    if (fill) fill->params = std::move(params);
    return &r;
  }
  return nullptr;
}

std::size_t Router::body_limit(const std::string& method, const std::string& path) const {
  const Route* r = match(method, path, nullptr, nullptr);
  return r ? r->options.body_limit : RouteOptions{}.body_limit;
}

std::size_t Router::max_body_limit() const {
  std::size_t m = RouteOptions{}.body_limit;
  for (const auto& r : routes_) m = std::max(m, r.options.body_limit);
  return m;
}

namespace {

// Runs `fn`, turning what it throws into the one error shape (500 without internals).
template <typename F>
Response guarded(const std::string& path, F&& fn) {
  try {
    return fn();
  } catch (const HttpError& e) {
    Response res = Response::error(e.status, e.code, e.message, e.where);
    for (const auto& h : e.headers) res.header(h.first, h.second);
    return res;
  } catch (const std::bad_alloc&) {
    log_event("error", "out_of_memory", {{"path", path}});
    return Response::error(503, "overloaded", "the server is short of memory; try again");
  } catch (const std::exception& e) {
    log_event("error", "handler_failed", {{"path", path}, {"what", e.what()}});
    return Response::error(500, "internal", "the server failed to handle this request");
  }
}

}  // namespace

std::optional<Response> Router::check_before_body(const Request& head) const {
  const Route* r = match(head.method, head.path, nullptr, nullptr);
  if (!r || !r->options.before_body) return std::nullopt;
  bool refused = true;
  Response res = guarded(head.path, [&] {
    r->options.before_body(head);
    refused = false;
    return Response{};
  });
  if (!refused) return std::nullopt;
  return res;
}

Response Router::handle(Request& req) const {
  bool path_matched = false;
  const Route* r = match(req.method, req.path, &req, &path_matched);
  if (!r) {
    if (path_matched) return Response::error(405, "method_not_allowed", req.method + " is not allowed on " + req.path);
    return Response::error(404, "not_found", "no such endpoint: " + req.path);
  }
  // A HEAD answer, errors included, has headers and Content-Length but no body.
  Response res = guarded(req.path, [&] { return r->handler(req); });
  if (req.method == "HEAD") res.head_only = true;
  return res;
}

}  // namespace trailpack::server
