// PostgreSQL backend on libpqxx 6: a bounded pool of connections shared by every
// request thread. write() is one READ COMMITTED transaction (the repositories take
// advisory locks where commit order matters, e.g. per-learner statement sequences) and is
// retried on serialization failures and deadlocks; read() is a REPEATABLE READ READ ONLY
// transaction, so a request sees one consistent snapshot across its queries.
//
// Parameters travel natively (PQexecParams), never spliced into SQL text: numbers and
// strings in text format, blobs in binary format as bytea. Result columns come back in
// text format and are converted to Value by their type OID.
#include <pqxx/pqxx>

#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <random>
#include <thread>
#include <utility>

#include "db/database.hpp"
#include "db/schema.hpp"

// pqxx::internal::params is the only way libpqxx 6 accepts a run-time list of mixed
// text and binary parameters; its layout changed in libpqxx 7, so pin the major version.
static_assert(PQXX_VERSION_MAJOR == 6, "pg_database.cpp is written against libpqxx 6.x");

namespace trailpack::server::db {
namespace {

// Built-in type OIDs (src/include/catalog/pg_type.dat); fixed across PostgreSQL releases.
constexpr pqxx::oid kOidBool = 16;
constexpr pqxx::oid kOidBytea = 17;
constexpr pqxx::oid kOidInt8 = 20;
constexpr pqxx::oid kOidInt2 = 21;
constexpr pqxx::oid kOidInt4 = 23;
constexpr pqxx::oid kOidFloat4 = 700;
constexpr pqxx::oid kOidFloat8 = 701;
constexpr pqxx::oid kOidNumeric = 1700;

constexpr std::size_t kPoolSize = 8;
constexpr auto kPoolWait = std::chrono::seconds(30);
constexpr int kMaxRetries = 5;

std::string trim_message(std::string msg) {
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return msg;
}

std::string where(const std::string& sql) { return sql.empty() ? std::string() : " in: " + sql.substr(0, 120); }

DbError::Kind kind_of_sqlstate(const std::string& state) {
  if (state.rfind("23", 0) == 0) return DbError::Kind::constraint;
  if (state == "40001" || state == "40P01") return DbError::Kind::serialization;
  if (state == "53100") return DbError::Kind::full;
  if (state.rfind("08", 0) == 0) return DbError::Kind::io;
  return DbError::Kind::other;
}

// Translates the exception in flight into a DbError. libpqxx 6 raises its own classes
// (some without a SQLSTATE, e.g. serialization_failure); the rest of the server only
// knows DbError. Anything that is not from the driver is rethrown unchanged. With `conn`,
// an error after which the session is gone (the server terminated it: 57P01 and the
// like, reported as an ordinary SQL error) counts as a lost connection.
[[noreturn]] void rethrow_as_db_error(const std::string& sql, pqxx::connection_base* conn = nullptr) {
  auto lost = [&] { return conn && !conn->is_open(); };
  try {
    throw;
  } catch (const DbError&) {
    throw;
  } catch (const pqxx::broken_connection& e) {
    throw DbError(DbError::Kind::io, "the connection to PostgreSQL was lost: " + trim_message(e.what()) + where(sql));
  } catch (const pqxx::in_doubt_error& e) {
    throw DbError(DbError::Kind::io,
                  "the connection to PostgreSQL was lost while committing; the transaction may or may not have been applied: " +
                      trim_message(e.what()));
  } catch (const pqxx::serialization_failure& e) {
    throw DbError(DbError::Kind::serialization, trim_message(e.what()) + where(sql));
  } catch (const pqxx::deadlock_detected& e) {
    throw DbError(DbError::Kind::serialization, trim_message(e.what()) + where(sql));
  } catch (const pqxx::sql_error& e) {
    if (lost()) throw DbError(DbError::Kind::io, "the connection to PostgreSQL was lost: " + trim_message(e.what()) + where(sql));
    throw DbError(kind_of_sqlstate(e.sqlstate()), trim_message(e.what()) + where(sql));
  } catch (const pqxx::failure& e) {
    if (lost()) throw DbError(DbError::Kind::io, "the connection to PostgreSQL was lost: " + trim_message(e.what()) + where(sql));
    throw DbError(DbError::Kind::other, trim_message(e.what()) + where(sql));
  } catch (const pqxx::pqxx_exception& e) {  // usage, conversion and range errors
    throw DbError(DbError::Kind::other, trim_message(e.base().what()) + where(sql));
  }
}

// Marshals Values for PQexecParams: NULL, int64 and double as text, strings as text,
// blobs as binary bytea (no hex doubling, embedded NULs kept).
pqxx::internal::params to_pq_params(const Params& in, const std::string& sql) {
  pqxx::internal::params out;
  auto add_text = [&](std::string s) {
    out.lengths.push_back(static_cast<int>(s.size()));
    out.nonnulls.push_back(1);
    out.binaries.push_back(0);
    out.strings.push_back(std::move(s));
  };
  for (std::size_t i = 0; i < in.size(); ++i) {
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::nullptr_t>) {
            out.lengths.push_back(0);
            out.nonnulls.push_back(0);
            out.binaries.push_back(0);
          } else if constexpr (std::is_same_v<T, std::int64_t>) {
            add_text(std::to_string(v));
          } else if constexpr (std::is_same_v<T, double>) {
            if (std::isnan(v)) add_text("NaN");
            else if (std::isinf(v)) add_text(v > 0 ? "Infinity" : "-Infinity");
            else {
              char buf[32];
              const auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest form that reads back exactly
              add_text(std::string(buf, r.ptr));
            }
          } else if constexpr (std::is_same_v<T, std::string>) {
            // Text parameters are NUL-terminated on the wire; PostgreSQL text cannot hold
            // a NUL at all. Refuse instead of silently storing a truncated value.
            if (v.find('\0') != std::string::npos)
              throw DbError(DbError::Kind::other, "parameter $" + std::to_string(i + 1) +
                                                      " contains a NUL byte, which PostgreSQL text cannot store" + where(sql));
            add_text(v);
          } else {
            if (v.bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
              throw DbError(DbError::Kind::other, "parameter $" + std::to_string(i + 1) + " is larger than 2 GiB" + where(sql));
            out.lengths.push_back(static_cast<int>(v.bytes.size()));
            out.nonnulls.push_back(1);
            out.binaries.push_back(1);
            out.bin_strings.emplace_back(v.bytes.data(), v.bytes.size());
          }
        },
        in[i]);
  }
  return out;
}

