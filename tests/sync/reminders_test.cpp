// Reminders on a real server: rules fired by the scheduler at a fake clock, each once;
// delivery to devices at pull until acknowledged; the webhook against a real receiver on
// 127.0.0.1 (the project's own HTTP server) with retries, backoff, timeout and signature;
// two server processes on one database.
#include <catch2/catch.hpp>

#include <atomic>
#include <deque>
#include <mutex>

#include "app/reminders.hpp"
#include "identity_helpers.hpp"
#include "trailpack/time.hpp"

using namespace trailpack::test;
using nlohmann::json;
namespace server = trailpack::server;
namespace reminders = trailpack::server::reminders;

namespace {

// An HTTP receiver on 127.0.0.1 that records what it gets and answers with the statuses
// it is told, after an optional delay.
class Receiver {
 public:
  Receiver() {
    router_.add("POST", "/hook", [this](server::Request& req) {
      int status = 200;
      int delay = 0;
      {
        std::lock_guard<std::mutex> lock(m_);
        got_.push_back({req.body, req.headers});
        if (!statuses_.empty()) {
          status = statuses_.front();
          statuses_.pop_front();
        }
        delay = delay_ms_;
      }
      if (delay) std::this_thread::sleep_for(std::chrono::milliseconds(delay));
      return server::Response::json(status, {{"received", status < 300}});
    });
    http_ = std::make_unique<server::HttpServer>(router_, server::ServerLimits{});
    url_ = "http://127.0.0.1:" + std::to_string(http_->listen("127.0.0.1", 0)) + "/hook";
    thread_ = std::thread([this] { http_->run(2); });
  }
  ~Receiver() {
    http_->stop();
    thread_.join();
  }
  const std::string& url() const { return url_; }
  void answer(std::initializer_list<int> statuses) {
    std::lock_guard<std::mutex> lock(m_);
    statuses_.insert(statuses_.end(), statuses);
  }
  void delay(int ms) {
    std::lock_guard<std::mutex> lock(m_);
    delay_ms_ = ms;
  }
  struct Got {
    std::string body;
    std::map<std::string, std::string> headers;
  };
  std::vector<Got> got() {
    std::lock_guard<std::mutex> lock(m_);
    return got_;
  }

 private:
  server::Router router_;
  std::unique_ptr<server::HttpServer> http_;
  std::thread thread_;
  std::string url_;
  std::mutex m_;
  std::deque<int> statuses_;
  std::vector<Got> got_;
  int delay_ms_ = 0;
};

json history(TestServer& srv, const std::string& token, const std::string& query = "") {
  auto r = call(srv, "GET", "/api/v1/admin/reminders" + query, token);
  REQUIRE(r.status == 200);
  return r.body;
}

std::vector<std::string> kinds_of(const json& list) {
  std::vector<std::string> out;
  for (const auto& r : list) out.push_back(r["kind"]);
  return out;
}

json pull_with_acks(TestServer& srv, const Device& d, const std::vector<std::string>& acks) {
  auto res = srv.post("/api/v1/sync/pull", json{{"protocol", 1}, {"cursor", 0}, {"ack_reminders", acks}}.dump(),
                      TestServer::bearer(d.access_token));
  REQUIRE(res.status == 200);
  return body_json(res);
}

std::string day_of(std::int64_t ms) { return trailpack::format_timestamp(ms).substr(0, 10); }

}  // namespace

