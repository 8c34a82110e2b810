// Fresh PostgreSQL databases for tests. When TRAILPACK_TEST_PG_ADMIN_URL names a cluster
// (scripts/with-postgres sets it), each ScratchPgDatabase is a new empty database on it,
// dropped again on destruction, so tests never see each other's data.
#pragma once

#include <string>

namespace trailpack::test {

/// TRAILPACK_TEST_PG_ADMIN_URL, or "" when the tests run on SQLite only.
std::string pg_admin_url();

/// A database `tp_<random>` created on the admin URL's cluster; dropped on destruction
/// (forcibly: connections still open are closed by the server).
class ScratchPgDatabase {
 public:
  /// Throws std::runtime_error when the database cannot be created.
  explicit ScratchPgDatabase(const std::string& admin_url);
  ~ScratchPgDatabase();
  ScratchPgDatabase(const ScratchPgDatabase&) = delete;
  ScratchPgDatabase& operator=(const ScratchPgDatabase&) = delete;

  const std::string& name() const { return name_; }
  /// postgresql://... URL of the new database (the admin URL with its database replaced).
  const std::string& url() const { return url_; }

 private:
  std::string admin_url_;
  std::string name_;
  std::string url_;
};

}  // namespace trailpack::test
