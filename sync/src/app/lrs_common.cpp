// The part of the xAPI LRS every resource shares: who is calling and what their
// credentials allow (HTTP Basic clients with the scopes of xAPI 1.0.3 part three 4.2,
// devices and console sessions), parameter checks, and the request pipeline of a
// resource: CORS, the alternate request syntax (part three 1.3), the version header,
// HEAD, and the headers every answer carries.
#include "app/lrs.hpp"

#include <algorithm>
#include <memory>

#include "http/multipart.hpp"
#include "text.hpp"
#include "trailpack/encoding.hpp"
#include "trailpack/json_reader.hpp"
#include "trailpack/uuid.hpp"
#include "trailpack/xapi/statement.hpp"

namespace trailpack::server::lrs {

using nlohmann::json;

namespace {

void require_version_header(const Request& req) {
  auto v = req.header("x-experience-api-version");
  if (!v) throw HttpError{400, "missing_version", "the X-Experience-API-Version header is required", {}, {}};
  if (v->rfind("1.0", 0) != 0 || (v->size() > 3 && (*v)[3] != '.'))
    throw HttpError{400, "unsupported_version", "X-Experience-API-Version " + *v + " is not supported (1.0.x is)", {}, {}};
}

// scheme://host[:port] of a URL, lower-cased.
std::string origin_of(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return ascii_lower(url);
  const auto path = url.find('/', scheme + 3);
  return ascii_lower(url.substr(0, path));
}

bool origin_allowed(const App& app, const std::string& origin) {
  const std::string o = ascii_lower(origin);
  if (o == origin_of(app.config().public_url)) return true;
  for (const auto& allowed : app.config().cors_origins) {
    std::string a = ascii_lower(allowed);
    while (!a.empty() && a.back() == '/') a.pop_back();
    if (a == "*" || a == o) return true;
  }
  return false;
}

using Headers = std::vector<std::pair<std::string, std::string>>;

Headers cors_headers(const App& app, const Request& req) {
  auto origin = req.header("origin");
  if (!origin || !origin_allowed(app, *origin)) return {};
  return {{"Access-Control-Allow-Origin", *origin},
          {"Vary", "Origin"},
          {"Access-Control-Expose-Headers",
           "ETag, Last-Modified, Content-Type, X-Experience-API-Version, X-Experience-API-Consistent-Through"}};
}

struct Resource {
  std::string path;
  std::map<std::string, MethodSpec> methods;
  ResourceOptions options;

