// A real Trailpack server on 127.0.0.1 (a free port), in this process, over real TCP,
// with a fresh SQLite database in a temporary folder, or, when TRAILPACK_TEST_PG_ADMIN_URL
// is set (scripts/with-postgres), a fresh PostgreSQL database on that cluster. Stopped
// and removed (database dropped) at the end of the test.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "app/app.hpp"
#include "cli/http_client.hpp"
#include "http/server.hpp"
#include "log.hpp"
#include "pg_scratch.hpp"

namespace trailpack::test {

struct Device {
  std::string user_id;
  std::string device_id;
  std::string access_token;
  std::string refresh_token;
  nlohmann::json agent;  ///< the xAPI Agent for this learner
};

class TestServer {
 public:
  /// `configure` adjusts the server's configuration before it starts (CORS origins...).
  explicit TestServer(server::ServerLimits limits = {}, const std::function<void(server::Config&)>& configure = {});
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  std::string url() const { return url_; }
  server::App& app() { return *app_; }
  const server::Router& router() const { return *router_; }
  const std::filesystem::path& dir() const { return dir_; }

  server::ClientResponse get(const std::string& path, const std::map<std::string, std::string>& headers = {});
  server::ClientResponse post(const std::string& path, const std::string& body,
                              const std::map<std::string, std::string>& headers = {});
  server::ClientResponse request(const std::string& method, const std::string& path, const std::string& body = {},
                                 const std::map<std::string, std::string>& headers = {});

  /// Admin session token (admin@example.com / admin-pass-1 is created at start).
  std::string admin_token();
  /// A new learner with an enrolled device.
  Device enroll_learner(const std::string& email, const std::string& name);
  /// Bearer header for a token.
  static std::map<std::string, std::string> bearer(const std::string& token);

 private:
  std::filesystem::path dir_;
  std::unique_ptr<ScratchPgDatabase> pg_;  ///< set when running on PostgreSQL; outlives app_
  std::unique_ptr<server::App> app_;
  std::unique_ptr<server::Router> router_;
  std::unique_ptr<server::HttpServer> http_;
  std::thread thread_;
  std::string url_;
  std::string org_;
  std::string admin_token_;
};

/// Builds a statement by this learner about an activity.
nlohmann::json statement(const Device& d, const std::string& id, const std::string& verb, const std::string& object_iri,
                         const std::string& timestamp = "2026-11-22T10:00:00.000Z");

}  // namespace trailpack::test
