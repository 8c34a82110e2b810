#include "db/schema.hpp"

#include <ctime>
#include <string>
#include <vector>

namespace trailpack::server::db {
namespace {

// Placeholders: {SERIAL} auto-increment primary key, {BLOB} binary, {REAL} double.
const std::vector<std::string>& migrations() {
  static const std::vector<std::string> list = {
      // 1: identities, devices, statements, bundles, xAPI clients
      R"sql(
CREATE TABLE orgs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_ms BIGINT NOT NULL);
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'learner')),
  team TEXT NOT NULL DEFAULT '',
  site TEXT NOT NULL DEFAULT '',
  job_role TEXT NOT NULL DEFAULT '',
  password_hash TEXT,
  active INTEGER NOT NULL DEFAULT 1,
  created_ms BIGINT NOT NULL);
CREATE TABLE user_groups (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  name TEXT NOT NULL,
  parent_id TEXT REFERENCES user_groups(id),
  created_ms BIGINT NOT NULL,
  UNIQUE (org_id, name));
CREATE TABLE group_members (
  group_id TEXT NOT NULL REFERENCES user_groups(id),
  user_id TEXT NOT NULL REFERENCES users(id),
  PRIMARY KEY (group_id, user_id));
CREATE TABLE manager_scopes (
  user_id TEXT NOT NULL REFERENCES users(id),
  group_id TEXT NOT NULL REFERENCES user_groups(id),
  PRIMARY KEY (user_id, group_id));
CREATE TABLE tokens (
  hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  kind TEXT NOT NULL CHECK (kind IN ('session', 'device', 'refresh')),
  device_id TEXT,
  family TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL,
  used_ms BIGINT,
  revoked_ms BIGINT);
CREATE INDEX tokens_family ON tokens(family);
CREATE TABLE enrollment_codes (
  hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  created_ms BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL,
  uses_left INTEGER NOT NULL);
CREATE TABLE devices (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  name TEXT NOT NULL DEFAULT '',
  created_ms BIGINT NOT NULL,
  last_push_ms BIGINT,
  last_pull_ms BIGINT);
CREATE TABLE statements (
  seq {SERIAL},
  id TEXT NOT NULL UNIQUE,
  user_id TEXT REFERENCES users(id),
  actor_key TEXT NOT NULL,
  verb TEXT NOT NULL,
  object_id TEXT NOT NULL,
  object_type TEXT NOT NULL,
  registration TEXT,
  course_id TEXT,
  parent_id TEXT,
  timestamp_ms BIGINT NOT NULL,
  stored_ms BIGINT NOT NULL,
  device_id TEXT,
  client_key TEXT,
  voided INTEGER NOT NULL DEFAULT 0,
  score_scaled {REAL},
  success INTEGER,
  completion INTEGER,
  duration_ms BIGINT NOT NULL DEFAULT 0,
  rescore_flag TEXT,
  body TEXT NOT NULL);
CREATE INDEX statements_user ON statements(user_id, seq);
CREATE INDEX statements_course ON statements(course_id, user_id);
CREATE INDEX statements_stored ON statements(stored_ms);
CREATE INDEX statements_verb ON statements(verb);
CREATE INDEX statements_object ON statements(object_id);
CREATE INDEX statements_registration ON statements(registration);
CREATE INDEX statements_actor ON statements(actor_key, seq);
CREATE TABLE xapi_clients (
  key TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL,
  name TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  revoked_ms BIGINT);
CREATE TABLE blobs (
  sha256 TEXT PRIMARY KEY,
  size BIGINT NOT NULL,
  data {BLOB} NOT NULL);
CREATE TABLE bundles (
  course_id TEXT NOT NULL,
  version BIGINT NOT NULL,
  manifest TEXT NOT NULL,
  signature TEXT NOT NULL,
  key_id TEXT NOT NULL,
  course_json TEXT NOT NULL,
  title TEXT NOT NULL,
  language TEXT NOT NULL,
  published_ms BIGINT NOT NULL,
  published_by TEXT,
  PRIMARY KEY (course_id, version));
CREATE TABLE courses (
  id TEXT PRIMARY KEY,
  current_version BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL);
