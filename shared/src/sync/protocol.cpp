#include "trailpack/sync/protocol.hpp"

#include <cctype>

#include "trailpack/json_reader.hpp"

namespace trailpack::sync {

using nlohmann::json;

std::vector<std::string> capabilities() { return {"push", "pull", "gzip", "statement-results"}; }

const char* to_string(PushStatus s) {
  switch (s) {
    case PushStatus::stored: return "stored";
    case PushStatus::duplicate: return "duplicate";
    case PushStatus::conflict: return "conflict";
    case PushStatus::rejected: return "rejected";
  }
  return "rejected";
}

namespace {

// The request's protocol version: this server's, or a refusal that says which it speaks.
int read_protocol(JsonReader& r) {
  const auto v = r.integer_or("protocol", kProtocolVersion, INT32_MIN, INT32_MAX);
  if (v != kProtocolVersion)
    r.fail("protocol", "protocol " + std::to_string(v) + " is not supported (this server speaks " +
                           std::to_string(kProtocolVersion) + ")");
  return static_cast<int>(v);
}

}  // namespace

Result<PushRequest> parse_push_request(const json& body) {
  return read_json_checked<PushRequest>("invalid_push", [&] {
    JsonReader r(body, "");
    r.only({"protocol", "device_id", "statements"});
    PushRequest p;
    p.protocol = read_protocol(r);
    p.device_id = r.str("device_id");
    if (p.device_id.size() > 64) r.fail("device_id", "must be at most 64 characters");
    // Checked with has() first: at() would throw nlohmann's out_of_range, which has no path.
    if (!r.has("statements")) r.fail("statements", "is required");
    const json& st = body.at("statements");
    if (!st.is_array()) r.fail("statements", "expected an array");
    if (st.size() > kMaxPushStatements)
      r.fail("statements", "a batch holds at most " + std::to_string(kMaxPushStatements) + " statements, found " +
                               std::to_string(st.size()));
    p.statements.assign(st.begin(), st.end());
    return p;
  });
}

json push_response(const std::vector<PushOutcome>& outcomes, std::int64_t cursor) {
  json results = json::array();
  int stored = 0, dup = 0, conflict = 0, rejected = 0;
  for (const auto& o : outcomes) {
    json r = {{"id", o.id}, {"status", to_string(o.status)}};
    if (!o.error.empty()) r["error"] = o.error;
    results.push_back(std::move(r));
    switch (o.status) {
      case PushStatus::stored: ++stored; break;
      case PushStatus::duplicate: ++dup; break;
      case PushStatus::conflict: ++conflict; break;
      case PushStatus::rejected: ++rejected; break;
    }
  }
  return {{"protocol", kProtocolVersion},
          {"results", std::move(results)},
          {"stored", stored},
          {"duplicates", dup},
          {"conflicts", conflict},
          {"rejected", rejected},
          {"cursor", cursor}};
}

Result<PullRequest> parse_pull_request(const json& body) {
  return read_json_checked<PullRequest>("invalid_pull", [&] {
    JsonReader r(body, "");
    r.only({"protocol", "cursor", "limit", "ack_reminders", "skip_own"});
    PullRequest p;
    p.protocol = read_protocol(r);
    p.cursor = r.integer_or("cursor", 0, 0, INT64_MAX);
    p.limit = static_cast<std::size_t>(r.integer_or("limit", kMaxPullStatements, 1, kMaxPullStatements));
    p.skip_own = r.boolean_or("skip_own", false);
    p.ack_reminders = r.strings_or_empty("ack_reminders");
    if (p.ack_reminders.size() > kMaxReminderAcks)
      r.fail("ack_reminders", "at most " + std::to_string(kMaxReminderAcks) + " ids, found " + std::to_string(p.ack_reminders.size()));
    for (std::size_t i = 0; i < p.ack_reminders.size(); ++i) {
      const auto& id = p.ack_reminders[i];
      bool ok = id.size() <= 64;
      for (char c : id) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
      if (!ok) JsonReader::fail_at("ack_reminders[" + std::to_string(i) + "]", "is not a reminder id");
    }
    return p;
  });
}

}  // namespace trailpack::sync
