// What a stolen copy of the server's database gives away: no credential anyone could use.
// Every kind of secret the server hands out or is given (passwords, console sessions,
// device access and refresh tokens, old and rotated, enrollment codes used and unused, xAPI
// client secrets) is created through the real server; then every table is read back, cell
// by cell, and none of them may appear. On SQLite the database file and its WAL are also
// searched byte by byte, so a secret written anywhere (a free page, an index) is found.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "test_helpers.hpp"

using namespace trailpack::test;
using nlohmann::json;
namespace db = trailpack::server::db;

namespace {

std::string file_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("security: a copy of the server's database holds no usable credential", "[sync][security]") {
  TestServer srv;
  std::set<std::string> secrets = {"admin-pass-1", "manager-pass-9"};

  const std::string session = srv.admin_token();
  secrets.insert(session);
  add_staff(srv, "m@example.com", "manager", "manager-pass-9");
  secrets.insert(login(srv, "m@example.com", "manager-pass-9"));

  Device d = srv.enroll_learner("lea@example.com", "Lea");
  secrets.insert(d.access_token);
  secrets.insert(d.refresh_token);
  // A rotation: the used refresh token and the new pair.
  const auto rotated = srv.post("/api/v1/auth/refresh", json{{"refresh_token", d.refresh_token}}.dump());
  REQUIRE(rotated.status == 200);
  secrets.insert(body_json(rotated)["access_token"].get<std::string>());
  secrets.insert(body_json(rotated)["refresh_token"].get<std::string>());

  // An enrollment code handed out and not used yet, over HTTP as the console does.
  const auto code = srv.post("/api/v1/admin/users/" + d.user_id + "/enrollment-codes", "{}", TestServer::bearer(session));
  REQUIRE(code.status == 201);
  secrets.insert(body_json(code)["code"].get<std::string>());

  const auto client = srv.app().create_xapi_client("reporting", {"all/read"});
  secrets.insert(client.second);
  // The secret works (so it is a real one), as HTTP Basic with the client's key.
  REQUIRE(srv.get("/xapi/statements?limit=1", {{"x-experience-api-version", "1.0.3"},
                                               {"authorization", basic_auth(client.first, client.second)}})
              .status == 200);
  for (const auto& s : secrets) REQUIRE(s.size() >= 12);

  // Every cell of every table.
  std::size_t tables = 0, cells = 0;
  std::string password_hashes;
  srv.app().db().read([&](db::Connection& c) {
    const bool pg = srv.app().db().dialect() == db::Dialect::postgres;
    const auto names = c.query(pg ? "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                                    "AND table_type = 'BASE TABLE'"
                                  : "SELECT name FROM sqlite_master WHERE type = 'table'");
    for (const auto& n : names) {
      const std::string table = n.str(0);
      ++tables;
      for (const auto& row : c.query("SELECT * FROM " + table)) {
        for (std::size_t i = 0; i < row.cols.size(); ++i) {
          if (row.is_null(i) || std::holds_alternative<std::int64_t>(row.cols[i]) || std::holds_alternative<double>(row.cols[i]))
            continue;
          const std::string cell = row.str(i);
          ++cells;
          for (const auto& s : secrets) {
            INFO("table " << table << ", column " << i << " holds a secret in the clear: " << s.substr(0, 4) << "...");
            CHECK(cell.find(s) == std::string::npos);
          }
        }
      }
    }
    for (const auto& r : c.query("SELECT password_hash FROM users WHERE password_hash IS NOT NULL")) {
      INFO("a stored password is not an Argon2id hash: " << r.str(0).substr(0, 10));
      CHECK(r.str(0).rfind("$argon2id$", 0) == 0);
      password_hashes += r.str(0);
    }
  });
  CHECK(tables >= 30);
  CHECK(password_hashes.find("$argon2id$") != std::string::npos);

  // On SQLite, the files themselves, byte by byte (pages, free pages, the WAL).
  std::size_t bytes = 0;
  if (srv.app().db().dialect() == db::Dialect::sqlite) {
    for (const char* name : {"server.db", "server.db-wal"}) {
      const auto path = srv.dir() / name;
      if (!std::filesystem::exists(path)) continue;
      const std::string content = file_bytes(path);
      bytes += content.size();
      for (const auto& s : secrets) {
        INFO(name << " holds a secret in the clear: " << s.substr(0, 4) << "...");
        CHECK(content.find(s) == std::string::npos);
      }
    }
    CHECK(bytes > 0);
  }
  WARN("credentials at rest: " << secrets.size() << " secrets absent from " << cells << " cells of " << tables
                               << " tables and " << bytes << " bytes of database files");
}
