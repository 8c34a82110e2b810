#include "trailpack/player/engine.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <set>

#include "trailpack/json_reader.hpp"
#include "trailpack/progress/projection.hpp"
#include "trailpack/quiz/draw.hpp"
#include "trailpack/quiz/scoring.hpp"
#include "trailpack/uuid.hpp"
#include "trailpack/xapi/builder.hpp"
#include "trailpack/xapi/statement.hpp"
#include "engine_detail.hpp"

namespace trailpack::player {

using namespace detail;

using nlohmann::json;
namespace verbs = xapi::verbs;

Platform default_platform() {
  Platform p;
  p.now = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  p.random16 = [] {
    static std::random_device rd;
    std::array<std::uint8_t, 16> b{};
    for (std::size_t i = 0; i < b.size(); i += 4) {
      const auto r = rd();
      for (std::size_t k = 0; k < 4; ++k) b[i + k] = static_cast<std::uint8_t>(r >> (8 * k));
    }
    return b;
  };
  return p;
}

Platform deterministic_platform(TimeMs start_ms, std::uint64_t seed) {
  auto clock = std::make_shared<TimeMs>(start_ms);
  auto rng = std::make_shared<quiz::SplitMix64>(seed);
  Platform p;
  p.now = [clock] { return *clock += 1000; };
  p.random16 = [rng] {
    std::array<std::uint8_t, 16> b{};
    for (std::size_t i = 0; i < b.size(); i += 8) {
      const std::uint64_t r = rng->next();
      for (std::size_t k = 0; k < 8; ++k) b[i + k] = static_cast<std::uint8_t>(r >> (8 * k));
    }
    return b;
  };
  return p;
}

namespace {

// The state of one quiz attempt, rebuilt from its statements.
struct AttemptState {
  std::string id;
  TimeMs started = 0;
  std::string seed;
  std::vector<std::string> questions;
  std::map<std::string, xapi::StatementView> answers;  // question id -> answered statement
  bool finished = false;
};

std::map<std::string, AttemptState> attempts_of(const bundle::Course& course, const bundle::Item& quiz,
                                                const std::vector<json>& statements) {
  const std::string quiz_iri = bundle::item_iri(course.id, quiz.id);
  std::map<std::string, AttemptState> out;
  for (const auto& s : statements) {
    auto v = xapi::view_of(s);
    const std::string a = ext_string(v, xapi::ext::kAttempt);
    if (a.empty()) continue;
    if (v.object_id == quiz_iri && v.verb == verbs::kAttempted) {
      auto& st = out[a];
      st.id = a;
      st.started = v.timestamp;
      st.seed = ext_string(v, xapi::ext::kSeed);
      if (v.extensions.is_object() && v.extensions.contains(xapi::ext::kQuestions) &&
          v.extensions[xapi::ext::kQuestions].is_array())
        for (const auto& q : v.extensions[xapi::ext::kQuestions])
          if (q.is_string()) st.questions.push_back(q.get<std::string>());
    } else if (v.parent == quiz_iri && v.verb == verbs::kAnswered) {
      const std::string prefix = bundle::question_iri(course.id, "");
      if (v.object_id.rfind(prefix, 0) == 0) out[a].answers.emplace(v.object_id.substr(prefix.size()), v);
    } else if (v.object_id == quiz_iri && (v.verb == verbs::kPassed || v.verb == verbs::kFailed)) {
      out[a].finished = true;
    }
  }
  return out;
}

json question_for_learner(const bundle::Question& q, const quiz::DrawnQuestion& d) {
  // What the UI needs to render, without the answer key.
  json o = {{"id", q.id}, {"type", q.type}, {"prompt", q.prompt}, {"points", q.points}};
  auto text_of = [&](const std::string& id) {
    for (const auto& c : q.choices)
      if (c.id == id) return c.text;
    return std::string();
  };
  if (q.type == "matching") {
    json lefts = json::array(), rights = json::array();
    for (const auto& p : q.pairs) lefts.push_back({{"id", p.id}, {"text", p.left}});
    for (const auto& id : d.order)
      for (const auto& p : q.pairs)
        if (p.id == id) rights.push_back({{"id", p.id}, {"text", p.right}});
    o["left"] = lefts;
    o["right"] = rights;
  } else if (!d.order.empty()) {
    json choices = json::array();
    for (const auto& id : d.order) choices.push_back({{"id", id}, {"text", text_of(id)}});
    o["choices"] = choices;
  }
  return o;
}

}  // namespace

Engine::Engine(std::unique_ptr<Store> store, Platform platform) : store_(std::move(store)), platform_(std::move(platform)) {}

std::vector<std::string> Engine::methods() {
  return {"profile.set", "profile.get", "course.install", "courses.list", "course.get", "progress.get",
          "card.complete", "quiz.start", "quiz.answer", "quiz.finish", "sync.pending", "sync.ack",
          "sync.ingest", "status", "app.get", "app.put", "flashcards.queue", "flashcards.review", "reviews.due",
          "survey.submit", "scenario.state", "scenario.choose"};
}

Result<json> Engine::call(const std::string& method, const json& args) {
  try {
    return dispatch(method, args);
  } catch (const ArgError& e) {
    return make_error("invalid_argument", method + ": " + e.what());
  } catch (const json::exception& e) {
    return make_error("invalid_argument", method + ": " + e.what());
  } catch (const std::bad_alloc&) {
    return make_error("out_of_memory", method + ": out of memory");
  } catch (const std::exception& e) {
    return make_error("internal", method + ": " + e.what());
  }
}

Result<json> Engine::dispatch(const std::string& m, const json& a) {
  if (m == "profile.set") return set_profile(a);
  if (m == "profile.get") return get_profile();
  if (m == "course.install") return install_course(a);
  if (m == "courses.list") return list_courses();
  if (m == "course.get") return get_course(a);
  if (m == "progress.get") return get_progress(a);
  if (m == "card.complete") return complete_card(a);
  if (m == "quiz.start") return quiz_start(a);
  if (m == "quiz.answer") return quiz_answer(a);
  if (m == "quiz.finish") return quiz_finish(a);
  if (m == "sync.pending") return sync_pending(a);
  if (m == "sync.ack") return sync_ack(a);
  if (m == "sync.ingest") return sync_ingest(a);
  if (m == "status") return status();
  if (m == "flashcards.queue") return flashcards_queue(a);
  if (m == "flashcards.review") return flashcards_review(a);
  if (m == "reviews.due") return reviews_due(a);
  if (m == "survey.submit") return survey_submit(a);
  if (m == "scenario.state") return scenario_state(a);
  if (m == "scenario.choose") return scenario_choose(a);
  if (m == "app.get") return app_get(a);
  if (m == "app.put") return app_put(a);
  return make_error("unknown_method", "unknown method \"" + m + "\"");
}

std::string Engine::new_uuid() { return uuid_v4_from_bytes(platform_.random16()); }

// ---- profile -----------------------------------------------------------------------------

Result<json> Engine::set_profile(const json& a) {
  const std::string home_page = arg_str(a, "home_page");
  const std::string account = arg_str(a, "account");
  const std::string name = a.value("name", "");
  if (!xapi::is_iri(home_page)) return make_error("invalid_argument", "home_page must be an absolute URL");
  json profile = {{"home_page", home_page}, {"account", account}, {"name", name}};
  if (auto s = store_->put("profile", profile.dump()); !s) return s.error();
  if (!store_->get("device_id")) {
    if (auto s = store_->put("device_id", a.value("device_id", new_uuid())); !s) return s.error();
  }
  return get_profile();
}

Result<json> Engine::get_profile() {
  auto p = store_->get("profile");
  if (!p) return json(nullptr);
  json profile = json::parse(*p);
  profile["device_id"] = store_->get("device_id").value_or("");
  return profile;
}

// ---- content -----------------------------------------------------------------------------

Result<json> Engine::install_course(const json& a) {
  const json& body = arg(a, "course");
  auto parsed = bundle::parse_course(body);
  if (!parsed) return parsed.error();
  if (auto existing = store_->course_json(parsed->id)) {
    auto old = bundle::parse_course(json::parse(*existing, nullptr, false));
    if (old && old->version > parsed->version)
      return make_error("older_version", "course \"" + parsed->id + "\" version " + std::to_string(parsed->version) +
                                             " is older than the installed version " + std::to_string(old->version));
  }
  const std::string canonical = bundle::course_to_json(*parsed).dump();
  if (auto s = store_->put_course(parsed->id, parsed->version, canonical); !s) return s.error();
  // The manifest maps media paths to content hashes (the Worker keeps the files by hash).
  if (a.contains("manifest") && a["manifest"].is_object())
    if (auto s = store_->put("manifest:" + parsed->id, a["manifest"].dump()); !s) return s.error();
  cached_course_id_.clear();
  cached_course_.reset();
  return json{{"id", parsed->id}, {"version", parsed->version}};
}

Result<std::shared_ptr<const bundle::Course>> Engine::course(const std::string& id) {
  auto body = store_->course_json(id);
  if (!body) return make_error("not_found", "course \"" + id + "\" is not installed on this device");
  if (cached_course_ && cached_course_id_ == id && cached_course_body_ == *body) return cached_course_;
  auto parsed = bundle::parse_course(json::parse(*body, nullptr, false));
  if (!parsed) return parsed.error();
  cached_course_ = std::make_shared<const bundle::Course>(std::move(parsed).value());
  cached_course_id_ = id;
  cached_course_body_ = *body;
  return cached_course_;
}

std::vector<json> Engine::course_statements(const std::string& course_id) const {
  std::vector<json> out;
  for (auto& s : store_->statements_for_course(course_id))
    if (!s.body.is_discarded()) out.push_back(std::move(s.body));
  return out;
}

Result<json> Engine::list_courses() {
  json list = json::array();
  for (const auto& [id, version] : store_->course_ids()) {
    auto c = course(id);
    if (!c) continue;
    const auto p = progress::project_course(**c, course_statements(id));
    std::int64_t bytes = 0;
    if (auto m = store_->get("manifest:" + id)) {
      const json mj = json::parse(*m, nullptr, false);
      if (mj.is_object() && mj.contains("files") && mj["files"].is_array())
        for (const auto& f : mj["files"]) bytes += f.value("size", std::int64_t{0});
    }
    list.push_back({{"id", id},
                    {"bytes", bytes},
                    {"version", version},
                    {"title", (*c)->title},
                    {"language", (*c)->language},
                    {"description", (*c)->description},
                    {"completion", p.completion},
                    {"completed", p.completed},
                    {"resume_item", p.resume_item}});
  }
  return list;
}

Result<json> Engine::get_course(const json& a) {
  auto c = course(arg_str(a, "course_id"));
  if (!c) return c.error();
  auto manifest = store_->get("manifest:" + (*c)->id);
  return json{{"course", bundle::course_to_json(**c)},
              {"manifest", manifest ? json::parse(*manifest, nullptr, false) : json(nullptr)},
              {"progress", progress::to_json(progress::project_course(**c, course_statements((*c)->id)))}};
}

Result<json> Engine::get_progress(const json& a) {
  auto c = course(arg_str(a, "course_id"));
  if (!c) return c.error();
  return progress::to_json(progress::project_course(**c, course_statements((*c)->id)));
}

// ---- recording ---------------------------------------------------------------------------

Result<std::string> Engine::registration(const std::string& course_id) {
  const std::string key = "registration:" + course_id;
  if (auto r = store_->get(key)) return *r;
  const std::string r = new_uuid();
  if (auto s = store_->put(key, r); !s) return s.error();
  return r;
}

Result<json> Engine::envelope_base(const bundle::Course& c) {
  auto profile = store_->get("profile");
  if (!profile) return make_error("no_profile", "no learner is signed in on this device");
  const json p = json::parse(*profile);
  auto reg = registration(c.id);
  if (!reg) return reg.error();
  return json{{"actor", xapi::account_agent(p["home_page"], p["account"], p.value("name", ""))},
              {"registration", *reg},
              {"device", store_->get("device_id").value_or("")}};
}

namespace {

// The course of a Trailpack activity IRI (the segment after "urn:trailpack:course:" up to
// the next ':'), or "" for any other IRI.
std::string course_of_iri(const std::string& iri) {
  static const std::string prefix = "urn:trailpack:course:";
  if (iri.rfind(prefix, 0) != 0) return {};
  const auto end = iri.find(':', prefix.size());
  return iri.substr(prefix.size(), end == std::string::npos ? std::string::npos : end - prefix.size());
}

// The first Trailpack course named in a statement's context activities, or "".
std::string course_of_context(const json& s) {
  const auto c = s.find("context");
  if (c == s.end() || !c->is_object()) return {};
  const auto ca = c->find("contextActivities");
  if (ca == c->end() || !ca->is_object()) return {};
  for (const char* key : {"grouping", "parent", "category", "other"}) {
    const auto list = ca->find(key);
    if (list == ca->end()) continue;
    const json all = list->is_array() ? *list : json::array({*list});
    for (const auto& act : all)
      if (act.is_object() && act.contains("id") && act["id"].is_string())
        if (auto id = course_of_iri(act["id"].get<std::string>()); !id.empty()) return id;
  }
  return {};
}

// The score of a quiz attempt from its answered statements.
struct AttemptScore {
  double raw = 0, max = 0, scaled = 0;
  bool passed = false;
  TimeMs answers_ms = 0;  ///< sum of the answers' durations
  json per_question = json::array();
};

AttemptScore score_attempt(const bundle::Course& c, const bundle::Item& quiz, const AttemptState& st) {
  AttemptScore sc;
  for (const auto& qid : st.questions) {
    const bundle::Question* q = c.find_question(qid);
    if (!q) continue;
    sc.max += q->points;
    auto ans = st.answers.find(qid);
    const double pts = ans != st.answers.end() ? ans->second.raw.value_or(0) : 0;
    if (ans != st.answers.end()) sc.answers_ms += ans->second.duration_ms;
    sc.raw += pts;
    sc.per_question.push_back({{"id", qid},
                               {"answered", ans != st.answers.end()},
                               {"correct", ans != st.answers.end() && ans->second.success.value_or(false)},
                               {"score", q->points > 0 ? pts / q->points : 0}});
  }
  sc.scaled = sc.max > 0 ? sc.raw / sc.max : 0;
  sc.passed = sc.scaled + 1e-9 >= quiz.pass_mark;
  return sc;
}

// The passed/failed statement that finishes an attempt.
json finish_statement(const json& base, const bundle::Course& c, const bundle::Item& quiz, const std::string& attempt_id,
                      const AttemptScore& sc, const std::string& statement_id, TimeMs at, TimeMs duration) {
  auto env = make_envelope(base, c, statement_id, at);
  env.extensions[xapi::ext::kAttempt] = attempt_id;
  json result = {{"score", {{"raw", sc.raw}, {"min", 0}, {"max", sc.max}, {"scaled", sc.scaled}}},
                 {"success", sc.passed},
                 {"completion", true},
                 {"duration", format_duration(duration)}};
  return xapi::make_statement(
      env, sc.passed ? verbs::kPassed : verbs::kFailed,
      xapi::activity(bundle::item_iri(c.id, quiz.id), quiz.title, c.language, xapi::activity_types::kAssessment),
      result);
}

}  // namespace

Result<json> Engine::record(const bundle::Course& c, std::vector<json> statements) {
  auto existing = course_statements(c.id);
  const bool was_completed = progress::project_course(c, existing).completed;
  std::vector<json> all = existing;
  all.insert(all.end(), statements.begin(), statements.end());
  auto after = progress::project_course(c, all);
  if (after.completed && !was_completed) {
    auto base = envelope_base(c);
    if (!base) return base.error();
    xapi::Envelope env = make_envelope(*base, c, new_uuid(), platform_.now());
    env.grouping = json::array();
    json result = {{"completion", true}, {"duration", format_duration(after.time_spent_ms)}};
    if (after.posttest_score) result["score"] = {{"scaled", *after.posttest_score}};
    statements.push_back(xapi::make_statement(
        env, verbs::kCompleted, xapi::activity(bundle::course_iri(c.id), c.title, c.language, xapi::activity_types::kCourse),
        result));
    all.push_back(statements.back());
    after = progress::project_course(c, all);
  }
  std::vector<StoredStatement> rows;
  for (auto& s : statements) {
    // Every statement the engine writes must be valid xAPI; a failure here is a bug.
    if (auto v = xapi::validate_statement(s, {.require_id = true}); !v)
      return make_error("internal", "the engine built an invalid statement: " + v.error().describe());
    StoredStatement row;
    row.id = s["id"];
    row.course_id = c.id;
    row.body = s;
    rows.push_back(std::move(row));
  }
  if (auto r = store_->append(rows); !r) return r.error();
  json ids = json::array();
  for (const auto& s : statements) ids.push_back(s["id"]);
  return json{{"saved", true}, {"statement_ids", ids}, {"progress", progress::to_json(after)}};
}

Result<json> Engine::complete_card(const json& a) {
  auto c = course(arg_str(a, "course_id"));
  if (!c) return c.error();
  const std::string item_id = arg_str(a, "item_id");
  const bundle::Item* item = (*c)->find_item(item_id);
  if (!item) return make_error("not_found", "item \"" + item_id + "\" is not in course \"" + (*c)->id + "\"");
  if (item->type != "card") return make_error("wrong_type", "item \"" + item_id + "\" is a " + item->type + ", not a card");
  const auto before = progress::project_course(**c, course_statements((*c)->id));
  if (const auto* ip = before.item(item_id); ip && ip->locked)
    return make_error("locked", "item \"" + item_id + "\" is locked (" + ip->lock_reason + ")");
  auto base = envelope_base(**c);
  if (!base) return base.error();
  auto env = make_envelope(*base, **c, new_uuid(), platform_.now());
  json result = {{"completion", true}, {"duration", format_duration(arg_duration(a))}};
  auto s = xapi::make_statement(env, verbs::kExperienced,
                                xapi::activity(bundle::item_iri((*c)->id, item_id), item->title, (*c)->language,
                                               xapi::activity_types::kLesson),
                                result);
  return record(**c, {std::move(s)});
}

Result<json> Engine::quiz_start(const json& a) {
  auto c = course(arg_str(a, "course_id"));
  if (!c) return c.error();
  const std::string item_id = arg_str(a, "item_id");
  const bundle::Item* quiz = find_item_of_type(**c, item_id, "quiz");
  if (!quiz) return make_error("not_found", "quiz \"" + item_id + "\" is not in course \"" + (*c)->id + "\"");
  auto statements = course_statements((*c)->id);
  auto p = progress::project_course(**c, statements);
  const auto* ip = p.item(item_id);
  if (ip && ip->locked) return make_error("locked", "quiz \"" + item_id + "\" is locked (" + ip->lock_reason + ")");

  // An attempt whose time ran out unfinished is submitted as it stands, as of the moment
  // the time ran out. Otherwise it would never count: leaving a timed quiz open would
  // give another try past max_attempts, and its answers would never be scored.
  const TimeMs now = platform_.now();
  if (quiz->time_limit_s) {
    const TimeMs limit_ms = quiz->time_limit_s * 1000LL;
    std::vector<json> expired;
    for (const auto& [id, st] : attempts_of(**c, *quiz, statements)) {
      if (st.finished || st.started == 0 || now <= st.started + limit_ms + kTimeLimitGraceMs) continue;
      auto base = envelope_base(**c);
      if (!base) return base.error();
      expired.push_back(finish_statement(*base, **c, *quiz, id, score_attempt(**c, *quiz, st), new_uuid(),
                                         st.started + limit_ms, limit_ms));
    }
    if (!expired.empty()) {
      if (auto rec = record(**c, std::move(expired)); !rec) return rec.error();
      statements = course_statements((*c)->id);
      p = progress::project_course(**c, statements);
      ip = p.item(item_id);
    }
  }

  // Resume an unfinished attempt instead of starting anew. One whose "attempted"
  // statement is not here (voided, or not synced) cannot be answered, so it is not
  // offered: resuming it every time would leave the learner stuck.
  for (auto& [id, st] : attempts_of(**c, *quiz, statements)) {
    if (st.finished || st.started == 0) continue;
    std::uint64_t seed = 0;
    quiz::seed_from_string(st.seed, seed);
    json qs = json::array();
    for (const auto& d : quiz::draw_attempt(*quiz, seed))
      if (const auto* q = (*c)->find_question(d.id)) qs.push_back(question_for_learner(*q, d));
    // What was already answered, with the recorded outcome, so a reload shows it as saved.
    std::set<std::string> synced_ids;
    for (const auto& row : store_->statements_for_course((*c)->id))
      if (row.synced) synced_ids.insert(row.id);
    json answered = json::array();
    for (const auto& [qid, v] : st.answers) {
      json a = {{"question_id", qid}, {"response", v.response}, {"statement_id", v.id},
                {"synced", synced_ids.count(v.id) > 0}};
      if (quiz->feedback == "immediate") {
        a["correct"] = v.success.value_or(false);
        a["score"] = v.scaled.value_or(0);
      }
      answered.push_back(std::move(a));
    }
    return json{{"attempt_id", id}, {"resumed", true},  {"questions", qs},
                {"answered", answered}, {"started", st.started}, {"time_limit_s", quiz->time_limit_s},
                {"feedback", quiz->feedback}};
  }
  if (quiz->max_attempts > 0 && ip && ip->attempts >= quiz->max_attempts)
    return make_error("no_attempts_left", "all " + std::to_string(quiz->max_attempts) + " attempts at \"" +
                                              quiz->title + "\" are used");

  const auto rnd = platform_.random16();
  std::uint64_t seed = 0;
  for (int i = 0; i < 8; ++i) seed = (seed << 8) | rnd[static_cast<std::size_t>(i)];
  const auto drawn = quiz::draw_attempt(*quiz, seed);
  json ids = json::array(), qs = json::array();
  for (const auto& d : drawn) {
    ids.push_back(d.id);
    if (const auto* q = (*c)->find_question(d.id)) qs.push_back(question_for_learner(*q, d));
  }
  auto base = envelope_base(**c);
  if (!base) return base.error();
  const std::string attempt_id = new_uuid();
  auto env = make_envelope(*base, **c, new_uuid(), now);
  env.extensions[xapi::ext::kAttempt] = attempt_id;
  env.extensions[xapi::ext::kSeed] = quiz::seed_to_string(seed);
  env.extensions[xapi::ext::kQuestions] = ids;
  auto s = xapi::make_statement(
      env, verbs::kAttempted,
      xapi::activity(bundle::item_iri((*c)->id, item_id), quiz->title, (*c)->language, xapi::activity_types::kAssessment));
  auto rec = record(**c, {std::move(s)});
  if (!rec) return rec.error();
  return json{{"attempt_id", attempt_id}, {"resumed", false},       {"questions", qs},
              {"answered", json::array()}, {"started", now},       {"time_limit_s", quiz->time_limit_s},
              {"feedback", quiz->feedback},  {"saved", true}};
}

Result<json> Engine::quiz_answer(const json& a) {
  auto c = course(arg_str(a, "course_id"));
  if (!c) return c.error();
  const std::string item_id = arg_str(a, "item_id");
  const std::string attempt_id = arg_str(a, "attempt_id");
  const std::string question_id = arg_str(a, "question_id");
  const json& response = arg(a, "response");
  const bundle::Item* quiz = find_item_of_type(**c, item_id, "quiz");
  if (!quiz) return make_error("not_found", "quiz \"" + item_id + "\" is not in course \"" + (*c)->id + "\"");
  auto attempts = attempts_of(**c, *quiz, course_statements((*c)->id));
  auto it = attempts.find(attempt_id);
  if (it == attempts.end() || it->second.started == 0)
    return make_error("not_found", "attempt " + attempt_id + " was not started on this device");
  AttemptState& st = it->second;
  if (st.finished) return make_error("attempt_finished", "this attempt is already finished");
  const TimeMs now = platform_.now();
  if (quiz->time_limit_s && now > st.started + quiz->time_limit_s * 1000LL + kTimeLimitGraceMs)
    return make_error("time_up", "the time limit of this quiz has passed");
  if (std::find(st.questions.begin(), st.questions.end(), question_id) == st.questions.end())
    return make_error("not_found", "question \"" + question_id + "\" is not part of this attempt");
  if (st.answers.count(question_id)) return make_error("already_answered", "question \"" + question_id + "\" is already answered");
  // The attempt's question list was recorded when it started; a newer version of the
  // course installed since may have removed the question.
  const bundle::Question* q = (*c)->find_question(question_id);
  if (!q) return make_error("not_found", "question \"" + question_id + "\" is no longer in course \"" + (*c)->id + "\"");
  auto score = quiz::score_question(*q, response);
  if (!score) return score.error();

  auto base = envelope_base(**c);
  if (!base) return base.error();
  auto env = make_envelope(*base, **c, new_uuid(), now);
  env.parents = json::array(
      {xapi::activity(bundle::item_iri((*c)->id, item_id), quiz->title, (*c)->language, xapi::activity_types::kAssessment)});
  env.extensions[xapi::ext::kAttempt] = attempt_id;
  json object = {{"objectType", "Activity"},
                 {"id", bundle::question_iri((*c)->id, question_id)},
                 {"definition", quiz::interaction_definition(*q, (*c)->language)}};
  json result = {{"response", score->xapi_response},
                 {"success", score->correct},
                 {"score", {{"raw", score->points}, {"min", 0}, {"max", score->max_points}, {"scaled", score->fraction}}},
                 {"duration", format_duration(arg_duration(a))}};
  auto rec = record(**c, {xapi::make_statement(env, verbs::kAnswered, object, result)});
  if (!rec) return rec.error();
  json out = {{"saved", true}, {"statement_id", (*rec)["statement_ids"][0]}, {"answered", st.answers.size() + 1},
              {"total", st.questions.size()}};
  if (quiz->feedback == "immediate") {
    out["correct"] = score->correct;
    out["score"] = score->fraction;
    out["feedback"] = score->correct ? q->feedback_correct : q->feedback_incorrect;
    if (!q->explanation.empty()) out["explanation"] = q->explanation;
    out["correct_response"] = q->correct;
  }
  return out;
}

Result<json> Engine::quiz_finish(const json& a) {
  auto c = course(arg_str(a, "course_id"));
  if (!c) return c.error();
  const std::string item_id = arg_str(a, "item_id");
  const std::string attempt_id = arg_str(a, "attempt_id");
  const bundle::Item* quiz = find_item_of_type(**c, item_id, "quiz");
  if (!quiz) return make_error("not_found", "quiz \"" + item_id + "\" is not in course \"" + (*c)->id + "\"");
  auto attempts = attempts_of(**c, *quiz, course_statements((*c)->id));
  auto it = attempts.find(attempt_id);
  if (it == attempts.end() || it->second.started == 0)
    return make_error("not_found", "attempt " + attempt_id + " was not started on this device");
  const AttemptState& st = it->second;
  if (st.finished) return make_error("attempt_finished", "this attempt is already finished");

  const AttemptScore sc = score_attempt(**c, *quiz, st);
  auto base = envelope_base(**c);
  if (!base) return base.error();
  const TimeMs now = platform_.now();
  auto rec = record(**c, {finish_statement(*base, **c, *quiz, attempt_id, sc, new_uuid(), now,
                                           std::max(sc.answers_ms, now - st.started))});
  if (!rec) return rec.error();
  const json& prog = (*rec)["progress"];
  json out = {{"saved", true},   {"scaled", sc.scaled}, {"raw", sc.raw},
              {"max", sc.max},   {"passed", sc.passed}, {"pass_mark", quiz->pass_mark},
              {"questions", sc.per_question}, {"course_completed", prog["completed"]}, {"progress", prog}};
  for (const auto& ip : prog["items"])
    if (ip["id"] == item_id) {
      out["attempts"] = ip["attempts"];
      out["attempts_left"] = quiz->max_attempts ? json(std::max(0, quiz->max_attempts - ip["attempts"].get<int>())) : json(nullptr);
    }
  return out;
}

// ---- sync --------------------------------------------------------------------------------

Result<json> Engine::sync_pending(const json& a) {
  std::size_t limit = 100;
  if (a.is_object() && a.contains("limit")) {
    // Any positive integer: JSON text parses 5 as unsigned, but json(5) built in C++ is
    // signed, and both mean the same limit.
    const json& l = a["limit"];
    const bool positive = l.is_number_unsigned() ? l.get<std::uint64_t>() > 0
                                                 : l.is_number_integer() && l.get<std::int64_t>() > 0;
    if (!positive) return make_error("invalid_argument", "sync.pending: limit must be a positive whole number");
    limit = static_cast<std::size_t>(std::min<std::uint64_t>(l.get<std::uint64_t>(), 500));
  }
  json list = json::array();
  for (auto& s : store_->unsynced(limit)) list.push_back(std::move(s.body));
  return json{{"device_id", store_->get("device_id").value_or("")}, {"statements", std::move(list)}};
}

Result<json> Engine::sync_ack(const json& a) {
  const json& ids = arg(a, "ids");
  if (!ids.is_array()) return make_error("invalid_argument", "sync.ack: ids must be an array");
  std::vector<std::string> list;
  for (const auto& id : ids)
    if (id.is_string()) list.push_back(id.get<std::string>());
  if (auto s = store_->mark_synced(list); !s) return s.error();
  if (a.contains("cursor") && a["cursor"].is_number_integer())
    (void)store_->put("push_cursor", std::to_string(a["cursor"].get<std::int64_t>()));
  if (auto s = store_->put("last_sync", std::to_string(platform_.now())); !s) return s.error();
  return status();
}

Result<json> Engine::sync_ingest(const json& a) {
  const json& list = arg(a, "statements");
  if (!list.is_array()) return make_error("invalid_argument", "sync.ingest: statements must be an array");
  std::vector<StoredStatement> rows;
  std::vector<std::string> targets;  // per row: the statement a StatementRef object names
  int rejected = 0;
  for (const auto& s : list) {
    if (!xapi::validate_statement(s, {.require_id = true, .allow_lrs_fields = true})) {
      ++rejected;
      continue;
    }
    auto v = xapi::view_of(s);
    StoredStatement row;
    row.id = v.id;
    row.course_id = course_of_iri(v.object_id);
    row.body = s;
    row.synced = true;
    rows.push_back(std::move(row));
    targets.push_back(v.object_type == "StatementRef" ? v.object_id : std::string());
  }
  // A statement about another statement (a voiding one, above all) belongs to the course
  // of the statement it names, found in this batch or in the store; failing that, to the
  // course in its context. Stored under no course, a void would never reach the
  // projection and the voided statement would keep counting.
  std::map<std::string, std::string> batch_course;
  for (const auto& r : rows)
    if (!r.course_id.empty()) batch_course.emplace(r.id, r.course_id);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (targets[i].empty() || !rows[i].course_id.empty()) continue;
    if (auto it = batch_course.find(targets[i]); it != batch_course.end()) rows[i].course_id = it->second;
    else if (auto c = store_->course_of(targets[i])) rows[i].course_id = *c;
    else rows[i].course_id = course_of_context(rows[i].body);
  }
  auto added = store_->append(rows);
  if (!added) return added.error();
  if (a.contains("cursor") && a["cursor"].is_number_integer())
    if (auto s = store_->put("pull_cursor", std::to_string(a["cursor"].get<std::int64_t>())); !s) return s.error();
  return json{{"added", *added}, {"rejected", rejected}};
}

