#include "app/app.hpp"

#include "app/kpi_store.hpp"

#include <chrono>

#include "crypto.hpp"
#include "log.hpp"
#include "trailpack/encoding.hpp"
#include "trailpack/json_reader.hpp"

namespace trailpack::server {

using nlohmann::json;

App::App(Config config) : config_(std::move(config)) {
  crypto::init();
  if (config_.public_url.empty()) config_.public_url = "http://" + config_.bind + ":" + std::to_string(config_.port);
  while (!config_.public_url.empty() && config_.public_url.back() == '/') config_.public_url.pop_back();
  db_ = db::Database::open(config_.database);
  kpi_courses_ = std::make_shared<KpiCourseCache>();
  // Keys trusted for bundles: those in the database plus those named in the config.
  db_->read([&](db::Connection& c) {
    for (const auto& r : c.query("SELECT key_id, public_key FROM trusted_keys")) {
      auto raw = base64_decode(r.str(1));
      if (raw) keys_[r.str(0)] = *raw;
    }
  });
  index_statements();
  // Once, after the migration that creates the KPI tables: fill them from the statements.
  rebuild_kpis(true);
}

std::int64_t App::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void App::serialize_writers(db::Connection& c, const std::string& key) {
  if (db_->dialect() == db::Dialect::postgres) c.exec("SELECT pg_advisory_xact_lock(hashtext($1))", {key});
}

json parse_body(const Request& req) {
  auto parsed = parse_json_text(req.body);
  if (!parsed) throw HttpError{400, "invalid_json", "the body is not valid JSON (" + parsed.error().message + ")", parsed.error().where, {}};
  return std::move(parsed).value();
}

void register_routes(Router& router, App& app) {
  register_health_routes(router, app);
  register_auth_routes(router, app);
  register_xapi_routes(router, app);
  register_sync_routes(router, app);
  register_bundle_routes(router, app);
  register_admin_routes(router, app);
  register_identity_routes(router, app);
  register_assignment_routes(router, app);
  register_reminder_routes(router, app);
  register_kpi_routes(router, app);
  register_static_routes(router, app);  // last: it has the catch-all
}

}  // namespace trailpack::server