  std::string allow() const {
    std::string out = "OPTIONS";
    if (methods.count("GET")) out += ", GET, HEAD";
    for (const char* m : {"PUT", "POST", "DELETE"})
      if (methods.count(m)) out += std::string(", ") + m;
    return out;
  }
};

Response preflight(const App& app, const Resource& r, const Request& req) {
  Response res = Response::no_content();
  res.header("Allow", r.allow());
  auto origin = req.header("origin");
  if (!origin) return res;
  if (!origin_allowed(app, *origin))
    throw HttpError{403, "forbidden", "the origin " + *origin + " may not call this LRS (see cors_origins in docs/operations.md)",
                    "Origin", {}};
  res.header("Access-Control-Allow-Methods", r.allow());
  res.header("Access-Control-Allow-Headers",
             "Authorization, Content-Type, X-Experience-API-Version, If-Match, If-None-Match, Accept-Language");
  res.header("Access-Control-Max-Age", "600");
  return res;
}

// Part three 1.3: POST ?method=M with a form body that carries the headers, the content
// and the query parameters of the intended request. Rewrites `req` into that request.
void alternate_syntax(Request& req) {
  const std::string method = *req.query_param("method");
  for (const auto& [k, v] : req.query)
    if (k != "method")
      throw HttpError{400, "invalid_parameter",
                      "with the alternate request syntax (method=" + method + "), parameters go in the form body, not the query: " + k,
                      k, {}};
  if (req.query.count("method") > 1) throw HttpError{400, "invalid_parameter", "method is given twice", "method", {}};
  if (method != "GET" && method != "HEAD" && method != "PUT" && method != "POST" && method != "DELETE")
    throw HttpError{400, "invalid_parameter", "method must be GET, HEAD, PUT, POST or DELETE", "method", {}};
  auto ct = req.header("content-type");
  if (!ct || media_type(*ct) != "application/x-www-form-urlencoded")
    throw HttpError{400, "invalid_request", "the alternate request syntax needs a Content-Type of application/x-www-form-urlencoded",
                    "Content-Type", {}};
  auto form = parse_query(req.body);
  if (!form) throw HttpError{400, "invalid_request", "the form body has a malformed % escape", "content", {}};
  Request out;
  // An alternate-syntax HEAD travels as a POST, whose answer must carry its body: it is
  // answered as the GET it stands for.
  out.method = method == "HEAD" ? "GET" : method;
  out.target = req.target;
  out.path = req.path;
  out.remote = req.remote;
  out.params = req.params;
  out.headers = req.headers;
  out.headers.erase("content-type");
  out.headers.erase("content-length");
  static const char* kHeaderParams[] = {"authorization", "x-experience-api-version", "content-type", "content-length",
                                        "if-match", "if-none-match"};
  bool has_content = false;
  for (auto& [k, v] : *form) {
    // "The LRS MUST interpret this content as a UTF-8 string"; the rest reaches storage too.
    if (!is_storable_text(k) || !is_storable_text(v))
      throw HttpError{400, "invalid_request", "form parameter " + (is_storable_text(k) ? k : std::string("?")) +
                                                  " is not UTF-8 text without NUL characters", k, {}};
    const std::string lk = ascii_lower(k);
    if (std::find(std::begin(kHeaderParams), std::end(kHeaderParams), lk) != std::end(kHeaderParams)) {
      out.headers[lk] = v;
    } else if (k == "content") {
      out.body = v;
      has_content = true;
    } else if (k == "method") {
      throw HttpError{400, "invalid_parameter", "method belongs in the query string, once", "method", {}};
    } else {
      out.query.emplace(k, v);
    }
  }
  out.headers.erase("content-length");  // it described the content before URL encoding
  if (has_content && !out.headers.count("content-type")) out.headers["content-type"] = "application/json";
  req = std::move(out);
}

Response run(App& app, const Resource& r, Request& req) {
  Headers extra = {{"X-Experience-API-Version", xapi::kVersion}};
  for (auto& h : cors_headers(app, req)) extra.push_back(std::move(h));
  // Statements stored before this instant are committed (writes commit before answering).
  if (r.options.statements) extra.emplace_back("X-Experience-API-Consistent-Through", format_timestamp(app.now_ms()));
  try {
    Response res;
    if (req.method == "OPTIONS") {
      res = preflight(app, r, req);
    } else {
      const bool head = req.method == "HEAD";
      if (req.method == "POST" && req.query.count("method")) alternate_syntax(req);
      if (r.options.version_required) require_version_header(req);
      auto it = r.methods.find(req.method == "HEAD" ? "GET" : req.method);
      if (it == r.methods.end())
        throw HttpError{405, "method_not_allowed", req.method + " is not allowed on " + r.path + " (" + r.allow() + ")", {}, {}};
      res = it->second.handler(req);
      res.head_only = head;
    }
    for (auto& h : extra) res.header(h.first, h.second);
    return res;
  } catch (HttpError& e) {
    for (auto& h : extra) e.headers.push_back(h);
    throw;
  }
}

}  // namespace

const std::initializer_list<const char*>& known_scopes() {
  static const std::initializer_list<const char*> list = {
      "statements/write", "statements/read", "statements/read/mine", "state", "define", "profile", "all/read", "all"};
  return list;
}

Caller authorize(App& app, const Request& req, Need need) {
  Caller c;
  c.p = app.authenticate(req);
  if (c.p.kind == Principal::Kind::none)
    throw HttpError{401, "unauthorized", "credentials are required", {}, {{"WWW-Authenticate", "Basic realm=\"trailpack-xapi\""}}};
  if (c.client()) {
    const auto& p = c.p;
    bool ok = true;
    const char* scope = "";
    switch (need) {
      case Need::statements_write: ok = p.has_scope("statements/write"), scope = "statements/write"; break;
      case Need::statements_read:
        ok = p.has_scope("statements/read") || p.has_scope("statements/read/mine") || p.has_scope("all/read");
        scope = "statements/read";
        break;
      case Need::state_read: ok = p.has_scope("state") || p.has_scope("all/read"), scope = "state"; break;
      case Need::state_write: ok = p.has_scope("state"), scope = "state"; break;
      case Need::profile_read: ok = p.has_scope("profile") || p.has_scope("all/read"), scope = "profile"; break;
      case Need::profile_write: ok = p.has_scope("profile"), scope = "profile"; break;
      case Need::any: break;
    }
    if (!ok) throw HttpError{403, "forbidden", std::string("this client lacks the ") + scope + " scope", {}, {}};
    return c;
  }
  c.own_account_key = xapi::actor_key(app.agent_for(c.p.user_id, ""));
  app.db().read([&](db::Connection& conn) {
    auto rows = conn.query("SELECT email FROM users WHERE id = $1", {c.p.user_id});
    if (!rows.empty()) c.own_mbox_key = "mbox:mailto:" + rows[0].str(0);
  });
  return c;
}

void only_params(const Request& req, std::initializer_list<const char*> allowed) {
  for (const auto& [k, v] : req.query) {
    if (std::find_if(allowed.begin(), allowed.end(), [&](const char* a) { return k == a; }) != allowed.end()) continue;
    std::string list;
    for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    throw HttpError{400, "invalid_parameter", "unknown parameter " + k + " (this request takes " + (list.empty() ? "none" : list) + ")",
                    k, {}};
  }
  for (const char* a : allowed)
    if (req.query.count(a) > 1) throw HttpError{400, "invalid_parameter", std::string(a) + " is given more than once", a, {}};
}

std::string required_param(const Request& req, const char* name) {
  auto v = req.query_param(name);
  if (!v) throw HttpError{400, "invalid_parameter", std::string(name) + " is required", name, {}};
  return *v;
}

std::string iri_param(const Request& req, const char* name) {
  std::string v = required_param(req, name);
  if (!xapi::is_iri(v)) throw HttpError{400, "invalid_parameter", std::string(name) + " must be an IRI", name, {}};
  return v;
}

std::optional<std::string> uuid_param(const Request& req, const char* name) {
  auto v = req.query_param(name);
  if (!v) return std::nullopt;
  if (!is_uuid(*v)) throw HttpError{400, "invalid_parameter", std::string(name) + " must be a UUID", name, {}};
  return normalize_uuid(*v);
}

std::optional<TimeMs> time_param(const Request& req, const char* name) {
  auto v = req.query_param(name);
  if (!v) return std::nullopt;
  auto t = parse_timestamp(*v);
  if (!t) throw HttpError{400, "invalid_parameter", std::string(name) + " must be an ISO 8601 timestamp", name, {}};
  return t;
}

bool bool_param(const Request& req, const char* name, bool fallback) {
  auto v = req.query_param(name);
  if (!v) return fallback;
  if (*v == "true") return true;
  if (*v == "false") return false;
  throw HttpError{400, "invalid_parameter", std::string(name) + " must be true or false", name, {}};
}

std::string storable_content_type(const std::string& value, const std::string& code, const std::string& where) {
  if (value.size() > 255) throw HttpError{400, code, where + ": the Content-Type is longer than 255 bytes", where, {}};
  if (!is_storable_text(value))
    throw HttpError{400, code, where + ": the Content-Type is not UTF-8 text without NUL characters", where, {}};
  return value;
}

json parse_agent(const std::string& text, const char* name, bool allow_group) {
  const std::string what = allow_group ? " must be a JSON Agent or identified Group" : " must be a JSON Agent";
  if (text.size() > kAgentParamLimit)
    throw HttpError{400, "invalid_parameter", std::string(name) + " is longer than " + std::to_string(kAgentParamLimit) + " bytes", name, {}};
  auto parsed = parse_json_text(text);  // with the nesting limit
  if (!parsed || !parsed->is_object()) throw HttpError{400, "invalid_parameter", name + what, name, {}};
  json agent = std::move(parsed).value();
  auto valid = xapi::validate_actor(agent, name);
  if (!valid) throw HttpError{400, "invalid_parameter", name + what + " (" + valid.error().describe() + ")", name, {}};
  const bool group = agent.value("objectType", "") == "Group";
  if (group && !allow_group) throw HttpError{400, "invalid_parameter", name + what + ", not a Group", name, {}};
  if (xapi::actor_key(agent).empty()) throw HttpError{400, "invalid_parameter", name + what + " (an anonymous Group has no identifier)", name, {}};
  return agent;
}

json agent_param(const Request& req, const char* name, bool allow_group) {
  return parse_agent(required_param(req, name), name, allow_group);
}

void add_resource(Router& router, App& app, const std::string& path, std::map<std::string, MethodSpec> methods,
                  ResourceOptions options) {
  auto r = std::make_shared<Resource>(Resource{path, std::move(methods), options});
  auto handler = [&app, r](Request& req) { return run(app, *r, req); };
  for (const auto& [method, spec] : r->methods) {
    const std::size_t limit = method == "POST" ? std::max(spec.body_limit, kFormBodyLimit) : spec.body_limit;
    RouteOptions route{.body_limit = limit};
    if (spec.before_body)
      route.before_body = [&app, need = *spec.before_body](const Request& req) {
        if (req.query.count("method")) return;  // alternate syntax: credentials are in the form
        try {
          require_version_header(req);
          authorize(app, req, need);
        } catch (HttpError& e) {
          e.headers.emplace_back("X-Experience-API-Version", xapi::kVersion);
          for (auto& h : cors_headers(app, req)) e.headers.push_back(std::move(h));
          throw;
        }
      };
    router.add(method, path, handler, std::move(route));
  }
  if (!r->methods.count("POST")) router.add("POST", path, handler, {.body_limit = kFormBodyLimit});  // alternate syntax
  // The other methods reach the resource too, which answers 405 with the xAPI headers.
  for (const char* m : {"GET", "PUT", "DELETE"})
    if (!r->methods.count(m)) router.add(m, path, handler);
  router.add("OPTIONS", path, handler);
}

void add_not_found(Router& router, App& app) {
  for (const char* m : {"GET", "PUT", "POST", "DELETE", "OPTIONS"})
    router.add(m, "/xapi/*", [&app](Request& req) -> Response {
      HttpError e{404, "not_found", "no such xAPI resource: " + req.path, {}, {{"X-Experience-API-Version", xapi::kVersion}}};
      for (auto& h : cors_headers(app, req)) e.headers.push_back(std::move(h));
      throw e;
    });
}

json authority_of(const Principal& p, const std::string& home_page) {
  if (p.kind == Principal::Kind::xapi_client)
    return {{"objectType", "Agent"}, {"name", p.name}, {"account", {{"homePage", home_page}, {"name", p.client_key}}}};
  return {{"objectType", "Agent"}, {"account", {{"homePage", home_page}, {"name", p.user_id}}}};
}

}  // namespace trailpack::server::lrs
