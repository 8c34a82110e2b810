#include "app/reminders.hpp"

#include <map>
#include <set>

#include "app/assignments.hpp"
#include "app/directory.hpp"
#include "crypto.hpp"
#include "http/client.hpp"
#include "log.hpp"
#include "trailpack/progress/projection.hpp"
#include "trailpack/time.hpp"

namespace trailpack::server::reminders {

using nlohmann::json;
using assignments::kDayMs;

namespace {

constexpr int kCandidatesPerRule = 200;
constexpr int kMaxWebhookAttempts = 6;
constexpr std::int64_t kFirstBackoffMs = 60000;
constexpr std::int64_t kClaimLeaseMs = 5 * 60000;
constexpr std::int64_t kSchedulerLeaseMs = 50000;
constexpr auto kWebhookBudget = std::chrono::seconds(60);

std::string day_of(std::int64_t ms) { return format_timestamp(ms).substr(0, 10); }

struct NewReminder {
  std::string org_id, kind, rule_id, dedupe_key, learner_id, learner_assignment_id, course_id, message, sent_by;
  std::vector<std::string> recipients;
  std::optional<std::int64_t> due_at;
};

// Records a reminder unless one with the same key exists (whoever inserted it first).
// Returns the new id, or "" when it already existed.
std::string insert_reminder(App& app, db::Connection& c, const NewReminder& r, std::int64_t now) {
  const std::string id = "r-" + crypto::random_code(12);
  const bool webhook = !app.config().webhook_url.empty();
  auto text_or_null = [](const std::string& s) { return s.empty() ? db::Value(nullptr) : db::Value(s); };
  const auto n = c.exec(
      "INSERT INTO reminders(id, org_id, kind, rule_id, dedupe_key, learner_id, recipients, learner_assignment_id, course_id, "
      "due_at_ms, message, sent_by, created_ms, webhook_state, webhook_next_ms) "
      "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15) ON CONFLICT (dedupe_key) DO NOTHING",
      {id, r.org_id, r.kind, text_or_null(r.rule_id), text_or_null(r.dedupe_key), r.learner_id, json(r.recipients).dump(),
       text_or_null(r.learner_assignment_id), text_or_null(r.course_id), r.due_at ? db::Value(*r.due_at) : db::Value(nullptr),
       r.message, text_or_null(r.sent_by), now, std::string(webhook ? "pending" : "none"),
       webhook ? db::Value(now) : db::Value(nullptr)});
  return n == 1 ? id : std::string();
}

struct Rule {
  std::string id, org_id, kind;
  std::int64_t days = 0;
};

struct Candidate {
  std::string la_id, user_id, course_id, learner_name;
  std::int64_t due_at = 0;
};

// Cold evaluations of a course: survey items with role "cold".
struct ColdItem {
  std::string id, title;
  int delay_days = 0;
};

class Evaluation {
 public:
  Evaluation(App& app, std::int64_t now) : app_(app), now_(now) {
    app_.db().read([&](db::Connection& c) { catalog_ = assignments::catalog(c); });
  }

  int run(const Rule& rule) {
    if (rule.kind == "cold_due") return cold(rule);
    return due(rule);
  }

 private:
  std::string title(const std::string& course_id) {
    auto it = catalog_.find(course_id);
    return it == catalog_.end() ? course_id : it->second.title;
  }

  void refresh(const std::string& user) {
    if (refreshed_.insert(user).second) assignments::refresh_learner(app_, user, now_);
  }

  const std::optional<bundle::Course>& course(const std::string& id) {
    auto it = courses_.find(id);
    if (it == courses_.end()) it = courses_.emplace(id, app_.current_course(id)).first;
    return it->second;
  }

