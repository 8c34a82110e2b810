// `trailpack dev generate`: fills an empty database with a realistic, reproducible
// dataset for benchmarks (bench/gen/README.md): N learners in sites and teams with their
// managers and devices, M signed and published courses, and K valid xAPI statements of
// learners working through them over a span of days (drop-offs, retakes, learning gains,
// offline sync lag, a few disputed scores). Statements go in through a bulk path (multi-row
// INSERTs with the same columns App::store_statements writes, and stored times that
// follow the simulated sync lag), then the KPI tables are rebuilt from them.
// `trailpack kpi rebuild`: that rebuild, on its own.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <random>
#include <set>

#include "app/app.hpp"
#include "cli/commands.hpp"
#include "crypto.hpp"
#include "trailpack/bundle/archive.hpp"
#include "trailpack/bundle/authoring.hpp"
#include "trailpack/bundle/manifest.hpp"
#include "trailpack/crypto/sha256.hpp"
#include "trailpack/kpi/common.hpp"
#include "trailpack/progress/review.hpp"
#include "trailpack/quiz/scoring.hpp"
#include "trailpack/uuid.hpp"
#include "trailpack/xapi/builder.hpp"
#include "trailpack/xapi/statement.hpp"

namespace trailpack::cli {

using nlohmann::json;
namespace verbs = xapi::verbs;

namespace {

constexpr TimeMs kMin = 60'000;
constexpr TimeMs kHour = 60 * kMin;
constexpr TimeMs kDay = kpi::kDayMs;

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : g_(seed) {}
  double uniform() { return std::uniform_real_distribution<double>(0, 1)(g_); }
  bool chance(double p) { return uniform() < p; }
  std::int64_t between(std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(g_); }
  std::string uuid() {
    std::array<std::uint8_t, 16> b{};
    for (auto& x : b) x = static_cast<std::uint8_t>(g_());
    return uuid_v4_from_bytes(b);
  }
  std::mt19937_64& engine() { return g_; }

