// Offline administration on the database: bootstrap an organisation and its first
// admin, add users (optionally with a device enrollment code), xAPI clients, trusted
// publisher keys. Safe while the server runs (SQLite WAL; PostgreSQL transactions), but a
// running server reads trusted keys only at start: restart it after `keys trust`.
#include <algorithm>
#include <iostream>

#include "cli/commands.hpp"
#include "trailpack/bundle/manifest.hpp"

namespace trailpack::cli {

using nlohmann::json;

namespace {

server::App open_app(const std::string& database, const std::string& public_url = {}) {
  server::Config c;
  c.database = database;
  if (!public_url.empty()) c.public_url = public_url;
  return server::App(c);
}

std::string org_of_first_admin(server::App& app) {
  std::string org;
  app.db().read([&](server::db::Connection& c) {
    auto rows = c.query("SELECT id FROM orgs ORDER BY created_ms LIMIT 1");
    if (!rows.empty()) org = rows[0].str(0);
  });
  if (org.empty()) throw CliError("the database has no organisation yet; run `trailpack init` first");
  return org;
}

}  // namespace

int cmd_init(const InitOptions& o) {
  if (o.admin_email.empty() || o.admin_password.size() < 8)
    throw CliError("init needs --admin-email and an --admin-password of at least 8 characters");
  auto app = open_app(o.database);
  const std::string org = app.create_org(o.org);
  const std::string id = app.create_user(org, o.admin_email, o.admin_name, "admin", o.admin_password);
  std::cout << "database ready: " << server::db::redact_url(o.database) << "\norganisation: " << o.org << " (" << org << ")\nadmin: " << o.admin_email
            << " (" << id << ")\n";
  return 0;
}

int cmd_users_add(const UserOptions& o) {
  if (o.email.empty() || o.name.empty()) throw CliError("users add needs --email and --name");
  if (o.role != "learner" && o.role != "manager" && o.role != "admin")
    throw CliError("--role must be learner, manager or admin");
  if (o.role != "learner" && o.password.size() < 8) throw CliError("managers and admins need a --password of at least 8 characters");
  auto app = open_app(o.database, o.public_url);
  const std::string id = app.create_user(org_of_first_admin(app), o.email, o.name, o.role, o.password);
  json out = {{"id", id}, {"email", o.email}, {"role", o.role}};
  if (o.enrollment_code) out["enrollment_code"] = app.create_enrollment_code(id, 30 * 24 * 3600, 10);
  if (o.json) std::cout << out.dump() << "\n";
  else {
    std::cout << "user " << o.email << " (" << id << ", " << o.role << ")\n";
    if (out.contains("enrollment_code")) std::cout << "enrollment code: " << out["enrollment_code"].get<std::string>() << "\n";
  }
  return 0;
}

int cmd_xapi_clients_add(const XapiClientOptions& o) {
  static const std::vector<std::string> known = {"statements/write", "statements/read", "statements/read/mine", "state",
                                                 "define", "profile", "all/read", "all"};
  for (const auto& s : o.scopes)
    if (std::find(known.begin(), known.end(), s) == known.end())
      throw CliError("unknown scope \"" + s + "\" (use statements/write, statements/read, statements/read/mine, state, define, "
                     "profile, all/read or all)");
  auto app = open_app(o.database);
  auto [key, secret] = app.create_xapi_client(o.name.empty() ? "xAPI client" : o.name,
                                              o.scopes.empty() ? std::vector<std::string>{"statements/read", "statements/write"} : o.scopes,
                                              o.key, o.secret);
  if (o.json) std::cout << json{{"key", key}, {"secret", secret}}.dump() << "\n";
  else std::cout << "xAPI client key: " << key << "\nsecret: " << secret << "\n";
  return 0;
}

int cmd_keys_trust(const std::string& database, const std::string& pub_file, const std::string& name) {
  const std::string pk = read_public_key(pub_file);
  auto app = open_app(database);
  app.add_trusted_key(pk, name.empty() ? pub_file : name);
  std::cout << "trusted publisher key " << bundle::key_id_of(pk) << "\n";
  return 0;
}

}  // namespace trailpack::cli
