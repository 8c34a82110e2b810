// Storage: one small SQL interface over SQLite (embedded, default) and PostgreSQL
// (scale-out). Repositories write portable SQL: `$1`-style parameters (SQLite reads
// them as numbered), ON CONFLICT upserts, RETURNING. Where the dialects differ
// (DDL, locking), the repository asks `dialect()`.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace trailpack::server::db {

struct Blob {
  std::string bytes;
};

using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string, Blob>;

struct Row {
  std::vector<Value> cols;
  bool is_null(std::size_t i) const { return std::holds_alternative<std::nullptr_t>(cols.at(i)); }
  std::int64_t i64(std::size_t i) const;
  double f64(std::size_t i) const;
  std::string str(std::size_t i) const;  ///< text or blob bytes; "" for NULL
};

using Rows = std::vector<Row>;
using Params = std::vector<Value>;

/// Failures from the driver. `busy`/`serialization` are safe to retry.
struct DbError : std::runtime_error {
  enum class Kind { other, constraint, busy, serialization, full, io } kind;
  DbError(Kind k, const std::string& what) : std::runtime_error(what), kind(k) {}
};

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Rows query(const std::string& sql, const Params& params = {}) = 0;
  /// Returns the number of rows changed.
  virtual std::int64_t exec(const std::string& sql, const Params& params = {}) = 0;
  /// Runs several statements separated by ';' (migrations); no parameters.
  virtual void exec_script(const std::string& sql) = 0;
};

enum class Dialect { sqlite, postgres };

class Database {
 public:
  virtual ~Database() = default;
  virtual Dialect dialect() const = 0;

  /// Runs `fn` in a read-write transaction, committed durably before returning. Retries
  /// on busy/serialization failures (fn must be safe to run again).
  virtual void write(const std::function<void(Connection&)>& fn) = 0;
  /// Runs `fn` on a connection that sees a consistent snapshot.
  virtual void read(const std::function<void(Connection&)>& fn) = 0;

  /// "ok" when the storage is healthy (SQLite: PRAGMA quick_check; PG: SELECT 1).
  virtual std::string health() = 0;

  /// Opens `url`: a file path or sqlite:PATH for SQLite, postgres://... or
  /// postgresql://... for PostgreSQL. Applies pending migrations.
  static std::unique_ptr<Database> open(const std::string& url);
};

/// `url` with its password (postgresql://user:PASSWORD@host or password=...) replaced by
/// "***", for messages and logs. Paths and URLs without a password come back unchanged.
std::string redact_url(const std::string& url);

}  // namespace trailpack::server::db
