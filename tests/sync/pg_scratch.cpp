#include "pg_scratch.hpp"

#include <cstdlib>
#include <cstdio>
#include <random>
#include <stdexcept>

#if TRAILPACK_WITH_POSTGRES
#include <pqxx/pqxx>
#endif

namespace trailpack::test {

std::string pg_admin_url() {
  const char* url = std::getenv("TRAILPACK_TEST_PG_ADMIN_URL");
  return url ? url : "";
}

#if TRAILPACK_WITH_POSTGRES
namespace {

// The same URL with another database: postgresql://user:pass@host:port/DB?options
std::string with_database(const std::string& url, const std::string& db) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos)
    throw std::runtime_error("TRAILPACK_TEST_PG_ADMIN_URL must be a postgresql:// URL, not " + url);
  const auto query = url.find('?', scheme + 3);
  const auto slash = url.find('/', scheme + 3);
  const std::string rest = query == std::string::npos ? std::string() : url.substr(query);
  const std::string base = url.substr(0, slash != std::string::npos && slash < query ? slash : query);
  return base + "/" + db + rest;
}

void admin_exec(const std::string& admin_url, const std::string& sql) {
  pqxx::connection c(admin_url);
  c.set_variable("client_min_messages", "warning");  // no "does not exist, skipping" on stderr
  pqxx::nontransaction tx(c);  // CREATE/DROP DATABASE cannot run inside a transaction
  tx.exec(sql);
}

}  // namespace
#endif

ScratchPgDatabase::ScratchPgDatabase(const std::string& admin_url) : admin_url_(admin_url) {
#if TRAILPACK_WITH_POSTGRES
  std::random_device rd;
  char suffix[17];
  std::snprintf(suffix, sizeof suffix, "%08x%08x", rd(), rd());
  name_ = std::string("tp_") + suffix;
  url_ = with_database(admin_url_, name_);
  try {
    // template0 with C collation: the same byte-order sorting as SQLite, whatever the
    // cluster's default locale is.
    admin_exec(admin_url_, "CREATE DATABASE " + name_ + " TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'");
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot create test database " + name_ + " (TRAILPACK_TEST_PG_ADMIN_URL): " + e.what());
  }
#else
  throw std::runtime_error("TRAILPACK_TEST_PG_ADMIN_URL is set but this build has no PostgreSQL support "
                           "(configure with -DTRAILPACK_WITH_POSTGRES=ON)");
#endif
}

ScratchPgDatabase::~ScratchPgDatabase() {
#if TRAILPACK_WITH_POSTGRES
  try {
    admin_exec(admin_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception& e) {
    // A destructor must not throw; a leftover database only costs disk in a throwaway cluster.
    std::fprintf(stderr, "warning: could not drop test database %s: %s\n", name_.c_str(), e.what());
  }
#endif
}

}  // namespace trailpack::test
