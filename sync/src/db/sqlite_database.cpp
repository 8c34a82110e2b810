// SQLite backend: WAL, synchronous=FULL (a commit is on disk when write() returns),
// one writer connection behind a mutex and a small pool of reader connections.
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "db/database.hpp"
#include "db/schema.hpp"

namespace trailpack::server::db {
namespace {

DbError::Kind kind_of(int rc) {
  switch (rc & 0xFF) {
    case SQLITE_CONSTRAINT: return DbError::Kind::constraint;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return DbError::Kind::busy;
    case SQLITE_FULL: return DbError::Kind::full;
    case SQLITE_IOERR: return DbError::Kind::io;
    default: return DbError::Kind::other;
  }
}

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(const std::string& path, bool readonly) {
    const int flags = (readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                      SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      db_ = nullptr;
      throw DbError(DbError::Kind::io, "cannot open database " + path + ": " + msg);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, 10000);
    if (!readonly) {
      exec_script("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
    } else {
      exec_script("PRAGMA foreign_keys=ON;");
    }
  }
  ~SqliteConnection() override {
    for (auto& [sql, st] : cache_) sqlite3_finalize(st);
    sqlite3_close(db_);
  }

  Rows query(const std::string& sql, const Params& params) override {
    sqlite3_stmt* st = prepare(sql);
    bind(st, params);
    Rows rows;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      Row r;
      const int n = sqlite3_column_count(st);
      r.cols.reserve(static_cast<std::size_t>(n));
      for (int i = 0; i < n; ++i) {
        switch (sqlite3_column_type(st, i)) {
          case SQLITE_NULL: r.cols.emplace_back(nullptr); break;
          case SQLITE_INTEGER: r.cols.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(st, i))); break;
          case SQLITE_FLOAT: r.cols.emplace_back(sqlite3_column_double(st, i)); break;
          case SQLITE_BLOB: {
            const void* p = sqlite3_column_blob(st, i);
            r.cols.emplace_back(Blob{std::string(static_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(st, i)))});
            break;
          }
          default: {
            const unsigned char* t = sqlite3_column_text(st, i);
            r.cols.emplace_back(std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_column_bytes(st, i))));
          }
        }
      }
      rows.push_back(std::move(r));
    }
    finish(st, rc, sql);
    return rows;
  }

  std::int64_t exec(const std::string& sql, const Params& params) override {
    sqlite3_stmt* st = prepare(sql);
    bind(st, params);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    }
    finish(st, rc, sql);
    return sqlite3_changes64(db_);
  }

  void exec_script(const std::string& sql) override {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      throw DbError(kind_of(sqlite3_extended_errcode(db_)), msg);
    }
  }

 private:
  sqlite3_stmt* prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return it->second;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &st, nullptr) != SQLITE_OK)
      throw DbError(DbError::Kind::other, std::string(sqlite3_errmsg(db_)) + " in: " + sql.substr(0, 120));
    cache_.emplace(sql, st);
    return st;
  }

  static void bind(sqlite3_stmt* st, const Params& params) {
    for (std::size_t i = 0; i < params.size(); ++i) {
      // By name: SQLite numbers "$N" parameters in order of first appearance, so a query
      // whose text uses $2 before $1 (a CTE ahead of the WHERE) would bind them swapped.
      const int idx = sqlite3_bind_parameter_index(st, ("$" + std::to_string(i + 1)).c_str());
      if (idx == 0) continue;  // not used by this query
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::nullptr_t>) sqlite3_bind_null(st, idx);
            else if constexpr (std::is_same_v<T, std::int64_t>) sqlite3_bind_int64(st, idx, v);
            else if constexpr (std::is_same_v<T, double>) sqlite3_bind_double(st, idx, v);
            else if constexpr (std::is_same_v<T, std::string>)
              sqlite3_bind_text(st, idx, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
            else sqlite3_bind_blob(st, idx, v.bytes.data(), static_cast<int>(v.bytes.size()), SQLITE_TRANSIENT);
          },
          params[i]);
    }
  }

  void finish(sqlite3_stmt* st, int rc, const std::string& sql) {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) {
      const int ext = sqlite3_extended_errcode(db_);
      throw DbError(kind_of(ext), std::string(sqlite3_errmsg(db_)) + " in: " + sql.substr(0, 120));
    }
  }

  sqlite3* db_ = nullptr;
  std::map<std::string, sqlite3_stmt*> cache_;
};

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(std::string path) : path_(std::move(path)), writer_(path_, false) {
    migrate(writer_, Dialect::sqlite);
  }

  Dialect dialect() const override { return Dialect::sqlite; }

  void write(const std::function<void(Connection&)>& fn) override {
    std::lock_guard<std::mutex> lock(write_mutex_);
    for (int attempt = 0;; ++attempt) {
      try {
        writer_.exec_script("BEGIN IMMEDIATE");
        try {
          fn(writer_);
          writer_.exec_script("COMMIT");
          return;
        } catch (...) {
          try {
            writer_.exec_script("ROLLBACK");
          } catch (...) {
          }
          throw;
        }
      } catch (const DbError& e) {
        if (e.kind != DbError::Kind::busy || attempt >= 5) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(20 * (attempt + 1)));
      }
    }
  }

  void read(const std::function<void(Connection&)>& fn) override {
    std::unique_ptr<SqliteConnection> conn;
    {
      std::lock_guard<std::mutex> lock(pool_mutex_);
      if (!readers_.empty()) {
        conn = std::move(readers_.back());
        readers_.pop_back();
      }
    }
    if (!conn) conn = std::make_unique<SqliteConnection>(path_, true);
    struct Return {
      SqliteDatabase* self;
      std::unique_ptr<SqliteConnection>& c;
      ~Return() {
        std::lock_guard<std::mutex> lock(self->pool_mutex_);
        if (self->readers_.size() < 8) self->readers_.push_back(std::move(c));
      }
    } ret{this, conn};
    conn->exec_script("BEGIN");
    try {
      fn(*conn);
    } catch (...) {
      conn->exec_script("ROLLBACK");
      throw;
    }
    conn->exec_script("COMMIT");
  }

  std::string health() override {
    std::string out;
    read([&](Connection& c) {
      auto rows = c.query("PRAGMA quick_check");
      out = rows.empty() ? "no answer" : rows[0].str(0);
    });
    return out;
  }

 private:
  std::string path_;
  std::mutex write_mutex_;
  SqliteConnection writer_;
  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<SqliteConnection>> readers_;
};

}  // namespace

