#include "trailpack/xapi/builder.hpp"

#include "trailpack/xapi/statement.hpp"

namespace trailpack::xapi {

using nlohmann::json;

json account_agent(const std::string& home_page, const std::string& account_name, const std::string& display_name) {
  json a = {{"objectType", "Agent"}, {"account", {{"homePage", home_page}, {"name", account_name}}}};
  if (!display_name.empty()) a["name"] = display_name;
  return a;
}

json activity(const std::string& iri, const std::string& name, const std::string& language,
              const std::string& type_iri) {
  json def = json::object();
  if (!name.empty()) def["name"] = {{language.empty() ? "en" : language, name}};
  if (!type_iri.empty()) def["type"] = type_iri;
  json a = {{"objectType", "Activity"}, {"id", iri}};
  if (!def.empty()) a["definition"] = std::move(def);
  return a;
}

json verb(const std::string& iri) {
  const auto slash = iri.rfind('/');
  const std::string word = slash == std::string::npos ? iri : iri.substr(slash + 1);
  return {{"id", iri}, {"display", {{"en-US", word}}}};
}

json make_statement(const Envelope& env, const std::string& verb_iri, json object, json result) {
  json s = {{"id", env.id},
            {"actor", env.actor},
            {"verb", verb(verb_iri)},
            {"object", std::move(object)},
            {"timestamp", format_timestamp(env.timestamp)}};
  if (!result.is_null()) s["result"] = std::move(result);
  json ctx = json::object();
  if (!env.registration.empty()) ctx["registration"] = env.registration;
  if (!env.language.empty()) ctx["language"] = env.language;
  json ca = json::object();
  if (!env.parents.empty()) ca["parent"] = env.parents;
  if (!env.grouping.empty()) ca["grouping"] = env.grouping;
  if (!ca.empty()) ctx["contextActivities"] = std::move(ca);
  if (!env.extensions.empty()) ctx["extensions"] = env.extensions;
  if (!ctx.empty()) s["context"] = std::move(ctx);
  return s;
}

}  // namespace trailpack::xapi
