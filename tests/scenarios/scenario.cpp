#include "scenario.hpp"

#include <fstream>
#include <map>
#include <sstream>

#include "trailpack/player/engine.hpp"

namespace trailpack::test {

using nlohmann::json;

namespace {

json load(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return json::parse(buf.str());
}

json substitute(const json& v, const std::map<std::string, json>& vars, const std::string& dir) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (s.size() > 1 && s[0] == '$') {
      auto it = vars.find(s.substr(1));
      if (it != vars.end()) return it->second;
    }
    return v;
  }
  if (v.is_object()) {
    if (v.size() == 1 && v.contains("$file")) return load(dir + "/" + v["$file"].get<std::string>());
    json out = json::object();
    for (auto it = v.begin(); it != v.end(); ++it) out[it.key()] = substitute(it.value(), vars, dir);
    return out;
  }
  if (v.is_array()) {
    json out = json::array();
    for (const auto& e : v) out.push_back(substitute(e, vars, dir));
    return out;
  }
  return v;
}

// Storage-engine details (page counts) differ between SQLite builds; they are not behaviour.
void normalise(json& v) {
  if (v.is_object()) {
    v.erase("db_bytes");
    for (auto& [k, e] : v.items()) normalise(e);
  } else if (v.is_array()) {
    for (auto& e : v) normalise(e);
  }
}

bool subset(const json& expected, const json& actual) {
  if (expected.is_object()) {
    if (!actual.is_object()) return false;
    for (auto it = expected.begin(); it != expected.end(); ++it)
      if (!actual.contains(it.key()) || !subset(it.value(), actual[it.key()])) return false;
    return true;
  }
  if (expected.is_array()) {
    if (!actual.is_array() || actual.size() != expected.size()) return false;
    for (std::size_t i = 0; i < expected.size(); ++i)
      if (!subset(expected[i], actual[i])) return false;
    return true;
  }
  return expected == actual;
}

}  // namespace

json run_scenario(const json& sc, const std::string& dir, const std::string& db_path) {
  auto store = player::Store::open({.path = db_path});
  if (!store) return {{"name", sc.value("name", "")}, {"failures", {"cannot open store: " + store.error().message}}};
  player::Engine engine(std::move(store).value(),
                        player::deterministic_platform(sc.value("start_ms", std::int64_t{0}), sc.value("seed", std::uint64_t{1})));
  std::map<std::string, json> vars;
  json transcript = json::array(), failures = json::array();
  int n = 0;
  for (const auto& step : sc.at("steps")) {
    ++n;
    const std::string method = step.at("method");
    const json args = substitute(step.value("args", json::object()), vars, dir);
    auto r = engine.call(method, args);
    json entry = {{"method", method}, {"ok", r.ok()}};
    const std::string where = "step " + std::to_string(n) + " (" + method + ")";
    if (r) {
      entry["result"] = *r;
      if (step.contains("save"))
        for (auto it = step["save"].begin(); it != step["save"].end(); ++it) vars[it.key()] = (*r)[it.value().get<std::string>()];
      if (step.contains("expect_error")) failures.push_back(where + ": expected error " + step["expect_error"].dump() + ", got " + r->dump());
      if (step.contains("expect") && !subset(substitute(step["expect"], vars, dir), *r))
        failures.push_back(where + ": expected " + step["expect"].dump() + " within " + r->dump());
    } else {
      entry["error"] = {{"code", r.error().code}, {"message", r.error().message}, {"where", r.error().where}};
      if (!step.contains("expect_error")) failures.push_back(where + ": unexpected error " + r.error().code + ": " + r.error().describe());
      else if (step["expect_error"] != r.error().code) failures.push_back(where + ": expected error " + step["expect_error"].dump() + ", got " + r.error().code);
      if (step.contains("expect_where") && step["expect_where"] != r.error().where)
        failures.push_back(where + ": expected where " + step["expect_where"].dump() + ", got \"" + r.error().where + "\"");
    }
    transcript.push_back(std::move(entry));
  }
  normalise(transcript);
  return {{"name", sc.value("name", "")}, {"transcript", transcript}, {"failures", failures}};
}

}  // namespace trailpack::test
