// The server application: configuration, storage and the services behind the routes.
// Routes live in *_routes.cpp, one file per area; services that several areas share
// (authentication, statement storage, bundles) are methods here.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "app/failure_limiter.hpp"
#include "db/database.hpp"
#include "http/router.hpp"
#include "metrics.hpp"
#include "trailpack/bundle/manifest.hpp"
#include "trailpack/sync/protocol.hpp"

namespace trailpack::server {

class KpiCourseCache;  // app/kpi_store.hpp

struct Config {
  std::string bind = "127.0.0.1";
  unsigned short port = 8080;
  std::string database = "var/trailpack.db";  ///< path, sqlite:PATH or postgres://...
  std::string public_url;                     ///< how devices reach us; default http://bind:port
  std::string web_root;                       ///< static files (learner app, console); empty = none
  std::vector<std::string> trusted_keys;      ///< public key files (base64) trusted for bundles
  int threads = 0;                            ///< 0 = number of cores (at least 2)
  std::int64_t session_ttl_s = 12 * 3600;     ///< console sessions
  std::int64_t device_token_ttl_s = 30 * 24 * 3600;  ///< device access tokens
  std::int64_t refresh_ttl_s = 180 * 24 * 3600;      ///< device refresh tokens
  std::size_t max_bundle_bytes = 512ull << 20;
  std::string log_level = "info";
  /// Origins (scheme://host[:port]) whose browser content may call /xapi/ (CORS), or
  /// "*" for any; the public URL's own origin always may.
  std::vector<std::string> cors_origins;
  std::string webhook_url;               ///< reminders are POSTed here (http:// only); empty = none
  std::string webhook_secret;            ///< signs webhook bodies (HMAC-SHA256); empty = unsigned
  std::int64_t webhook_timeout_ms = 10000;
  int reminder_interval_s = 60;          ///< scheduler period in `serve`; 0 = no scheduler
};

/// Who is calling.
struct Principal {
  enum class Kind { none, session, device, xapi_client } kind = Kind::none;
  std::string user_id;   ///< session/device
  std::string role;      ///< "admin" | "manager" | "learner"
  std::string org_id;
  std::string device_id;
  std::string client_key;        ///< xapi_client
  std::vector<std::string> scopes;  ///< xapi_client: "statements/write", "statements/read", "all", ...
  std::string name;

  bool is_admin() const { return kind == Kind::session && role == "admin"; }
  bool has_scope(const std::string& s) const;
};

/// The raw data of a statement attachment received in a multipart/mixed request, by
/// its SHA-2 (hex).
struct AttachmentData {
  std::string content_type;
  std::string data;
};

struct StoreOutcome {
  std::vector<sync::PushOutcome> outcomes;
  std::int64_t cursor = 0;
};

class App {
 public:
  explicit App(Config config);

  const Config& config() const { return config_; }
  db::Database& db() { return *db_; }
  Metrics& metrics() { return metrics_; }
  FailureLimiter& failure_limiter() { return failures_; }
  std::int64_t now_ms() const;
  /// Open HTTP connections, for /metrics (the HTTP server registers its counter).
  void set_connection_counter(std::function<std::size_t()> counter) { connection_counter_ = std::move(counter); }
  std::size_t connections() const { return connection_counter_ ? connection_counter_() : 0; }
  /// Inside write(): on PostgreSQL, waits for a transaction-scoped advisory lock on `key`,
  /// so writers that check-then-insert under the same key run one after the other (READ
  /// COMMITTED does not serialize them). No-op on SQLite, whose writer is single already.
  void serialize_writers(db::Connection& c, const std::string& key);
  /// Called when a reminder was queued for the webhook, so the scheduler sends it soon.
  void notify_reminders() {
    if (reminder_wakeup_) reminder_wakeup_();
  }
  /// Set once before serving (by `serve`, which owns the scheduler).
  void set_reminder_wakeup(std::function<void()> wakeup) { reminder_wakeup_ = std::move(wakeup); }

