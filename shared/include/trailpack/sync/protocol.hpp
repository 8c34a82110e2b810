// The player <-> server sync protocol, version 1 (docs/sync-protocol.md). Message
// shapes and their validation; the transport (HTTP) lives in sync/ and in the player's JS.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "trailpack/result.hpp"

namespace trailpack::sync {

inline constexpr int kProtocolVersion = 1;
/// Most statements one push may carry; larger outboxes are sent in several batches.
inline constexpr std::size_t kMaxPushStatements = 500;
/// Largest push body accepted (after gzip decoding).
inline constexpr std::size_t kMaxPushBytes = 8 * 1024 * 1024;
/// Most statements one pull page returns.
inline constexpr std::size_t kMaxPullStatements = 1000;
/// A pull page stops before the statement that would take its stored bodies past this
/// (a page always holds at least one): large statements make shorter pages, not a reply
/// of gigabytes.
inline constexpr std::size_t kMaxPullPageBytes = 4 * 1024 * 1024;

/// Capabilities this build speaks, announced by GET /api/v1/sync/hello (nothing negotiates them yet).
std::vector<std::string> capabilities();

struct PushRequest {
  int protocol = kProtocolVersion;
  std::string device_id;
  std::vector<nlohmann::json> statements;
};

/// Parses a push body: `{"protocol":1,"device_id":"...","statements":[...]}`. Shape
/// errors only; each statement is validated separately so one bad statement does not
/// reject its neighbours.
Result<PushRequest> parse_push_request(const nlohmann::json& body);

enum class PushStatus { stored, duplicate, conflict, rejected };
const char* to_string(PushStatus s);

struct PushOutcome {
  std::string id;
  PushStatus status = PushStatus::stored;
  std::string error;  ///< for rejected/conflict: what is wrong, with the JSON path
};

nlohmann::json push_response(const std::vector<PushOutcome>& outcomes, std::int64_t cursor);

/// Most reminder ids one pull may acknowledge.
inline constexpr std::size_t kMaxReminderAcks = 200;

struct PullRequest {
  int protocol = kProtocolVersion;
  std::int64_t cursor = 0;
  std::size_t limit = kMaxPullStatements;
  std::vector<std::string> ack_reminders;  ///< reminders the device has shown: not sent again
  bool skip_own = false;  ///< leave out the statements the calling device pushed (it has them)
};

Result<PullRequest> parse_pull_request(const nlohmann::json& body);

}  // namespace trailpack::sync