 private:
  std::mt19937_64 g_;
};

// A generated course: 4 modules, every item type, 3 objectives, pre- and post-test.
json course_json(int n, Rng& rng) {
  char id[16];
  std::snprintf(id, sizeof id, "gen-%02d", n);
  const json para = json::array({{{"type", "paragraph"}, {"spans", {{{"text", "Read this and keep it in mind on the job."}}}}}});
  auto card = [&](const std::string& cid, const std::string& title) {
    return json{{"id", cid}, {"type", "card"}, {"title", title}, {"blocks", para}};
  };
  int qn = 0;
  auto question = [&](const std::string& prefix) {
    ++qn;
    const std::string qid = prefix + "-" + std::to_string(qn);
    const std::string objective = "objective-" + std::to_string(qn % 3 + 1);
    if (rng.chance(0.4))
      return json{{"id", qid}, {"type", "true_false"}, {"prompt", "Statement " + qid + " is true."}, {"answer", rng.chance(0.5)},
                  {"objectives", {objective}}};
    return json{{"id", qid}, {"type", "single"}, {"prompt", "Which answer fits question " + qid + "?"},
                {"choices", {{{"id", "a"}, {"text", "Answer A"}}, {{"id", "b"}, {"text", "Answer B"}}, {{"id", "c"}, {"text", "Answer C"}}}},
                {"correct", {std::string(1, static_cast<char>('a' + rng.between(0, 2)))}}, {"points", rng.chance(0.2) ? 2 : 1},
                {"objectives", {objective}}};
  };
  auto questions = [&](const std::string& prefix, int count) {
    json out = json::array();
    for (int i = 0; i < count; ++i) out.push_back(question(prefix));
    return out;
  };
  json deck = {{"id", "deck"}, {"type", "flashcards"}, {"title", "Key terms"}, {"cards", json::array()}};
  for (int i = 1; i <= 6; ++i)
    deck["cards"].push_back({{"id", "term-" + std::to_string(i)}, {"front", "Term " + std::to_string(i)}, {"back", "Meaning " + std::to_string(i)}});
  json scenario = {{"id", "case"}, {"type", "scenario"}, {"title", "A case on the floor"}, {"start", "n1"},
                   {"nodes",
                    {{{"id", "n1"}, {"blocks", para},
                      {"choices", {{{"id", "good"}, {"text", "Act safely"}, {"next", "best"}},
                                   {{"id", "risky"}, {"text", "Take a shortcut"}, {"next", "n2"}}}}},
                     {{"id", "n2"}, {"blocks", para},
                      {"choices", {{{"id", "fix"}, {"text", "Put it right"}, {"next", "partial"}},
                                   {{"id", "ignore"}, {"text", "Carry on"}, {"next", "bad"}}}}},
                     {{"id", "best"}, {"blocks", para}, {"outcome", 1}},
                     {{"id", "partial"}, {"blocks", para}, {"outcome", 0.5}},
                     {{"id", "bad"}, {"blocks", para}, {"outcome", 0}}}}};
  return {{"id", id},
          {"version", 1},
          {"title", "Generated course " + std::to_string(n)},
          {"language", "en"},
          {"sequencing", "linear"},
          {"modules",
           {{{"id", "start"}, {"title", "Before you start"},
             {"items", {card("intro", "Welcome"),
                        {{"id", "pretest"}, {"type", "quiz"}, {"title", "What do you know?"}, {"role", "pretest"}, {"pass_mark", 0.8},
                         {"max_attempts", 1}, {"feedback", "deferred"}, {"questions", questions("pre", 5)}}}}},
            {{"id", "core"}, {"title", "The essentials"},
             {"items", {card("basics", "Basics"), card("practice", "Practice"), card("mistakes", "Common mistakes"), deck,
                        {{"id", "check"}, {"type", "quiz"}, {"title", "Quick check"}, {"pass_mark", 0.7}, {"max_attempts", 3},
                         {"pools", {{{"id", "main"}, {"draw", 4}, {"questions", questions("chk", 6)}}}}}}}},
            {{"id", "apply"}, {"title", "Applying it"}, {"items", {scenario, card("summary", "Summary")}}},
            {{"id", "end"}, {"title", "Wrap-up"},
             {"items", {{{"id", "posttest"}, {"type", "quiz"}, {"title", "Final test"}, {"role", "posttest"}, {"pass_mark", 0.8},
                         {"max_attempts", 3},
                         {"pools", {{{"id", "p1"}, {"draw", 3}, {"questions", questions("post", 5)}},
                                    {{"id", "p2"}, {"draw", 3}, {"questions", questions("post", 5)}}}}},
                        {{"id", "hot"}, {"type", "survey"}, {"title", "How was it?"}, {"role", "hot"},
                         {"survey", {{{"id", "useful"}, {"type", "rating"}, {"prompt", "How useful was it?"}, {"scale", 5}},
                                     {{"id", "length"}, {"type", "choice"}, {"prompt", "The length was"},
                                      {"choices", {{{"id", "short"}, {"text", "Too short"}}, {{"id", "right"}, {"text", "Right"}},
                                                   {{"id", "long"}, {"text", "Too long"}}}}},
                                     {{"id", "change"}, {"type", "text"}, {"prompt", "What would you change?"}}}}},
                        {{"id", "cold"}, {"type", "survey"}, {"title", "A month later"}, {"role", "cold"}, {"delay_days", 30},
                         {"survey", {{{"id", "applied"}, {"type", "rating"}, {"prompt", "How often do you apply it?"}, {"scale", 5}}}}}}}}}}};
}

// A signed bundle of a course JSON, as `trailpack pack` builds it.
std::string bundle_of(const json& course, const server::crypto::KeyPair& key, TimeMs now) {
  auto compiled = bundle::compile_course({{"course.json", course.dump()}});
  if (!compiled) throw CliError("generated course does not compile: " + compiled.error().describe());
  bundle::Manifest m;
  m.course_id = compiled->course.id;
  m.version = compiled->course.version;
  m.title = compiled->course.title;
  m.language = compiled->course.language;
  m.created = format_timestamp(now);
  for (const auto& f : compiled->files) m.files.push_back({f.path, trailpack::crypto::sha256_hex(f.data), f.data.size()});
  const std::string manifest_bytes = bundle::manifest_to_json(m).dump(2) + "\n";
  bundle::Signature sig;
  sig.key_id = bundle::key_id_of(key.public_key);
  sig.signature = server::crypto::ed25519_sign(manifest_bytes, key.secret_key);
  std::vector<bundle::ArchiveEntry> entries = {{"manifest.json", manifest_bytes}, {"manifest.sig", bundle::signature_to_json(sig).dump() + "\n"}};
  for (const auto& f : compiled->files) entries.push_back(f);
  auto tar = bundle::write_tar(entries);
  if (!tar) throw CliError(tar.error().describe());
  return *tar;
}

struct Learner {
  std::string id;
  json agent;
  std::string device;       ///< main device ("" when the learner never enrolled)
  std::string second;       ///< a second device, or ""
  double ability = 0.6;     ///< chance to answer right, before learning
  double persistence = 0.9; ///< chance to go on to the next item
  TimeMs last_stored = 0;
};

// Statement rows for the bulk insert: the columns App::store_statements writes.
struct Row {
  std::string id, user_id, actor_key, verb, object_id, object_type, registration, course_id, parent_id, device_id;
  TimeMs timestamp = 0, stored = 0, duration = 0;
  std::optional<double> scaled;
  std::optional<bool> success, completion;
  std::string rescore_flag, body;
};

class Writer {
 public:
  Writer(server::App& app) : app_(app) {}
  void add(Row r) {
    rows_.push_back(std::move(r));
    if (rows_.size() >= 2000) flush();
  }
  void flush() {
    if (rows_.empty()) return;
    app_.db().write([&](server::db::Connection& c) {
      constexpr std::size_t kPerInsert = 50;  // 20 parameters a row, well under every limit
      for (std::size_t start = 0; start < rows_.size(); start += kPerInsert) {
        std::string sql = "INSERT INTO statements(id, user_id, actor_key, verb, object_id, object_type, registration, course_id, "
                          "parent_id, timestamp_ms, stored_ms, device_id, client_key, voided, score_scaled, success, completion, "
                          "duration_ms, rescore_flag, body) VALUES ";
        server::db::Params p;
        const std::size_t end = std::min(rows_.size(), start + kPerInsert);
        for (std::size_t i = start; i < end; ++i) {
          const Row& r = rows_[i];
          auto text = [](const std::string& s) { return s.empty() ? server::db::Value(nullptr) : server::db::Value(s); };
          auto flag = [](const std::optional<bool>& b) { return b ? server::db::Value(std::int64_t{*b}) : server::db::Value(nullptr); };
          const std::size_t base = p.size();
          sql += (i > start ? ",(" : "(");
          for (std::size_t k = 1; k <= 20; ++k) sql += (k > 1 ? ",$" : "$") + std::to_string(base + k);
          sql += ")";
          for (server::db::Value v :
               {server::db::Value(r.id), server::db::Value(r.user_id), server::db::Value(r.actor_key), server::db::Value(r.verb),
                server::db::Value(r.object_id), server::db::Value(r.object_type), text(r.registration), text(r.course_id),
                text(r.parent_id), server::db::Value(r.timestamp), server::db::Value(r.stored), text(r.device_id),
                server::db::Value(nullptr), server::db::Value(std::int64_t{0}),
                r.scaled ? server::db::Value(*r.scaled) : server::db::Value(nullptr), flag(r.success), flag(r.completion),
                server::db::Value(r.duration), text(r.rescore_flag), server::db::Value(r.body)})
            p.push_back(std::move(v));
        }
        c.exec(sql, p);
      }
    });
    count_ += rows_.size();
    rows_.clear();
  }
  std::int64_t count() const { return count_ + static_cast<std::int64_t>(rows_.size()); }