  // due_soon, overdue, escalation: mandatory open rows of active learners around their due date.
  int due(const Rule& rule) {
    std::vector<Candidate> candidates;
    const bool soon = rule.kind == "due_soon";
    const std::int64_t bound = soon ? now_ + rule.days * kDayMs : now_ - rule.days * kDayMs;
    app_.db().read([&](db::Connection& c) {
      // Parameters first appear in number order: SQLite numbers `$N` by first appearance.
      const std::string cond = soon ? "la.due_at_ms > $2 AND la.due_at_ms <= $4" : "la.due_at_ms < $4";
      for (const auto& r : c.query(
               "SELECT la.id, la.user_id, la.course_id, la.due_at_ms, u.name FROM learner_assignments la "
               "JOIN users u ON u.id = la.user_id "
               "WHERE u.org_id = $1 AND u.active = 1 AND u.role = 'learner' AND la.ended_ms IS NULL AND la.completed_at_ms IS NULL "
               "AND la.mandatory = 1 AND la.assigned_at_ms <= $2 "
               "AND NOT EXISTS (SELECT 1 FROM reminders r WHERE r.rule_id = $3 AND r.learner_assignment_id = la.id) "
               "AND la.due_at_ms IS NOT NULL AND " + cond +
                   " ORDER BY la.due_at_ms, la.id LIMIT " + std::to_string(kCandidatesPerRule),
               {rule.org_id, now_, rule.id, bound}))
        candidates.push_back({r.str(0), r.str(1), r.str(2), r.str(4), r.i64(3)});
    });
    int created = 0;
    for (const auto& cand : candidates) {
      refresh(cand.user_id);  // completion may have arrived since the last look
      app_.db().write([&](db::Connection& c) {
        auto still = c.query("SELECT 1 FROM learner_assignments WHERE id = $1 AND completed_at_ms IS NULL AND ended_ms IS NULL", {cand.la_id});
        if (still.empty()) return;
        NewReminder r;
        r.org_id = rule.org_id;
        r.kind = rule.kind;
        r.rule_id = rule.id;
        r.dedupe_key = rule.kind + ":" + rule.id + ":" + cand.la_id;
        r.learner_id = cand.user_id;
        r.learner_assignment_id = cand.la_id;
        r.course_id = cand.course_id;
        r.due_at = cand.due_at;
        const std::string t = "\u201c" + title(cand.course_id) + "\u201d";
        if (rule.kind == "due_soon") {
          r.message = t + " is due on " + day_of(cand.due_at) + ".";
          r.recipients = {cand.user_id};
        } else if (rule.kind == "overdue") {
          r.message = t + " was due on " + day_of(cand.due_at) + ".";
          r.recipients = {cand.user_id};
        } else {
          r.message = cand.learner_name + " has not completed " + t + ", due on " + day_of(cand.due_at) + ".";
          r.recipients = directory::managers_of(c, rule.org_id, cand.user_id);
        }
        if (!insert_reminder(app_, c, r, now_).empty()) ++created;
      });
    }
    return created;
  }

  // cold_due: completed rows whose course has a cold evaluation that opened `days` ago or
  // more and that the learner has not answered.
  int cold(const Rule& rule) {
    std::vector<std::string> course_ids;
    app_.db().read([&](db::Connection& c) {
      for (const auto& r : c.query("SELECT DISTINCT la.course_id FROM learner_assignments la JOIN users u ON u.id = la.user_id "
                                   "WHERE u.org_id = $1 AND la.completed_at_ms IS NOT NULL AND la.cold_completed_ms IS NULL "
                                   "AND la.ended_ms IS NULL",
                                   {rule.org_id}))
        course_ids.push_back(r.str(0));
    });
    int created = 0;
    for (const auto& course_id : course_ids) {
      const auto& course = this->course(course_id);
      if (!course) continue;
      std::vector<ColdItem> items;
      int min_delay = -1;
      for (const auto& m : course->modules)
        for (const auto& it : m.items)
          if (it.type == "survey" && it.role == "cold") {
            items.push_back({it.id, it.title, it.delay_days});
            if (min_delay < 0 || it.delay_days < min_delay) min_delay = it.delay_days;
          }
      if (items.empty()) continue;
      std::vector<Candidate> candidates;
      app_.db().read([&](db::Connection& c) {
        for (const auto& r : c.query(
                 "SELECT la.id, la.user_id FROM learner_assignments la JOIN users u ON u.id = la.user_id "
                 "WHERE u.org_id = $1 AND u.active = 1 AND la.course_id = $2 AND la.completed_at_ms IS NOT NULL "
                 "AND la.cold_completed_ms IS NULL AND la.ended_ms IS NULL AND la.completed_at_ms <= $3 "
                 "AND NOT EXISTS (SELECT 1 FROM reminders r WHERE r.rule_id = $4 AND r.learner_assignment_id = la.id) "
                 "ORDER BY la.completed_at_ms, la.id LIMIT " + std::to_string(kCandidatesPerRule),
                 {rule.org_id, course_id, now_ - (min_delay + rule.days) * kDayMs, rule.id}))
          candidates.push_back({r.str(0), r.str(1), course_id, "", 0});
      });
      for (const auto& cand : candidates) {
        const auto pr = progress::project_course(*course, app_.user_statements(cand.user_id, course_id));
        bool all_done = true;
        const ColdItem* open = nullptr;
        std::int64_t opened = 0;
        for (const auto& ci : items) {
          const auto* ip = pr.item(ci.id);
          if (ip && ip->status == "completed") continue;
          all_done = false;
          if (ip && ip->available_at && ip->available_at + rule.days * kDayMs <= now_ && !open) {
            open = &ci;
            opened = ip->available_at;
          }
        }
        app_.db().write([&](db::Connection& c) {
          if (all_done) {
            c.exec("UPDATE learner_assignments SET cold_completed_ms = $1 WHERE id = $2 AND cold_completed_ms IS NULL", {now_, cand.la_id});
            return;
          }
          if (!open) return;
          NewReminder r;
          r.org_id = rule.org_id;
          r.kind = "cold_due";
          r.rule_id = rule.id;
          r.dedupe_key = "cold_due:" + rule.id + ":" + cand.la_id;
          r.learner_id = cand.user_id;
          r.recipients = {cand.user_id};
          r.learner_assignment_id = cand.la_id;
          r.course_id = course_id;
          r.message = "The follow-up survey \u201c" + open->title + "\u201d of \u201c" + title(course_id) + "\u201d is open since " +
                      day_of(opened) + ".";
          if (!insert_reminder(app_, c, r, now_).empty()) ++created;
        });
      }
    }
    return created;
  }

