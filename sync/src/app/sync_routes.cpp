// The device sync protocol v1 (docs/sync-protocol.md): hello (capabilities), push
// (idempotent batches, per-statement results, acknowledged once durable), pull (this
// learner's statements from the server cursor, and the courses on offer).
#include "app/app.hpp"
#include "trailpack/sync/protocol.hpp"

namespace trailpack::server {

using nlohmann::json;

void register_sync_routes(Router& router, App& app) {
  router.add("GET", "/api/v1/sync/hello", [&app](Request&) {
    return Response::json(200, {{"protocol_versions", json::array({sync::kProtocolVersion})},
                                {"capabilities", sync::capabilities()},
                                {"max_push_statements", sync::kMaxPushStatements},
                                {"max_push_bytes", sync::kMaxPushBytes},
                                {"server_time", app.now_ms()}});
  });

  router.add(
      "POST", "/api/v1/sync/push",
      [&app](Request& req) {
        Principal p = app.require(req, {Principal::Kind::device});
        auto parsed = sync::parse_push_request(parse_body(req));
        if (!parsed) throw HttpError{400, parsed.error().code, parsed.error().message, parsed.error().where, {}};
        auto out = app.store_statements(p, std::move(parsed->statements), /*atomic=*/false, p.device_id);
        return Response::json(200, sync::push_response(out.outcomes, out.cursor));
      },
      {.body_limit = sync::kMaxPushBytes,
       .before_body = [&app](const Request& req) { app.require(req, {Principal::Kind::device}); }});

  router.add("POST", "/api/v1/sync/pull", [&app](Request& req) {
    Principal p = app.require(req, {Principal::Kind::device});
    auto parsed = sync::parse_pull_request(parse_body(req));
    if (!parsed) throw HttpError{400, parsed.error().code, parsed.error().message, parsed.error().where, {}};
    json statements = json::array();
    std::int64_t cursor = parsed->cursor;
    bool more = false;
    json courses = json::array();
    app.db().read([&](db::Connection& c) {
      auto rows = c.query("SELECT seq, body, stored_ms FROM statements WHERE user_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                          {p.user_id, parsed->cursor, static_cast<std::int64_t>(parsed->limit + 1)});
      more = rows.size() > parsed->limit;
      if (more) rows.pop_back();
      for (const auto& r : rows) {
        statements.push_back(App::served_form(r.str(1), r.i64(2), nullptr));
        cursor = r.i64(0);
      }
      for (const auto& r : c.query("SELECT c.id, c.current_version FROM courses c ORDER BY c.id"))
        courses.push_back({{"id", r.str(0)}, {"version", r.i64(1)}});
    });
    app.db().write([&](db::Connection& c) {
      c.exec("UPDATE devices SET last_pull_ms = $1 WHERE id = $2", {app.now_ms(), p.device_id});
    });
    return Response::json(200, {{"protocol", sync::kProtocolVersion},
                                {"statements", statements},
                                {"cursor", cursor},
                                {"more", more},
                                {"courses", courses},
                                {"server_time", app.now_ms()}});
  }, {.before_body = [&app](const Request& req) { app.require(req, {Principal::Kind::device}); }});
}

}  // namespace trailpack::server
