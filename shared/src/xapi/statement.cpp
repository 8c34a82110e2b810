#include "trailpack/xapi/statement.hpp"

#include <cctype>
#include <cmath>
#include <set>

#include "trailpack/uuid.hpp"

namespace trailpack::xapi {

using nlohmann::json;

namespace {

struct Invalid {
  std::string path, message;
};

[[noreturn]] void fail(const std::string& path, const std::string& message) { throw Invalid{path, message}; }

std::string at(const std::string& base, const std::string& key) { return base.empty() ? key : base + "." + key; }
std::string idx(const std::string& base, std::size_t i) { return base + "[" + std::to_string(i) + "]"; }

void object_only(const json& o, const std::string& path, std::initializer_list<const char*> keys) {
  if (!o.is_object()) fail(path, "must be an object");
  for (auto it = o.begin(); it != o.end(); ++it) {
    bool ok = false;
    for (const char* k : keys) ok = ok || it.key() == k;
    if (!ok) fail(at(path, it.key()), "is not a property allowed here");
  }
}

const json* opt(const json& o, const char* key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : &*it;
}

void require_string(const json& v, const std::string& path) {
  if (!v.is_string()) fail(path, "must be a string");
}

void require_iri(const json& v, const std::string& path) {
  require_string(v, path);
  if (!is_iri(v.get<std::string>())) fail(path, "must be an absolute IRI");
}

void require_uuid(const json& v, const std::string& path) {
  require_string(v, path);
  if (!is_uuid(v.get<std::string>())) fail(path, "must be a UUID");
}

void require_timestamp(const json& v, const std::string& path) {
  require_string(v, path);
  if (!parse_timestamp(v.get<std::string>())) fail(path, "must be an ISO 8601 timestamp with a time zone");
}

void language_map(const json& v, const std::string& path) {
  if (!v.is_object()) fail(path, "must be a language map");
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!is_language_tag(it.key())) fail(at(path, it.key()), "is not a language tag");
    if (!it->is_string()) fail(at(path, it.key()), "must be a string");
  }
}

void extensions(const json& v, const std::string& path) {
  if (!v.is_object()) fail(path, "must be an object");
  for (auto it = v.begin(); it != v.end(); ++it)
    if (!is_iri(it.key())) fail(path, "key \"" + it.key() + "\" is not an IRI");
}

bool valid_mbox(const std::string& s) {
  if (s.rfind("mailto:", 0) != 0) return false;
  const auto at_pos = s.find('@', 7);
  return at_pos != std::string::npos && at_pos > 7 && at_pos + 1 < s.size() && s.find(' ') == std::string::npos;
}