TEST_CASE("reminders: HMAC-SHA256 signatures match RFC 4231", "[sync][reminders]") {
  CHECK(server::crypto::hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("reminders: due soon, overdue and escalation fire once each at the scheduler's clock", "[sync][reminders]") {
  TestServer srv;
  const std::string admin = srv.admin_token();
  publish_course(srv, "safety-basics", "Workplace safety basics");
  const std::string crew = make_group(srv, admin, "Crew");
  Device lea = srv.enroll_learner("lea@example.com", "Lea");
  Device bob = srv.enroll_learner("bob@example.com", "Bob");
  Device sam = srv.enroll_learner("sam@example.com", "Sam");
  add_members(srv, admin, crew, {lea.user_id, bob.user_id});
  const std::string mgr = add_staff(srv, "mgr@example.com", "manager", "mgr-password-1");
  add_manager(srv, admin, crew, mgr);
  const std::int64_t t0 = now_ms();
  const std::int64_t due = t0 + 10 * kDay;
  assign(srv, admin, {{"target", {{"type", "group"}, {"id", crew}}}, {"course_id", "safety-basics"}, {"due_at", due}});
  // Bob has already done it: he is never reminded.
  REQUIRE(body_json(push(srv, bob, completing(bob, "safety-basics", t0 - kDay, 1)))["stored"] == 3);

  reminders::Scheduler scheduler(srv.app(), "test-process");
  auto tick = [&](std::int64_t at) { return scheduler.run_once(at); };
  CHECK(tick(t0).created == 0);
  auto soon = tick(t0 + 8 * kDay);
  CHECK(soon.evaluated);
  CHECK(soon.created == 1);
  CHECK(tick(t0 + 8 * kDay + 60000).created == 0);
  CHECK(tick(due + 3600000).created == 1);   // overdue (rule: 0 days after)
  CHECK(tick(due + 6 * kDay).created == 0);  // escalation waits 7 days
  CHECK(tick(due + 7 * kDay + 60000).created == 1);
  CHECK(tick(due + 30 * kDay).created == 0);

  json h = history(srv, admin);
  CHECK(h["total"] == 3);
  CHECK(kinds_of(h["reminders"]) == std::vector<std::string>{"escalation", "overdue", "due_soon"});
  const json& esc = h["reminders"][0];
  CHECK(esc["learner"]["id"] == lea.user_id);
  REQUIRE(esc["recipients"].size() == 1);
  CHECK(esc["recipients"][0]["id"] == mgr);
  CHECK(esc["message"] == "Lea has not completed \u201cWorkplace safety basics\u201d, due on " + day_of(due) + ".");
  CHECK(esc["webhook"]["state"] == "none");
  CHECK(h["reminders"][1]["message"] == "\u201cWorkplace safety basics\u201d was due on " + day_of(due) + ".");
  CHECK(h["reminders"][2]["message"] == "\u201cWorkplace safety basics\u201d is due on " + day_of(due) + ".");
  CHECK(h["reminders"][2]["created_ms"] == t0 + 8 * kDay);
  CHECK(h["reminders"][2]["due_at"] == due);

  // The device gets the learner's reminders (not the escalation) until it acknowledges them.
  json p = pull_with_acks(srv, lea, {});
  REQUIRE(p["reminders"].size() == 2);
  CHECK(p["reminders"][0]["kind"] == "due_soon");
  CHECK(p["reminders"][0]["course_id"] == "safety-basics");
  CHECK(p["reminders"][0]["due_at"] == due);
  CHECK(p["reminders"][1]["kind"] == "overdue");
  const std::string first = p["reminders"][0]["id"], second = p["reminders"][1]["id"];
  CHECK(pull_with_acks(srv, lea, {})["reminders"].size() == 2);   // not acknowledged: sent again
  CHECK(pull_with_acks(srv, sam, {first, second})["reminders"] == json::array());  // not Sam's to acknowledge
  p = pull_with_acks(srv, lea, {first});
  REQUIRE(p["reminders"].size() == 1);
  CHECK(p["reminders"][0]["id"] == second);
  CHECK(pull_with_acks(srv, lea, {second})["reminders"] == json::array());
  h = history(srv, admin);
  CHECK(h["reminders"][2]["acked_ms"].is_number());
  CHECK(h["reminders"][2]["delivered_ms"].is_number());
  CHECK(h["reminders"][0]["delivered_ms"].is_null());

  // Bad acknowledgements are refused like any bad pull.
  auto bad = srv.post("/api/v1/sync/pull", json{{"ack_reminders", {"r-1'; DROP"}}}.dump(), TestServer::bearer(lea.access_token));
  CHECK(bad.status == 400);
  CHECK(error_where(bad) == "ack_reminders[0]");

  // The manager sees the reminders about their learner; another manager none.
  CHECK(history(srv, login(srv, "mgr@example.com", "mgr-password-1"))["total"] == 3);
  add_staff(srv, "other@example.com", "manager", "other-password-1");
  CHECK(history(srv, login(srv, "other@example.com", "other-password-1"))["total"] == 0);
  CHECK(history(srv, admin, "?learner=" + bob.user_id)["total"] == 0);
}

TEST_CASE("reminders: a cold evaluation is reminded once it opens, unless answered", "[sync][reminders]") {
  TestServer srv;
  const std::string admin = srv.admin_token();
  publish_course(srv, "safety-basics", "Workplace safety basics", /*cold_delay_days=*/30);
  const std::string crew = make_group(srv, admin, "Crew");
  Device ann = srv.enroll_learner("ann@example.com", "Ann");
  Device ben = srv.enroll_learner("ben@example.com", "Ben");
  Device cal = srv.enroll_learner("cal@example.com", "Cal");
  add_members(srv, admin, crew, {ann.user_id, ben.user_id, cal.user_id});
  assign(srv, admin, {{"target", {{"type", "group"}, {"id", crew}}}, {"course_id", "safety-basics"}});
  const std::int64_t t0 = now_ms();
  const std::int64_t ann_done = t0 - 40 * kDay;
  REQUIRE(body_json(push(srv, ann, completing(ann, "safety-basics", ann_done, 1)))["stored"] == 3);
  REQUIRE(body_json(push(srv, ben, completing(ben, "safety-basics", t0 - 5 * kDay, 11)))["stored"] == 3);
  auto cal_done = completing(cal, "safety-basics", t0 - 40 * kDay, 21);
  json answer = item_statement(cal, uuid_n(29, 'c'), "safety-basics", "follow-up", "http://adlnet.gov/expapi/verbs/responded");
  answer["timestamp"] = trailpack::format_timestamp(t0 - 2 * kDay);
  cal_done.push_back(answer);
  REQUIRE(body_json(push(srv, cal, cal_done))["stored"] == 4);
  // Devices pull after pushing: that is when the server re-projects completion.
  for (const auto* d : {&ann, &ben, &cal}) REQUIRE(pull(srv, *d, 0).status == 200);

  reminders::Scheduler scheduler(srv.app(), "test-process");
  CHECK(scheduler.run_once(t0).created == 1);
  json h = history(srv, admin);
  REQUIRE(h["total"] == 1);
  CHECK(h["reminders"][0]["kind"] == "cold_due");
  CHECK(h["reminders"][0]["learner"]["id"] == ann.user_id);
  CHECK(h["reminders"][0]["message"] == "The follow-up survey \u201cOne month later\u201d of \u201cWorkplace safety basics\u201d is open since " +
                                             day_of(ann_done + 30 * kDay) + ".");
  CHECK(scheduler.run_once(t0 + 60000).created == 0);
  CHECK(scheduler.run_once(t0 + 24 * kDay).created == 0);  // Ben's opens 25 days from now
  CHECK(scheduler.run_once(t0 + 26 * kDay).created == 1);
  CHECK(history(srv, admin, "?learner=" + ben.user_id)["total"] == 1);
  CHECK(history(srv, admin, "?learner=" + cal.user_id)["total"] == 0);
  std::int64_t answered = 0;
  srv.app().db().read([&](server::db::Connection& c) {
    answered = c.query("SELECT COUNT(*) FROM learner_assignments WHERE cold_completed_ms IS NOT NULL")[0].i64(0);
  });
  CHECK(answered == 1);
}

TEST_CASE("reminders: the webhook gets each reminder signed, retried with backoff until it answers 2xx", "[sync][reminders]") {
  Receiver receiver;
  TestServer srv({}, [&](server::Config& c) {
    c.webhook_url = receiver.url();
    c.webhook_secret = "s3cret";
    c.webhook_timeout_ms = 2000;
  });
  const std::string admin = srv.admin_token();
  Device lea = srv.enroll_learner("lea@example.com", "Lea");
  receiver.answer({500, 503});
  auto sent = call(srv, "POST", "/api/v1/admin/reminders", admin, {{"learner_id", lea.user_id}, {"message", "Please finish the safety course"}});
  REQUIRE(sent.status == 201);
  CHECK(sent.body["kind"] == "manual");
  CHECK(sent.body["webhook"]["state"] == "pending");
  CHECK(sent.body["sent_by"]["email"] == "admin@example.com");
  const std::string id = sent.body["id"];

  reminders::Scheduler scheduler(srv.app(), "test-process");
  const std::int64_t t = now_ms() + 1000;
  auto r1 = scheduler.run_once(t);
  CHECK(r1.webhooks_retrying == 1);
  json w = history(srv, admin)["reminders"][0]["webhook"];
  CHECK(w == json{{"state", "pending"}, {"attempts", 1}, {"next_ms", t + 60000}, {"error", "the webhook answered HTTP 500"}});
  CHECK(scheduler.run_once(t + 30000).webhooks_retrying == 0);  // not due yet
  CHECK(receiver.got().size() == 1);
  CHECK(scheduler.run_once(t + 61000).webhooks_retrying == 1);
  w = history(srv, admin)["reminders"][0]["webhook"];
  CHECK(w["next_ms"] == t + 61000 + 120000);
  CHECK(w["error"] == "the webhook answered HTTP 503");
  CHECK(scheduler.run_once(t + 61000 + 120000).webhooks_sent == 1);
  w = history(srv, admin)["reminders"][0]["webhook"];
  CHECK(w == json{{"state", "sent"}, {"attempts", 3}, {"next_ms", nullptr}, {"error", nullptr}});
  CHECK(scheduler.run_once(t + kDay).webhooks_sent == 0);  // sent once

  const auto got = receiver.got();
  REQUIRE(got.size() == 3);
  CHECK(got[0].body == got[2].body);  // the same delivery each time
  const json payload = json::parse(got[2].body);
  CHECK(payload["event"] == "reminder");
  CHECK(payload["id"] == id);
  CHECK(payload["kind"] == "manual");
  CHECK(payload["org_id"] == org_id(srv));
  CHECK(payload["learner"] == json{{"id", lea.user_id}, {"name", "Lea"}, {"email", "lea@example.com"}, {"role", "learner"}});
  CHECK(payload["recipients"] == json::array({payload["learner"]}));
  CHECK(payload["course"].is_null());
  CHECK(payload["message"] == "Please finish the safety course");
  CHECK(got[2].headers.at("content-type") == "application/json");
  CHECK(got[2].headers.at("x-trailpack-event") == "reminder");
  CHECK(got[2].headers.at("x-trailpack-delivery") == id);
  CHECK(got[2].headers.at("x-trailpack-signature") == "sha256=" + server::crypto::hmac_sha256_hex("s3cret", got[2].body));
}

TEST_CASE("reminders: a webhook that hangs times out, and one that keeps failing is given up after 6 attempts",
          "[sync][reminders]") {
  Receiver receiver;
  TestServer srv({}, [&](server::Config& c) {
    c.webhook_url = receiver.url();
    c.webhook_timeout_ms = 300;
  });
  const std::string admin = srv.admin_token();
  Device lea = srv.enroll_learner("lea@example.com", "Lea");
  REQUIRE(call(srv, "POST", "/api/v1/admin/reminders", admin, {{"learner_id", lea.user_id}, {"message", "Hello"}}).status == 201);
  reminders::Scheduler scheduler(srv.app(), "test-process");
  std::int64_t t = now_ms() + 1000;
  receiver.delay(1500);
  const auto started = std::chrono::steady_clock::now();
  CHECK(scheduler.run_once(t).webhooks_retrying == 1);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1200));
  CHECK(history(srv, admin)["reminders"][0]["webhook"]["error"] == "no answer within 300 ms");
  receiver.delay(0);
  receiver.answer({500, 500, 500, 500, 500, 500});
  std::int64_t wait = 60000;
  for (int attempt = 2; attempt <= 6; ++attempt) {
    t += wait;
    auto r = scheduler.run_once(t);
    CHECK(r.webhooks_retrying + r.webhooks_failed == 1);
    if (attempt == 6) CHECK(r.webhooks_failed == 1);
    wait *= 2;
  }
  const json w = history(srv, admin)["reminders"][0]["webhook"];
  CHECK(w == json{{"state", "failed"}, {"attempts", 6}, {"next_ms", nullptr}, {"error", "the webhook answered HTTP 500"}});
  CHECK(scheduler.run_once(t + 10 * kDay).webhooks_failed == 0);
  CHECK(receiver.got().size() == 6);
  // The device still gets it: the webhook is an extra channel.
  CHECK(pull_with_acks(srv, lea, {})["reminders"].size() == 1);
}

