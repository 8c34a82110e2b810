// Identities and authentication: console sessions (email + Argon2id password), device
// enrollment by code with access + refresh tokens (rotated; reuse revokes the family),
// xAPI clients with HTTP Basic and scopes. Every token is random and stored hashed.
#include <algorithm>
#include <chrono>

#include "app/app.hpp"
#include "app/reminders.hpp"
#include "crypto.hpp"
#include "log.hpp"
#include "text.hpp"
#include "trailpack/encoding.hpp"

namespace trailpack::server {

using nlohmann::json;

bool Principal::has_scope(const std::string& s) const {
  return std::find(scopes.begin(), scopes.end(), s) != scopes.end() ||
         std::find(scopes.begin(), scopes.end(), "all") != scopes.end();
}

namespace {

void check_not_limited(App& app, const Request& req, const std::string& what) {
  if (auto wait = app.failure_limiter().retry_after_s(what + "|" + req.remote, app.now_ms()); wait > 0)
    throw HttpError{429, "too_many_attempts", "too many failed attempts; try again in " + std::to_string(wait) + " s", {},
                    {{"Retry-After", std::to_string(wait)}}};
}

std::string str_field(const json& body, const char* key, std::size_t max = 256) {
  if (!body.contains(key) || !body[key].is_string() || body[key].get_ref<const std::string&>().empty())
    throw HttpError{400, "invalid_request", std::string("\"") + key + "\" is required", key, {}};
  const auto& s = body[key].get_ref<const std::string&>();
  if (s.size() > max) throw HttpError{400, "invalid_request", std::string("\"") + key + "\" is too long", key, {}};
  if (!is_storable_text(s)) throw HttpError{400, "invalid_request", std::string("\"") + key + "\" contains a NUL character", key, {}};
  return s;
}

json issue_device_tokens(App& app, db::Connection& c, const std::string& user_id, const std::string& device_id,
                         const std::string& family) {
  const auto now = app.now_ms();
  const std::string access = app.config().device_token_ttl_s > 0 ? crypto::random_token() : "";
  const std::string refresh = crypto::random_token();
  const std::int64_t access_exp = now + app.config().device_token_ttl_s * 1000;
  c.exec("INSERT INTO tokens(hash, user_id, kind, device_id, family, created_ms, expires_ms) VALUES ($1,$2,'device',$3,$4,$5,$6)",
         {crypto::token_hash(access), user_id, device_id, family, now, access_exp});
  c.exec("INSERT INTO tokens(hash, user_id, kind, device_id, family, created_ms, expires_ms) VALUES ($1,$2,'refresh',$3,$4,$5,$6)",
         {crypto::token_hash(refresh), user_id, device_id, family, now, now + app.config().refresh_ttl_s * 1000});
  return {{"access_token", access}, {"refresh_token", refresh}, {"expires_at", access_exp}};
}

}  // namespace

Principal App::authenticate(const Request& req) {
  Principal p;
  auto auth = req.header("authorization");
  if (!auth) return p;
  const std::string& h = *auth;
  if (h.rfind("Bearer ", 0) == 0) {
    const std::string token = h.substr(7);
    if (token.empty() || token.size() > 200) return p;
    db_->read([&](db::Connection& c) {
      auto rows = c.query(
          "SELECT t.user_id, t.kind, t.device_id, t.expires_ms, t.revoked_ms, u.role, u.org_id, u.name, u.active "
          "FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = $1",
          {crypto::token_hash(token)});
      if (rows.empty()) return;
      const auto& r = rows[0];
      const std::string kind = r.str(1);
      if (kind == "refresh" || !r.is_null(4) || r.i64(3) < now_ms() || r.i64(8) == 0) return;
      p.kind = kind == "session" ? Principal::Kind::session : Principal::Kind::device;
      p.user_id = r.str(0);
      p.device_id = r.str(2);
      p.role = r.str(5);
      p.org_id = r.str(6);
      p.name = r.str(7);
    });
  } else if (h.rfind("Basic ", 0) == 0) {
    auto decoded = base64_decode(h.substr(6));
    if (!decoded) return p;
    const auto colon = decoded->find(':');
    if (colon == std::string::npos) return p;
    const std::string key = decoded->substr(0, colon), secret = decoded->substr(colon + 1);
    if (!is_storable_text(key)) return p;  // no stored key is like it (and PostgreSQL would refuse the lookup)
    db_->read([&](db::Connection& c) {
      auto rows = c.query("SELECT secret_hash, scopes, name FROM xapi_clients WHERE key = $1 AND revoked_ms IS NULL", {key});
      if (rows.empty() || !crypto::equal(rows[0].str(0), crypto::token_hash(secret))) return;
      p.kind = Principal::Kind::xapi_client;
      p.client_key = key;
      p.name = rows[0].str(2);
      for (const auto& s : json::parse(rows[0].str(1))) p.scopes.push_back(s.get<std::string>());
    });
  }
  return p;
}

Principal App::require(const Request& req, std::initializer_list<Principal::Kind> kinds) {
  Principal p = authenticate(req);
  if (p.kind == Principal::Kind::none)
    throw HttpError{401, "unauthorized", "sign in first (missing, expired or revoked credentials)", {},
                    {{"WWW-Authenticate", "Bearer realm=\"trailpack\""}}};
  if (std::find(kinds.begin(), kinds.end(), p.kind) == kinds.end())
    throw HttpError{403, "forbidden", "these credentials cannot use this endpoint", {}, {}};
  return p;
}

Principal App::require_staff(const Request& req) {
  Principal p = require(req, {Principal::Kind::session});
  if (p.role != "admin" && p.role != "manager") throw HttpError{403, "forbidden", "managers and admins only", {}, {}};
  return p;
}

Principal App::require_admin(const Request& req) {
  Principal p = require(req, {Principal::Kind::session});
  if (p.role != "admin") throw HttpError{403, "forbidden", "admins only", {}, {}};
  return p;
}

std::string App::create_org(const std::string& name) {
  std::string id;
  db_->write([&](db::Connection& c) {
    serialize_writers(c, "trailpack:identities");  // check-then-insert below (names are not unique in the schema)
    auto rows = c.query("SELECT id FROM orgs WHERE name = $1", {name});
    if (!rows.empty()) {
      id = rows[0].str(0);
      return;
    }
    id = "org-" + crypto::random_code(8);
    c.exec("INSERT INTO orgs(id, name, created_ms) VALUES ($1, $2, $3)", {id, name, now_ms()});
    reminders::add_default_rules(c, id, now_ms());
  });
  return id;
}

std::string App::create_user(const std::string& org_id, const std::string& email, const std::string& name,
                             const std::string& role, const std::string& password) {
  const std::string hash = password.empty() ? std::string() : crypto::hash_password(password);
  std::string id;
  db_->write([&](db::Connection& c) {
    serialize_writers(c, "trailpack:identities");  // check-then-insert: a racing insert would fail on UNIQUE(email)
    auto rows = c.query("SELECT id FROM users WHERE email = $1", {email});
    if (!rows.empty()) {
      id = rows[0].str(0);
      c.exec("UPDATE users SET name = $1, role = $2, password_hash = COALESCE($3, password_hash) WHERE id = $4",
             {name, role, hash.empty() ? db::Value(nullptr) : db::Value(hash), id});
      return;
    }
    id = "u-" + crypto::random_code(10);
    c.exec("INSERT INTO users(id, org_id, email, name, role, password_hash, created_ms) VALUES ($1,$2,$3,$4,$5,$6,$7)",
           {id, org_id, email, name, role, hash.empty() ? db::Value(nullptr) : db::Value(hash), now_ms()});
  });
  return id;
}

std::optional<std::string> App::user_id_for_email(const std::string& email) {
  std::optional<std::string> id;
  db_->read([&](db::Connection& c) {
    auto rows = c.query("SELECT id FROM users WHERE email = $1", {email});
    if (!rows.empty()) id = rows[0].str(0);
  });
  return id;
}

std::string App::create_enrollment_code(const std::string& user_id, std::int64_t ttl_s, int uses) {
  // 12 characters from a 32-letter alphabet (60 bits): typed by hand in the field, and
  // brute force is stopped by the failure limiter long before it could matter.
  const std::string code = crypto::random_code(12);
  db_->write([&](db::Connection& c) {
    c.exec("INSERT INTO enrollment_codes(hash, user_id, created_ms, expires_ms, uses_left) VALUES ($1,$2,$3,$4,$5)",
           {crypto::token_hash(code), user_id, now_ms(), now_ms() + ttl_s * 1000, std::int64_t{uses}});
  });
  return code;
}

std::pair<std::string, std::string> App::create_xapi_client(const std::string& name, const std::vector<std::string>& scopes,
                                                            const std::string& key_in, const std::string& secret_in) {
  const std::string key = key_in.empty() ? "xc-" + crypto::random_code(12) : key_in;
  const std::string secret = secret_in.empty() ? crypto::random_token(24) : secret_in;
  db_->write([&](db::Connection& c) {
    c.exec("INSERT INTO xapi_clients(key, secret_hash, name, scopes, created_ms) VALUES ($1,$2,$3,$4,$5) "
           "ON CONFLICT(key) DO UPDATE SET secret_hash = excluded.secret_hash, name = excluded.name, "
           "scopes = excluded.scopes, revoked_ms = NULL",
           {key, crypto::token_hash(secret), name, json(scopes).dump(), now_ms()});
  });
  return {key, secret};
}

json App::agent_for(const std::string& user_id, const std::string& name) const {
  json a = {{"objectType", "Agent"}, {"account", {{"homePage", config_.public_url}, {"name", user_id}}}};
  if (!name.empty()) a["name"] = name;
  return a;
}

void register_auth_routes(Router& router, App& app) {
  // Console sign-in.
  router.add("POST", "/api/v1/auth/login", [&app](Request& req) {
    check_not_limited(app, req, "login");
    const json body = parse_body(req);
    const std::string email = str_field(body, "email"), password = str_field(body, "password", 1024);
    json user;
    std::string hash;
    app.db().read([&](db::Connection& c) {
      auto rows = c.query("SELECT id, name, role, password_hash, org_id FROM users WHERE email = $1 AND active = 1", {email});
      if (rows.empty()) return;
      user = {{"id", rows[0].str(0)}, {"name", rows[0].str(1)}, {"role", rows[0].str(2)}, {"org_id", rows[0].str(4)}};
      hash = rows[0].str(3);
    });
    // Verify even for unknown users so timing does not reveal which emails exist.
    static const std::string dummy = crypto::hash_password("not-a-password");
    const bool ok = crypto::verify_password(hash.empty() ? dummy : hash, password) && !hash.empty();
    if (!ok || user.is_null() || user["role"] == "learner") {
      app.failure_limiter().fail("login|" + req.remote, app.now_ms());
      log_event("warn", "login_failed", {{"remote", req.remote}});
      throw HttpError{401, "invalid_credentials", "wrong email or password", {}, {}};
    }
    app.failure_limiter().succeed("login|" + req.remote);
    const std::string token = crypto::random_token();
    const std::int64_t exp = app.now_ms() + app.config().session_ttl_s * 1000;
    app.db().write([&](db::Connection& c) {
      c.exec("INSERT INTO tokens(hash, user_id, kind, family, created_ms, expires_ms) VALUES ($1,$2,'session',$3,$4,$5)",
             {crypto::token_hash(token), user["id"].get<std::string>(), crypto::random_token(12), app.now_ms(), exp});
    });
    return Response::json(200, {{"token", token}, {"expires_at", exp}, {"user", user}});
  });

  // Device enrollment with a code from the admin; online once, then the device works offline.
  router.add("POST", "/api/v1/auth/enroll", [&app](Request& req) {
    check_not_limited(app, req, "enroll");
    const json body = parse_body(req);
    std::string code = str_field(body, "code", 64);
    code.erase(std::remove_if(code.begin(), code.end(), [](char c) { return c == '-' || c == ' '; }), code.end());
    for (char& ch : code) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (body.contains("device_name") && !body["device_name"].is_string())
      throw HttpError{400, "invalid_request", "\"device_name\" must be a string", "device_name", {}};
    std::string device_name = body.value("device_name", "");
    if (!is_storable_text(device_name))
      throw HttpError{400, "invalid_request", "\"device_name\" contains a NUL character", "device_name", {}};
    device_name = utf8_prefix(device_name, 100);  // whole characters: PostgreSQL refuses a cut one
    json out;
    bool found = false;
    app.db().write([&](db::Connection& c) {
      auto rows = c.query(
          "SELECT e.user_id, u.name, u.email, u.role FROM enrollment_codes e JOIN users u ON u.id = e.user_id "
          "WHERE e.hash = $1 AND e.expires_ms > $2 AND e.uses_left > 0 AND u.active = 1",
          {crypto::token_hash(code), app.now_ms()});
      if (rows.empty()) return;
      // Conditional, so two enrollments racing for a code's last use cannot both get it
      // (on PostgreSQL the second UPDATE waits for the first and re-checks uses_left).
      if (c.exec("UPDATE enrollment_codes SET uses_left = uses_left - 1 WHERE hash = $1 AND uses_left > 0",
                 {crypto::token_hash(code)}) == 0)
        return;
      found = true;
      const std::string user_id = rows[0].str(0);
      const std::string device_id = "d-" + crypto::random_code(12);
      c.exec("INSERT INTO devices(id, user_id, name, created_ms) VALUES ($1,$2,$3,$4)",
             {device_id, user_id, device_name, app.now_ms()});
      out = issue_device_tokens(app, c, user_id, device_id, crypto::random_token(12));
      out["device_id"] = device_id;
      out["user"] = {{"id", user_id}, {"name", rows[0].str(1)}, {"email", rows[0].str(2)}};
      out["home_page"] = app.config().public_url;
    });
    if (!found) {
      app.failure_limiter().fail("enroll|" + req.remote, app.now_ms());
      throw HttpError{401, "invalid_code", "this enrollment code is unknown, used up or expired", {}, {}};
    }
    app.failure_limiter().succeed("enroll|" + req.remote);
    out["trusted_keys"] = app.trusted_keys_json();
    return Response::json(200, out);
  });

  // Refresh rotation: each refresh token works once; presenting a used one revokes the family.
  router.add("POST", "/api/v1/auth/refresh", [&app](Request& req) {
    const json body = parse_body(req);
    const std::string refresh = str_field(body, "refresh_token", 200);
    json out;
    int status = 0;
    app.db().write([&](db::Connection& c) {
      auto rows = c.query("SELECT user_id, device_id, family, expires_ms, used_ms, revoked_ms FROM tokens "
                          "WHERE hash = $1 AND kind = 'refresh'",
                          {crypto::token_hash(refresh)});
      if (rows.empty() || !rows[0].is_null(5) || rows[0].i64(3) < app.now_ms()) {
        status = 401;
        return;
      }
      const std::string family = rows[0].str(2);
      // Marking it used is conditional: when two refreshes with the same token race, the
      // second finds it used (on PostgreSQL its UPDATE waits for the first and re-checks)
      // and is treated as the reuse it is.
      if (!rows[0].is_null(4) ||
          c.exec("UPDATE tokens SET used_ms = $1 WHERE hash = $2 AND used_ms IS NULL", {app.now_ms(), crypto::token_hash(refresh)}) == 0) {
        c.exec("UPDATE tokens SET revoked_ms = $1 WHERE family = $2 AND revoked_ms IS NULL", {app.now_ms(), family});
        status = 409;
        return;
      }
      out = issue_device_tokens(app, c, rows[0].str(0), rows[0].str(1), family);
    });
    if (status == 409) {
      log_event("warn", "refresh_token_reuse", {{"remote", req.remote}});
      throw HttpError{401, "token_reused", "this refresh token was already used; the device must enroll again", {}, {}};
    }
    if (status) throw HttpError{401, "invalid_token", "the refresh token is unknown, expired or revoked", {}, {}};
    return Response::json(200, out);
  });

  router.add("POST", "/api/v1/auth/logout", [&app](Request& req) {
    auto auth = req.header("authorization");
    if (auth && auth->rfind("Bearer ", 0) == 0) {
      const std::string hash = crypto::token_hash(auth->substr(7));
      app.db().write([&](db::Connection& c) {
        auto rows = c.query("SELECT family, kind FROM tokens WHERE hash = $1", {hash});
        if (rows.empty()) return;
        if (rows[0].str(1) == "device")
          c.exec("UPDATE tokens SET revoked_ms = $1 WHERE family = $2 AND revoked_ms IS NULL", {app.now_ms(), rows[0].str(0)});
        else
          c.exec("UPDATE tokens SET revoked_ms = $1 WHERE hash = $2", {app.now_ms(), hash});
      });
    }
    return Response::no_content();
  });

  router.add("GET", "/api/v1/me", [&app](Request& req) {
    Principal p = app.require(req, {Principal::Kind::session, Principal::Kind::device});
    return Response::json(200, {{"id", p.user_id}, {"name", p.name}, {"role", p.role}, {"org_id", p.org_id},
                                {"device_id", p.device_id}, {"home_page", app.config().public_url}});
  });
}

}  // namespace trailpack::server