bool is_hex(const std::string& s) {
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// Validates an Agent or a Group. `allow_group`: where Groups may appear.
void agent_like(const json& a, const std::string& path, bool allow_group = true) {
  if (!a.is_object()) fail(path, "must be an object");
  const json* type = opt(a, "objectType");
  std::string t = "Agent";
  if (type) {
    require_string(*type, at(path, "objectType"));
    t = type->get<std::string>();
    if (t != "Agent" && t != "Group") fail(at(path, "objectType"), "must be \"Agent\" or \"Group\"");
  }
  if (t == "Group" && !allow_group) fail(at(path, "objectType"), "a Group is not allowed here");
  if (t == "Agent") object_only(a, path, {"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"});
  else object_only(a, path, {"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account", "member"});
  if (const json* n = opt(a, "name")) require_string(*n, at(path, "name"));
  int ifis = 0;
  if (const json* m = opt(a, "mbox")) {
    ++ifis;
    require_string(*m, at(path, "mbox"));
    if (!valid_mbox(m->get<std::string>())) fail(at(path, "mbox"), "must be a mailto: IRI with an email address");
  }
  if (const json* m = opt(a, "mbox_sha1sum")) {
    ++ifis;
    require_string(*m, at(path, "mbox_sha1sum"));
    const auto s = m->get<std::string>();
    if (s.size() != 40 || !is_hex(s)) fail(at(path, "mbox_sha1sum"), "must be a 40-character hex SHA-1");
  }
  if (const json* o = opt(a, "openid")) {
    ++ifis;
    require_iri(*o, at(path, "openid"));
  }
  if (const json* acc = opt(a, "account")) {
    ++ifis;
    const std::string ap = at(path, "account");
    object_only(*acc, ap, {"homePage", "name"});
    const json* hp = opt(*acc, "homePage");
    const json* nm = opt(*acc, "name");
    if (!hp) fail(at(ap, "homePage"), "is required");
    if (!nm) fail(at(ap, "name"), "is required");
    require_iri(*hp, at(ap, "homePage"));
    require_string(*nm, at(ap, "name"));
    if (nm->get<std::string>().empty()) fail(at(ap, "name"), "must not be empty");
  }
  if (t == "Agent" && ifis != 1)
    fail(path, ifis == 0 ? "an Agent needs exactly one identifier (mbox, mbox_sha1sum, openid or account)"
                         : "an Agent must have exactly one identifier, found " + std::to_string(ifis));
  if (t == "Group") {
    if (ifis > 1) fail(path, "a Group has at most one identifier, found " + std::to_string(ifis));
    const json* members = opt(a, "member");
    if (ifis == 0 && !members) fail(at(path, "member"), "an anonymous Group needs members");
    if (members) {
      if (!members->is_array()) fail(at(path, "member"), "must be an array");
      if (ifis == 0 && members->empty()) fail(at(path, "member"), "an anonymous Group needs members");
      for (std::size_t i = 0; i < members->size(); ++i) agent_like((*members)[i], idx(at(path, "member"), i), false);
    }
  }
}

void verb(const json& v, const std::string& path) {
  object_only(v, path, {"id", "display"});
  const json* id = opt(v, "id");
  if (!id) fail(at(path, "id"), "is required");
  require_iri(*id, at(path, "id"));
  if (const json* d = opt(v, "display")) language_map(*d, at(path, "display"));
  if (id->get<std::string>() == verbs::kVoided) {
    // checked by the caller: the object must be a StatementRef
  }
}

void interaction_components(const json& v, const std::string& path) {
  if (!v.is_array()) fail(path, "must be an array");
  std::set<std::string> ids;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::string p = idx(path, i);
    object_only(v[i], p, {"id", "description"});
    const json* id = opt(v[i], "id");
    if (!id) fail(at(p, "id"), "is required");
    require_string(*id, at(p, "id"));
    if (!ids.insert(id->get<std::string>()).second) fail(at(p, "id"), "duplicate component id");
    if (const json* d = opt(v[i], "description")) language_map(*d, at(p, "description"));
  }
}

void activity_definition(const json& d, const std::string& path) {
  object_only(d, path, {"name", "description", "type", "moreInfo", "interactionType", "correctResponsesPattern",
                        "choices", "scale", "source", "target", "steps", "extensions"});
  if (const json* n = opt(d, "name")) language_map(*n, at(path, "name"));
  if (const json* n = opt(d, "description")) language_map(*n, at(path, "description"));
  if (const json* t = opt(d, "type")) require_iri(*t, at(path, "type"));
  if (const json* m = opt(d, "moreInfo")) require_iri(*m, at(path, "moreInfo"));
  if (const json* e = opt(d, "extensions")) extensions(*e, at(path, "extensions"));
  const json* it = opt(d, "interactionType");
  static const std::set<std::string> kTypes = {"true-false", "choice", "fill-in", "long-fill-in", "matching",
                                               "performance", "sequencing", "likert", "numeric", "other"};
  if (it) {
    require_string(*it, at(path, "interactionType"));
    if (!kTypes.count(it->get<std::string>())) fail(at(path, "interactionType"), "is not an xAPI interaction type");
  }
  if (const json* c = opt(d, "correctResponsesPattern")) {
    if (!it) fail(at(path, "correctResponsesPattern"), "needs an interactionType");
    if (!c->is_array()) fail(at(path, "correctResponsesPattern"), "must be an array of strings");
    for (std::size_t i = 0; i < c->size(); ++i) require_string((*c)[i], idx(at(path, "correctResponsesPattern"), i));
  }
  const std::string itype = it ? it->get<std::string>() : "";
  auto component = [&](const char* key, std::initializer_list<const char*> allowed_for) {
    const json* v = opt(d, key);
    if (!v) return;
    bool ok = false;
    for (const char* a : allowed_for) ok = ok || itype == a;
    if (!ok) fail(at(path, key), "is not allowed for interactionType \"" + itype + "\"");
    interaction_components(*v, at(path, key));
  };
  component("choices", {"choice", "sequencing"});
  component("scale", {"likert"});
  component("source", {"matching"});
  component("target", {"matching"});
  component("steps", {"performance"});
}