std::int64_t Row::i64(std::size_t i) const {
  const Value& v = cols.at(i);
  if (auto p = std::get_if<std::int64_t>(&v)) return *p;
  if (auto p = std::get_if<double>(&v)) return static_cast<std::int64_t>(*p);
  if (auto p = std::get_if<std::string>(&v)) return std::stoll(*p);
  return 0;
}

double Row::f64(std::size_t i) const {
  const Value& v = cols.at(i);
  if (auto p = std::get_if<double>(&v)) return *p;
  if (auto p = std::get_if<std::int64_t>(&v)) return static_cast<double>(*p);
  if (auto p = std::get_if<std::string>(&v)) return std::stod(*p);
  return 0;
}

std::string Row::str(std::size_t i) const {
  const Value& v = cols.at(i);
  if (auto p = std::get_if<std::string>(&v)) return *p;
  if (auto p = std::get_if<Blob>(&v)) return p->bytes;
  if (auto p = std::get_if<std::int64_t>(&v)) return std::to_string(*p);
  if (auto p = std::get_if<double>(&v)) return std::to_string(*p);
  return {};
}

std::string redact_url(const std::string& url) {
  std::string out = url;
  // URI form: postgresql://user:password@host/...
  if (const auto scheme = out.find("://"); scheme != std::string::npos) {
    const auto at = out.find('@', scheme + 3);
    const auto colon = out.find(':', scheme + 3);
    if (at != std::string::npos && colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
  }
  // Keyword or query form: password=...
  for (std::size_t pos = 0; (pos = out.find("password=", pos)) != std::string::npos;) {
    pos += 9;
    const auto end = out.find_first_of("& ", pos);
    out.replace(pos, (end == std::string::npos ? out.size() : end) - pos, "***");
  }
  return out;
}

std::unique_ptr<Database> open_postgres(const std::string& url);  // pg_database.cpp

std::unique_ptr<Database> Database::open(const std::string& url) {
  if (url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0) return open_postgres(url);
  std::string path = url.rfind("sqlite:", 0) == 0 ? url.substr(7) : url;
  // Create the database's folder (e.g. ./var) so a first run needs no preparation.
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
  }
  return std::make_unique<SqliteDatabase>(path);
}

}  // namespace trailpack::server::db