 private:
  server::App& app_;
  std::vector<Row> rows_;
  std::int64_t count_ = 0;
};

// One learner working through one course: the statements the engine would record.
class Journey {
 public:
  Journey(const bundle::Course& course, Learner& learner, Rng& rng, Writer& out, TimeMs start, TimeMs now, std::int64_t budget)
      : c_(course), l_(learner), rng_(rng), out_(out), t_(start), now_(now), budget_(budget), registration_(rng.uuid()) {}

  // Plays the course until the learner stops, the course ends, time runs out or the
  // statement budget is spent. Returns the statements written.
  std::int64_t play() {
    bool done_required = true;
    for (const auto& m : c_.modules)
      for (const auto& it : m.items) {
        if (stopped_ || !rng_.chance(l_.persistence)) {
          stopped_ = true;
          return written_;
        }
        bool done = true;
        if (it.type == "card") card(it);
        else if (it.type == "quiz") done = quiz(it);
        else if (it.type == "flashcards") flashcards(it);
        else if (it.type == "scenario") scenario(it);
        else if (it.type == "survey" && it.role == "hot") survey(it, it.survey);
        else if (it.type == "survey") cold_ = &it;
        if (it.required && !done) done_required = false;
        if (stopped_) return written_;
      }
    if (done_required && !stopped_) {
      emit(verbs::kCompleted, xapi::activity(bundle::course_iri(c_.id), c_.title, c_.language, xapi::activity_types::kCourse),
           {{"completion", true}}, {}, "", true);
      // A cold evaluation a month later, for some.
      if (cold_ && rng_.chance(0.4)) {
        t_ += 30 * kDay + rng_.between(0, 10) * kDay;
        survey(*cold_, cold_->survey);
      }
    }
    return written_;
  }