CREATE TABLE trusted_keys (
  key_id TEXT PRIMARY KEY,
  public_key TEXT NOT NULL,
  name TEXT NOT NULL,
  added_ms BIGINT NOT NULL);
)sql",
      // xAPI LRS: what statement queries match on (agents, activities), activity
      // definitions (defined = 1 once a client with the `define` scope sent one, which
      // then only such clients change), the State / Activity Profile / Agent Profile documents,
      // and the raw data of statement attachments. statement_agents and
      // statement_activities are derived from statements.body: statements stored before
      // this migration (seq up to statement_index_backlog.last_seq) are indexed at
      // start-up by App::index_statements; statements_refs serves the StatementRef
      // filter rule (statements that target a matching statement).
      R"sql(
CREATE TABLE statement_agents (
  statement_id TEXT NOT NULL,
  agent_key TEXT NOT NULL,
  relation TEXT NOT NULL CHECK (relation IN ('actor', 'object', 'related')),
  PRIMARY KEY (statement_id, relation, agent_key));
CREATE INDEX statement_agents_key ON statement_agents(agent_key, relation);
CREATE TABLE statement_activities (
  statement_id TEXT NOT NULL,
  activity_id TEXT NOT NULL,
  PRIMARY KEY (statement_id, activity_id));
CREATE INDEX statement_activities_activity ON statement_activities(activity_id);
CREATE INDEX statements_refs ON statements(object_id) WHERE object_type = 'StatementRef';
CREATE TABLE statement_index_backlog (
  next_seq BIGINT NOT NULL,
  last_seq BIGINT NOT NULL);
INSERT INTO statement_index_backlog(next_seq, last_seq) SELECT 1, COALESCE(MAX(seq), 0) FROM statements;
CREATE TABLE activity_definitions (
  activity_id TEXT PRIMARY KEY,
  definition TEXT NOT NULL,
  defined INTEGER NOT NULL DEFAULT 0,
  updated_ms BIGINT NOT NULL);
CREATE TABLE xapi_documents (
  kind TEXT NOT NULL CHECK (kind IN ('state', 'activity_profile', 'agent_profile')),
  activity_id TEXT NOT NULL,
  agent_key TEXT NOT NULL,
  registration TEXT NOT NULL,
  doc_id TEXT NOT NULL,
  content_type TEXT NOT NULL,
  content {BLOB} NOT NULL,
  etag TEXT NOT NULL,
  updated_ms BIGINT NOT NULL,
  PRIMARY KEY (kind, activity_id, agent_key, registration, doc_id));
CREATE TABLE xapi_attachments (
  sha2 TEXT PRIMARY KEY,
  content_type TEXT NOT NULL,
  length BIGINT NOT NULL,
  data {BLOB} NOT NULL,
  stored_ms BIGINT NOT NULL);
)sql",
      // 3: identity management, assignments and reminders.
      //
      // Assignments for reporting (KPIs): `learner_assignments` holds one row per learner,
      // course and cycle that an assignment gave them, materialised when the assignment is
      // made and when group membership changes (an assignment to a group covers the members
      // of the group and of its subgroups, learners only):
      //   user_id, course_id   who must do what (a learning path gives one row per course)
      //   assigned_at_ms        when this cycle opened for this learner (joining a group later
      //                         means a later date; a recertification cycle opens at the
      //                         previous completion + recur_months, possibly in the future)
      //   due_at_ms             NULL when there is no due date (and for optional path courses)
      //   cycle                 1, then 2, 3, ... for recertification
      //   completed_at_ms       a cache of the projection's completion, refreshed at device
      //                         pulls, by the reminder scheduler and on console views; the
      //                         authority is progress::project_course over the statements
      //   cold_completed_ms     when the course's cold evaluation was found done (set by
      //                         the reminder scheduler; NULL otherwise)
      //   ended_ms              set when the learner left the group, the assignment was
      //                         removed or the course left the path: kept as history
      // A learner can hold the same course through two assignments (their own and a group's);
      // count distinct pairs. Current assignments, per learner and course:
      //   SELECT user_id, course_id, MIN(assigned_at_ms), MIN(due_at_ms), MAX(cycle)
      //   FROM learner_assignments WHERE ended_ms IS NULL AND assigned_at_ms <= :now
      //   GROUP BY user_id, course_id
      // Participation = learners with a statement on the course / learners assigned it.
      //
      // Reminders: `reminders` is the history (one row per reminder: its kind, the learner it
      // is about, `recipients` as a JSON array of user ids: the learner, or their managers
      // for an escalation), with device delivery (`delivered_ms`, `acked_ms`) and webhook
      // delivery state. `dedupe_key` (rule, learner assignment[, item]) makes each rule fire
      // once, whichever server process inserts first. `scheduler_leases` lets one process
      // at a time evaluate the rules.
      R"sql(