TEST_CASE("reminders: two server processes on one database record each reminder once", "[sync][reminders]") {
  TestServer srv;
  const std::string admin = srv.admin_token();
  publish_course(srv, "safety-basics", "Workplace safety basics");
  const std::string crew = make_group(srv, admin, "Crew");
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i)
    ids.push_back(srv.app().create_user(org_id(srv), "l" + std::to_string(i) + "@example.com", "L" + std::to_string(i), "learner", ""));
  add_members(srv, admin, crew, ids);
  const std::int64_t t0 = now_ms();
  assign(srv, admin, {{"target", {{"type", "group"}, {"id", crew}}}, {"course_id", "safety-basics"}, {"due_at", t0 + 2 * kDay}});
  // A second App on the same database: another `trailpack serve` process as far as the
  // database can tell (its own connections, its own scheduler).
  server::App other(srv.app().config());
  reminders::Scheduler a(srv.app(), "process-a"), b(other, "process-b");

  // Evaluations racing each other (no lease): every reminder exactly once.
  std::atomic<int> created{0};
  std::thread ta([&] { created += reminders::evaluate(srv.app(), t0 + kDay); });
  std::thread tb([&] { created += reminders::evaluate(other, t0 + kDay); });
  ta.join();
  tb.join();
  CHECK(created == 12);
  std::int64_t rows = 0;
  srv.app().db().read([&](server::db::Connection& c) { rows = c.query("SELECT COUNT(*) FROM reminders")[0].i64(0); });
  CHECK(rows == 12);

  // The lease: of two schedulers ticking at once, one evaluates; the other waits for it to lapse.
  server::reminders::TickReport ra, rb;
  std::thread sa([&] { ra = a.run_once(t0 + kDay + 1000); });
  std::thread sb([&] { rb = b.run_once(t0 + kDay + 1000); });
  sa.join();
  sb.join();
  CHECK(ra.evaluated != rb.evaluated);
  CHECK(b.run_once(t0 + kDay + 2000).evaluated == rb.evaluated);
  CHECK(b.run_once(t0 + kDay + 60000).evaluated);  // the other's lease expired
}