void result(const json& r, const std::string& path) {
  object_only(r, path, {"score", "success", "completion", "response", "duration", "extensions"});
  if (const json* s = opt(r, "score")) {
    const std::string sp = at(path, "score");
    object_only(*s, sp, {"scaled", "raw", "min", "max"});
    auto num = [&](const char* k) -> std::optional<double> {
      const json* v = opt(*s, k);
      if (!v) return std::nullopt;
      if (!v->is_number()) fail(at(sp, k), "must be a number");
      return v->get<double>();
    };
    auto scaled = num("scaled"), raw = num("raw"), mn = num("min"), mx = num("max");
    if (scaled && (*scaled < -1 || *scaled > 1)) fail(at(sp, "scaled"), "must be between -1 and 1");
    if (mn && mx && *mn >= *mx) fail(at(sp, "min"), "must be less than max");
    if (raw && mn && *raw < *mn) fail(at(sp, "raw"), "must not be less than min");
    if (raw && mx && *raw > *mx) fail(at(sp, "raw"), "must not be greater than max");
  }
  if (const json* v = opt(r, "success"); v && !v->is_boolean()) fail(at(path, "success"), "must be true or false");
  if (const json* v = opt(r, "completion"); v && !v->is_boolean())
    fail(at(path, "completion"), "must be true or false");
  if (const json* v = opt(r, "response")) require_string(*v, at(path, "response"));
  if (const json* v = opt(r, "duration")) {
    require_string(*v, at(path, "duration"));
    if (!parse_duration(v->get<std::string>())) fail(at(path, "duration"), "must be an ISO 8601 duration");
  }
  if (const json* e = opt(r, "extensions")) extensions(*e, at(path, "extensions"));
}

void statement_ref(const json& o, const std::string& path) {
  object_only(o, path, {"objectType", "id"});
  const json* id = opt(o, "id");
  if (!id) fail(at(path, "id"), "is required");
  require_uuid(*id, at(path, "id"));
}

void context(const json& c, const std::string& path, const std::string& object_type) {
  object_only(c, path, {"registration", "instructor", "team", "contextActivities", "revision", "platform", "language",
                        "statement", "extensions"});
  if (const json* v = opt(c, "registration")) require_uuid(*v, at(path, "registration"));
  if (const json* v = opt(c, "instructor")) agent_like(*v, at(path, "instructor"));
  if (const json* v = opt(c, "team")) {
    agent_like(*v, at(path, "team"));
    if (v->value("objectType", "") != "Group") fail(at(path, "team"), "must be a Group");
  }
  if (const json* ca = opt(c, "contextActivities")) {
    const std::string cp = at(path, "contextActivities");
    object_only(*ca, cp, {"parent", "grouping", "category", "other"});
    for (auto it = ca->begin(); it != ca->end(); ++it) {
      const std::string kp = at(cp, it.key());
      auto check_activity = [&](const json& a, const std::string& ap) {
        object_only(a, ap, {"objectType", "id", "definition"});
        if (const json* ot = opt(a, "objectType"); ot && *ot != "Activity") fail(at(ap, "objectType"), "must be \"Activity\"");
        const json* id = opt(a, "id");
        if (!id) fail(at(ap, "id"), "is required");
        require_iri(*id, at(ap, "id"));
        if (const json* d = opt(a, "definition")) activity_definition(*d, at(ap, "definition"));
      };
      if (it->is_array()) {
        for (std::size_t i = 0; i < it->size(); ++i) check_activity((*it)[i], idx(kp, i));
      } else {
        check_activity(*it, kp);
      }
    }
  }
  // xAPI 1.0.3 4.1.6: revision and platform "MUST only be used if the Statement's Object
  // is an Activity" (not an Agent, Group, StatementRef or SubStatement).
  const bool activity_object = object_type == "Activity";
  if (const json* v = opt(c, "revision")) {
    require_string(*v, at(path, "revision"));
    if (!activity_object) fail(at(path, "revision"), "is only allowed when the object is an Activity");
  }
  if (const json* v = opt(c, "platform")) {
    require_string(*v, at(path, "platform"));
    if (!activity_object) fail(at(path, "platform"), "is only allowed when the object is an Activity");
  }
  if (const json* v = opt(c, "language")) {
    require_string(*v, at(path, "language"));
    if (!is_language_tag(v->get<std::string>())) fail(at(path, "language"), "is not a language tag");
  }
  if (const json* v = opt(c, "statement")) {
    statement_ref(*v, at(path, "statement"));
    if (v->value("objectType", "") != "StatementRef") fail(at(path, "statement.objectType"), "must be \"StatementRef\"");
  }
  if (const json* e = opt(c, "extensions")) extensions(*e, at(path, "extensions"));
}