ALTER TABLE devices ADD COLUMN revoked_ms BIGINT;
CREATE INDEX devices_user ON devices(user_id);
CREATE INDEX tokens_user ON tokens(user_id);
CREATE INDEX tokens_device ON tokens(device_id);
CREATE INDEX group_members_user ON group_members(user_id);
CREATE INDEX manager_scopes_group ON manager_scopes(group_id);
CREATE INDEX users_org ON users(org_id, name);
CREATE TABLE org_settings (
  org_id TEXT PRIMARY KEY REFERENCES orgs(id),
  open_catalogue INTEGER NOT NULL DEFAULT 1,
  updated_ms BIGINT NOT NULL);
CREATE TABLE learning_paths (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  title TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL);
CREATE TABLE learning_path_courses (
  path_id TEXT NOT NULL REFERENCES learning_paths(id),
  position INTEGER NOT NULL,
  course_id TEXT NOT NULL,
  mandatory INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (path_id, position),
  UNIQUE (path_id, course_id));
CREATE TABLE assignments (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  target_type TEXT NOT NULL CHECK (target_type IN ('user', 'group')),
  target_id TEXT NOT NULL,
  course_id TEXT,
  path_id TEXT REFERENCES learning_paths(id),
  due_at_ms BIGINT,
  due_days INTEGER,
  recur_months INTEGER,
  created_by TEXT,
  created_ms BIGINT NOT NULL,
  ended_ms BIGINT);
CREATE INDEX assignments_org ON assignments(org_id, ended_ms);
CREATE TABLE learner_assignments (
  id TEXT PRIMARY KEY,
  assignment_id TEXT NOT NULL REFERENCES assignments(id),
  user_id TEXT NOT NULL REFERENCES users(id),
  course_id TEXT NOT NULL,
  cycle INTEGER NOT NULL,
  assigned_at_ms BIGINT NOT NULL,
  due_at_ms BIGINT,
  mandatory INTEGER NOT NULL DEFAULT 1,
  path_id TEXT,
  path_position INTEGER,
  completed_at_ms BIGINT,
  cold_completed_ms BIGINT,
  ended_ms BIGINT,
  UNIQUE (assignment_id, user_id, course_id, cycle));
CREATE INDEX learner_assignments_user ON learner_assignments(user_id, course_id);
CREATE INDEX learner_assignments_due ON learner_assignments(due_at_ms);
CREATE TABLE reminder_rules (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  kind TEXT NOT NULL CHECK (kind IN ('due_soon', 'overdue', 'cold_due', 'escalation')),
  days INTEGER NOT NULL DEFAULT 0,
  enabled INTEGER NOT NULL DEFAULT 1,
  created_ms BIGINT NOT NULL);
CREATE INDEX reminder_rules_org ON reminder_rules(org_id);
CREATE TABLE reminders (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(id),
  kind TEXT NOT NULL,
  rule_id TEXT,
  dedupe_key TEXT UNIQUE,
  learner_id TEXT NOT NULL REFERENCES users(id),
  recipients TEXT NOT NULL,
  learner_assignment_id TEXT,
  course_id TEXT,
  due_at_ms BIGINT,
  message TEXT NOT NULL,
  sent_by TEXT,
  created_ms BIGINT NOT NULL,
  delivered_ms BIGINT,
  acked_ms BIGINT,
  webhook_state TEXT NOT NULL DEFAULT 'none',
  webhook_attempts INTEGER NOT NULL DEFAULT 0,
  webhook_next_ms BIGINT,
  webhook_error TEXT);
