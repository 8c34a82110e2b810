#include "trailpack/quiz/scoring.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

namespace trailpack::quiz {

using nlohmann::json;
using bundle::Question;

namespace {

Error bad(const Question& q, const std::string& msg) {
  return make_error("invalid_response", "question \"" + q.id + "\": " + msg);
}

bool has_choice(const Question& q, const std::string& id) {
  return std::any_of(q.choices.begin(), q.choices.end(), [&](const auto& c) { return c.id == id; });
}

bool has_pair(const Question& q, const std::string& id) {
  return std::any_of(q.pairs.begin(), q.pairs.end(), [&](const auto& p) { return p.id == id; });
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

std::vector<std::string> split(const std::string& s, const std::string& sep) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t pos = s.find(sep, start);
    out.push_back(s.substr(start, pos - start));
    if (pos == std::string::npos) break;
    start = pos + sep.size();
  }
  return out;
}

// Shortest decimal that reads back as the same double.
std::string format_number(double v) {
  char buf[32];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  // %g switches to an exponent as soon as the exponent reaches the precision, so the
  // shortest form of 10 is "1e+01"; write whole numbers plainly, as reports show them.
  if (std::strchr(buf, 'e') && std::fabs(v) < 1e15 && std::floor(v) == v) std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

// Choice ids in the author's choice order: the one canonical order of a choice response,
// so that equal answers (and the correct pattern) give equal strings.
std::vector<std::string> in_choice_order(const Question& q, std::vector<std::string> ids) {
  auto pos = [&](const std::string& id) {
    for (std::size_t i = 0; i < q.choices.size(); ++i)
      if (q.choices[i].id == id) return i;
    return q.choices.size();
  };
  std::stable_sort(ids.begin(), ids.end(), [&](const std::string& a, const std::string& b) { return pos(a) < pos(b); });
  return ids;
}

// At most `max` bytes of UTF-8 text, never ending inside a multi-byte character (a cut
// character would make the statement unserialisable as JSON).
std::string utf8_prefix(const std::string& s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end);
}

Result<std::vector<std::string>> id_list(const Question& q, const json& r, bool pairs) {
  if (!r.is_array()) return bad(q, "expected a list of ids");
  std::vector<std::string> ids;
  std::set<std::string> seen;
  for (const auto& v : r) {
    if (!v.is_string()) return bad(q, "expected a list of ids");
    const auto& id = v.get_ref<const std::string&>();
    if (!(pairs ? has_pair(q, id) : has_choice(q, id))) return bad(q, "\"" + id + "\" is not a choice");
    if (!seen.insert(id).second) return bad(q, "\"" + id + "\" is chosen twice");
    ids.push_back(id);
  }
  return ids;
}

}  // namespace

std::string interaction_type(const std::string& t) {
  if (t == "single" || t == "multiple") return "choice";
  if (t == "true_false") return "true-false";
  if (t == "numeric") return "numeric";
  if (t == "short_text") return "fill-in";
  if (t == "ordering") return "sequencing";
  if (t == "matching") return "matching";
  return "other";
}

Result<Score> score_question(const Question& q, const json& r) {
  Score s;
  s.max_points = q.points;
  if (q.type == "single" || q.type == "true_false") {
    if (!r.is_string()) return bad(q, "expected one choice id");
    const auto& id = r.get_ref<const std::string&>();
    if (!has_choice(q, id)) return bad(q, "\"" + id + "\" is not a choice");
    s.fraction = (!q.correct.empty() && id == q.correct[0]) ? 1.0 : 0.0;
    s.xapi_response = id;
  } else if (q.type == "multiple") {
    auto ids = id_list(q, r, false);
    if (!ids) return ids.error();
    const std::set<std::string> correct(q.correct.begin(), q.correct.end());
    int right = 0, wrong = 0;
    for (const auto& id : *ids) (correct.count(id) ? right : wrong)++;
    const bool exact = wrong == 0 && right == static_cast<int>(correct.size());
    if (q.partial_credit) {
      s.fraction = std::max(0.0, static_cast<double>(right - wrong) / static_cast<double>(correct.size()));
    } else {
      s.fraction = exact ? 1.0 : 0.0;
    }
    s.xapi_response = join(in_choice_order(q, *ids), "[,]");
  } else if (q.type == "numeric") {
    if (!r.is_number()) return bad(q, "expected a number");
    const double v = r.get<double>();
    if (!std::isfinite(v)) return bad(q, "expected a finite number");
    // A tiny epsilon so that 0.1 + 0.2 style answers within tolerance are not refused.
    s.fraction = std::fabs(v - q.answer) <= q.tolerance + 1e-9 * std::max(1.0, std::fabs(q.answer)) ? 1.0 : 0.0;
    s.xapi_response = format_number(v);
  } else if (q.type == "short_text") {
    if (!r.is_string()) return bad(q, "expected text");
    const auto& text = r.get_ref<const std::string&>();
    if (text.size() > 1000) return bad(q, "the answer is longer than 1000 bytes");
    const std::string folded = fold_text(text);
    s.fraction = 0;
    for (const auto& a : q.accepted)
      if (fold_text(a) == folded) s.fraction = 1.0;
    s.xapi_response = text;
  } else if (q.type == "ordering") {
    auto ids = id_list(q, r, false);
    if (!ids) return ids.error();
    if (ids->size() != q.choices.size()) return bad(q, "expected every item, in order");
    int in_place = 0;
    for (std::size_t i = 0; i < ids->size(); ++i) in_place += (*ids)[i] == q.choices[i].id;
    const bool exact = in_place == static_cast<int>(q.choices.size());
    s.fraction = q.partial_credit ? static_cast<double>(in_place) / static_cast<double>(q.choices.size())
                                  : (exact ? 1.0 : 0.0);
    s.xapi_response = join(*ids, "[,]");
  } else if (q.type == "matching") {
    if (!r.is_object()) return bad(q, "expected an object mapping each left id to a right id");
    int right = 0;
    std::vector<std::string> parts;
    std::set<std::string> used_rights;
    for (const auto& p : q.pairs) {
      auto it = r.find(p.id);
      if (it == r.end()) continue;  // unanswered pair scores 0
      if (!it->is_string()) return bad(q, "match for \"" + p.id + "\" must be an id");
      const auto& target = it->get_ref<const std::string&>();
      if (!has_pair(q, target)) return bad(q, "\"" + target + "\" is not a pair id");
      if (!used_rights.insert(target).second) return bad(q, "\"" + target + "\" is matched twice");
      right += target == p.id;
      parts.push_back(p.id + "[.]" + target);
    }
    for (auto it = r.begin(); it != r.end(); ++it)
      if (!has_pair(q, it.key())) return bad(q, "\"" + it.key() + "\" is not a pair id");
    const bool exact = right == static_cast<int>(q.pairs.size());
    s.fraction = q.partial_credit ? static_cast<double>(right) / static_cast<double>(q.pairs.size())
                                  : (exact ? 1.0 : 0.0);
    s.xapi_response = join(parts, "[,]");
  } else {
    return bad(q, "unknown question type \"" + q.type + "\"");
  }
  s.correct = s.fraction >= 1.0 - 1e-12;
  s.points = s.fraction * q.points;
  return s;
}

