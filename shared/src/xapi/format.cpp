#include "trailpack/xapi/format.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>

#include "trailpack/encoding.hpp"
#include "trailpack/xapi/statement.hpp"

namespace trailpack::xapi {

using nlohmann::json;

namespace {

constexpr const char* kContextKinds[] = {"parent", "grouping", "category", "other"};
constexpr const char* kComponents[] = {"choices", "scale", "source", "target", "steps"};
constexpr const char* kIdentifiers[] = {"mbox", "mbox_sha1sum", "openid", "account"};

bool is_activity(const json& o) { return o.is_object() && o.value("objectType", "Activity") == "Activity"; }
bool is_agent_or_group(const json& o) {
  if (!o.is_object()) return false;
  const std::string t = o.value("objectType", "");
  return t == "Agent" || t == "Group";
}

// Calls fn on each Activity object of context.contextActivities (a single object or an
// array per kind; validation allows both).
template <typename Json, typename Fn>
void each_context_activity(Json& statement, Fn&& fn) {
  auto ctx = statement.find("context");
  if (ctx == statement.end() || !ctx->is_object()) return;
  auto ca = ctx->find("contextActivities");
  if (ca == ctx->end() || !ca->is_object()) return;
  for (const char* kind : kContextKinds) {
    auto it = ca->find(kind);
    if (it == ca->end()) continue;
    if (it->is_array()) {
      for (auto& a : *it)
        if (a.is_object()) fn(a);
    } else if (it->is_object()) {
      fn(*it);
    }
  }
}

// The statement and, when its object is a SubStatement, that SubStatement.
template <typename Json, typename Fn>
void each_level(Json& statement, Fn&& fn) {
  fn(statement, false);
  auto obj = statement.find("object");
  if (obj != statement.end() && obj->is_object() && obj->value("objectType", "") == "SubStatement") fn(*obj, true);
}

void strip_agent(json& a) {
  if (!a.is_object()) return;
  json out = json::object();
  if (a.contains("objectType")) out["objectType"] = a["objectType"];
  bool identified = false;
  for (const char* k : kIdentifiers)
    if (a.contains(k)) {
      out[k] = a[k];
      identified = true;
    }
  // An anonymous Group is identified by its members.
  if (!identified && a.contains("member") && a["member"].is_array()) {
    out["member"] = json::array();
    for (auto m : a["member"]) {
      strip_agent(m);
      out["member"].push_back(std::move(m));
    }
  }
  a = std::move(out);
}

void strip_activity(json& a) {
  if (!a.is_object()) return;
  json out = json::object();
  if (a.contains("objectType")) out["objectType"] = a["objectType"];
  if (a.contains("id")) out["id"] = a["id"];
  a = std::move(out);
}

void filter_definition(json& d, const std::vector<LanguageRange>& ranges) {
  if (!d.is_object()) return;
  for (const char* k : {"name", "description"})
    if (auto it = d.find(k); it != d.end()) filter_language_map(*it, ranges);
  for (const char* k : kComponents) {
    auto it = d.find(k);
    if (it == d.end() || !it->is_array()) continue;
    for (auto& c : *it)
      if (c.is_object())
        if (auto desc = c.find("description"); desc != c.end()) filter_language_map(*desc, ranges);
  }
}

bool range_matches(const std::string& range, const std::string& tag_lower) {
  if (range == "*") return true;
  return tag_lower == range || (tag_lower.size() > range.size() && tag_lower.compare(0, range.size(), range) == 0 &&
                                tag_lower[range.size()] == '-');
}

}  // namespace

std::vector<AgentMention> agent_mentions(const json& s) {
  std::vector<AgentMention> out;
  std::set<std::pair<std::string, std::string>> seen;
  auto add = [&](const std::string& relation, const json& a) {
    if (!a.is_object()) return;
    auto one = [&](const json& x) {
      const std::string key = actor_key(x);
      if (!key.empty() && seen.emplace(relation, key).second) out.push_back({relation, key});
    };
    one(a);
    if (auto m = a.find("member"); m != a.end() && m->is_array())
      for (const auto& member : *m) one(member);
  };
  auto context_agents = [&](const json& level) {
    auto ctx = level.find("context");
    if (ctx == level.end() || !ctx->is_object()) return;
    for (const char* k : {"instructor", "team"})
      if (auto it = ctx->find(k); it != ctx->end()) add("related", *it);
  };
  if (!s.is_object()) return out;
  if (auto a = s.find("actor"); a != s.end()) add("actor", *a);
  if (auto o = s.find("object"); o != s.end() && is_agent_or_group(*o)) add("object", *o);
  if (auto a = s.find("authority"); a != s.end()) add("related", *a);
  context_agents(s);
  if (auto o = s.find("object"); o != s.end() && o->is_object() && o->value("objectType", "") == "SubStatement") {
    if (auto a = o->find("actor"); a != o->end()) add("related", *a);
    if (auto so = o->find("object"); so != o->end() && is_agent_or_group(*so)) add("related", *so);
    context_agents(*o);
  }
  return out;
}

std::vector<std::string> activity_mentions(const json& s) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto add = [&](const json& a) {
    if (!a.is_object()) return;
    auto id = a.find("id");
    if (id != a.end() && id->is_string() && seen.insert(id->get<std::string>()).second) out.push_back(*id);
  };
  if (!s.is_object()) return out;
  each_level(s, [&](const json& level, bool) {
    if (auto o = level.find("object"); o != level.end() && is_activity(*o)) add(*o);
    each_context_activity(level, add);
  });
  return out;
}