void attachments(const json& a, const std::string& path) {
  if (!a.is_array()) fail(path, "must be an array");
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string p = idx(path, i);
    object_only(a[i], p, {"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"});
    for (const char* k : {"usageType", "display", "contentType", "length", "sha2"})
      if (!opt(a[i], k)) fail(at(p, k), "is required");
    require_iri(a[i]["usageType"], at(p, "usageType"));
    language_map(a[i]["display"], at(p, "display"));
    if (const json* d = opt(a[i], "description")) language_map(*d, at(p, "description"));
    require_string(a[i]["contentType"], at(p, "contentType"));
    if (!a[i]["length"].is_number_integer() || a[i]["length"].get<std::int64_t>() < 0)
      fail(at(p, "length"), "must be a whole number of bytes");
    require_string(a[i]["sha2"], at(p, "sha2"));
    if (const json* u = opt(a[i], "fileUrl")) require_iri(*u, at(p, "fileUrl"));
  }
}

void statement_body(const json& s, const std::string& path, bool sub, const ValidationOptions& o) {
  if (!s.is_object()) fail(path.empty() ? "$" : path, "a statement must be a JSON object");
  if (sub)
    object_only(s, path, {"objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments"});
  else
    object_only(s, path, {"id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority",
                          "version", "attachments", "objectType"});
  if (!sub) {
    if (opt(s, "objectType")) fail(at(path, "objectType"), "is not allowed on a statement");
    if (const json* id = opt(s, "id")) require_uuid(*id, at(path, "id"));
    else if (o.require_id) fail(at(path, "id"), "is required");
    if (const json* v = opt(s, "version")) {
      require_string(*v, at(path, "version"));
      const auto ver = v->get<std::string>();
      if (ver.rfind("1.0", 0) != 0 || (ver.size() > 3 && ver[3] != '.')) fail(at(path, "version"), "must be 1.0.x");
    }
    if (const json* v = opt(s, "stored")) {
      if (!o.allow_lrs_fields) fail(at(path, "stored"), "is set by the LRS, not by clients");
      require_timestamp(*v, at(path, "stored"));
    }
    if (const json* v = opt(s, "authority")) {
      if (!o.allow_lrs_fields) fail(at(path, "authority"), "is set by the LRS, not by clients");
      agent_like(*v, at(path, "authority"));
    }
  }
  for (const char* k : {"actor", "verb", "object"})
    if (!opt(s, k)) fail(at(path, k), "is required");
  agent_like(s["actor"], at(path, "actor"));
  verb(s["verb"], at(path, "verb"));
  const json& obj = s["object"];
  const std::string op = at(path, "object");
  if (!obj.is_object()) fail(op, "must be an object");
  std::string ot = "Activity";
  if (const json* t = opt(obj, "objectType")) {
    require_string(*t, at(op, "objectType"));
    ot = t->get<std::string>();
  }
  if (ot == "Activity") {
    object_only(obj, op, {"objectType", "id", "definition"});
    const json* id = opt(obj, "id");
    if (!id) fail(at(op, "id"), "is required");
    require_iri(*id, at(op, "id"));
    if (const json* d = opt(obj, "definition")) activity_definition(*d, at(op, "definition"));
  } else if (ot == "Agent" || ot == "Group") {
    agent_like(obj, op);
  } else if (ot == "StatementRef") {
    statement_ref(obj, op);
  } else if (ot == "SubStatement") {
    if (sub) fail(at(op, "objectType"), "a SubStatement cannot contain another SubStatement");
    statement_body(obj, op, true, o);
  } else {
    fail(at(op, "objectType"), "must be Activity, Agent, Group, StatementRef or SubStatement");
  }
  if (s["verb"]["id"] == verbs::kVoided && ot != "StatementRef")
    fail(op, "a voiding statement's object must be a StatementRef");
  if (const json* r = opt(s, "result")) result(*r, at(path, "result"));
  if (const json* c = opt(s, "context")) context(*c, at(path, "context"), ot);
  if (const json* t = opt(s, "timestamp")) require_timestamp(*t, at(path, "timestamp"));
  if (const json* a = opt(s, "attachments")) attachments(*a, at(path, "attachments"));
}

}  // namespace

