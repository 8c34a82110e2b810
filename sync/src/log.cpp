#include "log.hpp"

#include <chrono>
#include <cstdio>
#include <mutex>

#include "trailpack/time.hpp"

namespace trailpack::server {
namespace {
std::mutex g_mutex;
int g_level = 1;
int rank(const std::string& level) {
  if (level == "debug") return 0;
  if (level == "info") return 1;
  if (level == "warn") return 2;
  return 3;
}
}  // namespace

void set_log_level(const std::string& level) { g_level = rank(level); }

void log_event(const std::string& level, const std::string& event, nlohmann::json fields) {
  if (rank(level) < g_level) return;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  fields["ts"] = format_timestamp(now);
  fields["level"] = level;
  fields["event"] = event;
  const std::string line = fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::lock_guard<std::mutex> lock(g_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace trailpack::server
