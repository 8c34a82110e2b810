// Reminders: rules per organisation (due soon, overdue, cold evaluation open, escalation
// to managers), evaluated by a scheduler inside `trailpack serve`; each reminder is
// recorded once (a unique key per rule and learner assignment, so several server
// processes on one PostgreSQL database never send one twice), delivered to the learner's
// devices at pull until acknowledged, and posted to an optional webhook with retries.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "app/app.hpp"

namespace trailpack::server::reminders {

/// Rule kinds, in the order the console shows them.
inline constexpr const char* kKinds[] = {"due_soon", "overdue", "cold_due", "escalation"};

/// The rules a new organisation starts with: due soon 3 days before, overdue on the day
/// after the due date, cold evaluation as soon as it opens, escalation 7 days overdue.
void add_default_rules(db::Connection& c, const std::string& org_id, std::int64_t now);

struct TickReport {
  bool evaluated = false;  ///< false when another process holds the scheduler lease
  int created = 0;         ///< reminders recorded
  int webhooks_sent = 0;
  int webhooks_retrying = 0;
  int webhooks_failed = 0;  ///< gave up after the last attempt
};

/// Evaluates the enabled rules of one organisation (every organisation when `org_id` is
/// empty) at `now`; returns how many reminders were recorded. Work is bounded: at most
/// 200 candidates per rule per call; the rest waits for the next call.
int evaluate(App& app, std::int64_t now, const std::string& org_id = {});

/// Posts up to `max` pending reminders whose next attempt is due to the configured
/// webhook (nothing without one). Each is claimed first, so two processes never post the
/// same one at once. Failures are retried after 1, 2, 4, 8, 16 minutes; after the 6th
/// failed attempt the reminder is marked failed.
void deliver_webhooks(App& app, std::int64_t now, TickReport& report, int max = 20);

/// Records a reminder written by staff for one learner (kind `manual`). Returns its JSON.
nlohmann::json send_manual(App& app, const std::string& org_id, const std::string& learner_id, const std::string& course_id,
                           const std::string& message, const std::string& sent_by, std::int64_t now);

/// A reminder as the console shows it.
nlohmann::json reminder_json(db::Connection& c, const db::Row& r);
/// Columns reminder_json() reads, in order.
extern const char* const kReminderColumns;

/// The reminders a learner's devices receive at pull (not acknowledged, addressed to the
/// learner), after acknowledging `acks`; marks them delivered.
nlohmann::json for_device(App& app, const std::string& user_id, const std::vector<std::string>& acks, std::int64_t now);

/// Runs evaluate() and deliver_webhooks() periodically on its own thread.
class Scheduler {
 public:
  /// `holder` names this process in the lease (any unique string).
  Scheduler(App& app, std::string holder);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// One pass at `now` (tests pass a fake clock): takes the lease when free or expired
  /// (50 s), evaluates the rules if it got it, then delivers due webhooks.
  TickReport run_once(std::int64_t now);

  /// Starts the thread: a pass at once, then every `interval`, or sooner after wake().
  void start(std::chrono::milliseconds interval);
  /// Asks for a pass soon (a reminder was queued for the webhook).
  void wake();
  /// Stops the thread after the current pass.
  void stop();

 private:
  App& app_;
  std::string holder_;
  std::mutex m_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace trailpack::server::reminders
