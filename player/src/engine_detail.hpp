// Helpers shared by the engine's translation units (engine.cpp, engine_activities.cpp).
#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

#include "trailpack/bundle/course.hpp"
#include "trailpack/xapi/builder.hpp"
#include "trailpack/xapi/statement.hpp"

namespace trailpack::player::detail {

using nlohmann::json;


// Grace period on quiz time limits for slow devices and clock granularity.
constexpr TimeMs kTimeLimitGraceMs = 5000;

struct ArgError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline const json& arg(const json& args, const char* key) {
  if (!args.is_object() || !args.contains(key) || args[key].is_null())
    throw ArgError(std::string("missing argument \"") + key + "\"");
  return args[key];
}

inline std::string arg_str(const json& args, const char* key) {
  const json& v = arg(args, key);
  if (!v.is_string() || v.get_ref<const std::string&>().empty())
    throw ArgError(std::string("argument \"") + key + "\" must be a non-empty string");
  return v.get<std::string>();
}

inline TimeMs arg_duration(const json& args) {
  if (!args.is_object() || !args.contains("duration_ms")) return 0;
  const json& v = args["duration_ms"];
  if (!v.is_number() || v.get<double>() < 0) throw ArgError("argument \"duration_ms\" must be a non-negative number");
  return std::min<TimeMs>(static_cast<TimeMs>(v.get<double>()), 24LL * 3600 * 1000);
}

inline std::string ext_string(const xapi::StatementView& v, const char* key) {
  if (!v.extensions.is_object()) return {};
  auto it = v.extensions.find(key);
  return it != v.extensions.end() && it->is_string() ? it->get<std::string>() : std::string();
}


inline xapi::Envelope make_envelope(const json& base, const bundle::Course& c, const std::string& id, TimeMs now) {
  xapi::Envelope env;
  env.id = id;
  env.actor = base["actor"];
  env.timestamp = now;
  env.registration = base["registration"];
  env.language = c.language;
  env.grouping = json::array(
      {xapi::activity(bundle::course_iri(c.id), c.title, c.language, xapi::activity_types::kCourse)});
  env.extensions[xapi::ext::kBundleVersion] = c.version;
  if (!base["device"].get<std::string>().empty()) env.extensions[xapi::ext::kDevice] = base["device"];
  return env;
}

inline const bundle::Item* find_item_of_type(const bundle::Course& c, const std::string& item_id, const char* type) {
  const bundle::Item* it = c.find_item(item_id);
  return it && it->type == type ? it : nullptr;
}


}  // namespace trailpack::player::detail
