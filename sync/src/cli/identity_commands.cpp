// Offline administration of groups and assignments on the database, for scripts and the
// demo (the console does the same through the API): `trailpack groups add` and
// `trailpack assign`. Both are idempotent: running them again changes nothing.
#include <iostream>

#include "app/assignments.hpp"
#include "app/directory.hpp"
#include "cli/commands.hpp"
#include "crypto.hpp"

namespace trailpack::cli {

using nlohmann::json;

namespace {

std::string first_org(server::db::Connection& c) {
  auto rows = c.query("SELECT id FROM orgs ORDER BY created_ms LIMIT 1");
  if (rows.empty()) throw CliError("the database has no organisation yet; run `trailpack init` first");
  return rows[0].str(0);
}

std::string user_by_email(server::db::Connection& c, const std::string& org, const std::string& email, const std::string& role) {
  auto rows = c.query("SELECT id, role FROM users WHERE email = $1 AND org_id = $2", {email, org});
  if (rows.empty()) throw CliError("no user " + email + " in the organisation");
  if (!role.empty() && rows[0].str(1) != role) throw CliError(email + " is a " + rows[0].str(1) + ", not a " + role);
  return rows[0].str(0);
}

std::string group_by_name(server::db::Connection& c, const std::string& org, const std::string& name) {
  auto rows = c.query("SELECT id FROM user_groups WHERE org_id = $1 AND name = $2", {org, name});
  if (rows.empty()) throw CliError("no group named \"" + name + "\"");
  return rows[0].str(0);
}

server::App open(const std::string& database) {
  server::Config c;
  c.database = database;
  return server::App(c);
}

}  // namespace

int cmd_groups_add(const GroupOptions& o) {
  if (o.name.empty() || o.name.size() > 100) throw CliError("--name is required (at most 100 bytes)");
  auto app = open(o.database);
  std::string id;
  std::int64_t members = 0, managers = 0;
  app.db().write([&](server::db::Connection& c) {
    app.serialize_writers(c, "trailpack:identities");
    const std::string org = first_org(c);
    auto found = c.query("SELECT id FROM user_groups WHERE org_id = $1 AND name = $2", {org, o.name});
    id = found.empty() ? "g-" + server::crypto::random_code(10) : found[0].str(0);
    if (found.empty())
      c.exec("INSERT INTO user_groups(id, org_id, name, created_ms) VALUES ($1,$2,$3,$4)", {id, org, o.name, app.now_ms()});
    if (!o.parent.empty()) {
      const std::string parent = group_by_name(c, org, o.parent);
      if (server::directory::load_groups(c, org).with_descendants({id}).count(parent))
        throw CliError("a group cannot be moved under itself or one of its subgroups");
      c.exec("UPDATE user_groups SET parent_id = $1 WHERE id = $2", {parent, id});
    }
    for (const auto& e : o.members)
      c.exec("INSERT INTO group_members(group_id, user_id) VALUES ($1,$2) ON CONFLICT DO NOTHING", {id, user_by_email(c, org, e, "")});
    for (const auto& e : o.managers)
      c.exec("INSERT INTO manager_scopes(user_id, group_id) VALUES ($1,$2) ON CONFLICT DO NOTHING", {user_by_email(c, org, e, "manager"), id});
    server::assignments::reconcile(c, org, app.now_ms());
    members = c.query("SELECT COUNT(*) FROM group_members WHERE group_id = $1", {id})[0].i64(0);
    managers = c.query("SELECT COUNT(*) FROM manager_scopes WHERE group_id = $1", {id})[0].i64(0);
  });
  std::cout << "group " << o.name << " (" << id << "): " << members << " members, " << managers << " managers\n";
  return 0;
}

int cmd_assign(const AssignOptions& o) {
  if (o.group.empty() == o.learner.empty()) throw CliError("assign needs either --group NAME or --learner EMAIL");
  if (o.course.empty()) throw CliError("assign needs --course ID");
  if (o.due_days < -1 || o.due_days > 3650) throw CliError("--due-days must be from 0 to 3650");
  if (o.recur_months < 0 || o.recur_months > 120) throw CliError("--recur-months must be from 1 to 120");
  auto app = open(o.database);
  std::string id;
  bool existed = false;
  int learners = 0;
  app.db().write([&](server::db::Connection& c) {
    app.serialize_writers(c, "trailpack:identities");
    const std::string org = first_org(c);
    if (c.query("SELECT 1 FROM courses WHERE id = $1", {o.course}).empty())
      throw CliError("no published course \"" + o.course + "\" (publish it first)");
    const std::string type = o.group.empty() ? "user" : "group";
    const std::string target = o.group.empty() ? user_by_email(c, org, o.learner, "learner") : group_by_name(c, org, o.group);
    auto same = c.query("SELECT id FROM assignments WHERE org_id = $1 AND target_type = $2 AND target_id = $3 AND course_id = $4 "
                        "AND ended_ms IS NULL",
                        {org, type, target, o.course});
    existed = !same.empty();
    id = existed ? same[0].str(0) : "as-" + server::crypto::random_code(10);
    if (!existed)
      c.exec("INSERT INTO assignments(id, org_id, target_type, target_id, course_id, due_days, recur_months, created_ms) "
             "VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
             {id, org, type, target, o.course,
              o.due_days >= 0 ? server::db::Value(std::int64_t{o.due_days}) : server::db::Value(nullptr),
              o.recur_months > 0 ? server::db::Value(std::int64_t{o.recur_months}) : server::db::Value(nullptr), app.now_ms()});
    server::assignments::reconcile(c, org, app.now_ms(), {id});
    learners = static_cast<int>(c.query("SELECT COUNT(DISTINCT user_id) FROM learner_assignments WHERE assignment_id = $1 AND ended_ms IS NULL",
                                        {id})[0].i64(0));
  });
  std::cout << (existed ? "already assigned: " : "assigned: ") << o.course << " to " << (o.group.empty() ? o.learner : "group " + o.group)
            << " (" << id << ", " << learners << " learners)\n";
  return 0;
}

}  // namespace trailpack::cli
