// Structured JSON logs on stderr, one object a line. Never log secrets: tokens,
// passwords and Authorization headers are not passed here.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace trailpack::server {

void log_event(const std::string& level, const std::string& event, nlohmann::json fields = nlohmann::json::object());
void set_log_level(const std::string& level);  ///< "debug" | "info" | "warn" | "error"

}  // namespace trailpack::server
