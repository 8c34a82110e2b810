// Flashcards with spaced repetition, surveys (hot and cold evaluations) and branching
// scenarios. Like quizzes, each action is one durable statement and every state
// (queues, current node, availability) is re-derived from statements.
#include <algorithm>
#include <map>
#include <set>

#include "engine_detail.hpp"
#include "trailpack/player/engine.hpp"
#include "trailpack/progress/projection.hpp"
#include "trailpack/progress/review.hpp"
#include "trailpack/quiz/scoring.hpp"

namespace trailpack::player {

using namespace detail;
using nlohmann::json;
namespace verbs = xapi::verbs;

namespace {

std::vector<xapi::StatementView> views_of(const std::vector<json>& statements) {
  std::vector<xapi::StatementView> out;
  out.reserve(statements.size());
  for (const auto& s : statements) out.push_back(xapi::view_of(s));
  return out;
}

json card_json(const bundle::Flashcard& c, const progress::CardSchedule& s) {
  return {{"id", c.id},       {"front", c.front},          {"back", c.back},           {"new", s.reviews == 0},
          {"due", s.due},     {"interval_days", s.interval_days}, {"repetitions", s.repetitions},
          {"reviews", s.reviews}, {"lapses", s.lapses}};
}

std::string survey_question_iri(const std::string& course, const std::string& item, const std::string& q) {
  return bundle::item_iri(course, item) + ":q:" + q;
}

std::string scenario_node_iri(const std::string& course, const std::string& item, const std::string& node) {
  return bundle::item_iri(course, item) + ":node:" + node;
}

}  // namespace

// ---- flashcards --------------------------------------------------------------------------

Result<json> Engine::flashcards_queue(const json& a) {
  auto c = course(arg_str(a, "course_id"));
  if (!c) return c.error();
  const std::string item_id = arg_str(a, "item_id");
  const bundle::Item* deck = find_item_of_type(**c, item_id, "flashcards");
  if (!deck) return make_error("not_found", "flashcard deck \"" + item_id + "\" is not in course \"" + (*c)->id + "\"");
  const TimeMs now = platform_.now();
  const auto schedule = progress::deck_schedule(**c, *deck, views_of(course_statements((*c)->id)));
  json due = json::array(), later = json::array();
  for (std::size_t i = 0; i < deck->cards.size(); ++i)
    (schedule[i].due <= now ? due : later).push_back(card_json(deck->cards[i], schedule[i]));
  // Overdue first (oldest due first), then new cards in the author's order.
  std::stable_sort(due.begin(), due.end(), [](const json& x, const json& y) {
    return x["new"] != y["new"] ? !x["new"].get<bool>() : x["due"].get<TimeMs>() < y["due"].get<TimeMs>();
  });
  return json{{"due", due}, {"later", later}, {"now", now}};
}

Result<json> Engine::flashcards_review(const json& a) {
  auto c = course(arg_str(a, "course_id"));
  if (!c) return c.error();
  const std::string item_id = arg_str(a, "item_id"), card_id = arg_str(a, "card_id"), rating = arg_str(a, "rating");
  const bundle::Item* deck = find_item_of_type(**c, item_id, "flashcards");
  if (!deck) return make_error("not_found", "flashcard deck \"" + item_id + "\" is not in course \"" + (*c)->id + "\"");
  auto card = std::find_if(deck->cards.begin(), deck->cards.end(), [&](const auto& x) { return x.id == card_id; });
  if (card == deck->cards.end()) return make_error("not_found", "card \"" + card_id + "\" is not in deck \"" + item_id + "\"");
  auto quality = progress::rating_quality(rating);
  if (!quality) return make_error("invalid_argument", "rating must be again, hard, good or easy");
  auto base = envelope_base(**c);
  if (!base) return base.error();
  const TimeMs now = platform_.now();
  auto env = make_envelope(*base, **c, new_uuid(), now);
  env.parents = json::array({xapi::activity(bundle::item_iri((*c)->id, item_id), deck->title, (*c)->language,
                                            xapi::activity_types::kFlashcard)});
  json object = xapi::activity(progress::flashcard_iri((*c)->id, item_id, card_id), card->front, (*c)->language,
                               xapi::activity_types::kFlashcard);
  json result = {{"response", rating},
                 {"success", *quality >= 3},
                 {"duration", format_duration(arg_duration(a))},
                 {"extensions", {{xapi::ext::kRating, *quality}}}};
  auto rec = record(**c, {xapi::make_statement(env, verbs::kAnswered, object, result)});
  if (!rec) return rec.error();
  auto queue = flashcards_queue(a);
  if (!queue) return queue.error();
  json out = *queue;
  out["saved"] = true;
  out["statement_id"] = (*rec)["statement_ids"][0];
  return out;
}

Result<json> Engine::reviews_due(const json&) {
  const TimeMs now = platform_.now();
  json decks = json::array(), surveys = json::array();
  int total = 0;
  for (const auto& [id, version] : store_->course_ids()) {
    auto c = course(id);
    if (!c) continue;
    const auto statements = course_statements(id);
    const auto views = views_of(statements);
    const auto p = progress::project_course_views(**c, views);
    for (const auto& m : (*c)->modules)
      for (const auto& it : m.items) {
        const auto* ip = p.item(it.id);
        if (it.type == "flashcards" && ip && !ip->locked) {
          int due = 0;
          for (const auto& s : progress::deck_schedule(**c, it, views)) due += s.reviews > 0 && s.due <= now;
          if (due) decks.push_back({{"course_id", id}, {"item_id", it.id}, {"title", it.title}, {"due", due}});
          total += due;
        }
        if (it.type == "survey" && it.role == "cold" && ip && !ip->locked && ip->status != "completed")
          surveys.push_back({{"course_id", id}, {"item_id", it.id}, {"title", it.title},
                             {"available_at", ip->available_at}, {"due", ip->available_at <= now}});
      }
  }
  return json{{"cards_due", total}, {"decks", decks}, {"cold_surveys", surveys}, {"now", now}};
}

// ---- surveys -----------------------------------------------------------------------------

Result<json> Engine::survey_submit(const json& a) {
  auto c = course(arg_str(a, "course_id"));
  if (!c) return c.error();
  const std::string item_id = arg_str(a, "item_id");
  const bundle::Item* survey = find_item_of_type(**c, item_id, "survey");
  if (!survey) return make_error("not_found", "survey \"" + item_id + "\" is not in course \"" + (*c)->id + "\"");
  const json& answers = arg(a, "answers");
  if (!answers.is_object()) return make_error("invalid_argument", "answers must map question ids to answers");
  const TimeMs now = platform_.now();
  const auto p = progress::project_course(**c, course_statements((*c)->id));
  const auto* ip = p.item(item_id);
  if (ip && ip->locked) return make_error("locked", "survey \"" + item_id + "\" is locked (" + ip->lock_reason + ")");
  if (ip && ip->status == "completed") return make_error("already_answered", "this survey was already answered");
  if (ip && ip->available_at > now)
    return make_error("not_yet_available", "this follow-up survey opens on " + format_timestamp(ip->available_at));
  for (auto it = answers.begin(); it != answers.end(); ++it)
    if (std::none_of(survey->survey.begin(), survey->survey.end(), [&](const auto& q) { return q.id == it.key(); }))
      return make_error("invalid_argument", "\"" + it.key() + "\" is not a question of this survey");
  auto base = envelope_base(**c);
  if (!base) return base.error();
  const json parent = xapi::activity(bundle::item_iri((*c)->id, item_id), survey->title, (*c)->language,
                                     xapi::activity_types::kSurvey);
  std::vector<json> statements;
  for (const auto& q : survey->survey) {
    auto ans = answers.find(q.id);
    if (ans == answers.end() || ans->is_null()) continue;  // every question is optional
    std::string response;
    json def = {{"type", xapi::activity_types::kInteraction}, {"name", {{(*c)->language, q.prompt}}}};
    if (q.type == "rating") {
      if (!ans->is_number_integer() || ans->get<int>() < 1 || ans->get<int>() > q.scale)
        return make_error("invalid_argument", "\"" + q.id + "\" takes a rating from 1 to " + std::to_string(q.scale));
      response = std::to_string(ans->get<int>());
      def["interactionType"] = "likert";
      json scale = json::array();
      for (int i = 1; i <= q.scale; ++i) scale.push_back({{"id", std::to_string(i)}, {"description", {{"en", std::to_string(i)}}}});
      def["scale"] = scale;
    } else if (q.type == "choice") {
      if (!ans->is_string() || std::none_of(q.choices.begin(), q.choices.end(), [&](const auto& ch) { return ch.id == ans->get<std::string>(); }))
        return make_error("invalid_argument", "\"" + q.id + "\" takes one of its choice ids");
      response = ans->get<std::string>();
      def["interactionType"] = "choice";
      json choices = json::array();
      for (const auto& ch : q.choices) choices.push_back({{"id", ch.id}, {"description", {{(*c)->language, ch.text}}}});
      def["choices"] = choices;
    } else {
      if (!ans->is_string()) return make_error("invalid_argument", "\"" + q.id + "\" takes text");
      response = ans->get<std::string>();
      if (response.size() > 4000) return make_error("invalid_argument", "\"" + q.id + "\" is longer than 4000 bytes");
      if (response.empty()) continue;
      def["interactionType"] = "long-fill-in";
    }
    auto env = make_envelope(*base, **c, new_uuid(), now);
    env.parents = json::array({parent});
    statements.push_back(xapi::make_statement(
        env, verbs::kResponded,
        {{"objectType", "Activity"}, {"id", survey_question_iri((*c)->id, item_id, q.id)}, {"definition", def}},
        {{"response", response}}));
  }
  auto env = make_envelope(*base, **c, new_uuid(), now);
  statements.push_back(xapi::make_statement(env, verbs::kCompleted, parent,
                                            {{"completion", true}, {"duration", format_duration(arg_duration(a))}}));
  auto rec = record(**c, std::move(statements));
  if (!rec) return rec.error();
  return *rec;
}

// ---- scenarios ---------------------------------------------------------------------------

namespace {

struct ScenarioRun {
  std::string id;
  std::vector<std::pair<std::string, std::string>> path;  // (node, choice) in order
  bool finished = false;
  TimeMs started = 0;
};

std::vector<ScenarioRun> scenario_runs(const bundle::Course& c, const bundle::Item& sc, const std::vector<json>& statements) {
  const std::string item = bundle::item_iri(c.id, sc.id);
  std::map<std::string, ScenarioRun> runs;
  std::vector<xapi::StatementView> views;
  for (const auto& s : statements) {
    auto v = xapi::view_of(s);
    if (v.object_id == item || v.parent == item) views.push_back(std::move(v));
  }
  std::sort(views.begin(), views.end(), [](const auto& x, const auto& y) {
    return x.timestamp != y.timestamp ? x.timestamp < y.timestamp : x.id < y.id;
  });
  const std::string node_prefix = item + ":node:";
  for (const auto& v : views) {
    const std::string run = ext_string(v, xapi::ext::kAttempt);
    if (run.empty()) continue;
    auto& r = runs[run];
    if (r.id.empty()) {
      r.id = run;
      r.started = v.timestamp;
    }
    if (v.verb == verbs::kAnswered && v.object_id.rfind(node_prefix, 0) == 0)
      r.path.emplace_back(v.object_id.substr(node_prefix.size()), v.response);
    if (v.verb == verbs::kCompleted && v.object_id == item) r.finished = true;
  }
  std::vector<ScenarioRun> out;
  for (auto& [id, r] : runs) out.push_back(std::move(r));
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.started < y.started; });
  return out;
}

