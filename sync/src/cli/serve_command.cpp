// `trailpack serve`: the HTTP server until SIGINT/SIGTERM, then a graceful stop.
#include <csignal>
#include <iostream>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "app/reminders.hpp"
#include "cli/commands.hpp"
#include "crypto.hpp"
#include "http/server.hpp"
#include "log.hpp"

namespace trailpack::cli {

namespace {

std::string route_class(const std::string& path) {
  for (const char* p : {"/xapi/", "/api/v1/sync/", "/api/v1/admin/", "/api/v1/auth/", "/api/v1/bundles", "/api/v1/files/", "/api/v1/"})
    if (path.rfind(p, 0) == 0) return p;
  if (path == "/livez" || path == "/readyz" || path == "/metrics") return "health";
  return "static";
}

}  // namespace

int cmd_serve(server::Config config) {
  server::set_log_level(config.log_level);
  server::App app(config);
  for (const auto& k : config.trusted_keys) app.add_trusted_key(read_public_key(k), k);
  server::Router router;
  server::register_routes(router, app);
  server::HttpServer srv(router, {}, [&app](const server::Request& req, const server::Response& res, double s) {
    app.metrics().observe_request(route_class(req.path), res.status, s);
  });
  app.set_connection_counter([&srv] { return srv.active_connections(); });
  const unsigned short port = srv.listen(config.bind, config.port);

  // Reminders run on their own thread: rule evaluation and webhook calls never hold an
  // HTTP thread. Several processes on one PostgreSQL database share the work safely.
  server::reminders::Scheduler scheduler(app, "serve-" + server::crypto::random_code(8));
  if (config.reminder_interval_s > 0) {
    app.set_reminder_wakeup([&scheduler] { scheduler.wake(); });
    scheduler.start(std::chrono::seconds(config.reminder_interval_s));
  }
  const int threads = config.threads > 0 ? config.threads : std::max(2u, std::thread::hardware_concurrency());

  // Signals are watched on their own loop so a busy server still stops promptly.
  boost::asio::io_context signal_ioc;
  boost::asio::signal_set signals(signal_ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    server::log_event("info", "stopping", {{"signal", sig}});
    srv.stop();
  });
  std::thread signal_thread([&] { signal_ioc.run(); });

  server::log_event("info", "listening", {{"address", config.bind}, {"port", port}, {"public_url", app.config().public_url},
                                          {"threads", threads}, {"reminders_every_s", config.reminder_interval_s},
                                          {"webhook", !config.webhook_url.empty()}, {"database", config.database.rfind("postgres", 0) == 0 ? "postgres" : config.database}});
  std::cout << "Trailpack is serving on http://" << config.bind << ":" << port << "/" << std::endl;
  srv.run(threads);
  scheduler.stop();
  app.set_reminder_wakeup({});
  signal_ioc.stop();
  signal_thread.join();
  server::log_event("info", "stopped");
  return 0;
}

}  // namespace trailpack::cli
