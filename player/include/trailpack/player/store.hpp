// The learner's local store: one SQLite database per learner profile on the device.
// Holds installed course content (read-only), the learner's statements (append-only,
// each with a "synced" flag) and a few key/value settings. Every write is one
// transaction; when a write method returns, the data is committed durably (the caller
// chooses the VFS and `synchronous` level that make that true on its platform).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "trailpack/result.hpp"

struct sqlite3;

namespace trailpack::player {

struct StoreOptions {
  std::string path;              ///< database file path (VFS-relative)
  std::string vfs;               ///< SQLite VFS name; empty = platform default
  std::string journal_mode = "WAL";
  bool exclusive_locking = true; ///< one connection owns the file (needed for WAL without shm)
  std::string synchronous = "FULL";
};

struct StoredStatement {
  std::int64_t seq = 0;
  std::string id;
  std::string course_id;
  nlohmann::json body;
  bool synced = false;
};

struct StoreCounts {
  std::int64_t statements = 0;
  std::int64_t unsynced = 0;
};

class Store {
 public:
  static Result<std::unique_ptr<Store>> open(const StoreOptions& options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // settings
  std::optional<std::string> get(const std::string& key) const;
  Status put(const std::string& key, const std::string& value);

  // content
  Status put_course(const std::string& id, std::int64_t version, const std::string& course_json);
  std::optional<std::string> course_json(const std::string& id) const;
  std::vector<std::pair<std::string, std::int64_t>> course_ids() const;

  /// Appends statements in one transaction. Existing ids are skipped (idempotent).
  /// Returns how many were new.
  Result<int> append(const std::vector<StoredStatement>& statements);
  std::vector<StoredStatement> statements_for_course(const std::string& course_id) const;
  std::vector<StoredStatement> unsynced(std::size_t limit) const;
  Status mark_synced(const std::vector<std::string>& ids);
  StoreCounts counts() const;
  bool has_statement(const std::string& id) const;
  /// The course a stored statement was filed under, if the statement is here.
  std::optional<std::string> course_of(const std::string& id) const;

  /// `PRAGMA integrity_check` result ("ok" when healthy).
  std::string integrity_check() const;
  /// Page count * page size.
  std::int64_t size_bytes() const;

  sqlite3* handle() const { return db_; }

 private:
  explicit Store(sqlite3* db) : db_(db) {}
  Status exec(const std::string& sql) const;
  Status migrate();
  sqlite3* db_;
};

}  // namespace trailpack::player