const bundle::ScenarioNode* node_of(const bundle::Item& sc, const std::string& id) {
  for (const auto& n : sc.nodes)
    if (n.id == id) return &n;
  return nullptr;
}

// Where a run stands: the node reached by following its recorded choices.
std::string current_node(const bundle::Item& sc, const ScenarioRun& run) {
  std::string at = sc.start;
  for (const auto& step : run.path) {
    const auto* n = node_of(sc, step.first);
    if (!n || step.first != at) break;
    auto ch = std::find_if(n->choices.begin(), n->choices.end(), [&](const auto& x) { return x.id == step.second; });
    if (ch == n->choices.end()) break;
    at = ch->next;
  }
  return at;
}

json node_json(const bundle::Item& sc, const std::string& id) {
  const auto* n = node_of(sc, id);
  if (!n) return nullptr;
  bundle::Course tmp;
  tmp.id = "t";
  bundle::Module m;
  m.id = "m";
  bundle::Item card;
  card.id = "c";
  card.type = "card";
  card.blocks = n->blocks;
  m.items.push_back(card);
  tmp.modules.push_back(m);
  json choices = json::array();
  for (const auto& ch : n->choices) choices.push_back({{"id", ch.id}, {"text", ch.text}});
  json o = {{"id", n->id}, {"blocks", bundle::course_to_json(tmp)["modules"][0]["items"][0]["blocks"]}, {"choices", choices}};
  if (n->outcome) o["outcome"] = *n->outcome;
  return o;
}

}  // namespace