TEST_CASE("reminders: rules are the organisation's; staff nudge their own learners; admins run the rules now",
          "[sync][reminders]") {
  TestServer srv;
  const std::string admin = srv.admin_token();
  auto rules = call(srv, "GET", "/api/v1/admin/reminder-rules", admin);
  REQUIRE(rules.status == 200);
  std::vector<std::pair<std::string, int>> got;
  for (const auto& r : rules.body["rules"]) got.emplace_back(r["kind"], r["days"]);
  CHECK(got == std::vector<std::pair<std::string, int>>{{"cold_due", 0}, {"due_soon", 3}, {"escalation", 7}, {"overdue", 0}});
  CHECK(rules.body["webhook"] == json{{"configured", false}});

  auto zero = call(srv, "POST", "/api/v1/admin/reminder-rules", admin, {{"kind", "due_soon"}, {"days", 0}});
  CHECK(zero.status == 400);
  CHECK(zero.body["error"]["message"] == "\"days\" must be at least 1 for a due_soon rule (days before the due date)");
  CHECK(call(srv, "POST", "/api/v1/admin/reminder-rules", admin, {{"kind", "weekly"}, {"days", 1}}).body["error"]["where"] == "kind");
  auto added = call(srv, "POST", "/api/v1/admin/reminder-rules", admin, {{"kind", "overdue"}, {"days", 14}});
  REQUIRE(added.status == 201);
  CHECK(added.body["enabled"] == true);
  const std::string rid = added.body["id"];
  // The same kind and delay again would remind every learner twice: 409, by POST or PATCH.
  auto twin = call(srv, "POST", "/api/v1/admin/reminder-rules", admin, {{"kind", "overdue"}, {"days", 14}});
  CHECK(twin.status == 409);
  CHECK(twin.body["error"]["message"] == "rule " + rid + " already has kind overdue and days 14");
  CHECK(call(srv, "PATCH", "/api/v1/admin/reminder-rules/" + rid, admin, {{"days", 0}}).status == 409);  // the default overdue rule
  CHECK(call(srv, "GET", "/api/v1/admin/reminder-rules", admin).body["rules"].size() == 5);
  auto off = call(srv, "PATCH", "/api/v1/admin/reminder-rules/" + rid, admin, {{"enabled", false}, {"days", 21}});
  CHECK(off.body["enabled"] == false);
  CHECK(off.body["days"] == 21);
  CHECK(call(srv, "DELETE", "/api/v1/admin/reminder-rules/" + rid, admin).status == 204);
  CHECK(call(srv, "DELETE", "/api/v1/admin/reminder-rules/" + rid, admin).status == 404);

  // A manager nudges a learner of their group, not anyone else.
  const std::string crew = make_group(srv, admin, "Crew");
  Device lea = srv.enroll_learner("lea@example.com", "Lea");
  Device sam = srv.enroll_learner("sam@example.com", "Sam");
  add_members(srv, admin, crew, {lea.user_id});
  add_manager(srv, admin, crew, add_staff(srv, "m@example.com", "manager", "m-password-1"));
  const std::string m = login(srv, "m@example.com", "m-password-1");
  auto nudge = call(srv, "POST", "/api/v1/admin/reminders", m, {{"learner_id", lea.user_id}, {"message", "Nearly there!"}});
  REQUIRE(nudge.status == 201);
  CHECK(nudge.body["webhook"]["state"] == "none");
  CHECK(call(srv, "POST", "/api/v1/admin/reminders", m, {{"learner_id", sam.user_id}, {"message", "Hi"}}).status == 403);
  auto long_message = call(srv, "POST", "/api/v1/admin/reminders", m, {{"learner_id", lea.user_id}, {"message", std::string(501, 'x')}});
  CHECK(long_message.body["error"]["message"] == "\"message\" must be at most 500 bytes");
  json p = pull_with_acks(srv, lea, {});
  REQUIRE(p["reminders"].size() == 1);
  CHECK(p["reminders"][0]["message"] == "Nearly there!");
  CHECK(p["reminders"][0]["kind"] == "manual");

  // Run now: an overdue assignment is reminded at once, and only once.
  publish_course(srv, "safety-basics", "Workplace safety basics");
  assign(srv, admin, {{"target", {{"type", "user"}, {"id", sam.user_id}}}, {"course_id", "safety-basics"}, {"due_at", now_ms() - kDay}});
  CHECK(call(srv, "POST", "/api/v1/admin/reminders/run", admin).body == json{{"created", 1}});
  CHECK(call(srv, "POST", "/api/v1/admin/reminders/run", admin).body == json{{"created", 0}});
  CHECK(call(srv, "POST", "/api/v1/admin/reminders/run", m).status == 403);
}
