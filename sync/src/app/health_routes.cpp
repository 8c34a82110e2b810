#include "app/app.hpp"

namespace trailpack::server {

void register_health_routes(Router& router, App& app) {
  router.add("GET", "/livez", [](Request&) { return Response::json(200, {{"status", "ok"}}); });
  router.add("GET", "/readyz", [&app](Request&) {
    std::string health;
    try {
      health = app.db().health();
    } catch (const std::exception& e) {
      health = e.what();
    }
    if (health != "ok") return Response::json(503, {{"status", "unavailable"}, {"storage", health}});
    return Response::json(200, {{"status", "ok"}, {"storage", "ok"}});
  });
  router.add("GET", "/metrics", [&app](Request&) {
    return Response::text(200, app.metrics().render(app.connections()), "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace trailpack::server
