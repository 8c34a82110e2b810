#include "app/assignments.hpp"

#include <algorithm>

#include "app/directory.hpp"
#include "crypto.hpp"
#include "trailpack/progress/projection.hpp"
#include "trailpack/time.hpp"

namespace trailpack::server::assignments {

using nlohmann::json;

namespace {

std::optional<std::int64_t> opt_i64(const db::Row& r, std::size_t i) {
  if (r.is_null(i)) return std::nullopt;
  return r.i64(i);
}

db::Value nullable(const std::optional<std::int64_t>& v) { return v ? db::Value(*v) : db::Value(nullptr); }

constexpr const char* kRowColumns =
    "id, assignment_id, user_id, course_id, cycle, assigned_at_ms, due_at_ms, completed_at_ms, ended_ms, mandatory, "
    "path_id, path_position";

LearnerAssignment row_from(const db::Row& r) {
  LearnerAssignment a;
  a.id = r.str(0);
  a.assignment_id = r.str(1);
  a.user_id = r.str(2);
  a.course_id = r.str(3);
  a.cycle = static_cast<int>(r.i64(4));
  a.assigned_at = r.i64(5);
  a.due_at = opt_i64(r, 6);
  a.completed_at = opt_i64(r, 7);
  a.ended_at = opt_i64(r, 8);
  a.mandatory = r.i64(9) != 0;
  a.path_id = r.str(10);
  a.path_position = r.is_null(11) ? 0 : static_cast<int>(r.i64(11));
  return a;
}

// What an assignment says, as stored.
struct Definition {
  std::string id;
  std::string target_type;
  std::string target_id;
  std::string course_id;
  std::string path_id;
  std::optional<std::int64_t> due_at;
  std::optional<std::int64_t> due_days;
  std::optional<std::int64_t> recur_months;
  std::int64_t created_ms = 0;
};

constexpr const char* kDefinitionColumns =
    "id, target_type, target_id, course_id, path_id, due_at_ms, due_days, recur_months, created_ms";

Definition definition_from(const db::Row& r) {
  Definition d;
  d.id = r.str(0);
  d.target_type = r.str(1);
  d.target_id = r.str(2);
  d.course_id = r.str(3);
  d.path_id = r.str(4);
  d.due_at = opt_i64(r, 5);
  d.due_days = opt_i64(r, 6);
  d.recur_months = opt_i64(r, 7);
  d.created_ms = r.i64(8);
  return d;
}

// The due date of a cycle opening at `opened`. Optional path courses have none. A later
// cycle of an assignment with a fixed date keeps the first cycle's window.
std::optional<std::int64_t> due_for(const Definition& d, int cycle, std::int64_t opened, bool mandatory) {
  if (!mandatory) return std::nullopt;
  if (d.due_days) return opened + *d.due_days * kDayMs;
  if (d.due_at) return cycle == 1 ? *d.due_at : opened + std::max<std::int64_t>(0, *d.due_at - d.created_ms);
  return std::nullopt;
}

struct PathCourse {
  std::string course_id;
  bool mandatory = true;
  int position = 0;
};

std::vector<PathCourse> courses_of(db::Connection& c, const Definition& d) {
  if (!d.course_id.empty()) return {{d.course_id, true, 0}};
  std::vector<PathCourse> out;
  for (const auto& r : c.query("SELECT course_id, mandatory, position FROM learning_path_courses WHERE path_id = $1 ORDER BY position",
                               {d.path_id}))
    out.push_back({r.str(0), r.i64(1) != 0, static_cast<int>(r.i64(2))});
  return out;
}

void insert_row(db::Connection& c, const Definition& d, const std::string& user_id, const PathCourse& pc, int cycle,
                std::int64_t opened) {
  c.exec("INSERT INTO learner_assignments(id, assignment_id, user_id, course_id, cycle, assigned_at_ms, due_at_ms, mandatory, "
         "path_id, path_position) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) "
         "ON CONFLICT (assignment_id, user_id, course_id, cycle) DO NOTHING",
         {"la-" + crypto::random_code(12), d.id, user_id, pc.course_id, std::int64_t{cycle}, opened,
          nullable(due_for(d, cycle, opened, pc.mandatory)), std::int64_t{pc.mandatory ? 1 : 0},
          d.path_id.empty() ? db::Value(nullptr) : db::Value(d.path_id),
          d.path_id.empty() ? db::Value(nullptr) : db::Value(std::int64_t{pc.position})});
}

}  // namespace

std::string status_of(const LearnerAssignment& a, std::int64_t now) {
  if (a.ended_at) return "ended";
  if (a.completed_at) return "completed";
  if (a.assigned_at > now) return "upcoming";
  if (a.due_at && now > *a.due_at) return "overdue";
  return "assigned";
}

std::vector<LearnerAssignment> learner_rows(db::Connection& c, const std::string& user_id) {
  std::vector<LearnerAssignment> out;
  for (const auto& r : c.query(std::string("SELECT ") + kRowColumns +
                                   " FROM learner_assignments WHERE user_id = $1 ORDER BY course_id, assignment_id, cycle",
                               {user_id}))
    out.push_back(row_from(r));
  return out;
}

std::vector<LearnerAssignment> assignment_rows(db::Connection& c, const std::string& assignment_id) {
  std::vector<LearnerAssignment> out;
  for (const auto& r : c.query(std::string("SELECT ") + kRowColumns +
                                   " FROM learner_assignments WHERE assignment_id = $1 ORDER BY user_id, path_position, course_id, cycle",
                               {assignment_id}))
    out.push_back(row_from(r));
  return out;
}

std::vector<Current> current_rows(const std::vector<LearnerAssignment>& rows, std::int64_t now) {
  std::map<std::tuple<std::string, std::string, std::string>, Current> by_key;
  std::vector<std::tuple<std::string, std::string, std::string>> order;
  for (const auto& r : rows) {
    if (r.ended_at) continue;
    const auto key = std::make_tuple(r.user_id, r.assignment_id, r.course_id);
    if (r.assigned_at > now) {
      auto it = by_key.find(key);
      if (it == by_key.end()) {
        // A later cycle with no open one before it: remember it until the open one shows.
        Current cur;
        cur.row.cycle = 0;
        cur.next_cycle_at = r.assigned_at;
        by_key.emplace(key, cur);
        order.push_back(key);
      } else if (!it->second.next_cycle_at || r.assigned_at < *it->second.next_cycle_at) {
        it->second.next_cycle_at = r.assigned_at;
      }
      continue;
    }
    auto it = by_key.find(key);
    if (it == by_key.end()) {
      by_key.emplace(key, Current{r, std::nullopt});
      order.push_back(key);
    } else if (it->second.row.cycle < r.cycle) {
      it->second.row = r;
    }
  }
  std::vector<Current> out;
  for (const auto& key : order)
    if (by_key[key].row.cycle > 0) out.push_back(by_key[key]);
  return out;
}

ReconcileReport reconcile(db::Connection& c, const std::string& org_id, std::int64_t now, const std::set<std::string>& only) {
  ReconcileReport report;
  std::vector<Definition> defs;
  for (const auto& r : c.query(std::string("SELECT ") + kDefinitionColumns +
                                   " FROM assignments WHERE org_id = $1 AND ended_ms IS NULL ORDER BY created_ms",
                               {org_id})) {
    Definition d = definition_from(r);
    if (only.empty() || only.count(d.id)) defs.push_back(std::move(d));
  }
  if (defs.empty()) return report;
  const directory::GroupTree tree = directory::load_groups(c, org_id);
  std::map<std::string, std::set<std::string>> group_cache;
  for (const auto& d : defs) {
    std::set<std::string> learners;
    if (d.target_type == "group") {
      auto it = group_cache.find(d.target_id);
      if (it == group_cache.end()) it = group_cache.emplace(d.target_id, directory::group_learners(c, tree, d.target_id)).first;
      learners = it->second;
    } else {
      auto u = c.query("SELECT 1 FROM users WHERE id = $1 AND org_id = $2 AND role = 'learner'", {d.target_id, org_id});
      if (!u.empty()) learners.insert(d.target_id);
    }
    const auto courses = courses_of(c, d);
    std::map<std::string, PathCourse> course_by_id;
    for (const auto& pc : courses) course_by_id[pc.course_id] = pc;

    // Existing rows by (learner, course): the latest cycle and whether any row is open.
    struct Existing {
      LearnerAssignment latest;
      bool open = false;
    };
    std::map<std::pair<std::string, std::string>, Existing> existing;
    for (auto& r : assignment_rows(c, d.id)) {
      auto& e = existing[{r.user_id, r.course_id}];
      if (!r.ended_at) e.open = true;
      if (e.latest.id.empty() || r.cycle > e.latest.cycle) e.latest = r;
    }
    for (const auto& user : learners)
      for (const auto& pc : courses) {
        auto it = existing.find({user, pc.course_id});
        if (it == existing.end()) {
          insert_row(c, d, user, pc, 1, now);
          ++report.added;
          continue;
        }
        const auto& latest = it->second.latest;
        if (!it->second.open) {
          c.exec("UPDATE learner_assignments SET ended_ms = NULL WHERE id = $1", {latest.id});
          ++report.reopened;
        }
        if (latest.mandatory != pc.mandatory || latest.path_position != pc.position)
          c.exec("UPDATE learner_assignments SET mandatory = $1, path_position = $2, due_at_ms = $3 WHERE id = $4",
                 {std::int64_t{pc.mandatory ? 1 : 0},
                  d.path_id.empty() ? db::Value(nullptr) : db::Value(std::int64_t{pc.position}),
                  nullable(due_for(d, latest.cycle, latest.assigned_at, pc.mandatory)), latest.id});
      }
    for (const auto& [key, e] : existing) {
      if (!e.open) continue;
      if (learners.count(key.first) && course_by_id.count(key.second)) continue;
      report.ended += static_cast<int>(
          c.exec("UPDATE learner_assignments SET ended_ms = $1 WHERE assignment_id = $2 AND user_id = $3 AND course_id = $4 "
                 "AND ended_ms IS NULL",
                 {now, d.id, key.first, key.second}));
    }
  }
  return report;
}

namespace {

struct Round {
  int completed = 0;
  int opened = 0;  ///< recertification cycles opened (which may already be complete)
};

Round refresh_round(App& app, const std::string& user_id, std::int64_t now) {
  struct Open {
    LearnerAssignment row;
    Definition def;
  };
  std::vector<Open> open;
  app.db().read([&](db::Connection& c) {
    for (const auto& r : c.query(
             "SELECT la.id, la.assignment_id, la.user_id, la.course_id, la.cycle, la.assigned_at_ms, la.due_at_ms, "
             "la.completed_at_ms, la.ended_ms, la.mandatory, la.path_id, la.path_position, "
             "a.id, a.target_type, a.target_id, a.course_id, a.path_id, a.due_at_ms, a.due_days, a.recur_months, a.created_ms "
             "FROM learner_assignments la JOIN assignments a ON a.id = la.assignment_id "
             "WHERE la.user_id = $1 AND la.completed_at_ms IS NULL AND la.ended_ms IS NULL AND la.assigned_at_ms <= $2",
             {user_id, now})) {
      db::Row def;
      def.cols.assign(r.cols.begin() + 12, r.cols.end());
      open.push_back({row_from(r), definition_from(def)});
    }
  });
  if (open.empty()) return {};
  const auto statements = app.user_statements(user_id);
  std::map<std::string, std::optional<bundle::Course>> courses;
  struct Done {
    const Open* o;
    std::int64_t completed_at;
  };
  std::vector<Done> done;
  for (const auto& o : open) {
    auto it = courses.find(o.row.course_id);
    if (it == courses.end()) it = courses.emplace(o.row.course_id, app.current_course(o.row.course_id)).first;
    if (!it->second) continue;  // not published (any more): nothing to complete
    std::vector<json> considered;
    if (o.row.cycle == 1) {
      considered = statements;
    } else {
      // A recertification counts only what was done since the cycle opened.
      for (const auto& s : statements) {
        auto ts = s.contains("timestamp") && s["timestamp"].is_string() ? parse_timestamp(s["timestamp"].get<std::string>())
                                                                         : std::nullopt;
        if (ts && *ts >= o.row.assigned_at) considered.push_back(s);
      }
    }
    const auto pr = progress::project_course(*it->second, considered);
    if (pr.completed) done.push_back({&o, pr.completed_at ? pr.completed_at : now});
  }
  if (done.empty()) return {};
  Round round;
  app.db().write([&](db::Connection& c) {
    round = {};
    for (const auto& d : done) {
      if (c.exec("UPDATE learner_assignments SET completed_at_ms = $1 WHERE id = $2 AND completed_at_ms IS NULL AND ended_ms IS NULL",
                 {d.completed_at, d.o->row.id}) == 0)
        continue;
      ++round.completed;
      if (d.o->def.recur_months && *d.o->def.recur_months > 0) {
        // Completion + N months, even when that is already past (a certificate that expired
        // before it was assigned is due again now).
        const std::int64_t opens = trailpack::add_months(d.completed_at, static_cast<int>(*d.o->def.recur_months));
        insert_row(c, d.o->def, user_id, {d.o->row.course_id, d.o->row.mandatory, d.o->row.path_position}, d.o->row.cycle + 1, opens);
        ++round.opened;
      }
    }
  });
  return round;
}

}  // namespace

int refresh_learner(App& app, const std::string& user_id, std::int64_t now) {
  // A cycle opened in the past may already be complete: look again (a few rounds at most).
  int completed = 0;
  for (int i = 0; i < 4; ++i) {
    const Round r = refresh_round(app, user_id, now);
    completed += r.completed;
    if (!r.opened) break;
  }
  return completed;
}

bool open_catalogue(db::Connection& c, const std::string& org_id) {
  auto rows = c.query("SELECT open_catalogue FROM org_settings WHERE org_id = $1", {org_id});
  return rows.empty() || rows[0].i64(0) != 0;
}

std::optional<std::set<std::string>> offered_courses(db::Connection& c, const std::string& user_id, const std::string& org_id) {
  if (open_catalogue(c, org_id)) return std::nullopt;
  std::set<std::string> out;
  for (const auto& r : c.query("SELECT DISTINCT course_id FROM learner_assignments WHERE user_id = $1 AND ended_ms IS NULL", {user_id}))
    out.insert(r.str(0));
  return out;
}

std::map<std::string, CourseInfo> catalog(db::Connection& c) {
  std::map<std::string, CourseInfo> out;
  for (const auto& r : c.query("SELECT c.id, b.title, c.current_version FROM courses c "
                               "JOIN bundles b ON b.course_id = c.id AND b.version = c.current_version"))
    out[r.str(0)] = {r.str(1), r.i64(2)};
  return out;
}

std::map<std::string, std::string> path_titles(db::Connection& c, const std::string& org_id) {
  std::map<std::string, std::string> out;
  for (const auto& r : c.query("SELECT id, title FROM learning_paths WHERE org_id = $1", {org_id})) out[r.str(0)] = r.str(1);
  return out;
}

json row_json(const LearnerAssignment& a, std::int64_t now, const std::map<std::string, CourseInfo>& courses,
              const std::map<std::string, std::string>& paths) {
  auto opt = [](const std::optional<std::int64_t>& v) { return v ? json(*v) : json(nullptr); };
  auto course = courses.find(a.course_id);
  json path = nullptr;
  if (!a.path_id.empty()) {
    auto p = paths.find(a.path_id);
    path = {{"id", a.path_id}, {"title", p == paths.end() ? a.path_id : p->second}, {"position", a.path_position}};
  }
  return {{"id", a.id},
          {"assignment_id", a.assignment_id},
          {"user_id", a.user_id},
          {"course_id", a.course_id},
          {"title", course == courses.end() ? a.course_id : course->second.title},
          {"cycle", a.cycle},
          {"assigned_at", a.assigned_at},
          {"due_at", opt(a.due_at)},
          {"completed_at", opt(a.completed_at)},
          {"ended_at", opt(a.ended_at)},
          {"mandatory", a.mandatory},
          {"status", status_of(a, now)},
          {"path", path}};
}

}  // namespace trailpack::server::assignments
