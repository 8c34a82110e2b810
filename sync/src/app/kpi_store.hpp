// The KPI summary tables (docs/kpis.md#storage): facts per (learner, course) from the
// shared projection (kpi::facts_of), and per-day activity and sync-lag counters. They are
// kept exact by the statement-storage transaction (App::store_statements calls apply()
// with what it inserted and voided), refreshed for a whole course when a new version is
// published, and rebuilt from the statements on demand or after the migration that
// creates them. Dashboards read only these tables (and devices, users, statements for
// flags), never re-project statements per request.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "db/database.hpp"
#include "trailpack/bundle/course.hpp"
#include "trailpack/time.hpp"

namespace trailpack::server {

class App;

/// Parsed published courses by (id, version): parsing a course per pushed batch would
/// cost more than the rest of the KPI upkeep.
class KpiCourseCache {
 public:
  std::shared_ptr<const bundle::Course> get(const std::string& id, std::int64_t version);
  void put(const std::string& id, std::int64_t version, std::shared_ptr<const bundle::Course> course);

 private:
  std::mutex mutex_;
  std::map<std::pair<std::string, std::int64_t>, std::shared_ptr<const bundle::Course>> courses_;
};

namespace kpi_store {

/// A statement one storage transaction inserted.
struct Inserted {
  std::string user_id;    ///< "" when the actor is no user of this server
  std::string course_id;  ///< "" outside any Trailpack course
  std::string verb;
  TimeMs timestamp = 0;
  TimeMs stored = 0;
  bool voided = false;       ///< stored already voided (its voiding statement came first)
  bool from_device = false;  ///< pushed by a device (counts for sync lag)
};

/// A stored statement the transaction voided (it was not voided before).
struct Voided {
  std::string user_id;
  std::string course_id;
  std::string verb;
  TimeMs timestamp = 0;
};

struct Change {
  std::vector<Inserted> inserted;
  std::vector<Voided> voided;
};

/// Brings the KPI tables up to date with `change`, inside the caller's write transaction
/// (the caller holds the per-learner writer locks).
void apply(App& app, db::Connection& c, const Change& change);

/// Recomputes one learner's facts in one course from their stored statements.
void refresh_pair(App& app, db::Connection& c, const std::string& user_id, const std::string& course_id);

/// SQL for the UTC day number of a BIGINT millisecond column (floor, on both dialects).
std::string day_sql(const std::string& column);

}  // namespace kpi_store
}  // namespace trailpack::server