std::int64_t parse_int(const pqxx::field& f) {
  std::int64_t v = 0;
  const char* s = f.c_str();
  const auto r = std::from_chars(s, s + f.size(), v);
  if (r.ec != std::errc()) throw DbError(DbError::Kind::other, std::string("cannot read integer column ") + f.name() + ": " + s);
  return v;
}

double parse_double(const pqxx::field& f) {
  const std::string s(f.c_str(), f.size());
  if (s == "NaN") return std::nan("");
  if (s == "Infinity") return HUGE_VAL;
  if (s == "-Infinity") return -HUGE_VAL;
  double v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc()) throw DbError(DbError::Kind::other, std::string("cannot read numeric column ") + f.name() + ": " + s);
  return v;
}

Rows to_rows(const pqxx::result& res) {
  Rows rows;
  rows.reserve(res.size());
  const auto ncols = res.columns();
  std::vector<pqxx::oid> types(ncols);
  for (pqxx::row::size_type c = 0; c < ncols; ++c) types[c] = res.column_type(c);
  for (const auto& r : res) {
    Row row;
    row.cols.reserve(ncols);
    for (pqxx::row::size_type c = 0; c < ncols; ++c) {
      const pqxx::field f = r[c];
      if (f.is_null()) {
        row.cols.emplace_back(nullptr);
        continue;
      }
      switch (types[c]) {
        case kOidInt2:
        case kOidInt4:
        case kOidInt8: row.cols.emplace_back(parse_int(f)); break;
        case kOidFloat4:
        case kOidFloat8:
        case kOidNumeric: row.cols.emplace_back(parse_double(f)); break;
        case kOidBool: row.cols.emplace_back(std::int64_t{f.c_str()[0] == 't' ? 1 : 0}); break;
        case kOidBytea: row.cols.emplace_back(Blob{pqxx::binarystring(f).str()}); break;
        default: row.cols.emplace_back(std::string(f.c_str(), f.size()));
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

pqxx::result run(pqxx::transaction_base& tx, const std::string& sql, const Params& params) {
  auto p = to_pq_params(params, sql);
  try {
    // The extended protocol even without parameters: one statement per call, as SQLite's
    // prepare does, so a stray ';' cannot smuggle in a second statement.
    return tx.exec_params(sql, std::as_const(p));
  } catch (...) {
    rethrow_as_db_error(sql, &tx.conn());
  }
}

void run_script(pqxx::transaction_base& tx, const std::string& sql) {
  try {
    tx.exec(sql);  // the simple protocol runs several ';'-separated statements
  } catch (...) {
    rethrow_as_db_error(sql, &tx.conn());
  }
}

// Connection for the repositories: every call runs inside the caller's transaction.
// A lost connection is remembered so the pool discards it.
class PgTxConnection final : public Connection {
 public:
  PgTxConnection(pqxx::transaction_base& tx, bool& broken) : tx_(tx), broken_(broken) {}

  Rows query(const std::string& sql, const Params& params) override { return to_rows(checked(sql, params)); }
  std::int64_t exec(const std::string& sql, const Params& params) override {
    return static_cast<std::int64_t>(checked(sql, params).affected_rows());
  }
  void exec_script(const std::string& sql) override {
    try {
      run_script(tx_, sql);
    } catch (const DbError& e) {
      note(e);
      throw;
    }
  }

 private:
  pqxx::result checked(const std::string& sql, const Params& params) {
    try {
      return run(tx_, sql, params);
    } catch (const DbError& e) {
      note(e);
      throw;
    }
  }
  void note(const DbError& e) {
    if (e.kind == DbError::Kind::io) broken_ = true;
  }

  pqxx::transaction_base& tx_;
  bool& broken_;
};

// Connection without a surrounding transaction: each call is its own statement (or its
// own explicit BEGIN/COMMIT, as migrate() issues). Used only for migrations.
class PgDirectConnection final : public Connection {
 public:
  explicit PgDirectConnection(pqxx::connection& c) : c_(c) {}

  Rows query(const std::string& sql, const Params& params) override {
    pqxx::nontransaction tx(c_);
    return to_rows(run(tx, sql, params));
  }
  std::int64_t exec(const std::string& sql, const Params& params) override {
    pqxx::nontransaction tx(c_);
    return static_cast<std::int64_t>(run(tx, sql, params).affected_rows());
  }
  void exec_script(const std::string& sql) override {
    pqxx::nontransaction tx(c_);
    run_script(tx, sql);
  }

 private:
  pqxx::connection& c_;
};

// A bounded set of connections, opened on demand. Threads beyond the bound wait for a
// free connection (up to kPoolWait) instead of overloading the server with sessions.
class Pool {
 public:
  explicit Pool(std::string url) : url_(std::move(url)) {}

  /// A connection checked out of the pool; returned (or discarded when broken) on destruction.
  class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<pqxx::connection> c) : pool_(pool), conn_(std::move(c)) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { pool_.give_back(std::move(conn_), broken); }
    pqxx::connection& operator*() { return *conn_; }
    bool broken = false;  ///< set when the connection was lost: it is closed, not reused

   private:
    Pool& pool_;
    std::unique_ptr<pqxx::connection> conn_;
  };

  Lease acquire() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!cv_.wait_for(lock, kPoolWait, [&] { return !idle_.empty() || open_ < kPoolSize; }))
      throw DbError(DbError::Kind::busy, "all " + std::to_string(kPoolSize) + " PostgreSQL connections stayed busy for " +
                                             std::to_string(kPoolWait.count()) + " s");
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(c));
    }
    ++open_;  // reserve the slot, then connect without holding the lock
    lock.unlock();
    try {
      return Lease(*this, connect());
    } catch (...) {
      lock.lock();
      --open_;
      cv_.notify_one();
      throw;
    }
  }

  /// A new session with Trailpack's settings; also used for the migration connection.
  std::unique_ptr<pqxx::connection> connect() {
    std::unique_ptr<pqxx::connection> c;
    try {
      c = std::make_unique<pqxx::connection>(url_);
      // NOTICEs (e.g. "relation already exists, skipping") would go to stderr through
      // libpqxx's default handler; set_variable also restores these after a reconnect.
      c->set_variable("client_min_messages", "warning");
      c->set_variable("application_name", "'trailpack'");
    } catch (const pqxx::pqxx_exception& e) {
      throw DbError(DbError::Kind::io, "cannot connect to PostgreSQL at " + redact_url(url_) + ": " + trim_message(e.base().what()));
    }
    return c;
  }

 private:
  void give_back(std::unique_ptr<pqxx::connection> c, bool broken) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (broken || !c || !c->is_open()) {
      --open_;
      c.reset();
      // Usually the server restarted or an administrator ended the sessions: the idle
      // connections are as dead as this one, and a retry should not walk through them.
      open_ -= idle_.size();
      idle_.clear();
    } else {
      idle_.push_back(std::move(c));
    }
    cv_.notify_one();
  }

  std::string url_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  std::size_t open_ = 0;  ///< idle + checked out
};