  App& app_;
  std::int64_t now_;
  std::map<std::string, assignments::CourseInfo> catalog_;
  std::map<std::string, std::optional<bundle::Course>> courses_;
  std::set<std::string> refreshed_;
};

json webhook_payload(db::Connection& c, const std::string& id) {
  auto rows = c.query(std::string("SELECT ") + kReminderColumns + " FROM reminders WHERE id = $1", {id});
  if (rows.empty()) return nullptr;
  const json full = reminder_json(c, rows[0]);
  json course = nullptr;
  if (!full["course_id"].is_null()) course = {{"id", full["course_id"]}, {"title", full["course_title"]}};
  return {{"event", "reminder"},      {"id", full["id"]},         {"kind", full["kind"]},
          {"org_id", rows[0].str(17)}, {"created_at", full["created_ms"]}, {"learner", full["learner"]},
          {"recipients", full["recipients"]}, {"course", course}, {"due_at", full["due_at"]},
          {"message", full["message"]}};
}

}  // namespace

const char* const kReminderColumns =
    "id, kind, rule_id, learner_id, recipients, learner_assignment_id, course_id, due_at_ms, message, sent_by, created_ms, "
    "delivered_ms, acked_ms, webhook_state, webhook_attempts, webhook_next_ms, webhook_error, org_id";

void add_default_rules(db::Connection& c, const std::string& org_id, std::int64_t now) {
  const std::pair<const char*, int> defaults[] = {{"due_soon", 3}, {"overdue", 0}, {"cold_due", 0}, {"escalation", 7}};
  for (const auto& [kind, days] : defaults)
    c.exec("INSERT INTO reminder_rules(id, org_id, kind, days, enabled, created_ms) VALUES ($1,$2,$3,$4,1,$5) ON CONFLICT(id) DO NOTHING",
           {"rr-" + org_id + "-" + kind, org_id, std::string(kind), std::int64_t{days}, now});
}

json reminder_json(db::Connection& c, const db::Row& r) {
  auto opt = [&](std::size_t i) { return r.is_null(i) ? json(nullptr) : json(r.i64(i)); };
  auto person = [&](const std::string& id) {
    auto u = c.query("SELECT name, email, role FROM users WHERE id = $1", {id});
    return u.empty() ? json{{"id", id}} : json{{"id", id}, {"name", u[0].str(0)}, {"email", u[0].str(1)}, {"role", u[0].str(2)}};
  };
  json recipients = json::array();
  for (const auto& id : json::parse(r.str(4))) recipients.push_back(person(id.get<std::string>()));
  std::string course_title;
  if (!r.is_null(6)) {
    auto t = c.query("SELECT b.title FROM courses c JOIN bundles b ON b.course_id = c.id AND b.version = c.current_version WHERE c.id = $1",
                     {r.str(6)});
    course_title = t.empty() ? r.str(6) : t[0].str(0);
  }
  return {{"id", r.str(0)},
          {"kind", r.str(1)},
          {"rule_id", r.is_null(2) ? json(nullptr) : json(r.str(2))},
          {"learner", person(r.str(3))},
          {"recipients", recipients},
          {"learner_assignment_id", r.is_null(5) ? json(nullptr) : json(r.str(5))},
          {"course_id", r.is_null(6) ? json(nullptr) : json(r.str(6))},
          {"course_title", r.is_null(6) ? json(nullptr) : json(course_title)},
          {"due_at", opt(7)},
          {"message", r.str(8)},
          {"sent_by", r.is_null(9) ? json(nullptr) : person(r.str(9))},
          {"created_ms", r.i64(10)},
          {"delivered_ms", opt(11)},
          {"acked_ms", opt(12)},
          {"webhook", {{"state", r.str(13)}, {"attempts", r.i64(14)}, {"next_ms", opt(15)},
                       {"error", r.is_null(16) ? json(nullptr) : json(r.str(16))}}}};
}

int evaluate(App& app, std::int64_t now, const std::string& org_id) {
  std::vector<Rule> rules;
  app.db().read([&](db::Connection& c) {
    auto rows = org_id.empty()
                    ? c.query("SELECT id, org_id, kind, days FROM reminder_rules WHERE enabled = 1 ORDER BY org_id, kind, id")
                    : c.query("SELECT id, org_id, kind, days FROM reminder_rules WHERE enabled = 1 AND org_id = $1 ORDER BY kind, id",
                              {org_id});
    for (const auto& r : rows) rules.push_back({r.str(0), r.str(1), r.str(2), r.i64(3)});
  });
  Evaluation ev(app, now);
  int created = 0;
  for (const auto& rule : rules) created += ev.run(rule);
  if (created) app.notify_reminders();
  return created;
}

void deliver_webhooks(App& app, std::int64_t now, TickReport& report, int max) {
  const auto& cfg = app.config();
  if (cfg.webhook_url.empty()) return;
  std::vector<std::string> ids;
  app.db().read([&](db::Connection& c) {
    for (const auto& r : c.query("SELECT id FROM reminders WHERE webhook_state = 'pending' AND webhook_next_ms <= $1 "
                                 "ORDER BY webhook_next_ms, id LIMIT " + std::to_string(max),
                                 {now}))
      ids.push_back(r.str(0));
  });
  const auto started = std::chrono::steady_clock::now();
  for (const auto& id : ids) {
    if (std::chrono::steady_clock::now() - started > kWebhookBudget) break;  // the rest at the next pass
    std::int64_t attempts = 0;
    json payload;
    app.db().write([&](db::Connection& c) {
      attempts = 0;
      // The claim: only one process moves next_ms forward; the others see 0 rows changed.
      if (c.exec("UPDATE reminders SET webhook_attempts = webhook_attempts + 1, webhook_next_ms = $1 "
                 "WHERE id = $2 AND webhook_state = 'pending' AND webhook_next_ms <= $3",
                 {now + kClaimLeaseMs, id, now}) != 1)
        return;
      attempts = c.query("SELECT webhook_attempts FROM reminders WHERE id = $1", {id})[0].i64(0);
      payload = webhook_payload(c, id);
    });
    if (!attempts || payload.is_null()) continue;
    const std::string body = payload.dump();
    std::map<std::string, std::string> headers = {{"content-type", "application/json"},
                                                  {"x-trailpack-event", "reminder"},
                                                  {"x-trailpack-delivery", id}};
    if (!cfg.webhook_secret.empty()) headers["x-trailpack-signature"] = "sha256=" + crypto::hmac_sha256_hex(cfg.webhook_secret, body);
    ClientOptions options;
    options.timeout = std::chrono::milliseconds(cfg.webhook_timeout_ms);
    options.max_response_bytes = 64 * 1024;
    options.user_agent = "trailpack-webhook";
    std::string error;
    try {
      auto res = http_request("POST", cfg.webhook_url, body, headers, options);
      if (res.status < 200 || res.status > 299) error = "the webhook answered HTTP " + std::to_string(res.status);
    } catch (const std::exception& e) {
      error = e.what();
    }
    app.db().write([&](db::Connection& c) {
      if (error.empty()) {
        c.exec("UPDATE reminders SET webhook_state = 'sent', webhook_next_ms = NULL, webhook_error = NULL WHERE id = $1", {id});
      } else if (attempts >= kMaxWebhookAttempts) {
        c.exec("UPDATE reminders SET webhook_state = 'failed', webhook_next_ms = NULL, webhook_error = $1 WHERE id = $2", {error, id});
      } else {
        c.exec("UPDATE reminders SET webhook_next_ms = $1, webhook_error = $2 WHERE id = $3",
               {now + (kFirstBackoffMs << (attempts - 1)), error, id});
      }
    });
    if (error.empty()) {
      ++report.webhooks_sent;
    } else {
      log_event("warn", "webhook_failed", {{"reminder", id}, {"attempt", attempts}, {"error", error}});
      if (attempts >= kMaxWebhookAttempts) ++report.webhooks_failed;
      else ++report.webhooks_retrying;
    }
  }
}

json send_manual(App& app, const std::string& org_id, const std::string& learner_id, const std::string& course_id,
                 const std::string& message, const std::string& sent_by, std::int64_t now) {
  NewReminder r;
  r.org_id = org_id;
  r.kind = "manual";
  r.learner_id = learner_id;
  r.recipients = {learner_id};
  r.course_id = course_id;
  r.message = message;
  r.sent_by = sent_by;
  json out;
  app.db().write([&](db::Connection& c) {
    const std::string id = insert_reminder(app, c, r, now);
    out = reminder_json(c, c.query(std::string("SELECT ") + kReminderColumns + " FROM reminders WHERE id = $1", {id})[0]);
  });
  app.notify_reminders();
  return out;
}

json for_device(App& app, const std::string& user_id, const std::vector<std::string>& acks, std::int64_t now) {
  json out = json::array();
  app.db().write([&](db::Connection& c) {
    out = json::array();
    for (const auto& id : acks)
      c.exec("UPDATE reminders SET acked_ms = $1 WHERE id = $2 AND learner_id = $3 AND kind <> 'escalation' AND acked_ms IS NULL",
             {now, id, user_id});
    for (const auto& r : c.query("SELECT r.id, r.kind, r.course_id, r.message, r.due_at_ms, r.created_ms, r.delivered_ms "
                                 "FROM reminders r WHERE r.learner_id = $1 AND r.kind <> 'escalation' AND r.acked_ms IS NULL "
                                 "ORDER BY r.created_ms, r.id LIMIT 50",
                                 {user_id})) {
      out.push_back({{"id", r.str(0)},
                     {"kind", r.str(1)},
                     {"course_id", r.is_null(2) ? json(nullptr) : json(r.str(2))},
                     {"message", r.str(3)},
                     {"due_at", r.is_null(4) ? json(nullptr) : json(r.i64(4))},
                     {"created_at", r.i64(5)}});
      if (r.is_null(6)) c.exec("UPDATE reminders SET delivered_ms = $1 WHERE id = $2", {now, r.str(0)});
    }
  });
  return out;
}

Scheduler::Scheduler(App& app, std::string holder) : app_(app), holder_(std::move(holder)) {}

Scheduler::~Scheduler() { stop(); }

TickReport Scheduler::run_once(std::int64_t now) {
  TickReport report;
  bool leased = false;
  app_.db().write([&](db::Connection& c) {
    leased = c.exec("UPDATE scheduler_leases SET holder = $1, expires_ms = $2 WHERE name = 'reminders' AND (expires_ms <= $3 OR holder = $1)",
                    {holder_, now + kSchedulerLeaseMs, now}) == 1;
  });
  if (leased) {
    report.evaluated = true;
    report.created = evaluate(app_, now);
  }
  deliver_webhooks(app_, now, report);
  return report;
}

void Scheduler::start(std::chrono::milliseconds interval) {
  thread_ = std::thread([this, interval] {
    std::unique_lock<std::mutex> lock(m_);
    while (!stop_) {
      lock.unlock();
      try {
        const auto r = run_once(app_.now_ms());
        if (r.created || r.webhooks_sent || r.webhooks_failed)
          log_event("info", "reminders", {{"created", r.created}, {"webhooks_sent", r.webhooks_sent},
                                          {"webhooks_retrying", r.webhooks_retrying}, {"webhooks_failed", r.webhooks_failed}});
      } catch (const std::exception& e) {
        log_event("error", "reminders_failed", {{"what", e.what()}});
      }
      lock.lock();
      cv_.wait_for(lock, interval, [&] { return stop_ || woken_; });
      woken_ = false;
    }
  });
}

void Scheduler::wake() {
  {
    std::lock_guard<std::mutex> lock(m_);
    woken_ = true;
  }
  cv_.notify_all();
}

void Scheduler::stop() {
  {
    std::lock_guard<std::mutex> lock(m_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace trailpack::server::reminders