bool is_iri(const std::string& s) {
  if (s.empty() || s.size() > 2048) return false;
  const auto colon = s.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  if (!std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (std::size_t i = 1; i < colon; ++i) {
    const char c = s[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return false;
  }
  if (colon + 1 >= s.size()) return false;
  for (unsigned char c : s)
    if (c <= 0x20 || c == 0x7F || c == '<' || c == '>' || c == '"' || c == '{' || c == '}' || c == '|' || c == '\\' ||
        c == '^' || c == '`')
      return false;
  return true;
}

bool is_language_tag(const std::string& s) {
  if (s.empty() || s.size() > 35) return false;
  std::size_t start = 0;
  bool first = true;
  while (start <= s.size()) {
    auto end = s.find('-', start);
    if (end == std::string::npos) end = s.size();
    const std::size_t len = end - start;
    if (len == 0 || len > 8) return false;
    for (std::size_t i = start; i < end; ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (first ? !std::isalpha(c) : !std::isalnum(c)) return false;
    }
    if (first && len > 8) return false;
    first = false;
    if (end == s.size()) break;
    start = end + 1;
  }
  return true;
}

Status validate_statement(const json& statement, const ValidationOptions& options) {
  try {
    statement_body(statement, "", false, options);
    return ok_status();
  } catch (const Invalid& e) {
    return make_error("invalid_statement", e.message, e.path.empty() ? "$" : e.path);
  } catch (const json::exception& e) {
    return make_error("invalid_statement", e.what());
  }
}

Status validate_actor(const json& actor, const std::string& path) {
  try {
    agent_like(actor, path);
    return ok_status();
  } catch (const Invalid& e) {
    return make_error("invalid_actor", e.message, e.path);
  }
}

json comparable_form(const json& s) {
  json c = s;
  for (const char* k : {"stored", "authority", "version"}) c.erase(k);
  if (c.contains("id") && c["id"].is_string()) c["id"] = normalize_uuid(c["id"].get<std::string>());
  // Timestamps compare by instant, not by spelling.
  if (c.contains("timestamp") && c["timestamp"].is_string())
    if (auto t = parse_timestamp(c["timestamp"].get<std::string>())) c["timestamp"] = *t;
  return c;
}

std::string actor_key(const json& a) {
  if (!a.is_object()) return {};
  if (auto it = a.find("account"); it != a.end() && it->is_object())
    return "account:" + it->value("homePage", "") + "|" + it->value("name", "");
  if (auto it = a.find("mbox"); it != a.end() && it->is_string()) return "mbox:" + it->get<std::string>();
  if (auto it = a.find("mbox_sha1sum"); it != a.end() && it->is_string())
    return "sha1:" + it->get<std::string>();
  if (auto it = a.find("openid"); it != a.end() && it->is_string()) return "openid:" + it->get<std::string>();
  return {};
}

StatementView view_of(const json& s) {
  StatementView v;
  v.id = normalize_uuid(s.value("id", ""));
  v.actor_key = actor_key(s.value("actor", json::object()));
  v.verb = s.at("verb").value("id", "");
  const json& obj = s.at("object");
  v.object_type = obj.value("objectType", "Activity");
  v.object_id = obj.value("id", "");
  if (v.object_type == "StatementRef") v.object_id = normalize_uuid(v.object_id);
  if (auto t = s.find("timestamp"); t != s.end() && t->is_string())
    v.timestamp = parse_timestamp(t->get<std::string>()).value_or(0);
  if (auto c = s.find("context"); c != s.end() && c->is_object()) {
    v.registration = normalize_uuid(c->value("registration", ""));
    if (auto ca = c->find("contextActivities"); ca != c->end() && ca->is_object()) {
      if (auto p = ca->find("parent"); p != ca->end()) {
        if (p->is_array() && !p->empty()) v.parent = (*p)[0].value("id", "");
        else if (p->is_object()) v.parent = p->value("id", "");
      }
    }
    if (auto e = c->find("extensions"); e != c->end()) v.extensions = *e;
  }
  if (auto r = s.find("result"); r != s.end() && r->is_object()) {
    if (auto sc = r->find("score"); sc != r->end() && sc->is_object()) {
      if (sc->contains("scaled")) v.scaled = (*sc)["scaled"].get<double>();
      if (sc->contains("raw")) v.raw = (*sc)["raw"].get<double>();
      if (sc->contains("max")) v.max = (*sc)["max"].get<double>();
    }
    if (auto b = r->find("success"); b != r->end() && b->is_boolean()) v.success = b->get<bool>();
    if (auto b = r->find("completion"); b != r->end() && b->is_boolean()) v.completion = b->get<bool>();
    v.response = r->value("response", "");
    if (auto d = r->find("duration"); d != r->end() && d->is_string())
      v.duration_ms = parse_duration(d->get<std::string>()).value_or(0);
    if (auto e = r->find("extensions"); e != r->end()) v.result_extensions = *e;
  }
  return v;
}

}  // namespace trailpack::xapi
