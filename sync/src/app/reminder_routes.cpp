// Console API for reminders: the organisation's rules (admins change them; managers read
// them), the history of reminders sent (managers: about their learners), a reminder
// written by staff to one learner, and "evaluate the rules now".
#include <set>

#include "app/directory.hpp"
#include "app/reminders.hpp"
#include "app/request_fields.hpp"
#include "crypto.hpp"

namespace trailpack::server {

using nlohmann::json;

namespace {

json rule_json(const db::Row& r) {
  return {{"id", r.str(0)}, {"kind", r.str(1)}, {"days", r.i64(2)}, {"enabled", r.i64(3) != 0}, {"created_ms", r.i64(4)}};
}

json load_rule(db::Connection& c, const std::string& org_id, const std::string& id) {
  auto rows = c.query("SELECT id, kind, days, enabled, created_ms, org_id FROM reminder_rules WHERE id = $1", {id});
  if (rows.empty() || rows[0].str(5) != org_id) throw HttpError{404, "not_found", "no such reminder rule in your organisation", {}, {}};
  return rule_json(rows[0]);
}

std::int64_t read_days(const JsonReader& rd, const std::string& kind, std::int64_t fallback) {
  const std::int64_t days = rd.integer_or("days", fallback, 0, 365);
  if (kind == "due_soon" && days < 1) rd.fail("days", "must be at least 1 for a due_soon rule (days before the due date)");
  return days;
}

}  // namespace

void register_reminder_routes(Router& router, App& app) {
  router.add("GET", "/api/v1/admin/reminder-rules", [&app](Request& req) {
    Principal p = app.require_staff(req);
    json list = json::array();
    app.db().read([&](db::Connection& c) {
      for (const auto& r : c.query("SELECT id, kind, days, enabled, created_ms FROM reminder_rules WHERE org_id = $1 ORDER BY kind, days, id",
                                   {p.org_id}))
        list.push_back(rule_json(r));
    });
    return Response::json(200, {{"rules", list}, {"webhook", {{"configured", !app.config().webhook_url.empty()}}}});
  });

  // Two rules of one kind and delay would send every reminder twice (each rule reminds
  // once per learner assignment): a second one is a conflict.
  auto refuse_twin = [&app](db::Connection& c, const std::string& org, const std::string& kind, std::int64_t days,
                            const std::string& id) {
    app.serialize_writers(c, "reminder-rules|" + org);
    auto twin = c.query("SELECT id FROM reminder_rules WHERE org_id = $1 AND kind = $2 AND days = $3 AND id <> $4",
                        {org, kind, days, id});
    if (!twin.empty())
      throw HttpError{409, "conflict",
                      "rule " + twin[0].str(0) + " already has kind " + kind + " and days " + std::to_string(days), "days", {}};
  };

  router.add("POST", "/api/v1/admin/reminder-rules", [&app, refuse_twin](Request& req) {
    Principal p = app.require_admin(req);
    struct Input {
      std::string kind;
      std::int64_t days;
      bool enabled;
    };
    const Input in = read_body(req, [](JsonReader& rd) {
      rd.only({"kind", "days", "enabled"});
      Input i;
      i.kind = rd.one_of("kind", {"due_soon", "overdue", "cold_due", "escalation"}, nullptr);
      if (!rd.has("days")) rd.fail("days", "is required");
      i.days = read_days(rd, i.kind, 0);
      i.enabled = rd.boolean_or("enabled", true);
      return i;
    });
    const std::string id = "rr-" + crypto::random_code(10);
    json out;
    app.db().write([&](db::Connection& c) {
      refuse_twin(c, p.org_id, in.kind, in.days, id);
      c.exec("INSERT INTO reminder_rules(id, org_id, kind, days, enabled, created_ms) VALUES ($1,$2,$3,$4,$5,$6)",
             {id, p.org_id, in.kind, in.days, std::int64_t{in.enabled ? 1 : 0}, app.now_ms()});
      out = load_rule(c, p.org_id, id);
    });
    return Response::json(201, out);
  }, {.before_body = [&app](const Request& r) { app.require_admin(r); }});

  router.add("PATCH", "/api/v1/admin/reminder-rules/{id}", [&app, refuse_twin](Request& req) {
    Principal p = app.require_admin(req);
    const std::string id = req.param("id");
    json out;
    app.db().write([&](db::Connection& c) {
      const json rule = load_rule(c, p.org_id, id);
      struct Change {
        std::optional<std::int64_t> days;
        std::optional<bool> enabled;
      };
      const Change ch = read_body(req, [&](JsonReader& rd) {
        rd.only({"days", "enabled"});
        Change x;
        if (rd.has("days")) x.days = read_days(rd, rule["kind"], 0);
        if (rd.has("enabled")) x.enabled = rd.boolean_or("enabled", true);
        return x;
      });
      if (ch.days) {
        refuse_twin(c, p.org_id, rule["kind"].get<std::string>(), *ch.days, id);
        c.exec("UPDATE reminder_rules SET days = $1 WHERE id = $2", {*ch.days, id});
      }
      if (ch.enabled) c.exec("UPDATE reminder_rules SET enabled = $1 WHERE id = $2", {std::int64_t{*ch.enabled ? 1 : 0}, id});
      out = load_rule(c, p.org_id, id);
    });
    return Response::json(200, out);
  }, {.before_body = [&app](const Request& r) { app.require_admin(r); }});

  // Removing a rule keeps the reminders it sent (their rule_id stays, for history).
  router.add("DELETE", "/api/v1/admin/reminder-rules/{id}", [&app](Request& req) {
    Principal p = app.require_admin(req);
    app.db().write([&](db::Connection& c) {
      load_rule(c, p.org_id, req.param("id"));
      c.exec("DELETE FROM reminder_rules WHERE id = $1", {req.param("id")});
    });
    return Response::no_content();
  });

  router.add("GET", "/api/v1/admin/reminders", [&app](Request& req) {
    Principal p = app.require_staff(req);
    const std::int64_t offset = query_int(req, "offset", 0, 0, 1000000);
    const std::int64_t limit = query_int(req, "limit", 50, 1, 200);
    const std::string learner = req.query_param("learner").value_or("");
    json list = json::array();
    std::size_t total = 0;
    app.db().read([&](db::Connection& c) {
      const auto scope = directory::scope_of(c, p);
      if (!learner.empty()) directory::require_user(c, scope, learner);
      const auto visible = scope.admin ? std::set<std::string>() : directory::visible_learners(c, scope);
      std::vector<db::Row> matched;
      for (auto& r : c.query(std::string("SELECT ") + reminders::kReminderColumns +
                                 " FROM reminders WHERE org_id = $1 ORDER BY created_ms DESC, id DESC",
                             {p.org_id})) {
        if (!learner.empty() && r.str(3) != learner) continue;
        if (!scope.admin && !visible.count(r.str(3))) continue;
        matched.push_back(std::move(r));
      }
      total = matched.size();
      for (std::size_t i = static_cast<std::size_t>(offset); i < matched.size() && list.size() < static_cast<std::size_t>(limit); ++i)
        list.push_back(reminders::reminder_json(c, matched[i]));
    });
    return Response::json(200, {{"reminders", list}, {"total", total}, {"offset", offset}, {"limit", limit}});
  });

  // A reminder written by staff to one learner: to their devices at the next sync, and to
  // the webhook.
  router.add("POST", "/api/v1/admin/reminders", [&app](Request& req) {
    Principal p = app.require_staff(req);
    struct Input {
      std::string learner_id, course_id, message;
    };
    const Input in = read_body(req, [](JsonReader& rd) {
      rd.only({"learner_id", "course_id", "message"});
      Input i;
      i.learner_id = text_field(rd, "learner_id", 64, true);
      i.course_id = text_field(rd, "course_id", 128, false);
      i.message = text_field(rd, "message", 500, true);
      return i;
    });
    app.db().read([&](db::Connection& c) {
      const auto scope = directory::scope_of(c, p);
      directory::require_user(c, scope, in.learner_id);
      auto u = c.query("SELECT role, active FROM users WHERE id = $1", {in.learner_id});
      if (u[0].str(0) != "learner" || u[0].i64(1) == 0)
        throw HttpError{409, "not_a_learner", "reminders go to active learners", "learner_id", {}};
      if (!in.course_id.empty() && c.query("SELECT 1 FROM courses WHERE id = $1", {in.course_id}).empty())
        throw HttpError{400, "invalid_request", "no published course \"" + in.course_id + "\"", "course_id", {}};
    });
    return Response::json(201, reminders::send_manual(app, p.org_id, in.learner_id, in.course_id, in.message, p.user_id, app.now_ms()));
  }, {.before_body = [&app](const Request& r) { app.require_staff(r); }});

  // Evaluates the organisation's rules now instead of at the scheduler's next pass. Each
  // rule still fires once per learner assignment.
  router.add("POST", "/api/v1/admin/reminders/run", [&app](Request& req) {
    Principal p = app.require_admin(req);
    const int created = reminders::evaluate(app, app.now_ms(), p.org_id);
    return Response::json(200, {{"created", created}});
  }, {.before_body = [&app](const Request& r) { app.require_admin(r); }});
}

}  // namespace trailpack::server
