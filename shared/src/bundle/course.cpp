#include "trailpack/bundle/course.hpp"

#include <set>

#include "trailpack/json_reader.hpp"

namespace trailpack::bundle {

using nlohmann::json;

bool is_valid_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  if (!alnum(id[0])) return false;
  for (char c : id)
    if (!alnum(c) && c != '.' && c != '_' && c != '-') return false;
  return true;
}

std::string course_iri(const std::string& course_id) { return "urn:trailpack:course:" + course_id; }
std::string item_iri(const std::string& course_id, const std::string& item_id) {
  return course_iri(course_id) + ":item:" + item_id;
}
std::string question_iri(const std::string& course_id, const std::string& question_id) {
  return course_iri(course_id) + ":question:" + question_id;
}

const Module* Course::find_module(const std::string& id) const {
  for (const auto& m : modules)
    if (m.id == id) return &m;
  return nullptr;
}

const Item* Course::find_item(const std::string& id, std::size_t* module_index) const {
  for (std::size_t mi = 0; mi < modules.size(); ++mi)
    for (const auto& it : modules[mi].items)
      if (it.id == id) {
        if (module_index) *module_index = mi;
        return &it;
      }
  return nullptr;
}

const Question* Course::find_question(const std::string& id, const Item** quiz) const {
  for (const auto& m : modules)
    for (const auto& it : m.items)
      for (const auto& p : it.pools)
        for (const auto& q : p.questions)
          if (q.id == id) {
            if (quiz) *quiz = &it;
            return &q;
          }
  return nullptr;
}