 private:
  void step(TimeMs min_gap, TimeMs max_gap) {
    t_ += rng_.between(min_gap, max_gap);
    // Sessions: now and then the learner comes back another day.
    if (rng_.chance(0.15)) t_ += rng_.between(1, 6) * kDay + rng_.between(0, 8) * kHour;
  }

  json activity(const std::string& iri, const std::string& title, const char* type) {
    return xapi::activity(iri, title, c_.language, type);
  }

  // Builds, checks and writes one statement; `attempt` goes into the context extensions.
  void emit(const char* verb, json object, json result, json parents = {}, const std::string& attempt = "", bool course_level = false,
            const std::string& flag = "", const json& extensions = json::object()) {
    if (t_ > now_ || budget_ <= written_) {
      stopped_ = true;
      return;
    }
    xapi::Envelope env;
    env.id = rng_.uuid();
    env.actor = l_.agent;
    env.timestamp = t_;
    env.registration = registration_;
    env.language = c_.language;
    if (!course_level) env.grouping = json::array({activity(bundle::course_iri(c_.id), c_.title, xapi::activity_types::kCourse)});
    if (parents.is_array()) env.parents = parents;
    env.extensions[xapi::ext::kBundleVersion] = c_.version;
    const std::string device = !l_.second.empty() && rng_.chance(0.3) ? l_.second : l_.device;
    env.extensions[xapi::ext::kDevice] = device;
    if (!attempt.empty()) env.extensions[xapi::ext::kAttempt] = attempt;
    for (auto it = extensions.begin(); it != extensions.end(); ++it) env.extensions[it.key()] = it.value();
    json s = xapi::make_statement(env, verb, std::move(object), std::move(result));
    const auto v = xapi::view_of(s);
    // Sync lag: most learners are online, some sync hours or days later.
    const double r = rng_.uniform();
    TimeMs lag = r < 0.70 ? rng_.between(200, 5 * kMin) : r < 0.90 ? rng_.between(kHour, 12 * kHour)
                 : r < 0.98 ? rng_.between(kDay, 6 * kDay) : rng_.between(7 * kDay, 20 * kDay);
    Row row;
    row.id = v.id;
    row.user_id = l_.id;
    row.actor_key = v.actor_key;
    row.verb = v.verb;
    row.object_id = v.object_id;
    row.object_type = v.object_type;
    row.registration = v.registration;
    row.course_id = c_.id;
    row.parent_id = v.parent;
    row.device_id = device;
    row.timestamp = t_;
    row.stored = std::min(now_, t_ + lag);
    row.duration = v.duration_ms;
    row.scaled = v.scaled;
    row.success = v.success;
    row.completion = v.completion;
    row.rescore_flag = flag;
    row.body = s.dump();
    l_.last_stored = std::max(l_.last_stored, row.stored);
    out_.add(std::move(row));
    ++written_;
  }

  std::string iri(const bundle::Item& it) { return bundle::item_iri(c_.id, it.id); }

  void card(const bundle::Item& it) {
    emit(verbs::kExperienced, activity(iri(it), it.title, xapi::activity_types::kLesson),
         {{"completion", true}, {"duration", format_duration(rng_.between(20, 240) * 1000)}});
    step(kMin, 6 * kMin);
  }

