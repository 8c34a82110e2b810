#include "trailpack/player/store.hpp"

#include <sqlite3.h>

namespace trailpack::player {

using nlohmann::json;

namespace {

// A prepared statement that finalizes itself.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  Stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  int step() { return sqlite3_step(s_); }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  std::string text(int col) const {
    const unsigned char* t = sqlite3_column_text(s_, col);
    return t ? std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_column_bytes(s_, col)))
             : std::string();
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }
  std::string error() const { return sqlite3_errmsg(db_); }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
  int rc_;
};

Error db_error(sqlite3* db, const std::string& what) {
  const int code = sqlite3_extended_errcode(db);
  const bool full = (code & 0xFF) == SQLITE_FULL;
  return make_error(full ? "storage_full" : "storage_error", what + ": " + sqlite3_errmsg(db));
}

constexpr int kSchemaVersion = 1;

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const StoreOptions& o) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(o.path.c_str(), &db, flags, o.vfs.empty() ? nullptr : o.vfs.c_str());
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return make_error("storage_error", "cannot open the local database " + o.path + ": " + msg);
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 2000);
  std::unique_ptr<Store> store(new Store(db));
  if (o.exclusive_locking) {
    if (auto s = store->exec("PRAGMA locking_mode=EXCLUSIVE"); !s) return s.error();
  }
  if (auto s = store->exec("PRAGMA journal_mode=" + o.journal_mode); !s) return s.error();
  if (auto s = store->exec("PRAGMA synchronous=" + o.synchronous); !s) return s.error();
  if (auto s = store->exec("PRAGMA foreign_keys=ON"); !s) return s.error();
  if (auto s = store->migrate(); !s) return s.error();
  return store;
}

Store::~Store() { sqlite3_close(db_); }

Status Store::exec(const std::string& sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    const int code = sqlite3_extended_errcode(db_);
    return make_error((code & 0xFF) == SQLITE_FULL ? "storage_full" : "storage_error", msg + " (in: " + sql.substr(0, 60) + ")");
  }
  return ok_status();
}