CREATE INDEX reminders_learner ON reminders(learner_id, acked_ms);
CREATE INDEX reminders_rule ON reminders(rule_id, learner_assignment_id);
CREATE INDEX reminders_webhook ON reminders(webhook_state, webhook_next_ms);
CREATE INDEX reminders_org ON reminders(org_id, created_ms);
CREATE TABLE scheduler_leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_ms BIGINT NOT NULL);
INSERT INTO scheduler_leases(name, holder, expires_ms) VALUES ('reminders', '', 0);
INSERT INTO reminder_rules(id, org_id, kind, days, enabled, created_ms) SELECT 'rr-' || id || '-due_soon', id, 'due_soon', 3, 1, created_ms FROM orgs;
INSERT INTO reminder_rules(id, org_id, kind, days, enabled, created_ms) SELECT 'rr-' || id || '-overdue', id, 'overdue', 0, 1, created_ms FROM orgs;
INSERT INTO reminder_rules(id, org_id, kind, days, enabled, created_ms) SELECT 'rr-' || id || '-cold_due', id, 'cold_due', 0, 1, created_ms FROM orgs;
INSERT INTO reminder_rules(id, org_id, kind, days, enabled, created_ms) SELECT 'rr-' || id || '-escalation', id, 'escalation', 7, 1, created_ms FROM orgs;
)sql",
      // 4: KPI summary tables (docs/kpis.md): facts per (learner, course) kept by the
      // statement-storage transaction from the shared projection, and per-day counters.
      // 'rebuild' = 'pending' makes the server fill them from the stored statements once.
      R"sql(
CREATE TABLE kpi_learner_course (
  user_id TEXT NOT NULL,
  course_id TEXT NOT NULL,
  course_version BIGINT NOT NULL,
  statements BIGINT NOT NULL,
  started_ms BIGINT NOT NULL,
  last_activity_ms BIGINT NOT NULL,
  completed INTEGER NOT NULL,
  completed_ms BIGINT NOT NULL,
  completion {REAL} NOT NULL,
  time_spent_ms BIGINT NOT NULL,
  best_score {REAL},
  pretest_score {REAL},
  posttest_score {REAL},
  PRIMARY KEY (user_id, course_id));
CREATE INDEX kpi_learner_course_course ON kpi_learner_course(course_id);
CREATE TABLE kpi_learner_module (
  user_id TEXT NOT NULL,
  course_id TEXT NOT NULL,
  module_id TEXT NOT NULL,
  started INTEGER NOT NULL,
  started_ms BIGINT NOT NULL,
  completed INTEGER NOT NULL,
  completed_ms BIGINT NOT NULL,
  PRIMARY KEY (user_id, course_id, module_id));
CREATE TABLE kpi_learner_item (
  user_id TEXT NOT NULL,
  course_id TEXT NOT NULL,
  item_id TEXT NOT NULL,
  item_type TEXT NOT NULL,
  started_ms BIGINT NOT NULL,
  completed INTEGER NOT NULL,
  completed_ms BIGINT NOT NULL,
  attempts INTEGER NOT NULL,
  best_score {REAL},
  passed INTEGER NOT NULL,
  time_spent_ms BIGINT NOT NULL,
  PRIMARY KEY (user_id, course_id, item_id));
CREATE TABLE kpi_learner_objective (
  user_id TEXT NOT NULL,
  course_id TEXT NOT NULL,
  objective TEXT NOT NULL,
  pre_score {REAL},
  post_score {REAL},
  PRIMARY KEY (user_id, course_id, objective));
CREATE TABLE kpi_answers (
  user_id TEXT NOT NULL,
  course_id TEXT NOT NULL,
  item_id TEXT NOT NULL,
  question_id TEXT NOT NULL,
  correct INTEGER NOT NULL,
  score {REAL} NOT NULL,
  attempt_score {REAL} NOT NULL,
  PRIMARY KEY (user_id, course_id, item_id, question_id));
CREATE TABLE kpi_survey_answers (
  user_id TEXT NOT NULL,
  course_id TEXT NOT NULL,
  item_id TEXT NOT NULL,
  question_id TEXT NOT NULL,
  role TEXT NOT NULL,
  kind TEXT NOT NULL,
  rating INTEGER,
  choice TEXT,
  answer_text TEXT,
  answered_ms BIGINT NOT NULL,
  PRIMARY KEY (user_id, course_id, item_id, question_id));