void backoff(int attempt) {
  // Jitter, so that two transactions that just collided do not collide again in step.
  thread_local std::minstd_rand rng{std::random_device{}()};
  const int base = 10 * (1 << attempt);
  std::this_thread::sleep_for(std::chrono::milliseconds(base + static_cast<int>(rng() % static_cast<unsigned>(base))));
}

class PgDatabase final : public Database {
 public:
  explicit PgDatabase(const std::string& url) : pool_(url) {
    // migrate() issues its own BEGIN/COMMIT per migration, so it gets a connection of its
    // own outside any pqxx transaction; closed once the schema is current.
    auto c = pool_.connect();
    PgDirectConnection direct(*c);
    migrate(direct, Dialect::postgres);
  }

  Dialect dialect() const override { return Dialect::postgres; }

  void write(const std::function<void(Connection&)>& fn) override {
    for (int attempt = 0;; ++attempt) {
      {
        Pool::Lease lease = pool_.acquire();
        bool committing = false;
        try {
          try {
            pqxx::work tx(*lease);  // READ COMMITTED
            PgTxConnection c(tx, lease.broken);
            fn(c);
            committing = true;
            tx.commit();
            return;
          } catch (...) {
            rethrow_as_db_error({}, &*lease);
          }
        } catch (const DbError& e) {
          if (e.kind == DbError::Kind::io) lease.broken = true;
          // Serialization failures and deadlocks roll the whole transaction back: run it
          // again. A connection lost before COMMIT was sent never committed anything
          // either (fn is documented as safe to run again); one lost during COMMIT is in
          // doubt and reported, never retried.
          const bool retry = e.kind == DbError::Kind::serialization || (lease.broken && !committing);
          if (!retry || attempt >= kMaxRetries) throw;
        }
      }  // the lease goes back to the pool before waiting
      backoff(attempt);
    }
  }

  void read(const std::function<void(Connection&)>& fn) override {
    for (int attempt = 0;; ++attempt) {
      Pool::Lease lease = pool_.acquire();
      bool started = false;
      try {
        try {
          pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(*lease);
          PgTxConnection c(tx, lease.broken);
          started = true;
          fn(c);
          tx.commit();
          return;
        } catch (...) {
          rethrow_as_db_error({}, &*lease);
        }
      } catch (const DbError& e) {
        if (e.kind == DbError::Kind::io) lease.broken = true;
        // Readers fill their results as they go, so only a failure before fn ran (a
        // pooled connection the server has closed meanwhile) is retried, at once.
        if (!lease.broken || started || attempt >= kMaxRetries) throw;
      }
    }
  }

  std::string health() override {
    std::string out = "no answer";
    read([&](Connection& c) {
      auto rows = c.query("SELECT 1");
      if (!rows.empty() && rows[0].i64(0) == 1) out = "ok";
    });
    return out;
  }

 private:
  Pool pool_;
};

}  // namespace

std::unique_ptr<Database> open_postgres(const std::string& url) { return std::make_unique<PgDatabase>(url); }

}  // namespace trailpack::server::db