std::vector<std::pair<std::string, json>> activity_definitions(const json& s) {
  std::vector<std::pair<std::string, json>> out;
  auto add = [&](const json& a) {
    if (!a.is_object()) return;
    auto id = a.find("id");
    auto def = a.find("definition");
    if (id != a.end() && id->is_string() && def != a.end() && def->is_object()) out.emplace_back(*id, *def);
  };
  if (!s.is_object()) return out;
  each_level(s, [&](const json& level, bool) {
    if (auto o = level.find("object"); o != level.end() && is_activity(*o)) add(*o);
    each_context_activity(level, add);
  });
  return out;
}

std::vector<json> attachment_objects(const json& s) {
  std::vector<json> out;
  if (!s.is_object()) return out;
  each_level(s, [&](const json& level, bool) {
    if (auto a = level.find("attachments"); a != level.end() && a->is_array())
      for (const auto& x : *a) out.push_back(x);
  });
  return out;
}

json merge_definition(const json& canonical, const json& incoming) {
  json out = canonical.is_object() ? canonical : json::object();
  if (!incoming.is_object()) return out;
  for (auto it = incoming.begin(); it != incoming.end(); ++it) {
    const bool language_map = it.key() == "name" || it.key() == "description";
    if (language_map && it->is_object() && out.contains(it.key()) && out[it.key()].is_object()) {
      for (auto l = it->begin(); l != it->end(); ++l) out[it.key()][l.key()] = l.value();
    } else {
      out[it.key()] = it.value();
    }
  }
  return out;
}

void to_ids_format(json& s) {
  if (!s.is_object()) return;
  each_level(s, [&](json& level, bool) {
    if (auto a = level.find("actor"); a != level.end()) strip_agent(*a);
    if (auto v = level.find("verb"); v != level.end() && v->is_object()) {
      json verb = json::object();
      if (v->contains("id")) verb["id"] = (*v)["id"];
      *v = std::move(verb);
    }
    if (auto o = level.find("object"); o != level.end()) {
      if (is_activity(*o)) strip_activity(*o);
      else if (is_agent_or_group(*o)) strip_agent(*o);
    }
    if (auto ctx = level.find("context"); ctx != level.end() && ctx->is_object()) {
      for (const char* k : {"instructor", "team"})
        if (auto it = ctx->find(k); it != ctx->end()) strip_agent(*it);
    }
    each_context_activity(level, [](json& a) { strip_activity(a); });
  });
  if (auto a = s.find("authority"); a != s.end()) strip_agent(*a);
}

std::vector<LanguageRange> parse_accept_language(std::string_view header) {
  std::vector<LanguageRange> out;
  std::size_t start = 0;
  while (start <= header.size()) {
    std::size_t end = header.find(',', start);
    if (end == std::string_view::npos) end = header.size();
    std::string_view entry = trim_blanks(header.substr(start, end - start));
    start = end + 1;
    if (entry.empty()) continue;
    const std::size_t semi = entry.find(';');
    const std::string range = ascii_lower(trim_blanks(entry.substr(0, semi)));
    bool ok = !range.empty() && range.size() <= 35;
    for (char c : range) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '*');
    if (!ok || (range.find('*') != std::string::npos && range != "*")) continue;
    double q = 1.0;
    if (semi != std::string_view::npos) {
      std::string_view param = trim_blanks(entry.substr(semi + 1));
      if (param.size() < 3 || (param[0] != 'q' && param[0] != 'Q') || param[1] != '=') continue;
      const std::string number(param.substr(2));
      char* stop = nullptr;
      q = std::strtod(number.c_str(), &stop);
      if (stop == number.c_str() || *stop != '\0' || q < 0 || q > 1) continue;
    }
    if (q > 0) out.push_back({range, q});
    if (end == header.size()) break;
  }
  std::stable_sort(out.begin(), out.end(), [](const LanguageRange& a, const LanguageRange& b) { return a.q > b.q; });
  return out;
}

void filter_language_map(json& map, const std::vector<LanguageRange>& ranges) {
  if (!map.is_object() || map.size() <= 1) return;
  auto keep = [&](const std::string& key) {
    json one = json::object();
    one[key] = map[key];
    map = std::move(one);
  };
  // RFC 7231 basic filtering, best range first; then each range's shorter prefixes
  // ("en-gb" falls back to "en"), as RFC 4647 lookup does.
  for (const auto& r : ranges)
    for (auto it = map.begin(); it != map.end(); ++it)
      if (range_matches(r.range, ascii_lower(it.key()))) return keep(it.key());
  for (const auto& r : ranges) {
    std::string range = r.range;
    for (auto dash = range.rfind('-'); dash != std::string::npos; dash = range.rfind('-')) {
      range.erase(dash);
      for (auto it = map.begin(); it != map.end(); ++it)
        if (range_matches(range, ascii_lower(it.key()))) return keep(it.key());
    }
  }
  keep(map.begin().key());
}

void to_canonical_format(json& s, const std::function<json(const std::string&)>& canonical,
                         const std::vector<LanguageRange>& ranges) {
  if (!s.is_object()) return;
  auto activity = [&](json& a) {
    if (!a.is_object() || !a.contains("id") || !a["id"].is_string()) return;
    json def = canonical ? canonical(a["id"].get<std::string>()) : json();
    if (def.is_object()) a["definition"] = std::move(def);
    if (auto d = a.find("definition"); d != a.end()) filter_definition(*d, ranges);
  };
  each_level(s, [&](json& level, bool) {
    if (auto v = level.find("verb"); v != level.end() && v->is_object())
      if (auto d = v->find("display"); d != v->end()) filter_language_map(*d, ranges);
    if (auto o = level.find("object"); o != level.end() && is_activity(*o)) activity(*o);
    each_context_activity(level, activity);
  });
}

}  // namespace trailpack::xapi