json interaction_definition(const Question& q, const std::string& language) {
  const std::string lang = language.empty() ? "en" : language;
  json d = {{"type", "http://adlnet.gov/expapi/activities/cmi.interaction"},
            {"name", {{lang, utf8_prefix(q.prompt, 200)}}},
            {"interactionType", interaction_type(q.type)}};
  auto components = [&](const std::vector<bundle::Choice>& cs) {
    json a = json::array();
    for (const auto& c : cs) a.push_back({{"id", c.id}, {"description", {{lang, c.text}}}});
    return a;
  };
  if (q.type == "single" || q.type == "multiple") {
    d["choices"] = components(q.choices);
    d["correctResponsesPattern"] = json::array({join(in_choice_order(q, q.correct), "[,]")});
  } else if (q.type == "true_false") {
    d["correctResponsesPattern"] = json::array({q.correct.empty() ? "true" : q.correct[0]});
  } else if (q.type == "numeric") {
    d["correctResponsesPattern"] = json::array(
        {q.tolerance > 0 ? format_number(q.answer - q.tolerance) + "[:]" + format_number(q.answer + q.tolerance)
                         : format_number(q.answer)});
  } else if (q.type == "short_text") {
    d["correctResponsesPattern"] = json::array();
    for (const auto& a : q.accepted) d["correctResponsesPattern"].push_back("{case_matters=false}" + a);
  } else if (q.type == "ordering") {
    d["choices"] = components(q.choices);
    std::vector<std::string> ids;
    for (const auto& c : q.choices) ids.push_back(c.id);
    d["correctResponsesPattern"] = json::array({join(ids, "[,]")});
  } else if (q.type == "matching") {
    json src = json::array(), tgt = json::array();
    std::vector<std::string> parts;
    for (const auto& p : q.pairs) {
      src.push_back({{"id", p.id}, {"description", {{lang, p.left}}}});
      tgt.push_back({{"id", p.id}, {"description", {{lang, p.right}}}});
      parts.push_back(p.id + "[.]" + p.id);
    }
    d["source"] = src;
    d["target"] = tgt;
    d["correctResponsesPattern"] = json::array({join(parts, "[,]")});
  }
  return d;
}

Result<json> response_from_xapi(const Question& q, const std::string& x) {
  if (q.type == "single" || q.type == "true_false") return json(x);
  if (q.type == "multiple" || q.type == "ordering") {
    json a = json::array();
    for (auto& p : split(x, "[,]")) a.push_back(p);
    return a;
  }
  if (q.type == "numeric") {
    char* end = nullptr;
    const double v = std::strtod(x.c_str(), &end);
    if (x.empty() || end != x.c_str() + x.size() || !std::isfinite(v)) return bad(q, "response is not a number");
    return json(v);
  }
  if (q.type == "short_text") return json(x);
  if (q.type == "matching") {
    json o = json::object();
    for (auto& p : split(x, "[,]")) {
      auto kv = split(p, "[.]");
      if (kv.size() != 2) return bad(q, "malformed matching response");
      o[kv[0]] = kv[1];
    }
    return o;
  }
  return bad(q, "unknown question type \"" + q.type + "\"");
}

}  // namespace trailpack::quiz
