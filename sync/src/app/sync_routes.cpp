// The device sync protocol v1 (docs/sync-protocol.md): hello (capabilities), push
// (idempotent batches, per-statement results, acknowledged once durable), pull (this
// learner's statements from the server cursor, the courses on offer, the learner's
// assignments and reminders).
#include "app/app.hpp"
#include "app/assignments.hpp"
#include "app/reminders.hpp"
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
    const std::int64_t now = app.now_ms();
    json statements = json::array();
    std::int64_t cursor = parsed->cursor;
    bool more = false;
    app.db().read([&](db::Connection& c) {
      // skip_own: the statements this device pushed are already on it (a catch-up after
      // weeks offline would otherwise download everything it just uploaded). They are
      // passed over: a page holds up to `limit` statements from other sources, and the
      // last page's cursor moves past the device's own statements after them.
      const std::string own = parsed->skip_own ? p.device_id : std::string();
      // First the positions and sizes, then the bodies of what fits the page: `limit`
      // statements and kMaxPullPageBytes of bodies at most (at least one statement), so a
      // page's memory stays bounded however large the statements are.
      const bool pg = app.db().dialect() == db::Dialect::postgres;
      const std::string after_cursor = " FROM statements WHERE user_id = $1 AND seq > $2 AND (device_id IS NULL OR device_id <> $4) ";
      const auto sizes = c.query(std::string("SELECT seq, ") + (pg ? "octet_length(body)" : "length(CAST(body AS BLOB))") +
                                     after_cursor + "ORDER BY seq LIMIT $3",
                                 {p.user_id, parsed->cursor, static_cast<std::int64_t>(parsed->limit + 1), own});
      std::size_t taken = 0, bytes = 0;
      for (; taken < sizes.size() && taken < parsed->limit; ++taken) {
        const auto size = static_cast<std::size_t>(sizes[taken].i64(1));
        if (taken > 0 && bytes + size > sync::kMaxPullPageBytes) break;
        bytes += size;
      }
      more = taken < sizes.size();
      if (taken > 0) {
        for (const auto& r : c.query("SELECT seq, body, stored_ms" + after_cursor + "AND seq <= $3 ORDER BY seq",
                                     {p.user_id, parsed->cursor, sizes[taken - 1].i64(0), own})) {
          statements.push_back(App::served_form(r.str(1), r.i64(2), nullptr));
          cursor = r.i64(0);
        }
      }
      if (!more && !own.empty()) {
        const auto last = c.query("SELECT MAX(seq) FROM statements WHERE user_id = $1 AND seq > $2", {p.user_id, cursor});
        if (!last.empty() && !last[0].is_null(0)) cursor = last[0].i64(0);
      }
    });
    // Completion is re-projected on the last page only: by then the device has pushed.
    if (!more) assignments::refresh_learner(app, p.user_id, now);
    json courses = json::array(), assigned = json::array();
    app.db().read([&](db::Connection& c) {
      const auto offered = assignments::offered_courses(c, p.user_id, p.org_id);
      const auto catalog = assignments::catalog(c);
      for (const auto& [id, info] : catalog)
        if (!offered || offered->count(id)) courses.push_back({{"id", id}, {"version", info.version}});
      const auto paths = assignments::path_titles(c, p.org_id);
      std::map<std::string, json> path_courses;
      for (const auto& cur : assignments::current_rows(assignments::learner_rows(c, p.user_id), now)) {
        const auto& r = cur.row;
        auto info = catalog.find(r.course_id);
        json path = nullptr;
        if (!r.path_id.empty()) {
          auto pc = path_courses.find(r.path_id);
          if (pc == path_courses.end()) {
            json ids = json::array();
            for (const auto& row : c.query("SELECT course_id FROM learning_path_courses WHERE path_id = $1 ORDER BY position", {r.path_id}))
              ids.push_back(row.str(0));
            pc = path_courses.emplace(r.path_id, ids).first;
          }
          auto title = paths.find(r.path_id);
          path = {{"id", r.path_id}, {"title", title == paths.end() ? r.path_id : title->second}, {"position", r.path_position},
                  {"courses", pc->second}};
        }
        auto opt = [](const std::optional<std::int64_t>& v) { return v ? json(*v) : json(nullptr); };
        assigned.push_back({{"id", r.id},
                            {"assignment_id", r.assignment_id},
                            {"course_id", r.course_id},
                            {"version", info == catalog.end() ? json(nullptr) : json(info->second.version)},
                            {"title", info == catalog.end() ? r.course_id : info->second.title},
                            {"cycle", r.cycle},
                            {"assigned_at", r.assigned_at},
                            {"due_at", opt(r.due_at)},
                            {"status", assignments::status_of(r, now)},
                            {"completed_at", opt(r.completed_at)},
                            {"mandatory", r.mandatory},
                            {"next_cycle_at", opt(cur.next_cycle_at)},
                            {"path", path}});
      }
    });
    const json reminders = reminders::for_device(app, p.user_id, parsed->ack_reminders, now);
    app.db().write([&](db::Connection& c) {
      c.exec("UPDATE devices SET last_pull_ms = $1 WHERE id = $2", {now, p.device_id});
    });
    return Response::json(200, {{"protocol", sync::kProtocolVersion},
                                {"statements", statements},
                                {"cursor", cursor},
                                {"more", more},
                                {"courses", courses},
                                {"assignments", assigned},
                                {"reminders", reminders},
                                {"server_time", now}});
  }, {.before_body = [&app](const Request& req) { app.require(req, {Principal::Kind::device}); }});
}

}  // namespace trailpack::server