Result<json> Engine::scenario_state(const json& a) {
  auto c = course(arg_str(a, "course_id"));
  if (!c) return c.error();
  const std::string item_id = arg_str(a, "item_id");
  const bundle::Item* sc = find_item_of_type(**c, item_id, "scenario");
  if (!sc) return make_error("not_found", "scenario \"" + item_id + "\" is not in course \"" + (*c)->id + "\"");
  const auto runs = scenario_runs(**c, *sc, course_statements((*c)->id));
  const bool restart = a.value("restart", false);
  if (!restart && !runs.empty() && !runs.back().finished) {
    const auto& r = runs.back();
    json path = json::array();
    for (const auto& [node, choice] : r.path) path.push_back({{"node", node}, {"choice", choice}});
    return json{{"run_id", r.id}, {"node", node_json(*sc, current_node(*sc, r))}, {"path", path}, {"runs", runs.size()}};
  }
  // A new run starts at the start node; it is recorded with the first choice.
  return json{{"run_id", new_uuid()}, {"node", node_json(*sc, sc->start)}, {"path", json::array()}, {"runs", runs.size()}};
}

Result<json> Engine::scenario_choose(const json& a) {
  auto c = course(arg_str(a, "course_id"));
  if (!c) return c.error();
  const std::string item_id = arg_str(a, "item_id"), run_id = arg_str(a, "run_id"), node_id = arg_str(a, "node_id"),
                    choice_id = arg_str(a, "choice_id");
  const bundle::Item* sc = find_item_of_type(**c, item_id, "scenario");
  if (!sc) return make_error("not_found", "scenario \"" + item_id + "\" is not in course \"" + (*c)->id + "\"");
  const auto statements = course_statements((*c)->id);
  const auto p = progress::project_course(**c, statements);
  if (const auto* ip = p.item(item_id); ip && ip->locked)
    return make_error("locked", "scenario \"" + item_id + "\" is locked (" + ip->lock_reason + ")");
  ScenarioRun run;
  run.id = run_id;
  for (const auto& r : scenario_runs(**c, *sc, statements))
    if (r.id == run_id) run = r;
  if (run.finished) return make_error("attempt_finished", "this run of the scenario is finished");
  const std::string at = current_node(*sc, run);
  if (node_id != at) return make_error("wrong_node", "the scenario is at node \"" + at + "\", not \"" + node_id + "\"");
  const auto* node = node_of(*sc, at);
  auto choice = std::find_if(node->choices.begin(), node->choices.end(), [&](const auto& x) { return x.id == choice_id; });
  if (choice == node->choices.end()) return make_error("invalid_argument", "\"" + choice_id + "\" is not a choice at this node");
  const auto* next = node_of(*sc, choice->next);
  auto base = envelope_base(**c);
  if (!base) return base.error();
  const TimeMs now = platform_.now();
  const json parent = xapi::activity(bundle::item_iri((*c)->id, item_id), sc->title, (*c)->language, xapi::activity_types::kScenario);
  auto env = make_envelope(*base, **c, new_uuid(), now);
  env.parents = json::array({parent});
  env.extensions[xapi::ext::kAttempt] = run_id;
  json def = {{"type", xapi::activity_types::kInteraction}, {"interactionType", "choice"}, {"choices", json::array()}};
  for (const auto& ch : node->choices) def["choices"].push_back({{"id", ch.id}, {"description", {{(*c)->language, ch.text}}}});
  std::vector<json> out_statements;
  out_statements.push_back(xapi::make_statement(
      env, verbs::kAnswered, {{"objectType", "Activity"}, {"id", scenario_node_iri((*c)->id, item_id, at)}, {"definition", def}},
      {{"response", choice_id}, {"duration", format_duration(arg_duration(a))}}));
  const bool end = next && next->choices.empty();
  if (end) {
    auto env2 = make_envelope(*base, **c, new_uuid(), now);
    env2.extensions[xapi::ext::kAttempt] = run_id;
    const double outcome = next->outcome.value_or(0);
    out_statements.push_back(xapi::make_statement(
        env2, verbs::kCompleted, parent,
        {{"completion", true}, {"success", outcome >= 0.999}, {"score", {{"scaled", outcome}}}}));
  }
  auto rec = record(**c, std::move(out_statements));
  if (!rec) return rec.error();
  json out = {{"saved", true}, {"feedback", choice->feedback}, {"node", node_json(*sc, choice->next)}, {"finished", end},
              {"progress", (*rec)["progress"]}};
  if (end) out["outcome"] = next->outcome.value_or(0);
  return out;
}

}  // namespace trailpack::player
