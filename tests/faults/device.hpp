// A learner's device for the fault tests: the native player::Engine on a real SQLite
// file, a clock that can be skewed and moved, and a small sync client speaking the
// device protocol (docs/sync-protocol.md) over real HTTP. With "chaos", the client
// sends batches duplicated, split and reordered, replays old batches, and ingests pull
// pages out of order, as flaky networks and retries would.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/http_client.hpp"
#include "trailpack/player/engine.hpp"

namespace trailpack::faults {

/// An "experienced" statement with id `<prefix>-0000-4000-8000-<n, 12 digits>` by the learner
/// `user_id` of the server at `home_page`, on `object_id`.
nlohmann::json experienced_statement(const std::string& home_page, const std::string& user_id, const std::string& prefix,
                                     int n, const std::string& object_id);

/// A failure of the device itself (an engine call refused, a server answer it must never
/// get), as opposed to the network's: NativeDevice::sync lets it through, and reports
/// network failures (refused, reset, cut off) as "offline".
struct DeviceError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The protocol side: tokens and requests, with the client rules of sync-protocol.md
/// (refresh once on 401, never retry a refresh blindly).
class SyncClient {
 public:
  explicit SyncClient(std::string url) : url_(std::move(url)) {}

  /// POST /api/v1/auth/enroll; throws unless 200.
  void enroll(const std::string& code, const std::string& device_name);
  /// A POST with the access token; on 401 refreshes once and retries. Throws
  /// std::runtime_error when the connection fails.
  server::ClientResponse post(const std::string& path, const nlohmann::json& body);
  /// POST /api/v1/auth/refresh; true when new tokens were stored.
  bool refresh();

  /// One push; the ids the server acknowledged (stored or duplicate) when it answered 200.
  struct PushResult {
    int status = 0;
    std::vector<std::string> acked;
    nlohmann::json body;
  };
  PushResult push(const std::vector<nlohmann::json>& statements);

  const std::string& url() const { return url_; }
  void set_url(std::string url) { url_ = std::move(url); }
  const std::string& user_id() const { return user_id_; }
  const std::string& device_id() const { return device_id_; }
  const std::string& home_page() const { return home_page_; }
  const std::string& access_token() const { return access_; }
  const std::string& refresh_token() const { return refresh_; }
  int refreshes() const { return refreshes_; }

 private:
  std::string url_;
  std::string access_, refresh_, device_id_, user_id_, home_page_, name_;
  int refreshes_ = 0;
};

class NativeDevice {
 public:
  /// `clock_offset_ms` skews the device clock against the system clock.
  NativeDevice(const std::filesystem::path& dir, const std::string& name, const std::string& server_url,
               std::int64_t clock_offset_ms = 0);

  /// Enrolls with the code, signs the learner in on the engine and installs `course`.
  void enroll(const std::string& code, const nlohmann::json& course);
  nlohmann::json call(const std::string& method, const nlohmann::json& args = nlohmann::json::object());
  /// Like call, but a refusal (locked, no attempts left, ...) is not an error.
  std::optional<nlohmann::json> try_call(const std::string& method, const nlohmann::json& args);
  /// Moves the device clock forward.
  void advance(std::int64_t ms) { *offset_ += ms; }

  /// One random learner action on `course`: a card, or a whole quiz attempt.
  void act(std::mt19937& rng, const nlohmann::json& course);

  /// Pushes every pending statement and pulls everything new. Returns false when the
  /// server could not be reached or failed (the device keeps everything for later).
  bool sync(std::mt19937* chaos = nullptr);

  /// sha256 of progress::to_json(project_course(...)).dump() as the engine computes it.
  std::string progress_hash(const std::string& course_id);
  std::set<std::string> statement_ids(const std::string& course_id);
  std::int64_t unsynced();
  SyncClient& client() { return client_; }

 private:
  std::string name_;
  std::filesystem::path db_;
  std::shared_ptr<std::int64_t> offset_;
  std::unique_ptr<player::Engine> engine_;
  SyncClient client_;
  std::vector<std::vector<nlohmann::json>> sent_;  ///< earlier batches, replayed by chaos
};

/// The server's projection of a learner on a course, as the console computes it: the
/// learner's non-voided statements (App::user_statements on the server's database) through
/// progress::project_course; sha256 of progress::to_json(...).dump().
std::string server_progress_hash(const std::filesystem::path& db, const std::string& user_id,
                                 const nlohmann::json& course);

/// Statement ids the server holds for a learner.
std::multiset<std::string> server_statement_ids(const std::filesystem::path& db, const std::string& user_id);

}  // namespace trailpack::faults
