#include "server_fixture.hpp"

#include <chrono>
#include <cstdlib>
#include <random>

namespace trailpack::test {

using nlohmann::json;
namespace fs = std::filesystem;

TestServer::TestServer(server::ServerLimits limits, const std::function<void(server::Config&)>& configure) {
  std::random_device rd;
  dir_ = fs::temp_directory_path() / ("trailpack-test-" + std::to_string(rd()));
  fs::create_directories(dir_);
  server::Config cfg;
  cfg.database = (dir_ / "server.db").string();
  if (const std::string admin = pg_admin_url(); !admin.empty()) {
    try {
      pg_ = std::make_unique<ScratchPgDatabase>(admin);
    } catch (...) {
      std::error_code ec;
      fs::remove_all(dir_, ec);  // no destructor runs for a constructor that throws
      throw;
    }
    cfg.database = pg_->url();
  }
  cfg.port = 0;
  cfg.threads = 2;
  cfg.log_level = "error";
  // The public URL is known only after binding; devices' actors use it, so bind first.
  router_ = std::make_unique<server::Router>();
  http_ = std::make_unique<server::HttpServer>(*router_, limits);
  const unsigned short port = http_->listen("127.0.0.1", 0);
  url_ = "http://127.0.0.1:" + std::to_string(port);
  cfg.public_url = url_;
  server::set_log_level("error");
  if (configure) configure(cfg);
  app_ = std::make_unique<server::App>(cfg);
  server::register_routes(*router_, *app_);
  org_ = app_->create_org("Test org");
  app_->create_user(org_, "admin@example.com", "Admin", "admin", "admin-pass-1");
  thread_ = std::thread([this] { http_->run(2); });
}

TestServer::~TestServer() {
  http_->stop();
  if (thread_.joinable()) thread_.join();
  http_.reset();
  app_.reset();  // closes the App's connections before the database is dropped
  pg_.reset();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

server::ClientResponse TestServer::request(const std::string& method, const std::string& path, const std::string& body,
                                           const std::map<std::string, std::string>& headers) {
  return server::http_request(method, url_ + path, body, headers, 30);
}
server::ClientResponse TestServer::get(const std::string& path, const std::map<std::string, std::string>& headers) {
  return request("GET", path, {}, headers);
}
server::ClientResponse TestServer::post(const std::string& path, const std::string& body,
                                        const std::map<std::string, std::string>& headers) {
  auto h = headers;
  if (!h.count("content-type")) h["content-type"] = "application/json";
  return request("POST", path, body, h);
}

std::map<std::string, std::string> TestServer::bearer(const std::string& token) {
  return {{"authorization", "Bearer " + token}};
}

std::string TestServer::admin_token() {
  if (admin_token_.empty()) {
    auto res = post("/api/v1/auth/login", json{{"email", "admin@example.com"}, {"password", "admin-pass-1"}}.dump());
    if (res.status != 200) throw std::runtime_error("admin login failed: " + res.body);
    admin_token_ = json::parse(res.body)["token"];
  }
  return admin_token_;
}

Device TestServer::enroll_learner(const std::string& email, const std::string& name) {
  const std::string id = app_->create_user(org_, email, name, "learner", "");
  const std::string code = app_->create_enrollment_code(id, 3600, 5);
  auto res = post("/api/v1/auth/enroll", json{{"code", code}, {"device_name", "test device"}}.dump());
  if (res.status != 200) throw std::runtime_error("enroll failed: " + res.body);
  const json j = json::parse(res.body);
  Device d;
  d.user_id = id;
  d.device_id = j["device_id"];
  d.access_token = j["access_token"];
  d.refresh_token = j["refresh_token"];
  d.agent = {{"objectType", "Agent"}, {"account", {{"homePage", url_}, {"name", id}}}};
  return d;
}

json statement(const Device& d, const std::string& id, const std::string& verb, const std::string& object_iri,
               const std::string& timestamp) {
  return {{"id", id},
          {"actor", d.agent},
          {"verb", {{"id", verb}}},
          {"object", {{"objectType", "Activity"}, {"id", object_iri}}},
          {"timestamp", timestamp}};
}

}  // namespace trailpack::test
