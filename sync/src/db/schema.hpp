// Versioned schema migrations, the same list for both dialects (small DDL differences
// are substituted). Applied in order at open; each migration is one transaction.
#pragma once

#include "db/database.hpp"

namespace trailpack::server::db {

/// Applies every migration newer than the database's; throws DbError on failure.
void migrate(Connection& c, Dialect dialect);

/// The schema version this build writes.
int schema_version();

}  // namespace trailpack::server::db
