// The physical limit for server ingest: the same rows the server stores for pushed
// statements, inserted by a plain loop into the same table and indexes (the statements
// table of sync/src/db/schema.cpp), in transactions of one batch each, WAL with
// synchronous=FULL (every commit fsynced, as the server's). No HTTP, no JSON parsing, no
// validation, no idempotency checks: only SQLite and the disk.
//
//   bench_raw_insert DB ROWS.jsonl BATCH    -> prints {"rows":N,"seconds":S,"per_second":R}
// ROWS.jsonl holds one JSON array of the 20 column values per line.
#include <sqlite3.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

const char* kSchema = R"sql(
PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
CREATE TABLE statements (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, user_id TEXT, actor_key TEXT NOT NULL,
  verb TEXT NOT NULL, object_id TEXT NOT NULL, object_type TEXT NOT NULL, registration TEXT, course_id TEXT,
  parent_id TEXT, timestamp_ms BIGINT NOT NULL, stored_ms BIGINT NOT NULL, device_id TEXT, client_key TEXT,
  voided INTEGER NOT NULL DEFAULT 0, score_scaled REAL, success INTEGER, completion INTEGER,
  duration_ms BIGINT NOT NULL DEFAULT 0, rescore_flag TEXT, body TEXT NOT NULL);
CREATE INDEX statements_user ON statements(user_id, seq);
CREATE INDEX statements_course ON statements(course_id, user_id);
CREATE INDEX statements_stored ON statements(stored_ms);
CREATE INDEX statements_verb ON statements(verb);
CREATE INDEX statements_object ON statements(object_id);
CREATE INDEX statements_registration ON statements(registration);
CREATE INDEX statements_actor ON statements(actor_key, seq);
)sql";

const char* kInsert =
    "INSERT INTO statements(id, user_id, actor_key, verb, object_id, object_type, registration, course_id, "
    "parent_id, timestamp_ms, stored_ms, device_id, client_key, voided, score_scaled, success, completion, "
    "duration_ms, rescore_flag, body) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20)";

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE) {
    std::cerr << what << ": " << sqlite3_errmsg(db) << "\n";
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: bench_raw_insert DB ROWS.jsonl BATCH\n";
    return 2;
  }
  const int batch = std::stoi(argv[3]);
  std::vector<nlohmann::json> rows;
  std::ifstream in(argv[2]);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));

  sqlite3* db = nullptr;
  check(sqlite3_open(argv[1], &db), db, "open");
  check(sqlite3_exec(db, kSchema, nullptr, nullptr, nullptr), db, "schema");
  sqlite3_stmt* st = nullptr;
  check(sqlite3_prepare_v2(db, kInsert, -1, &st, nullptr), db, "prepare");

  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < rows.size(); i += static_cast<std::size_t>(batch)) {
    check(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), db, "begin");
    for (std::size_t j = i; j < std::min(rows.size(), i + static_cast<std::size_t>(batch)); ++j) {
      const auto& r = rows[j];
      for (int c = 0; c < 20; ++c) {
        const auto& v = r[static_cast<std::size_t>(c)];
        if (v.is_null()) sqlite3_bind_null(st, c + 1);
        else if (v.is_number_integer()) sqlite3_bind_int64(st, c + 1, v.get<std::int64_t>());
        else if (v.is_number()) sqlite3_bind_double(st, c + 1, v.get<double>());
        else {
          const auto& s = v.get_ref<const std::string&>();
          sqlite3_bind_text(st, c + 1, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
        }
      }
      check(sqlite3_step(st), db, "insert");
      sqlite3_reset(st);
    }
    check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  sqlite3_finalize(st);
  sqlite3_close(db);
  std::cout << nlohmann::json{{"rows", rows.size()}, {"seconds", s}, {"per_second", rows.size() / s}}.dump() << "\n";
  return 0;
}