namespace {

// ---- reading -------------------------------------------------------------------------

std::string read_id(const JsonReader& r) {
  std::string id = r.str("id");
  if (!is_valid_id(id))
    r.fail("id", "\"" + id + "\" is not a valid id (1-64 characters: letters, digits, '.', '_', '-'; starting with a letter or digit)");
  return id;
}

std::vector<Span> read_spans(const JsonReader& r, const std::string& key) {
  std::vector<Span> out;
  for (const auto& s : r.objects(key)) {
    s.only({"text", "style", "href"});
    Span span;
    span.text = s.str_or("text", "");
    span.style = s.one_of("style", {"", "strong", "em", "code", "link"}, "");
    span.href = s.str_or("href", "");
    if (span.style == "link") {
      if (span.href.rfind("https://", 0) != 0 && span.href.rfind("mailto:", 0) != 0)
        s.fail("href", "links must start with https:// or mailto:");
    } else if (!span.href.empty()) {
      s.fail("href", "only spans with style \"link\" have an href");
    }
    out.push_back(std::move(span));
  }
  return out;
}

void check_media_path(const JsonReader& r, const std::string& key, const std::string& path) {
  if (path.empty()) return;
  if (path.front() == '/' || path.find("..") != std::string::npos || path.find('\\') != std::string::npos ||
      path.find("://") != std::string::npos)
    r.fail(key, "\"" + path + "\" must be a relative path inside the bundle");
}

Block read_block(const JsonReader& r) {
  r.only({"type", "level", "spans", "items", "ordered", "src", "alt", "captions", "transcript"});
  Block b;
  b.type = r.one_of("type", {"heading", "paragraph", "list", "image", "audio", "video", "quote"}, nullptr);
  if (b.type == "heading") {
    b.level = static_cast<int>(r.integer_or("level", 2, 1, 3));
    b.spans = read_spans(r, "spans");
  } else if (b.type == "paragraph" || b.type == "quote") {
    b.spans = read_spans(r, "spans");
  } else if (b.type == "list") {
    b.ordered = r.boolean_or("ordered", false);
    // find(), not at(): a missing "items" must be reported with its path like any
    // other field, not escape as a nlohmann out_of_range without one.
    static const json kMissing;
    const auto found = r.raw().find("items");
    const json& items = found != r.raw().end() ? *found : kMissing;
    if (!items.is_array() || items.empty()) r.fail("items", "expected a non-empty array of items");
    for (std::size_t i = 0; i < items.size(); ++i) {
      json wrapper = {{"spans", items[i]}};
      JsonReader w(wrapper, JsonReader::index_path(r.child_path("items"), i));
      try {
        b.items.push_back(read_spans(w, "spans"));
      } catch (const detail::JsonPathError& e) {
        // Re-anchor "items[i].spans[k]" to "items[i][k]".
        std::string p = e.path;
        const std::string from = JsonReader::index_path(r.child_path("items"), i) + ".spans";
        if (p.rfind(from, 0) == 0) p = JsonReader::index_path(r.child_path("items"), i) + p.substr(from.size());
        throw detail::JsonPathError(p, e.what());
      }
    }
  } else {
    b.src = r.str("src");
    check_media_path(r, "src", b.src);
    b.alt = r.str_or("alt", "");
    if (b.type == "image" && b.alt.empty()) r.fail("alt", "images need alternative text for screen readers");
    b.captions = r.str_or("captions", "");
    check_media_path(r, "captions", b.captions);
    b.transcript = r.str_or("transcript", "");
    if (b.type == "video" && b.captions.empty() && b.transcript.empty())
      r.fail("", "a video needs captions or a transcript");
    if (b.type == "audio" && b.transcript.empty() && b.captions.empty())
      r.fail("", "audio needs a transcript or captions");
  }
  return b;
}

std::vector<Block> read_blocks(const JsonReader& r, const std::string& key) {
  std::vector<Block> out;
  for (const auto& b : r.objects(key)) out.push_back(read_block(b));
  return out;
}

std::vector<Choice> read_choices(const JsonReader& r, const std::string& key, bool required) {
  std::vector<Choice> out;
  auto list = required ? r.objects(key) : r.objects_or_empty(key);
  std::set<std::string> ids;
  for (const auto& c : list) {
    c.only({"id", "text"});
    Choice ch{read_id(c), c.str("text")};
    if (!ids.insert(ch.id).second) c.fail("id", "duplicate choice id \"" + ch.id + "\"");
    out.push_back(std::move(ch));
  }
  return out;
}

Question read_question(const JsonReader& r) {
  r.only({"id", "type", "prompt", "choices", "correct", "partial_credit", "answer", "tolerance", "accepted", "pairs",
          "points", "objectives", "feedback", "explanation"});
  Question q;
  q.id = read_id(r);
  q.type = r.one_of("type", {"single", "multiple", "true_false", "numeric", "short_text", "ordering", "matching"},
                    nullptr);
  q.prompt = r.str("prompt");
  q.points = r.number_or("points", 1);
  if (q.points <= 0 || q.points > 1000) r.fail("points", "must be greater than 0 and at most 1000");
  q.objectives = r.strings_or_empty("objectives");
  q.explanation = r.str_or("explanation", "");
  if (r.has("feedback")) {
    JsonReader f(r.raw().at("feedback"), r.child_path("feedback"));
    f.only({"correct", "incorrect"});
    q.feedback_correct = f.str_or("correct", "");
    q.feedback_incorrect = f.str_or("incorrect", "");
  }
  auto check_correct_ids = [&](std::size_t min, std::size_t max) {
    q.correct = r.strings_or_empty("correct");
    if (q.correct.size() < min || q.correct.size() > max) {
      r.fail("correct", min == max ? "must name exactly " + std::to_string(min) + " choice id"
                                   : "must name at least " + std::to_string(min) + " choice id");
    }
    std::set<std::string> seen;
    for (std::size_t i = 0; i < q.correct.size(); ++i) {
      bool found = false;
      for (const auto& c : q.choices) found = found || c.id == q.correct[i];
      if (!found)
        JsonReader::fail_at(JsonReader::index_path(r.child_path("correct"), i),
                            "\"" + q.correct[i] + "\" is not a choice id");
      if (!seen.insert(q.correct[i]).second)
        JsonReader::fail_at(JsonReader::index_path(r.child_path("correct"), i), "\"" + q.correct[i] + "\" is listed twice");
    }
  };
  if (q.type == "single" || q.type == "multiple") {
    q.choices = read_choices(r, "choices", true);
    if (q.choices.size() < 2) r.fail("choices", "needs at least 2 choices");
    if (q.type == "single") check_correct_ids(1, 1);
    else check_correct_ids(1, q.choices.size());
    q.partial_credit = r.boolean_or("partial_credit", q.type == "multiple");
  } else if (q.type == "true_false") {
    const json& a = r.raw().contains("answer") ? r.raw().at("answer") : json();
    if (!a.is_boolean()) r.fail("answer", "expected true or false");
    q.choices = {{"true", "True"}, {"false", "False"}};
    q.correct = {a.get<bool>() ? "true" : "false"};
  } else if (q.type == "numeric") {
    q.answer = r.number("answer");
    q.tolerance = r.number_or("tolerance", 0);
    if (q.tolerance < 0) r.fail("tolerance", "must not be negative");
  } else if (q.type == "short_text") {
    q.accepted = r.strings_or_empty("accepted");
    if (q.accepted.empty()) r.fail("accepted", "needs at least one accepted answer");
  } else if (q.type == "ordering") {
    q.choices = read_choices(r, "choices", true);
    if (q.choices.size() < 2) r.fail("choices", "needs at least 2 items to order");
    q.partial_credit = r.boolean_or("partial_credit", true);
  } else if (q.type == "matching") {
    std::set<std::string> ids;
    for (const auto& p : r.objects("pairs")) {
      p.only({"id", "left", "right"});
      Pair pair{read_id(p), p.str("left"), p.str("right")};
      if (!ids.insert(pair.id).second) p.fail("id", "duplicate pair id \"" + pair.id + "\"");
      q.pairs.push_back(std::move(pair));
    }
    if (q.pairs.size() < 2) r.fail("pairs", "needs at least 2 pairs");
    q.partial_credit = r.boolean_or("partial_credit", true);
  }
  return q;
}

SurveyQuestion read_survey_question(const JsonReader& r) {
  r.only({"id", "type", "prompt", "scale", "choices"});
  SurveyQuestion q;
  q.id = read_id(r);
  q.type = r.one_of("type", {"rating", "choice", "text"}, nullptr);
  q.prompt = r.str("prompt");
  if (q.type == "rating") q.scale = static_cast<int>(r.integer_or("scale", 5, 2, 10));
  if (q.type == "choice") {
    q.choices = read_choices(r, "choices", true);
    if (q.choices.size() < 2) r.fail("choices", "needs at least 2 choices");
  }
  return q;
}

Item read_item(const JsonReader& r) {
  r.only({"id", "type", "title", "required", "blocks", "role", "pass_mark", "max_attempts", "shuffle", "feedback",
          "time_limit_s", "test_out", "pools", "questions", "draw", "cards", "survey", "delay_days", "start", "nodes"});
  Item it;
  it.id = read_id(r);
  it.type = r.one_of("type", {"card", "quiz", "flashcards", "survey", "scenario"}, nullptr);
  it.title = r.str("title");
  it.required = r.boolean_or("required", it.type != "flashcards");
  if (it.type == "card") {
    it.blocks = read_blocks(r, "blocks");
  } else if (it.type == "quiz") {
    it.role = r.one_of("role", {"", "pretest", "posttest"}, "");
    it.pass_mark = r.number_or("pass_mark", 0.8);
    if (it.pass_mark < 0 || it.pass_mark > 1) r.fail("pass_mark", "must be between 0 and 1 (a fraction of the maximum score)");
    it.max_attempts = static_cast<int>(r.integer_or("max_attempts", 0, 0, 100));
    it.shuffle = r.boolean_or("shuffle", false);
    it.feedback = r.one_of("feedback", {"immediate", "deferred"}, "immediate");
    it.time_limit_s = static_cast<int>(r.integer_or("time_limit_s", 0, 0, 86400));
    it.test_out = r.boolean_or("test_out", false);
    if (it.test_out && it.role != "pretest") r.fail("test_out", "only a pretest can let learners test out");
    if (r.has("questions") && r.has("pools")) r.fail("questions", "use either \"questions\" or \"pools\", not both");
    if (r.has("questions")) {
      Pool p;
      p.id = "main";
      p.draw = static_cast<int>(r.integer_or("draw", 0, 0, 1000));
      for (const auto& q : r.objects("questions")) p.questions.push_back(read_question(q));
      if (p.draw > static_cast<int>(p.questions.size()))
        r.fail("draw", "draws " + std::to_string(p.draw) + " questions but only " +
                           std::to_string(p.questions.size()) + " exist");
      it.pools.push_back(std::move(p));
    } else {
      if (r.has("draw")) r.fail("draw", "with pools, set \"draw\" on each pool");
      for (const auto& pr : r.objects("pools")) {
        pr.only({"id", "draw", "questions"});
        Pool p;
        p.id = read_id(pr);
        p.draw = static_cast<int>(pr.integer_or("draw", 0, 0, 1000));
        for (const auto& q : pr.objects("questions")) p.questions.push_back(read_question(q));
        if (p.draw > static_cast<int>(p.questions.size()))
          pr.fail("draw", "draws " + std::to_string(p.draw) + " questions but only " +
                              std::to_string(p.questions.size()) + " exist");
        it.pools.push_back(std::move(p));
      }
    }
  } else if (it.type == "flashcards") {
    std::set<std::string> ids;  // review statements name the card, so ids must be unique
    for (const auto& c : r.objects("cards")) {
      c.only({"id", "front", "back"});
      it.cards.push_back({read_id(c), c.str("front"), c.str("back")});
      if (!ids.insert(it.cards.back().id).second) c.fail("id", "duplicate card id \"" + it.cards.back().id + "\"");
    }
  } else if (it.type == "survey") {
    it.role = r.one_of("role", {"hot", "cold"}, "hot");
    it.delay_days = static_cast<int>(r.integer_or("delay_days", it.role == "cold" ? 30 : 0, 0, 3650));
    if (it.role == "hot" && it.delay_days != 0) r.fail("delay_days", "only a cold survey has a delay");
    if (it.role == "cold") {
      // A cold survey becomes due delay_days after the course is completed; if the course
      // needed it, the course could never be completed.
      if (r.has("required") && it.required)
        r.fail("required", "a cold survey is due after the course is completed, so it cannot be required");
      it.required = false;
    }
    std::set<std::string> ids;  // answers are recorded per question id
    for (const auto& q : r.objects("survey")) {
      it.survey.push_back(read_survey_question(q));
      if (!ids.insert(it.survey.back().id).second)
        q.fail("id", "duplicate survey question id \"" + it.survey.back().id + "\"");
    }
  } else if (it.type == "scenario") {
    it.start = r.str("start");
    for (const auto& n : r.objects("nodes")) {
      n.only({"id", "blocks", "choices", "outcome"});
      ScenarioNode node;
      node.id = read_id(n);
      node.blocks = read_blocks(n, "blocks");
      if (n.has("outcome")) {
        node.outcome = n.number("outcome");
        if (*node.outcome < 0 || *node.outcome > 1) n.fail("outcome", "must be between 0 and 1");
      }
      std::set<std::string> choice_ids;  // the learner's pick is recorded by choice id
      for (const auto& c : n.objects_or_empty("choices")) {
        c.only({"id", "text", "next", "feedback"});
        node.choices.push_back({read_id(c), c.str("text"), c.str("next"), c.str_or("feedback", "")});
        if (!choice_ids.insert(node.choices.back().id).second)
          c.fail("id", "duplicate choice id \"" + node.choices.back().id + "\"");
      }
      if (node.choices.empty() && !node.outcome) n.fail("", "a node without choices is an end node and needs an outcome");
      if (!node.choices.empty() && node.outcome) n.fail("outcome", "only end nodes (no choices) have an outcome");
      it.nodes.push_back(std::move(node));
    }
  }
  return it;
}

// ---- cross-reference validation ------------------------------------------------------

struct IdRegistry {
  std::set<std::string> items, modules, questions;
};

void validate_scenario(const Item& it, const std::string& path) {
  std::set<std::string> node_ids;
  for (std::size_t i = 0; i < it.nodes.size(); ++i)
    if (!node_ids.insert(it.nodes[i].id).second)
      JsonReader::fail_at(JsonReader::index_path(path + ".nodes", i) + ".id", "duplicate node id \"" + it.nodes[i].id + "\"");
  if (!node_ids.count(it.start)) JsonReader::fail_at(path + ".start", "\"" + it.start + "\" is not a node id");
  for (std::size_t i = 0; i < it.nodes.size(); ++i)
    for (std::size_t c = 0; c < it.nodes[i].choices.size(); ++c)
      if (!node_ids.count(it.nodes[i].choices[c].next))
        JsonReader::fail_at(JsonReader::index_path(JsonReader::index_path(path + ".nodes", i) + ".choices", c) + ".next",
                            "\"" + it.nodes[i].choices[c].next + "\" is not a node id");
}

void validate_references(const Course& c) {
  IdRegistry reg;
  for (std::size_t mi = 0; mi < c.modules.size(); ++mi) {
    const Module& m = c.modules[mi];
    const std::string mpath = JsonReader::index_path("modules", mi);
    if (!reg.modules.insert(m.id).second) JsonReader::fail_at(mpath + ".id", "duplicate module id \"" + m.id + "\"");
    for (std::size_t ii = 0; ii < m.items.size(); ++ii) {
      const Item& it = m.items[ii];
      const std::string ipath = JsonReader::index_path(mpath + ".items", ii);
      if (!reg.items.insert(it.id).second) JsonReader::fail_at(ipath + ".id", "duplicate item id \"" + it.id + "\"");
      std::set<std::string> pool_ids;
      for (std::size_t pi = 0; pi < it.pools.size(); ++pi) {
        const std::string ppath = JsonReader::index_path(ipath + ".pools", pi);
        if (!pool_ids.insert(it.pools[pi].id).second)
          JsonReader::fail_at(ppath + ".id", "duplicate pool id \"" + it.pools[pi].id + "\"");
        for (std::size_t qi = 0; qi < it.pools[pi].questions.size(); ++qi) {
          const Question& q = it.pools[pi].questions[qi];
          if (!reg.questions.insert(q.id).second)
            JsonReader::fail_at(JsonReader::index_path(ppath + ".questions", qi) + ".id",
                                "duplicate question id \"" + q.id + "\"");
        }
      }
      if (it.type == "scenario") validate_scenario(it, ipath);
    }
  }
  // Prerequisites must name earlier modules (no cycles by construction).
  std::set<std::string> earlier;
  for (std::size_t mi = 0; mi < c.modules.size(); ++mi) {
    const Module& m = c.modules[mi];
    for (std::size_t pi = 0; pi < m.prerequisites.size(); ++pi) {
      const std::string& p = m.prerequisites[pi];
      if (!earlier.count(p)) {
        const std::string where = JsonReader::index_path(JsonReader::index_path("modules", mi) + ".prerequisites", pi);
        JsonReader::fail_at(where, reg.modules.count(p) ? "\"" + p + "\" must be a module that comes earlier"
                                                        : "\"" + p + "\" is not a module id");
      }
    }
    earlier.insert(m.id);
  }
}

Course read_course(const json& j) {
  JsonReader r(j, "");
  r.only({"format", "id", "version", "title", "language", "description", "sequencing", "modules"});
  Course c;
  c.format = static_cast<int>(r.integer_or("format", kCourseFormat, 1, 1000));
  if (c.format != kCourseFormat)
    r.fail("format", "format " + std::to_string(c.format) + " is not supported (this version reads format " +
                         std::to_string(kCourseFormat) + ")");
  c.id = read_id(r);
  c.version = r.integer_or("version", 1, 1, 1'000'000'000);
  c.title = r.str("title");
  c.language = r.str_or("language", "en");
  if (c.language.size() < 2 || c.language.size() > 35) r.fail("language", "expected a language tag such as \"en\" or \"fr-CA\"");
  c.description = r.str_or("description", "");
  c.sequencing = r.one_of("sequencing", {"linear", "free"}, "linear");
  for (const auto& mr : r.objects("modules")) {
    mr.only({"id", "title", "prerequisites", "items"});
    Module m;
    m.id = read_id(mr);
    m.title = mr.str("title");
    m.prerequisites = mr.strings_or_empty("prerequisites");
    for (const auto& ir : mr.objects("items")) m.items.push_back(read_item(ir));
    c.modules.push_back(std::move(m));
  }
  validate_references(c);
  return c;
}

// ---- writing -------------------------------------------------------------------------

json spans_to_json(const std::vector<Span>& spans) {
  json a = json::array();
  for (const auto& s : spans) {
    json o = {{"text", s.text}};
    if (!s.style.empty()) o["style"] = s.style;
    if (!s.href.empty()) o["href"] = s.href;
    a.push_back(std::move(o));
  }
  return a;
}

json blocks_to_json(const std::vector<Block>& blocks) {
  json a = json::array();
  for (const auto& b : blocks) {
    json o = {{"type", b.type}};
    if (b.type == "heading") o["level"] = b.level;
    if (!b.spans.empty()) o["spans"] = spans_to_json(b.spans);
    if (b.type == "list") {
      o["ordered"] = b.ordered;
      o["items"] = json::array();
      for (const auto& li : b.items) o["items"].push_back(spans_to_json(li));
    }
    if (!b.src.empty()) o["src"] = b.src;
    if (!b.alt.empty()) o["alt"] = b.alt;
    if (!b.captions.empty()) o["captions"] = b.captions;
    if (!b.transcript.empty()) o["transcript"] = b.transcript;
    a.push_back(std::move(o));
  }
  return a;
}

json choices_to_json(const std::vector<Choice>& choices) {
  json a = json::array();
  for (const auto& c : choices) a.push_back({{"id", c.id}, {"text", c.text}});
  return a;
}

json question_to_json(const Question& q) {
  json o = {{"id", q.id}, {"type", q.type}, {"prompt", q.prompt}, {"points", q.points}};
  if (q.type == "true_false") {
    o["answer"] = !q.correct.empty() && q.correct[0] == "true";
  } else if (q.type == "single" || q.type == "multiple") {
    o["choices"] = choices_to_json(q.choices);
    o["correct"] = q.correct;
    if (q.type == "multiple") o["partial_credit"] = q.partial_credit;
  } else if (q.type == "ordering") {
    o["choices"] = choices_to_json(q.choices);
    o["partial_credit"] = q.partial_credit;
  } else if (q.type == "matching") {
    o["pairs"] = json::array();
    for (const auto& p : q.pairs) o["pairs"].push_back({{"id", p.id}, {"left", p.left}, {"right", p.right}});
    o["partial_credit"] = q.partial_credit;
  } else if (q.type == "numeric") {
    o["answer"] = q.answer;
    o["tolerance"] = q.tolerance;
  } else if (q.type == "short_text") {
    o["accepted"] = q.accepted;
  }
  if (!q.objectives.empty()) o["objectives"] = q.objectives;
  if (!q.feedback_correct.empty() || !q.feedback_incorrect.empty()) {
    o["feedback"] = json::object();
    if (!q.feedback_correct.empty()) o["feedback"]["correct"] = q.feedback_correct;
    if (!q.feedback_incorrect.empty()) o["feedback"]["incorrect"] = q.feedback_incorrect;
  }
  if (!q.explanation.empty()) o["explanation"] = q.explanation;
  return o;
}

json item_to_json(const Item& it) {
  json o = {{"id", it.id}, {"type", it.type}, {"title", it.title}, {"required", it.required}};
  if (it.type == "card") o["blocks"] = blocks_to_json(it.blocks);
  if (it.type == "quiz") {
    if (!it.role.empty()) o["role"] = it.role;
    o["pass_mark"] = it.pass_mark;
    o["max_attempts"] = it.max_attempts;
    o["shuffle"] = it.shuffle;
    o["feedback"] = it.feedback;
    o["time_limit_s"] = it.time_limit_s;
    if (it.test_out) o["test_out"] = true;
    o["pools"] = json::array();
    for (const auto& p : it.pools) {
      json po = {{"id", p.id}, {"draw", p.draw}, {"questions", json::array()}};
      for (const auto& q : p.questions) po["questions"].push_back(question_to_json(q));
      o["pools"].push_back(std::move(po));
    }
  }
  if (it.type == "flashcards") {
    o["cards"] = json::array();
    for (const auto& c : it.cards) o["cards"].push_back({{"id", c.id}, {"front", c.front}, {"back", c.back}});
  }
  if (it.type == "survey") {
    o["role"] = it.role;
    if (it.role == "cold") o["delay_days"] = it.delay_days;
    o["survey"] = json::array();
    for (const auto& q : it.survey) {
      json qo = {{"id", q.id}, {"type", q.type}, {"prompt", q.prompt}};
      if (q.type == "rating") qo["scale"] = q.scale;
      if (q.type == "choice") qo["choices"] = choices_to_json(q.choices);
      o["survey"].push_back(std::move(qo));
    }
  }
  if (it.type == "scenario") {
    o["start"] = it.start;
    o["nodes"] = json::array();
    for (const auto& n : it.nodes) {
      json no = {{"id", n.id}, {"blocks", blocks_to_json(n.blocks)}};
      if (n.outcome) no["outcome"] = *n.outcome;
      if (!n.choices.empty()) {
        no["choices"] = json::array();
        for (const auto& c : n.choices) {
          json co = {{"id", c.id}, {"text", c.text}, {"next", c.next}};
          if (!c.feedback.empty()) co["feedback"] = c.feedback;
          no["choices"].push_back(std::move(co));
        }
      }
      o["nodes"].push_back(std::move(no));
    }
  }
  return o;
}

}  // namespace

Result<Course> parse_course(const json& j) {
  return read_json_checked<Course>("invalid_course", [&] { return read_course(j); });
}

Status validate_course(const Course& course) {
  return read_json_checked<Unit>("invalid_course", [&] {
    validate_references(course);
    return Unit{};
  });
}

json course_to_json(const Course& c) {
  json o = {{"format", c.format},   {"id", c.id},
            {"version", c.version}, {"title", c.title},
            {"language", c.language}, {"sequencing", c.sequencing},
            {"modules", json::array()}};
  if (!c.description.empty()) o["description"] = c.description;
  for (const auto& m : c.modules) {
    json mo = {{"id", m.id}, {"title", m.title}, {"items", json::array()}};
    if (!m.prerequisites.empty()) mo["prerequisites"] = m.prerequisites;
    for (const auto& it : m.items) mo["items"].push_back(item_to_json(it));
    o["modules"].push_back(std::move(mo));
  }
  return o;
}

}  // namespace trailpack::bundle
