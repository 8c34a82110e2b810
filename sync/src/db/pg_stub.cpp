// Built when TRAILPACK_WITH_POSTGRES is OFF: PostgreSQL URLs get a clear error.
#include "db/database.hpp"

namespace trailpack::server::db {

std::unique_ptr<Database> open_postgres(const std::string&) {
  throw DbError(DbError::Kind::other, "this build has no PostgreSQL support (configure with -DTRAILPACK_WITH_POSTGRES=ON)");
}

}  // namespace trailpack::server::db