// App settings the Worker keeps durably with the learner's data (server URL, device
// tokens, trusted keys). Keys are namespaced under "app." so they never collide with
// the engine's own settings.
Result<json> Engine::app_get(const json& a) {
  const std::string key = arg_str(a, "key");
  auto v = store_->get("app." + key);
  return v ? json::parse(*v, nullptr, false) : json(nullptr);
}

Result<json> Engine::app_put(const json& a) {
  const std::string key = arg_str(a, "key");
  if (key.size() > 100) return make_error("invalid_argument", "app.put: key too long");
  const json& value = a.contains("value") ? a["value"] : json(nullptr);
  const std::string text = value.dump();
  if (text.size() > (1u << 20)) return make_error("invalid_argument", "app.put: value larger than 1 MiB");
  if (auto s = store_->put("app." + key, text); !s) return s.error();
  return json(true);
}

Result<json> Engine::status() {
  const auto counts = store_->counts();
  auto last = store_->get("last_sync");
  return json{{"statements", counts.statements},
              {"unsynced", counts.unsynced},
              {"last_sync", last ? json(std::stoll(*last)) : json(nullptr)},
              {"pull_cursor", std::stoll(store_->get("pull_cursor").value_or("0"))},
              {"db_bytes", store_->size_bytes()}};
}

}  // namespace trailpack::player