Status Store::migrate() {
  Stmt v(db_, "PRAGMA user_version");
  if (!v.ok() || v.step() != SQLITE_ROW) return db_error(db_, "reading the schema version");
  const auto version = v.integer(0);
  if (version > kSchemaVersion)
    return make_error("storage_error", "the local database was written by a newer version of Trailpack (schema " +
                                           std::to_string(version) + ")");
  if (version == kSchemaVersion) return ok_status();
  return exec(R"sql(
    BEGIN IMMEDIATE;
    CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS courses (
      id TEXT PRIMARY KEY, version INTEGER NOT NULL, body TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS statements (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      course_id TEXT NOT NULL,
      body TEXT NOT NULL,
      synced INTEGER NOT NULL DEFAULT 0);
    CREATE INDEX IF NOT EXISTS statements_course ON statements(course_id);
    CREATE INDEX IF NOT EXISTS statements_unsynced ON statements(synced) WHERE synced = 0;
    PRAGMA user_version = 1;
    COMMIT;
  )sql");
}

std::optional<std::string> Store::get(const std::string& key) const {
  Stmt s(db_, "SELECT value FROM settings WHERE key = ?");
  s.bind(1, key);
  if (s.step() == SQLITE_ROW) return s.text(0);
  return std::nullopt;
}

Status Store::put(const std::string& key, const std::string& value) {
  Stmt s(db_, "INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  s.bind(1, key).bind(2, value);
  if (s.step() != SQLITE_DONE) return db_error(db_, "saving a setting");
  return ok_status();
}

Status Store::put_course(const std::string& id, std::int64_t version, const std::string& course_json) {
  Stmt s(db_,
         "INSERT INTO courses(id, version, body) VALUES(?, ?, ?) "
         "ON CONFLICT(id) DO UPDATE SET version = excluded.version, body = excluded.body");
  s.bind(1, id).bind(2, version).bind(3, course_json);
  if (s.step() != SQLITE_DONE) return db_error(db_, "saving the course");
  return ok_status();
}

std::optional<std::string> Store::course_json(const std::string& id) const {
  Stmt s(db_, "SELECT body FROM courses WHERE id = ?");
  s.bind(1, id);
  if (s.step() == SQLITE_ROW) return s.text(0);
  return std::nullopt;
}

std::vector<std::pair<std::string, std::int64_t>> Store::course_ids() const {
  std::vector<std::pair<std::string, std::int64_t>> out;
  Stmt s(db_, "SELECT id, version FROM courses ORDER BY id");
  while (s.step() == SQLITE_ROW) out.emplace_back(s.text(0), s.integer(1));
  return out;
}

Result<int> Store::append(const std::vector<StoredStatement>& statements) {
  if (auto s = exec("BEGIN IMMEDIATE"); !s) return s.error();
  int added = 0;
  {
    Stmt ins(db_, "INSERT INTO statements(id, course_id, body, synced) VALUES(?, ?, ?, ?) ON CONFLICT(id) DO NOTHING");
    for (const auto& st : statements) {
      ins.bind(1, st.id).bind(2, st.course_id).bind(3, st.body.dump()).bind(4, std::int64_t{st.synced ? 1 : 0});
      if (ins.step() != SQLITE_DONE) {
        Error e = db_error(db_, "saving the answer");
        ins.reset();
        (void)exec("ROLLBACK");
        return e;
      }
      added += sqlite3_changes(db_);
      ins.reset();
    }
  }
  if (auto s = exec("COMMIT"); !s) {
    (void)exec("ROLLBACK");
    return s.error();
  }
  return added;
}

std::vector<StoredStatement> Store::statements_for_course(const std::string& course_id) const {
  std::vector<StoredStatement> out;
  Stmt s(db_, "SELECT seq, id, course_id, body, synced FROM statements WHERE course_id = ? ORDER BY seq");
  s.bind(1, course_id);
  while (s.step() == SQLITE_ROW)
    out.push_back({s.integer(0), s.text(1), s.text(2), json::parse(s.text(3), nullptr, false), s.integer(4) != 0});
  return out;
}

std::vector<StoredStatement> Store::unsynced(std::size_t limit) const {
  std::vector<StoredStatement> out;
  Stmt s(db_, "SELECT seq, id, course_id, body FROM statements WHERE synced = 0 ORDER BY seq LIMIT ?");
  s.bind(1, static_cast<std::int64_t>(limit));
  while (s.step() == SQLITE_ROW)
    out.push_back({s.integer(0), s.text(1), s.text(2), json::parse(s.text(3), nullptr, false), false});
  return out;
}

Status Store::mark_synced(const std::vector<std::string>& ids) {
  if (auto s = exec("BEGIN IMMEDIATE"); !s) return s;
  {
    Stmt up(db_, "UPDATE statements SET synced = 1 WHERE id = ?");
    for (const auto& id : ids) {
      up.bind(1, id);
      if (up.step() != SQLITE_DONE) {
        Error e = db_error(db_, "marking statements as synced");
        up.reset();
        (void)exec("ROLLBACK");
        return e;
      }
      up.reset();
    }
  }
  return exec("COMMIT");
}

StoreCounts Store::counts() const {
  Stmt s(db_, "SELECT count(*), coalesce(sum(synced = 0), 0) FROM statements");
  StoreCounts c;
  if (s.step() == SQLITE_ROW) {
    c.statements = s.integer(0);
    c.unsynced = s.integer(1);
  }
  return c;
}

bool Store::has_statement(const std::string& id) const {
  Stmt s(db_, "SELECT 1 FROM statements WHERE id = ?");
  s.bind(1, id);
  return s.step() == SQLITE_ROW;
}

std::optional<std::string> Store::course_of(const std::string& id) const {
  Stmt s(db_, "SELECT course_id FROM statements WHERE id = ?");
  s.bind(1, id);
  if (s.step() == SQLITE_ROW) return s.text(0);
  return std::nullopt;
}

std::string Store::integrity_check() const {
  Stmt s(db_, "PRAGMA integrity_check");
  std::string out;
  while (s.step() == SQLITE_ROW) out += (out.empty() ? "" : "\n") + s.text(0);
  return out;
}

std::int64_t Store::size_bytes() const {
  Stmt a(db_, "PRAGMA page_count");
  Stmt b(db_, "PRAGMA page_size");
  if (a.step() != SQLITE_ROW || b.step() != SQLITE_ROW) return 0;
  return a.integer(0) * b.integer(0);
}

}  // namespace trailpack::player