CREATE TABLE kpi_activity_days (
  user_id TEXT NOT NULL,
  day BIGINT NOT NULL,
  course_id TEXT NOT NULL,
  statements BIGINT NOT NULL,
  PRIMARY KEY (user_id, day, course_id));
CREATE INDEX kpi_activity_days_day ON kpi_activity_days(day);
CREATE TABLE kpi_sync_days (
  user_id TEXT NOT NULL,
  day BIGINT NOT NULL,
  statements BIGINT NOT NULL,
  lag_sum_ms BIGINT NOT NULL,
  lag_max_ms BIGINT NOT NULL,
  under_1h BIGINT NOT NULL,
  under_1d BIGINT NOT NULL,
  under_7d BIGINT NOT NULL,
  over_7d BIGINT NOT NULL,
  PRIMARY KEY (user_id, day));
CREATE INDEX kpi_statements_flagged ON statements(stored_ms) WHERE rescore_flag IS NOT NULL;
CREATE TABLE kpi_state (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL);
INSERT INTO kpi_state(key, value) VALUES ('rebuild', 'pending');
)sql",
  };
  return list;
}

std::string substitute(std::string sql, Dialect d) {
  auto replace_all = [&](const std::string& from, const std::string& to) {
    for (std::size_t pos = 0; (pos = sql.find(from, pos)) != std::string::npos; pos += to.size()) sql.replace(pos, from.size(), to);
  };
  replace_all("{SERIAL}", d == Dialect::sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY");
  replace_all("{BLOB}", d == Dialect::sqlite ? "BLOB" : "BYTEA");
  replace_all("{REAL}", d == Dialect::sqlite ? "REAL" : "DOUBLE PRECISION");
  return sql;
}

// Key of the session advisory lock that serializes migrating processes on PostgreSQL
// (advisory locks are per database, so other databases on the cluster are unaffected).
constexpr std::int64_t kMigrationLockKey = 0x747261696c706b01;  // "trailpk" + 1

void migrate_locked(Connection& c, Dialect d) {
  c.exec_script("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_ms BIGINT NOT NULL)");
  const auto& list = migrations();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::int64_t version = static_cast<std::int64_t>(i + 1);
    // Each migration in its own transaction; several processes may start at once, so the
    // version row is the arbiter (a second process fails the insert and rolls back).
    c.exec_script(d == Dialect::sqlite ? "BEGIN IMMEDIATE" : "BEGIN");
    try {
      if (d == Dialect::postgres) c.exec_script("LOCK TABLE schema_migrations IN EXCLUSIVE MODE");
      auto rows = c.query("SELECT 1 FROM schema_migrations WHERE version = $1", {version});
      if (!rows.empty()) {
        c.exec_script("COMMIT");
        continue;
      }
      c.exec_script(substitute(list[i], d));
      c.exec("INSERT INTO schema_migrations(version, applied_ms) VALUES ($1, $2)",
             {version, static_cast<std::int64_t>(std::time(nullptr)) * 1000});
      c.exec_script("COMMIT");
    } catch (...) {
      try {
        c.exec_script("ROLLBACK");
      } catch (...) {
      }
      throw;
    }
  }
}

}  // namespace

int schema_version() { return static_cast<int>(migrations().size()); }

void migrate(Connection& c, Dialect d) {
  if (d == Dialect::sqlite) return migrate_locked(c, d);
  // Two PostgreSQL processes starting at once race on CREATE TABLE IF NOT EXISTS (it is
  // not atomic in the catalog: the loser fails on pg_type's unique index), so the whole
  // migration runs under a session lock. The per-migration LOCK TABLE stays as the
  // arbiter for a process that migrates without this lock (an older build).
  c.exec("SELECT pg_advisory_lock($1)", {kMigrationLockKey});
  try {
    migrate_locked(c, d);
  } catch (...) {
    try {
      c.exec("SELECT pg_advisory_unlock($1)", {kMigrationLockKey});
    } catch (...) {
    }
    throw;
  }
  c.exec("SELECT pg_advisory_unlock($1)", {kMigrationLockKey});
}

}  // namespace trailpack::server::db
