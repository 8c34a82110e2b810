// `trailpack`: the server and its command-line tools (docs/operations.md).
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

#include "cli/commands.hpp"
#include "db/database.hpp"
#include "trailpack/json_reader.hpp"

using trailpack::cli::CliError;

namespace {

// Configuration precedence: flags over environment over file.
void apply_file(trailpack::server::Config& c, const std::string& path) {
  auto j = trailpack::parse_json_text(trailpack::cli::read_file(path), path);
  if (!j) throw CliError(j.error().describe());
  auto r = trailpack::read_json_checked<trailpack::Unit>("invalid_config", [&] {
    trailpack::JsonReader rd(*j, "");
    rd.only({"bind", "port", "database", "public_url", "web_root", "trusted_keys", "threads", "log_level", "cors_origins",
             "webhook_url", "webhook_secret", "webhook_timeout_s", "reminder_interval_s"});
    c.bind = rd.str_or("bind", c.bind);
    c.port = static_cast<unsigned short>(rd.integer_or("port", c.port, 0, 65535));
    c.database = rd.str_or("database", c.database);
    c.public_url = rd.str_or("public_url", c.public_url);
    c.web_root = rd.str_or("web_root", c.web_root);
    if (rd.has("trusted_keys")) c.trusted_keys = rd.strings_or_empty("trusted_keys");
    if (rd.has("cors_origins")) c.cors_origins = rd.strings_or_empty("cors_origins");
    c.threads = static_cast<int>(rd.integer_or("threads", c.threads, 0, 256));
    c.log_level = rd.one_of("log_level", {"debug", "info", "warn", "error"}, "info");
    c.webhook_url = rd.str_or("webhook_url", c.webhook_url);
    c.webhook_secret = rd.str_or("webhook_secret", c.webhook_secret);
    c.webhook_timeout_ms = rd.integer_or("webhook_timeout_s", c.webhook_timeout_ms / 1000, 1, 60) * 1000;
    c.reminder_interval_s = static_cast<int>(rd.integer_or("reminder_interval_s", c.reminder_interval_s, 0, 86400));
    return trailpack::Unit{};
  });
  if (!r) throw CliError(path + ": " + r.error().describe());
}

void apply_env(trailpack::server::Config& c) {
  auto env = [](const char* k) -> const char* {
    const char* v = std::getenv(k);
    return v && *v ? v : nullptr;
  };
  if (auto v = env("TRAILPACK_BIND")) c.bind = v;
  auto number = [](const char* name, const char* v, long max) {
    char* end = nullptr;
    const long n = std::strtol(v, &end, 10);
    if (!*v || *end || n < 0 || n > max) throw CliError(std::string(name) + " must be a whole number from 0 to " + std::to_string(max) + ", not \"" + v + "\"");
    return n;
  };
  if (auto v = env("TRAILPACK_PORT")) c.port = static_cast<unsigned short>(number("TRAILPACK_PORT", v, 65535));
  if (auto v = env("TRAILPACK_DATABASE")) c.database = v;
  if (auto v = env("TRAILPACK_PUBLIC_URL")) c.public_url = v;
  if (auto v = env("TRAILPACK_WEB_ROOT")) c.web_root = v;
  if (auto v = env("TRAILPACK_THREADS")) c.threads = static_cast<int>(number("TRAILPACK_THREADS", v, 256));
  if (auto v = env("TRAILPACK_LOG_LEVEL")) c.log_level = v;
  if (auto v = env("TRAILPACK_CORS_ORIGINS")) {  // space- or comma-separated
    c.cors_origins.clear();
    std::string s = v;
    for (char& ch : s)
      if (ch == ',') ch = ' ';
    for (std::size_t start = 0; start < s.size();) {
      auto end = s.find(' ', start);
      if (end == std::string::npos) end = s.size();
      if (end > start) c.cors_origins.push_back(s.substr(start, end - start));
      start = end + 1;
    }
  }
  if (auto v = env("TRAILPACK_WEBHOOK_URL")) c.webhook_url = v;
  if (auto v = env("TRAILPACK_WEBHOOK_SECRET")) c.webhook_secret = v;
  if (auto v = env("TRAILPACK_REMINDER_INTERVAL")) c.reminder_interval_s = static_cast<int>(number("TRAILPACK_REMINDER_INTERVAL", v, 86400));
  if (auto v = env("TRAILPACK_TRUSTED_KEYS")) {
    c.trusted_keys.clear();
    std::string s = v;
    for (std::size_t start = 0; start <= s.size();) {
      auto end = s.find(':', start);
      if (end == std::string::npos) end = s.size();
      if (end > start) c.trusted_keys.push_back(s.substr(start, end - start));
      start = end + 1;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Trailpack: offline-first learning server and tools"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "trailpack 0.1.0");

  // serve
  trailpack::server::Config cfg;
  std::string config_file;
  auto* serve = app.add_subcommand("serve", "Run the HTTP server (xAPI LRS, sync, console)");
  serve->add_option("--config", config_file, "JSON configuration file");
  auto* o_bind = serve->add_option("--bind", cfg.bind, "Address to listen on (default 127.0.0.1)");
  auto* o_port = serve->add_option("--port", cfg.port, "Port (default 8080; 0 picks a free one)");
  auto* o_db = serve->add_option("--db", cfg.database, "Database: a SQLite path or postgres://... URL");
  auto* o_url = serve->add_option("--public-url", cfg.public_url, "URL devices use to reach this server");
  auto* o_web = serve->add_option("--web-root", cfg.web_root, "Folder of the web app to serve");
  std::vector<std::string> trusted;
  auto* o_keys = serve->add_option("--trusted-key", trusted, "Publisher public key file trusted for bundles (repeatable)");
  auto* o_threads = serve->add_option("--threads", cfg.threads, "I/O threads (default: cores, at least 2)");
  auto* o_log = serve->add_option("--log-level", cfg.log_level, "debug, info, warn or error");
  auto* o_cors = serve->add_option("--cors-origin", cfg.cors_origins,
                                   "Origin whose browser content may call /xapi/ (repeatable; * for any)");
  auto* o_webhook = serve->add_option("--webhook-url", cfg.webhook_url, "http:// URL that reminders are POSTed to (JSON)");
  auto* o_interval = serve->add_option("--reminder-interval", cfg.reminder_interval_s,
                                       "Seconds between reminder passes (default 60; 0 turns the scheduler off)");

  // init
  trailpack::cli::InitOptions init;
  auto* init_cmd = app.add_subcommand("init", "Create the database, an organisation and its first admin");
  init_cmd->add_option("--db", init.database, "Database path or URL")->required();
  init_cmd->add_option("--org", init.org, "Organisation name");
  init_cmd->add_option("--admin-email", init.admin_email, "Admin email")->required();
  init_cmd->add_option("--admin-password", init.admin_password, "Admin password (8+ characters)")->required();
  init_cmd->add_option("--admin-name", init.admin_name, "Admin display name");

  // users
  auto* users = app.add_subcommand("users", "Manage users");
  users->require_subcommand(1);
  trailpack::cli::UserOptions uo;
  auto* users_add = users->add_subcommand("add", "Add or update a user");
  users_add->add_option("--db", uo.database, "Database path or URL")->required();
  users_add->add_option("--email", uo.email, "Email")->required();
  users_add->add_option("--name", uo.name, "Display name")->required();
  users_add->add_option("--role", uo.role, "learner, manager or admin");
  users_add->add_option("--password", uo.password, "Password (managers and admins)");
  users_add->add_flag("--enrollment-code", uo.enrollment_code, "Also create a device enrollment code");
  users_add->add_flag("--json", uo.json, "Print JSON");
  std::string import_file, import_server, import_email, import_password;
  bool import_dry = false;
  auto* users_import = users->add_subcommand("import", "Import users from a CSV file through the server");
  users_import->add_option("file", import_file, "CSV file")->required();
  users_import->add_option("--server", import_server, "Server URL")->required();
  users_import->add_option("--email", import_email, "Admin email")->required();
  users_import->add_option("--password", import_password, "Admin password")->required();
  users_import->add_flag("--dry-run", import_dry, "Check the file and report, change nothing");

  // groups, assign
  auto* groups = app.add_subcommand("groups", "Manage groups");
  groups->require_subcommand(1);
  trailpack::cli::GroupOptions go;
  auto* groups_add = groups->add_subcommand("add", "Create or update a group: parent, members, managers");
  groups_add->add_option("--db", go.database, "Database path or URL")->required();
  groups_add->add_option("--name", go.name, "Group name")->required();
  groups_add->add_option("--parent", go.parent, "Name of the group to put it in");
  groups_add->add_option("--member", go.members, "Email of a member (repeatable)");
  groups_add->add_option("--manager", go.managers, "Email of a manager of the group (repeatable)");
  trailpack::cli::AssignOptions ao;
  auto* assign = app.add_subcommand("assign", "Assign a published course to a group or a learner");
  assign->add_option("--db", ao.database, "Database path or URL")->required();
  assign->add_option("--group", ao.group, "Group name");
  assign->add_option("--learner", ao.learner, "Learner email");
  assign->add_option("--course", ao.course, "Course id")->required();
  assign->add_option("--due-days", ao.due_days, "Due this many days after each learner's assignment");
  assign->add_option("--recur-months", ao.recur_months, "Recertify this many months after each completion");

  // xapi-clients
  auto* xc = app.add_subcommand("xapi-clients", "Manage xAPI clients (HTTP Basic credentials)");
  xc->require_subcommand(1);
  trailpack::cli::XapiClientOptions xo;
  auto* xc_add = xc->add_subcommand("add", "Add or update an xAPI client");
  xc_add->add_option("--db", xo.database, "Database path or URL")->required();
  xc_add->add_option("--name", xo.name, "Name");
  xc_add->add_option("--key", xo.key, "Key (generated when omitted)");
  xc_add->add_option("--secret", xo.secret, "Secret (generated when omitted)");
  xc_add->add_option("--scope", xo.scopes,
                     "statements/write, statements/read, statements/read/mine, state, define, profile, all/read, all (repeatable)");
  xc_add->add_flag("--json", xo.json, "Print JSON");

  // keys
  auto* keys = app.add_subcommand("keys", "Trusted publisher keys");
  keys->require_subcommand(1);
  std::string keys_db, keys_file, keys_name;
  auto* keys_trust = keys->add_subcommand("trust", "Trust a publisher's public key for bundles");
  keys_trust->add_option("--db", keys_db, "Database path or URL")->required();
  keys_trust->add_option("file", keys_file, "Public key file (.pub)")->required();
  keys_trust->add_option("--name", keys_name, "A name for the key");

  // keygen, pack, verify, publish
  std::string keygen_out;
  bool keygen_force = false;
  auto* keygen = app.add_subcommand("keygen", "Create an Ed25519 signing key pair for bundles");
  keygen->add_option("-o,--out", keygen_out, "Path prefix: writes PREFIX.key and PREFIX.pub")->required();
  keygen->add_flag("--force", keygen_force, "Replace an existing key");

  std::string pack_dir, pack_out, pack_key;
  auto* pack = app.add_subcommand("pack", "Validate a course folder and build a signed bundle");
  pack->add_option("dir", pack_dir, "Course folder (with course.json)")->required();
  pack->add_option("-o,--out", pack_out, "Bundle file to write (.tpk)")->required();
  pack->add_option("--key", pack_key, "Signing key (.key from keygen)")->required();

  std::string verify_file;
  std::vector<std::string> verify_keys;
  auto* verify = app.add_subcommand("verify", "Check a bundle's schema, hashes and signature");
  verify->add_option("file", verify_file, "Bundle file")->required();
  verify->add_option("--trusted-key", verify_keys, "Trusted public key file (repeatable)")->required();

  std::string pub_file, pub_server, pub_email, pub_password;
  bool pub_dry = false;
  auto* publish = app.add_subcommand("publish", "Publish a bundle to a server");
  publish->add_option("file", pub_file, "Bundle file")->required();
  publish->add_option("--server", pub_server, "Server URL, e.g. http://127.0.0.1:8080")->required();
  publish->add_option("--email", pub_email, "Admin email")->required()->envname("TRAILPACK_ADMIN_EMAIL");
  publish->add_option("--password", pub_password, "Admin password")->required()->envname("TRAILPACK_ADMIN_PASSWORD");
  publish->add_flag("--dry-run", pub_dry, "Validate and report what would change, publish nothing");

  std::string report_server, report_email, report_password, report_format = "table";
  auto* report = app.add_subcommand("report", "Print learners' progress from a server");
  report->add_option("--server", report_server, "Server URL")->required();
  report->add_option("--email", report_email, "Admin or manager email")->required()->envname("TRAILPACK_ADMIN_EMAIL");
  report->add_option("--password", report_password, "Password")->required()->envname("TRAILPACK_ADMIN_PASSWORD");
  report->add_option("--format", report_format, "table or json");

  // kpi rebuild
  std::string kpi_db;
  auto* kpi = app.add_subcommand("kpi", "KPI summary tables");
  kpi->require_subcommand(1);
  auto* kpi_rebuild = kpi->add_subcommand("rebuild", "Refill the KPI tables from the stored statements (no server writing)");
  kpi_rebuild->add_option("--db", kpi_db, "Database path or URL")->required();

  // dev generate (hidden: for benchmarks, bench/gen/README.md)
  trailpack::cli::GenerateOptions gen;
  auto* dev = app.add_subcommand("dev", "Developer tools");
  dev->group("");  // not listed in --help
  dev->require_subcommand(1);
  auto* dev_generate = dev->add_subcommand("generate", "Fill an empty database with a realistic benchmark dataset");
  dev_generate->add_option("--db", gen.database, "Database path or URL (empty)")->required();
  dev_generate->add_option("--learners", gen.learners, "Learners (default 1000)");
  dev_generate->add_option("--courses", gen.courses, "Courses (default 5)");
  dev_generate->add_option("--statements", gen.statements, "Statements (default 100000)");
  dev_generate->add_option("--seed", gen.seed, "Random seed (default 1)");
  dev_generate->add_option("--days", gen.days, "Days of activity back from now (default 180)");
  dev_generate->add_option("--public-url", gen.public_url, "The server's public URL (default http://127.0.0.1:8080)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  try {
    if (*serve) {
      trailpack::server::Config merged;
      if (!config_file.empty()) apply_file(merged, config_file);
      apply_env(merged);
      if (o_bind->count()) merged.bind = cfg.bind;
      if (o_port->count()) merged.port = cfg.port;
      if (o_db->count()) merged.database = cfg.database;
      if (o_url->count()) merged.public_url = cfg.public_url;
      if (o_web->count()) merged.web_root = cfg.web_root;
      if (o_keys->count()) merged.trusted_keys = trusted;
      if (o_threads->count()) merged.threads = cfg.threads;
      if (o_log->count()) merged.log_level = cfg.log_level;
      if (o_cors->count()) merged.cors_origins = cfg.cors_origins;
      if (o_webhook->count()) merged.webhook_url = cfg.webhook_url;
      if (o_interval->count()) merged.reminder_interval_s = cfg.reminder_interval_s;
      if (merged.reminder_interval_s < 0 || merged.reminder_interval_s > 86400)
        throw CliError("--reminder-interval must be from 0 to 86400 seconds");
      if (!merged.webhook_url.empty() && merged.webhook_url.rfind("http://", 0) != 0)
        throw CliError("the webhook URL must start with http:// (put TLS in a relay or proxy): \"" + merged.webhook_url + "\"");
      if (merged.log_level != "debug" && merged.log_level != "info" && merged.log_level != "warn" && merged.log_level != "error")
        throw CliError("--log-level must be debug, info, warn or error, not \"" + merged.log_level + "\"");
      return trailpack::cli::cmd_serve(merged);
    }
    if (*init_cmd) return trailpack::cli::cmd_init(init);
    if (*users_add) return trailpack::cli::cmd_users_add(uo);
    if (*users_import) return trailpack::cli::cmd_users_import(import_file, import_server, import_email, import_password, import_dry);
    if (*xc_add) return trailpack::cli::cmd_xapi_clients_add(xo);
    if (*groups_add) return trailpack::cli::cmd_groups_add(go);
    if (*assign) return trailpack::cli::cmd_assign(ao);
    if (*keys_trust) return trailpack::cli::cmd_keys_trust(keys_db, keys_file, keys_name);
    if (*keygen) return trailpack::cli::cmd_keygen(keygen_out, keygen_force);
    if (*pack) return trailpack::cli::cmd_pack(pack_dir, pack_out, pack_key);
    if (*verify) return trailpack::cli::cmd_verify(verify_file, verify_keys);
    if (*publish) return trailpack::cli::cmd_publish(pub_file, pub_server, pub_email, pub_password, pub_dry);
    if (*report) return trailpack::cli::cmd_report(report_server, report_email, report_password, report_format);
    if (*kpi_rebuild) return trailpack::cli::cmd_kpi_rebuild(kpi_db);
    if (*dev_generate) return trailpack::cli::cmd_dev_generate(gen);
  } catch (const CliError& e) {
    std::cerr << "trailpack: " << e.what() << "\n";
    return 1;
  } catch (const trailpack::server::db::DbError& e) {
    std::cerr << "trailpack: database error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "trailpack: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