  // --- identities (auth.cpp) ---
  Principal authenticate(const Request& req);
  /// Requires a principal; throws HttpError 401 otherwise.
  Principal require(const Request& req, std::initializer_list<Principal::Kind> kinds);
  Principal require_staff(const Request& req);  ///< admin or manager session
  Principal require_admin(const Request& req);
  std::string create_org(const std::string& name);
  std::string create_user(const std::string& org_id, const std::string& email, const std::string& name,
                          const std::string& role, const std::string& password);
  /// An enrollment code for a learner's device (returned once; stored hashed).
  std::string create_enrollment_code(const std::string& user_id, std::int64_t ttl_s, int uses);
  /// Creates an xAPI client; returns {key, secret}.
  std::pair<std::string, std::string> create_xapi_client(const std::string& name, const std::vector<std::string>& scopes,
                                                         const std::string& key = {}, const std::string& secret = {});
  std::optional<std::string> user_id_for_email(const std::string& email);
  /// The xAPI Agent that stands for a user (account on this server).
  nlohmann::json agent_for(const std::string& user_id, const std::string& name) const;

  // --- statements (statements.cpp) ---
  /// Stores statements from `who` in one transaction. `atomic`: the xAPI rule (any
  /// invalid or conflicting statement rejects the whole batch, nothing is stored);
  /// otherwise per-statement outcomes (the sync protocol). Also records what queries
  /// match on (agents, activities), the raw data of the statements' attachments found in
  /// `attachments`, and, when `who` holds the xAPI `define` scope, the activities'
  /// canonical definitions.
  StoreOutcome store_statements(const Principal& who, std::vector<nlohmann::json> statements, bool atomic,
                                const std::string& device_id,
                                const std::map<std::string, AttachmentData>& attachments = {});
  /// Derives the query index (statement_agents, statement_activities) and activity
  /// definitions of statements stored before migration 2, 500 per transaction; runs at
  /// start-up and costs one small query once done. Returns how many were indexed.
  std::size_t index_statements();
  /// A user's statements (not voided) as stored bodies.
  std::vector<nlohmann::json> user_statements(const std::string& user_id, const std::string& course_id = {});
  /// The stored form served to clients: adds stored, authority, version.
  static nlohmann::json served_form(const std::string& body, std::int64_t stored_ms, const nlohmann::json& authority);

  // --- bundles (bundles.cpp) ---
  bundle::SignatureVerifier verifier();
  void add_trusted_key(const std::string& public_key_raw, const std::string& name);
  nlohmann::json trusted_keys_json();
  /// Validates (and unless dry_run, publishes) a bundle archive. Returns the report.
  nlohmann::json publish_bundle(std::string_view archive, bool dry_run, const std::string& by_user);
  std::optional<bundle::Course> current_course(const std::string& course_id);

  // --- KPI summary tables (kpi_store.cpp, docs/kpis.md) ---
  /// The published course at its current version, parsed once per version; null when
  /// the course is not published.
  std::shared_ptr<const bundle::Course> published_course(db::Connection& c, const std::string& id);
  /// Recomputes the KPI facts of every learner with statements in this course (after a
  /// new version is published: facts follow the current version).
  void refresh_kpi_course(const std::string& course_id);
  /// Empties and refills every KPI table from the stored statements, in one transaction.
  /// With `only_if_pending`, only when the migration that created them asked for it.
  /// Returns whether it ran.
  bool rebuild_kpis(bool only_if_pending = false);

 private:
  Config config_;
  std::unique_ptr<db::Database> db_;
  Metrics metrics_;
  std::function<std::size_t()> connection_counter_;
  std::function<void()> reminder_wakeup_;
  FailureLimiter failures_;
  std::mutex keys_mutex_;
  std::map<std::string, std::string> keys_;  ///< key id -> raw public key
  std::shared_ptr<KpiCourseCache> kpi_courses_;
};

/// Registers every route on the router.
void register_routes(Router& router, App& app);

// Per-area registration (each in its own file).
void register_health_routes(Router& router, App& app);
void register_auth_routes(Router& router, App& app);
void register_xapi_routes(Router& router, App& app);
void register_sync_routes(Router& router, App& app);
void register_bundle_routes(Router& router, App& app);
void register_admin_routes(Router& router, App& app);
void register_identity_routes(Router& router, App& app);    ///< identity_routes.cpp
void register_assignment_routes(Router& router, App& app);  ///< assignment_routes.cpp
void register_reminder_routes(Router& router, App& app);    ///< reminder_routes.cpp
void register_kpi_routes(Router& router, App& app);
void register_static_routes(Router& router, App& app);

/// Parses a JSON request body or throws HttpError 400 with the position.
nlohmann::json parse_body(const Request& req);

}  // namespace trailpack::server
