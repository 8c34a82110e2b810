// Statement storage: the one path by which statements enter the server, for the xAPI
// LRS and for device sync. Idempotent by statement id: the same statement again is a
// "duplicate" (harmless), the same id with different content is a "conflict" (409,
// never an overwrite). A batch is one transaction, committed durably before the caller
// answers. Quiz answers are re-scored with the core's scoring; disagreements are flagged.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include "app/app.hpp"
#include "app/kpi_store.hpp"
#include "crypto.hpp"
#include "log.hpp"
#include "trailpack/bundle/course.hpp"
#include "trailpack/encoding.hpp"
#include "trailpack/quiz/scoring.hpp"
#include "trailpack/uuid.hpp"
#include "trailpack/xapi/format.hpp"
#include "trailpack/xapi/statement.hpp"

namespace trailpack::server {

using nlohmann::json;

namespace {

constexpr const char* kCoursePrefix = "urn:trailpack:course:";

// "urn:trailpack:course:<id>[:...]" -> "<id>"
std::string course_of(const std::string& iri) {
  if (iri.rfind(kCoursePrefix, 0) != 0) return {};
  const std::size_t start = std::char_traits<char>::length(kCoursePrefix);
  return iri.substr(start, iri.find(':', start) - start);
}

std::string course_of_statement(const xapi::StatementView& v, const json& s) {
  std::string c = course_of(v.object_id);
  if (!c.empty()) return c;
  if (auto ctx = s.find("context"); ctx != s.end() && ctx->is_object())
    if (auto ca = ctx->find("contextActivities"); ca != ctx->end() && ca->is_object())
      if (auto g = ca->find("grouping"); g != ca->end() && g->is_array())
        for (const auto& a : *g)
          if (a.is_object() && a.contains("id") && a["id"].is_string())
            if (auto id = course_of(a["id"].get<std::string>()); !id.empty()) return id;
  return {};
}

// The statement as queries see it: with the authority it is served with (a device's or a
// session's statements are stored without one; the LRS answers for them with the user).
json indexed_form(const App& app, const json& body, const std::string& user_id) {
  if (body.contains("authority") || user_id.empty()) return body;
  json s = body;
  s["authority"] = app.agent_for(user_id, "");
  return s;
}

// Records what `agent` and `activity` queries (with related_agents/related_activities)
// match a statement on.
void index_statement(db::Connection& c, const std::string& id, const json& indexed) {
  for (const auto& m : xapi::agent_mentions(indexed))
    c.exec("INSERT INTO statement_agents(statement_id, agent_key, relation) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
           {id, m.key, m.relation});
  for (const auto& a : xapi::activity_mentions(indexed))
    c.exec("INSERT INTO statement_activities(statement_id, activity_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", {id, a});
}

// Activity definitions: merged into what the LRS knows of each activity. A client with
// the `define` scope makes them canonical ("defined"); other writers only add to
// definitions that no such client has set (xAPI 1.0.3 part three 4.2, `define`).
// A definition stops growing at 64 KiB: merging adds every new language of name and
// description, and each statement naming the activity re-reads and rewrites it, so
// statements adding thousands of made-up language tags would make it grow without end.
constexpr std::size_t kMaxMergedDefinitionBytes = 64 * 1024;

void record_definitions(db::Connection& c, const json& statement, bool defines, std::int64_t now) {
  for (const auto& [activity, def] : xapi::activity_definitions(statement)) {
    auto rows = c.query("SELECT definition, defined FROM activity_definitions WHERE activity_id = $1", {activity});
    const bool was_defined = !rows.empty() && rows[0].i64(1) != 0;
    if (was_defined && !defines) continue;
    const json merged = xapi::merge_definition(rows.empty() ? json::object() : json::parse(rows[0].str(0)), def);
    const std::string text = merged.dump();
    if (!rows.empty() && text.size() > std::max(kMaxMergedDefinitionBytes, rows[0].str(0).size())) continue;  // kept as it is
    c.exec("INSERT INTO activity_definitions(activity_id, definition, defined, updated_ms) VALUES ($1, $2, $3, $4) "
           "ON CONFLICT(activity_id) DO UPDATE SET definition = excluded.definition, defined = excluded.defined, "
           "updated_ms = excluded.updated_ms",
           {activity, text, std::int64_t{defines || was_defined ? 1 : 0}, now});
  }
}

bool has_nul(const std::string& s) { return s.find('\0') != std::string::npos; }

struct Pending {
  std::size_t index;
  json body;
  xapi::StatementView view;
  std::string user_id;
  std::string course_id;
  std::string rescore_flag;
};

}  // namespace

json App::served_form(const std::string& body, std::int64_t stored_ms, const json& authority) {
  json s = json::parse(body);
  s["stored"] = format_timestamp(stored_ms);
  if (!s.contains("timestamp")) s["timestamp"] = s["stored"];
  if (!s.contains("authority") && !authority.is_null()) s["authority"] = authority;
  // Part two 2.4.10: a statement keeps the version it came with; without one, 1.0.0.
  if (!s.contains("version")) s["version"] = "1.0.0";
  return s;
}

StoreOutcome App::store_statements(const Principal& who, std::vector<json> statements, bool atomic,
                                   const std::string& device_id, const std::map<std::string, AttachmentData>& attachments) {
  StoreOutcome out;
  out.outcomes.resize(statements.size());
  std::vector<Pending> pending;
  const std::string own_actor =
      who.kind == Principal::Kind::device || who.kind == Principal::Kind::session
          ? xapi::actor_key(agent_for(who.user_id, ""))
          : std::string();
  bool any_failed = false;
  for (std::size_t i = 0; i < statements.size(); ++i) {
    json& s = statements[i];
    auto& o = out.outcomes[i];
    if (s.is_object() && s.contains("id") && s["id"].is_string()) o.id = normalize_uuid(s["id"].get<std::string>());
    auto valid = xapi::validate_statement(s, {.require_id = false, .allow_lrs_fields = true});
    if (!valid) {
      o.status = sync::PushStatus::rejected;
      o.error = valid.error().describe();
      any_failed = true;
      continue;
    }
    if (!s.contains("id")) s["id"] = crypto::random_uuid();
    s["id"] = normalize_uuid(s["id"].get<std::string>());
    o.id = s["id"];
    s.erase("stored");  // the LRS sets stored
    // Moved, not copied: a deep copy of every statement's JSON tree was a visible share of
    // a push's CPU time (bench/run ingest; statements[i] is not read again).
    auto view = xapi::view_of(s);
    Pending p{i, std::move(s), std::move(view), {}, {}, {}};
    // Indexed columns hold these as text; PostgreSQL text cannot contain NUL (a JSON
    // "\u0000" in an account name, say), so refuse it on every backend alike.
    bool nul = has_nul(p.view.actor_key) || has_nul(p.view.object_id);
    for (const auto& m : xapi::agent_mentions(p.body)) nul = nul || has_nul(m.key);
    for (const auto& a : xapi::activity_mentions(p.body)) nul = nul || has_nul(a);
    if (nul) {
      o.status = sync::PushStatus::rejected;
      o.error = "identifiers (agents, activities) cannot contain NUL characters";
      any_failed = true;
      continue;
    }
    if (!own_actor.empty() && p.view.actor_key != own_actor) {
      o.status = sync::PushStatus::rejected;
      o.error = "actor: a learner can only record their own statements";
      any_failed = true;
      continue;
    }
    p.course_id = course_of_statement(p.view, p.body);
    pending.push_back(std::move(p));
  }
  if (atomic && any_failed) return out;

  // Re-score quiz answers against the currently published version of the course.
  for (auto& p : pending) {
    if (p.view.verb != xapi::verbs::kAnswered || p.course_id.empty()) continue;
    const std::string prefix = bundle::question_iri(p.course_id, "");
    if (p.view.object_id.rfind(prefix, 0) != 0) continue;
    auto course = current_course(p.course_id);
    if (!course) continue;
    const bundle::Question* q = course->find_question(p.view.object_id.substr(prefix.size()));
    if (!q) {
      p.rescore_flag = "question not in the published course";
      continue;
    }
    auto resp = quiz::response_from_xapi(*q, p.view.response);
    if (!resp) {
      p.rescore_flag = "response could not be read: " + resp.error().message;
      continue;
    }
    auto score = quiz::score_question(*q, *resp);
    if (!score) {
      p.rescore_flag = "response refused by scoring: " + score.error().message;
      continue;
    }
    const double device = p.view.scaled.value_or(-1);
    if (std::abs(device - score->fraction) > 1e-6 || p.view.success.value_or(!score->correct) != score->correct)
      p.rescore_flag = "device scored " + std::to_string(device) + ", server scored " + std::to_string(score->fraction);
  }

  // The `define` scope makes a client's activity definitions canonical (xAPI 1.0.3 part
  // three 4.2); see record_definitions.
  const bool defines = who.kind == Principal::Kind::xapi_client && who.has_scope("define");
  const std::int64_t now = now_ms();
  std::int64_t stored = 0;
  std::int64_t oldest_ts = now;
  bool failed = false;  // a conflict or a statement refused inside the transaction
  // Atomic batches (xAPI) roll back on any failure; the caller answers from the outcomes.
  struct RollBack {};
  try {
    db_->write([&](db::Connection& c) {
      stored = 0;
      failed = false;
      kpi_store::Change kpi_change;  // what this transaction stored and voided, for the KPI tables
      // id -> the first occurrence in this batch. Comparable forms are built only when an id
      // repeats (rare), not for every statement.
      std::map<std::string, const Pending*> in_batch;
      std::map<std::string, std::string> user_cache;
      auto user_for = [&](const xapi::StatementView& v, const json& s) -> std::string {
        if (who.kind == Principal::Kind::device) return who.user_id;
        auto it = user_cache.find(v.actor_key);
        if (it != user_cache.end()) return it->second;
        std::string uid;
        const json& actor = s["actor"];
        if (actor.contains("account") && actor["account"].value("homePage", "") == config_.public_url) {
          auto rows = c.query("SELECT id FROM users WHERE id = $1", {actor["account"].value("name", "")});
          if (!rows.empty()) uid = rows[0].str(0);
        } else if (actor.contains("mbox") && actor["mbox"].is_string()) {
          const std::string mbox = actor["mbox"];
          auto rows = c.query("SELECT id FROM users WHERE email = $1", {mbox.substr(7)});
          if (!rows.empty()) uid = rows[0].str(0);
        }
        user_cache[v.actor_key] = uid;
        return uid;
      };
      // Pull cursors are per learner and rely on a learner's statements becoming visible in
      // seq order. PostgreSQL draws seq at INSERT but publishes rows at COMMIT, so two
      // concurrent batches for one learner could commit out of seq order and a pull between
      // the two commits would move the cursor past the later-committing, lower seq for good.
      // Every batch (device, xAPI client or session) therefore locks each learner it stores
      // for, in sorted order so two batches cannot deadlock; SQLite has one writer anyway.
      std::set<std::string> learners;
      if (who.kind == Principal::Kind::device) learners.insert(who.user_id);
      for (auto& p : pending) {
        p.user_id = user_for(p.view, p.body);
        if (!p.user_id.empty()) learners.insert(p.user_id);
      }
      for (const auto& learner : learners) serialize_writers(c, learner);  // pg_advisory_xact_lock(hashtext(user_id))
      // Activity definitions are read, merged and written back below: one writer per
      // activity at a time, locked in sorted order after the learners (no deadlock). The
      // activities are locked by bucket (64 of them), not one by one: a single statement
      // may name 50,000 activities, and PostgreSQL's lock table holds a few thousand locks
      // for the whole server (past it, every transaction fails).
      std::set<std::uint32_t> buckets;
      for (const auto& p : pending)
        for (const auto& d : xapi::activity_definitions(p.body)) {
          std::uint32_t h = 2166136261u;  // FNV-1a: the same bucket in every server process
          for (unsigned char ch : d.first) h = (h ^ ch) * 16777619u;
          buckets.insert(h % 64);
        }
      for (const auto b : buckets) serialize_writers(c, "xapi-activity-bucket|" + std::to_string(b));
      for (auto& p : pending) {
        auto& o = out.outcomes[p.index];
        if (auto it = in_batch.find(o.id); it != in_batch.end()) {
          // A repeat within the batch: the same content shares the first one's fate (a
          // `duplicate` of a statement refused as a conflict or rejected would tell the
          // client it is stored); different content is a conflict.
          const auto& first = out.outcomes[it->second->index];
          if (xapi::comparable_form(it->second->body) != xapi::comparable_form(p.body)) {
            o.status = sync::PushStatus::conflict;
            o.error = "another statement in this batch has the same id with different content";
            failed = true;
          } else if (first.status == sync::PushStatus::conflict || first.status == sync::PushStatus::rejected) {
            o.status = first.status;
            o.error = first.error;
            failed = true;
          } else {
            o.status = sync::PushStatus::duplicate;
          }
          continue;
        }
        in_batch.emplace(o.id, &p);
        auto same_as_stored = [&](const std::string& stored_body) {
          if (xapi::comparable_form(json::parse(stored_body)) == xapi::comparable_form(p.body)) {
            o.status = sync::PushStatus::duplicate;
          } else {
            o.status = sync::PushStatus::conflict;
            o.error = "a different statement with this id is already stored";
            failed = true;
          }
        };
        // No lookup by id first for ordinary statements: the INSERT below does nothing for an
        // id already stored, and then the stored statement decides duplicate or conflict (one
        // query less per new statement, the common case). A voiding statement is looked up
        // first, as its checks below must not judge one that is already stored.
        if (p.view.verb == xapi::verbs::kVoided) {
          auto existing = c.query("SELECT body FROM statements WHERE id = $1", {o.id});
          if (!existing.empty()) {
            same_as_stored(existing[0].str(0));
            continue;
          }
          auto target = c.query("SELECT verb, user_id FROM statements WHERE id = $1", {p.view.object_id});
          if (!target.empty() && target[0].str(0) == xapi::verbs::kVoided) {
            o.status = sync::PushStatus::rejected;
            o.error = "object: a voiding statement cannot void another voiding statement";
            failed = true;
            continue;
          }
          // Whoever may only record their own statements may only void their own.
          if (!own_actor.empty() && !target.empty() && target[0].str(1) != who.user_id) {
            o.status = sync::PushStatus::rejected;
            o.error = "object: a learner can only void their own statements";
            failed = true;
            continue;
          }
        }
        const auto& v = p.view;
        // A voiding statement that arrived first counts when an xAPI client sent it or it
        // is the same user's (a learner cannot void someone else's statement in advance).
        auto voided_already = c.query(
            "SELECT 1 FROM statements WHERE verb = $1 AND object_id = $2 AND object_type = 'StatementRef' "
            "AND (client_key IS NOT NULL OR user_id = $3)",
            {std::string(xapi::verbs::kVoided), o.id, p.user_id.empty() ? db::Value(nullptr) : db::Value(p.user_id)});
        const std::int64_t ts = v.timestamp ? v.timestamp : now;
        auto opt_bool = [](const std::optional<bool>& b) { return b ? db::Value(std::int64_t{*b ? 1 : 0}) : db::Value(nullptr); };
        // ON CONFLICT: on PostgreSQL another server process may store the same id between
        // the SELECT above and this INSERT (READ COMMITTED; the INSERT waits for its commit).
        // That is a duplicate or a conflict like any other, not a failed batch.
        const std::int64_t inserted = c.exec(
            "INSERT INTO statements(id, user_id, actor_key, verb, object_id, object_type, registration, course_id, "
            "parent_id, timestamp_ms, stored_ms, device_id, client_key, voided, score_scaled, success, completion, "
            "duration_ms, rescore_flag, body) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20) "
            "ON CONFLICT(id) DO NOTHING",
            {o.id,
             p.user_id.empty() ? db::Value(nullptr) : db::Value(p.user_id),
             v.actor_key,
             v.verb,
             v.object_id,
             v.object_type,
             v.registration.empty() ? db::Value(nullptr) : db::Value(v.registration),
             p.course_id.empty() ? db::Value(nullptr) : db::Value(p.course_id),
             v.parent.empty() ? db::Value(nullptr) : db::Value(v.parent),
             ts,
             now,
             device_id.empty() ? db::Value(nullptr) : db::Value(device_id),
             who.client_key.empty() ? db::Value(nullptr) : db::Value(who.client_key),
             std::int64_t{voided_already.empty() ? 0 : 1},
             v.scaled ? db::Value(*v.scaled) : db::Value(nullptr),
             opt_bool(v.success),
             opt_bool(v.completion),
             v.duration_ms,
             p.rescore_flag.empty() ? db::Value(nullptr) : db::Value(p.rescore_flag),
             p.body.dump()});
        if (inserted == 0) {
          auto winner = c.query("SELECT body FROM statements WHERE id = $1", {o.id});
          if (winner.empty()) throw db::DbError(db::DbError::Kind::other, "statement " + o.id + " neither stored nor found");
          same_as_stored(winner[0].str(0));
          continue;
        }
        oldest_ts = std::min(oldest_ts, ts);  // the sync lag counts stored statements only
        // Voiding only once this statement is stored, so a voiding statement that lost the
        // race above never voids anything on its own. (A statement voiding itself voids nothing.)
        kpi_change.inserted.push_back({p.user_id, p.course_id, v.verb, ts, now, !voided_already.empty(), !device_id.empty()});
        if (v.verb == xapi::verbs::kVoided && v.object_id != o.id) {
          auto target = c.query("SELECT user_id, course_id, timestamp_ms, verb FROM statements WHERE id = $1 AND voided = 0",
                                {v.object_id});
          if (!target.empty())
            kpi_change.voided.push_back({target[0].str(0), target[0].str(1), target[0].str(3), target[0].i64(2)});
          c.exec("UPDATE statements SET voided = 1 WHERE id = $1", {v.object_id});
        }
        index_statement(c, o.id, indexed_form(*this, p.body, p.user_id));
        for (const auto& a : xapi::attachment_objects(p.body)) {
          const std::string sha2 = ascii_lower(a.value("sha2", ""));
          auto data = attachments.find(sha2);
          if (data == attachments.end()) continue;  // a fileUrl attachment, or data sent earlier
          c.exec("INSERT INTO xapi_attachments(sha2, content_type, length, data, stored_ms) VALUES ($1, $2, $3, $4, $5) "
                 "ON CONFLICT(sha2) DO NOTHING",
                 {sha2, data->second.content_type, static_cast<std::int64_t>(data->second.data.size()),
                  db::Blob{data->second.data}, now});
        }
        record_definitions(c, p.body, defines, now);
        o.status = sync::PushStatus::stored;
        ++stored;
      }
      if (atomic && failed) throw RollBack{};
      kpi_store::apply(*this, c, kpi_change);
      if (!device_id.empty()) c.exec("UPDATE devices SET last_push_ms = $1 WHERE id = $2", {now, device_id});
      if (who.kind == Principal::Kind::device) {
        auto rows = c.query("SELECT COALESCE(MAX(seq), 0) FROM statements WHERE user_id = $1", {who.user_id});
        out.cursor = rows.empty() ? 0 : rows[0].i64(0);
      }
    });
  } catch (const RollBack&) {
    stored = 0;  // nothing of the batch is stored; the failing outcomes say why
  }
  metrics_.add_statements(stored);
  std::int64_t rejected = 0;
  for (const auto& o : out.outcomes) rejected += o.status == sync::PushStatus::rejected || o.status == sync::PushStatus::conflict;
  metrics_.add_rejected(rejected);
  if (stored) metrics_.set_sync_lag_ms(now - oldest_ts);
  return out;
}

std::size_t App::index_statements() {
  std::size_t done = 0;
  for (bool more = true; more;) {
    db_->write([&](db::Connection& c) {
      more = false;
      serialize_writers(c, "trailpack:statement-index");  // one process at a time
      auto backlog = c.query("SELECT next_seq, last_seq FROM statement_index_backlog");
      if (backlog.empty()) return;
      const std::int64_t next = backlog[0].i64(0), last = backlog[0].i64(1);
      auto rows = c.query("SELECT seq, id, body, user_id FROM statements WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT 500",
                          {next, last});
      for (const auto& r : rows) {
        const json body = json::parse(r.str(2));
        index_statement(c, r.str(1), indexed_form(*this, body, r.str(3)));
        record_definitions(c, body, false, now_ms());
      }
      done += rows.size();
      if (rows.size() < 500) {
        c.exec("DELETE FROM statement_index_backlog");  // caught up: later statements are indexed as they are stored
      } else {
        c.exec("UPDATE statement_index_backlog SET next_seq = $1", {rows.back().i64(0) + 1});
        more = true;
      }
    });
  }
  if (done) log_event("info", "statements_indexed", {{"statements", done}});
  return done;
}

std::vector<json> App::user_statements(const std::string& user_id, const std::string& course_id) {
  std::vector<json> out;
  db_->read([&](db::Connection& c) {
    auto rows = course_id.empty()
                    ? c.query("SELECT body FROM statements WHERE user_id = $1 AND voided = 0 ORDER BY seq", {user_id})
                    : c.query("SELECT body FROM statements WHERE user_id = $1 AND course_id = $2 AND voided = 0 ORDER BY seq",
                              {user_id, course_id});
    out.reserve(rows.size());
    for (const auto& r : rows) out.push_back(json::parse(r.str(0)));
  });
  return out;
}

}  // namespace trailpack::server