  // One attempt after another until passed, out of attempts, or the learner gives up.
  bool quiz(const bundle::Item& it) {
    const json parent = json::array({activity(iri(it), it.title, xapi::activity_types::kAssessment)});
    const double skill = std::clamp(l_.ability + (it.role == "pretest" ? -0.2 : it.role == "posttest" ? 0.15 : 0.05), 0.05, 0.98);
    for (int attempt = 1; it.max_attempts == 0 || attempt <= it.max_attempts; ++attempt) {
      const std::string aid = rng_.uuid();
      std::vector<const bundle::Question*> drawn;
      json ids = json::array();
      for (const auto& pool : it.pools) {
        std::vector<const bundle::Question*> qs;
        for (const auto& q : pool.questions) qs.push_back(&q);
        std::shuffle(qs.begin(), qs.end(), rng_.engine());
        const std::size_t n = pool.draw > 0 ? std::min<std::size_t>(static_cast<std::size_t>(pool.draw), qs.size()) : qs.size();
        for (std::size_t i = 0; i < n; ++i) {
          drawn.push_back(qs[i]);
          ids.push_back(qs[i]->id);
        }
      }
      // Like the engine's, the attempted statement lists the drawn questions.
      emit(verbs::kAttempted, activity(iri(it), it.title, xapi::activity_types::kAssessment), nullptr, {}, aid, false, "",
           {{xapi::ext::kQuestions, ids}});
      const TimeMs started = t_;
      double raw = 0, max = 0;
      for (const auto* q : drawn) {
        t_ += rng_.between(10'000, 50'000);  // one sitting: no day jumps inside an attempt
        const bool right = rng_.chance(skill);
        json response;
        if (q->type == "true_false") {
          const bool truth = q->correct.empty() ? true : q->correct[0] == "true";
          response = (right ? truth : !truth) ? "true" : "false";
        } else {
          std::string pick = q->correct[0];
          if (!right)
            for (const auto& ch : q->choices)
              if (ch.id != pick) {
                pick = ch.id;
                if (rng_.chance(0.5)) break;
              }
          response = pick;
        }
        auto score = quiz::score_question(*q, response);
        if (!score) throw CliError("generated answer refused: " + score.error().message);
        raw += score->points;
        max += score->max_points;
        json result = {{"response", score->xapi_response}, {"success", score->correct},
                       {"score", {{"raw", score->points}, {"min", 0}, {"max", score->max_points}, {"scaled", score->fraction}}},
                       {"duration", format_duration(rng_.between(5, 60) * 1000)}};
        // About one answer in a thousand comes from a device that scored it wrongly.
        std::string flag;
        if (rng_.chance(0.001)) {
          result["success"] = !score->correct;
          result["score"]["scaled"] = score->correct ? 0.0 : 1.0;
          flag = "device scored " + std::to_string(score->correct ? 0.0 : 1.0) + ", server scored " + std::to_string(score->fraction);
        }
        emit(verbs::kAnswered,
             {{"objectType", "Activity"}, {"id", bundle::question_iri(c_.id, q->id)}, {"definition", quiz::interaction_definition(*q, c_.language)}},
             result, parent, aid, false, flag);
        if (stopped_) return false;
      }
      t_ += rng_.between(10'000, 30'000);
      const double scaled = max > 0 ? raw / max : 0;
      const bool passed = scaled + 1e-9 >= it.pass_mark;
      emit(passed ? verbs::kPassed : verbs::kFailed, activity(iri(it), it.title, xapi::activity_types::kAssessment),
           {{"score", {{"raw", raw}, {"min", 0}, {"max", max}, {"scaled", scaled}}}, {"success", passed}, {"completion", true},
            {"duration", format_duration(t_ - started)}},
           {}, aid);
      step(kMin, 4 * kMin);
      if (passed || it.role == "pretest" || stopped_) return true;
      if (!rng_.chance(l_.persistence)) return false;  // gives up for now
      step(10 * kMin, 2 * kDay);
    }
    return true;  // attempts used up: done (failed)
  }

