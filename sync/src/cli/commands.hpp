// The `trailpack` subcommands. Each returns the process exit code; failures throw
// CliError with a message that says what is wrong and where.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/app.hpp"

namespace trailpack::cli {

struct CliError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& data, bool secret);
std::string read_public_key(const std::string& path);  ///< raw 32 bytes from a .pub file
std::string login(const std::string& server, const std::string& email, const std::string& password);

int cmd_serve(server::Config config);
int cmd_keygen(const std::string& prefix, bool force);
int cmd_pack(const std::string& dir, const std::string& out, const std::string& key);
int cmd_verify(const std::string& file, const std::vector<std::string>& trusted);
int cmd_publish(const std::string& file, const std::string& server, const std::string& email, const std::string& password,
                bool dry_run);

struct InitOptions {
  std::string database;
  std::string org = "Trailpack";
  std::string admin_email;
  std::string admin_password;
  std::string admin_name = "Administrator";
};
int cmd_init(const InitOptions& o);

struct UserOptions {
  std::string database;
  std::string email;
  std::string name;
  std::string role = "learner";
  std::string password;
  std::string public_url;
  bool enrollment_code = false;
  bool json = false;
};
int cmd_users_add(const UserOptions& o);

struct XapiClientOptions {
  std::string database;
  std::string name;
  std::string key;
  std::string secret;
  std::vector<std::string> scopes;
  bool json = false;
};
int cmd_xapi_clients_add(const XapiClientOptions& o);

int cmd_keys_trust(const std::string& database, const std::string& pub_file, const std::string& name);

struct GroupOptions {
  std::string database;
  std::string name;
  std::string parent;                 ///< name of the parent group; empty = leave as is
  std::vector<std::string> members;   ///< emails
  std::vector<std::string> managers;  ///< emails of managers
};
/// `trailpack groups add`: creates or updates a group (identity_commands.cpp).
int cmd_groups_add(const GroupOptions& o);

struct AssignOptions {
  std::string database;
  std::string group;    ///< group name, or
  std::string learner;  ///< learner email
  std::string course;
  int due_days = -1;    ///< -1 = no due date
  int recur_months = 0; ///< 0 = no recertification
};
/// `trailpack assign`: assigns a published course to a group or a learner.
int cmd_assign(const AssignOptions& o);

/// `trailpack dev generate`: a reproducible benchmark dataset in an empty database
/// (bench/gen/README.md).
struct GenerateOptions {
  std::string database;
  int learners = 1000;
  int courses = 5;
  std::int64_t statements = 100000;
  std::uint64_t seed = 1;
  int days = 180;            ///< activity spreads over the last `days` days
  std::string public_url;    ///< the server's public URL (learners' account homePage)
};
int cmd_dev_generate(const GenerateOptions& o);
/// `trailpack kpi rebuild`: refills the KPI summary tables from the statements.
int cmd_kpi_rebuild(const std::string& database);

}  // namespace trailpack::cli

namespace trailpack::cli {
int cmd_users_import(const std::string& file, const std::string& server, const std::string& email,
                     const std::string& password, bool dry_run);
int cmd_report(const std::string& server, const std::string& email, const std::string& password, const std::string& format);
}  // namespace trailpack::cli