  void flashcards(const bundle::Item& it) {
    const json parent = json::array({activity(iri(it), it.title, xapi::activity_types::kFlashcard)});
    const int rounds = static_cast<int>(rng_.between(1, 3));
    for (int round = 0; round < rounds && !stopped_; ++round) {
      for (const auto& card : it.cards) {
        const bool good = rng_.chance(0.5 + 0.15 * round);
        emit(verbs::kAnswered,
             activity(progress::flashcard_iri(c_.id, it.id, card.id), card.front, xapi::activity_types::kFlashcard),
             {{"response", good ? "good" : "again"}, {"success", good}, {"duration", format_duration(rng_.between(3, 20) * 1000)},
              {"extensions", {{xapi::ext::kRating, good ? 4 : 1}}}},
             parent);
        step(5'000, 30'000);
        if (stopped_) return;
      }
      step(kDay, 3 * kDay);
    }
  }

  void scenario(const bundle::Item& it) {
    const json parent = json::array({activity(iri(it), it.title, xapi::activity_types::kScenario)});
    const std::string run = rng_.uuid();
    std::string at = it.start;
    for (int guard = 0; guard < 10 && !stopped_; ++guard) {
      const bundle::ScenarioNode* node = nullptr;
      for (const auto& n : it.nodes)
        if (n.id == at) node = &n;
      if (!node || node->choices.empty()) break;
      const auto& choice = node->choices[static_cast<std::size_t>(rng_.chance(l_.ability) ? 0 : rng_.between(0, static_cast<std::int64_t>(node->choices.size()) - 1))];
      json def = {{"type", xapi::activity_types::kInteraction}, {"interactionType", "choice"}, {"choices", json::array()}};
      for (const auto& ch : node->choices) def["choices"].push_back({{"id", ch.id}, {"description", {{c_.language, ch.text}}}});
      emit(verbs::kAnswered, {{"objectType", "Activity"}, {"id", iri(it) + ":node:" + at}, {"definition", def}},
           {{"response", choice.id}, {"duration", format_duration(rng_.between(10, 90) * 1000)}}, parent, run);
      at = choice.next;
      step(20'000, 2 * kMin);
    }
    for (const auto& n : it.nodes)
      if (n.id == at && n.outcome)
        emit(verbs::kCompleted, activity(iri(it), it.title, xapi::activity_types::kScenario),
             {{"completion", true}, {"success", *n.outcome >= 0.999}, {"score", {{"scaled", *n.outcome}}}}, {}, run);
    step(kMin, 3 * kMin);
  }

  void survey(const bundle::Item& it, const std::vector<bundle::SurveyQuestion>& questions) {
    const json parent = json::array({activity(iri(it), it.title, xapi::activity_types::kSurvey)});
    static const char* kComments[] = {"More examples from our site, please.", "Shorter videos.", "It was clear.",
                                      "The quiz was hard.", "Good refresher."};
    for (const auto& q : questions) {
      std::string response;
      json def = {{"type", xapi::activity_types::kInteraction}, {"name", {{c_.language, q.prompt}}}};
      if (q.type == "rating") {
        response = std::to_string(std::clamp<std::int64_t>(static_cast<std::int64_t>(std::lround(1 + l_.ability * 4 + rng_.uniform() * 1.5 - 0.75)), 1, q.scale));
        def["interactionType"] = "likert";
      } else if (q.type == "choice") {
        response = q.choices[static_cast<std::size_t>(rng_.between(0, static_cast<std::int64_t>(q.choices.size()) - 1))].id;
        def["interactionType"] = "choice";
      } else {
        if (!rng_.chance(0.3)) continue;
        response = kComments[rng_.between(0, 4)];
        def["interactionType"] = "long-fill-in";
      }
      emit(verbs::kResponded, {{"objectType", "Activity"}, {"id", iri(it) + ":q:" + q.id}, {"definition", def}}, {{"response", response}},
           parent);
    }
    emit(verbs::kCompleted, activity(iri(it), it.title, xapi::activity_types::kSurvey),
         {{"completion", true}, {"duration", format_duration(rng_.between(30, 180) * 1000)}});
    step(kMin, 3 * kMin);
  }

  const bundle::Course& c_;
  Learner& l_;
  Rng& rng_;
  Writer& out_;
  TimeMs t_;
  TimeMs now_;
  std::int64_t budget_;
  std::string registration_;
  std::int64_t written_ = 0;
  bool stopped_ = false;
  const bundle::Item* cold_ = nullptr;
};

}  // namespace

int cmd_dev_generate(const GenerateOptions& o) {
  if (o.learners < 1 || o.courses < 1 || o.statements < 0 || o.days < 1)
    throw CliError("--learners, --courses and --days must be at least 1, --statements at least 0");
  const auto began = std::chrono::steady_clock::now();
  server::Config cfg;
  cfg.database = o.database;
  if (!o.public_url.empty()) cfg.public_url = o.public_url;
  server::App app(cfg);
  app.db().read([&](server::db::Connection& c) {
    if (c.query("SELECT 1 FROM statements LIMIT 1").size() || c.query("SELECT 1 FROM users LIMIT 1").size())
      throw CliError("the database is not empty: generate into a new one");
  });
  Rng rng(o.seed);
  const TimeMs now = app.now_ms();

  // Organisation, admin, sites (groups) with teams (subgroups) and a manager per site.
  const std::string org = app.create_org("Generated organisation");
  const std::string admin = app.create_user(org, "admin@bench.example", "Bench admin", "admin", "bench-admin-1");
  const int sites = std::max(1, o.learners / 500);
  static const char* kJobs[] = {"operator", "technician", "supervisor", "driver", "clerk"};
  std::vector<Learner> learners(static_cast<std::size_t>(o.learners));
  app.db().write([&](server::db::Connection& c) {
    std::vector<std::string> site_groups, team_groups;
    for (int s = 0; s < sites; ++s) {
      char name[32];
      std::snprintf(name, sizeof name, "Site %02d", s + 1);
      const std::string gid = "g-site-" + std::to_string(s + 1);
      c.exec("INSERT INTO user_groups(id, org_id, name, parent_id, created_ms) VALUES ($1,$2,$3,NULL,$4)", {gid, org, std::string(name), now});
      site_groups.push_back(gid);
      for (int t = 0; t < 5; ++t) {
        const std::string tid = gid + "-team-" + std::to_string(t + 1);
        c.exec("INSERT INTO user_groups(id, org_id, name, parent_id, created_ms) VALUES ($1,$2,$3,$4,$5)",
               {tid, org, std::string(name) + " / Team " + std::to_string(t + 1), gid, now});
        team_groups.push_back(tid);
      }
    }
    for (int i = 0; i < o.learners; ++i) {
      Learner& l = learners[static_cast<std::size_t>(i)];
      char id[32], email[48];
      std::snprintf(id, sizeof id, "u-gen%06d", i + 1);
      std::snprintf(email, sizeof email, "learner%06d@bench.example", i + 1);
      l.id = id;
      l.agent = xapi::account_agent(app.config().public_url, l.id, "");
      l.agent.erase("name");
      const int site = i % sites, team = (i / sites) % 5;
      c.exec("INSERT INTO users(id, org_id, email, name, role, team, site, job_role, created_ms) VALUES ($1,$2,$3,$4,'learner',$5,$6,$7,$8)",
             {l.id, org, std::string(email), "Learner " + std::to_string(i + 1), "Team " + std::to_string(team + 1),
              "Site " + std::to_string(site + 1), std::string(kJobs[rng.between(0, 4)]), now});
      c.exec("INSERT INTO group_members(group_id, user_id) VALUES ($1,$2)", {team_groups[static_cast<std::size_t>(site * 5 + team)], l.id});
      // Engagement profile: some never start; the rest differ in pace and skill.
      l.ability = 0.45 + 0.5 * rng.uniform();
      l.persistence = 0.80 + 0.19 * rng.uniform();
      if (rng.chance(0.95)) {
        l.device = "d-gen" + std::to_string(i + 1);
        if (rng.chance(0.1)) l.second = "d-gen" + std::to_string(i + 1) + "b";
      }
    }
    for (int s = 0; s < sites; ++s) {
      const std::string mid = "u-genmgr" + std::to_string(s + 1);
      c.exec("INSERT INTO users(id, org_id, email, name, role, created_ms) VALUES ($1,$2,$3,$4,'manager',$5)",
             {mid, org, "manager" + std::to_string(s + 1) + "@bench.example", "Manager " + std::to_string(s + 1), now});
      c.exec("INSERT INTO manager_scopes(user_id, group_id) VALUES ($1,$2)", {mid, site_groups[static_cast<std::size_t>(s)]});
    }
  });
  // Managers sign in: set their passwords through the normal path (Argon2id).
  for (int s = 0; s < sites; ++s)
    app.create_user(org, "manager" + std::to_string(s + 1) + "@bench.example", "Manager " + std::to_string(s + 1), "manager", "bench-manager-1");

  // Courses, signed with a throwaway key the database trusts.
  const auto key = server::crypto::ed25519_keypair();
  app.add_trusted_key(key.public_key, "trailpack dev generate");
  std::vector<bundle::Course> courses;
  for (int n = 1; n <= o.courses; ++n) {
    const json cj = course_json(n, rng);
    app.publish_bundle(bundle_of(cj, key, now), false, admin);
    auto parsed = bundle::parse_course(json::parse(bundle::compile_course({{"course.json", cj.dump()}})->files[0].data));
    courses.push_back(std::move(parsed).value());
  }

  // Statements: journeys of random (learner, course) pairs until the budget is spent.
  Writer out(app);
  std::int64_t journeys = 0;
  std::vector<std::size_t> active;
  for (std::size_t i = 0; i < learners.size(); ++i)
    if (!learners[i].device.empty() && rng.chance(0.9)) active.push_back(i);
  std::set<std::pair<std::size_t, std::size_t>> taken;
  std::int64_t misses = 0;
  while (out.count() < o.statements && !active.empty()) {
    const std::size_t li = active[static_cast<std::size_t>(rng.between(0, static_cast<std::int64_t>(active.size()) - 1))];
    const std::size_t ci = static_cast<std::size_t>(rng.between(0, o.courses - 1));
    if (!taken.insert({li, ci}).second) {
      if (++misses > 50 * static_cast<std::int64_t>(learners.size()) * o.courses) break;  // every pair played
      continue;
    }
    const TimeMs start = now - rng.between(1, o.days) * kDay + rng.between(7, 18) * kHour;
    Journey j(courses[ci], learners[li], rng, out, start, now, o.statements - out.count());
    j.play();
    ++journeys;
  }
  out.flush();
  app.db().write([&](server::db::Connection& c) {
    for (const auto& l : learners) {
      if (l.device.empty()) continue;
      const server::db::Value last = l.last_stored ? server::db::Value(l.last_stored) : server::db::Value(nullptr);
      c.exec("INSERT INTO devices(id, user_id, name, created_ms, last_push_ms, last_pull_ms) VALUES ($1,$2,'Phone',$3,$4,$4)",
             {l.device, l.id, now - static_cast<TimeMs>(o.days) * kDay, last});
      if (!l.second.empty())
        c.exec("INSERT INTO devices(id, user_id, name, created_ms, last_push_ms, last_pull_ms) VALUES ($1,$2,'Tablet',$3,$4,$4)",
               {l.second, l.id, now - static_cast<TimeMs>(o.days) * kDay, last});
    }
  });
  const auto generated = std::chrono::steady_clock::now();
  app.rebuild_kpis();
  const auto rebuilt = std::chrono::steady_clock::now();
  auto ms = [](auto a, auto b) { return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count(); };
  json report = {{"database", server::db::redact_url(o.database)},
                 {"learners", o.learners},
                 {"courses", o.courses},
                 {"statements", out.count()},
                 {"journeys", journeys},
                 {"sites", sites},
                 {"admin", {{"email", "admin@bench.example"}, {"password", "bench-admin-1"}}},
                 {"managers", {{"email", "manager1@bench.example … manager" + std::to_string(sites) + "@bench.example"}, {"password", "bench-manager-1"}}},
                 {"generate_ms", ms(began, generated)},
                 {"kpi_rebuild_ms", ms(generated, rebuilt)}};
  std::cout << report.dump(2) << "\n";
  return 0;
}

int cmd_kpi_rebuild(const std::string& database) {
  server::Config cfg;
  cfg.database = database;
  const auto began = std::chrono::steady_clock::now();
  server::App app(cfg);
  app.rebuild_kpis();
  std::cout << "KPI tables rebuilt in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began).count() << " ms\n";
  return 0;
}

}  // namespace trailpack::cli
