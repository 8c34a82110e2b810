// A real `trailpack serve` in its own process, on a fixed loopback port and a SQLite file
// in a temporary folder, so that a test can kill it with SIGKILL, start it again on the
// same database, run it under a wrapper (faketime for a skewed clock, fiu-run for
// injected I/O failures) and read its log and memory use.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "cli/http_client.hpp"

namespace trailpack::faults {

struct StartOptions {
  /// Runs the server through this command, e.g. {"fiu-run", "-x"}. It must exec the server
  /// (not fork it), or kill9() and stop() would signal the wrapper and miss the server:
  /// the `faketime` command forks, so use `clock_offset` for a skewed clock.
  std::vector<std::string> wrapper;
  /// The server's clock moved by this much ("+3d", "-3d", "+41d"): libfaketime preloaded
  /// into the server process itself.
  std::string clock_offset;
  std::map<std::string, std::string> env;  ///< extra environment variables
  std::string log_level = "info";
};

class ServerProcess {
 public:
  /// Creates the database with `trailpack init` (admin@example.com / admin-pass-1).
  ServerProcess();
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  /// Starts the server and waits until /readyz answers 200 (throws after 30 s, and at once
  /// when something already answers on the port: a server left running).
  void start(const StartOptions& options = {});
  /// SIGKILL, and waits for the process to be gone.
  void kill9();
  /// SIGTERM (graceful stop), and waits.
  void stop();
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  const std::string& url() const { return url_; }
  unsigned short port() const { return port_; }
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path db_path() const { return dir_ / "server.db"; }
  /// Everything the server wrote to stdout and stderr, over every start.
  std::string log() const;
  /// The server's clock, as /api/v1/sync/hello reports it (ms since the epoch).
  std::int64_t server_time_ms() const;
  /// Resident memory of the server process, in KiB (VmRSS).
  long rss_kib() const;

  /// A request to the server (throws std::runtime_error when the connection fails).
  server::ClientResponse request(const std::string& method, const std::string& path, const std::string& body = {},
                                 std::map<std::string, std::string> headers = {}, int timeout_s = 30) const;
  /// Console session of the admin created at construction.
  std::string admin_token() const;
  /// A learner with an enrollment code (5 uses), made with `trailpack users add`.
  struct NewUser {
    std::string id;
    std::string code;
  };
  NewUser add_learner(const std::string& email, const std::string& name) const;

 private:
  std::filesystem::path dir_;
  unsigned short port_ = 0;
  std::string url_;
  pid_t pid_ = -1;
};

/// A free TCP port on 127.0.0.1 (bound, then released).
unsigned short free_port();

/// Runs the `trailpack` CLI (through `wrapper`, e.g. faketime, when given); its stdout +
/// stderr; throws when it exits non-zero.
std::string cli(const std::vector<std::string>& args, const std::vector<std::string>& wrapper = {});

/// Result of PRAGMA integrity_check on a SQLite file (opened read-write so a WAL left by
/// a killed server is recovered, as the next start would).
std::string integrity_check(const std::filesystem::path& db);

/// Rows of a query on a SQLite file, each column as text; `params` bind ?1, ?2, ...
std::vector<std::vector<std::string>> sqlite_rows(const std::filesystem::path& db, const std::string& sql,
                                                  const std::vector<std::string>& params = {});

/// Long mode (TRAILPACK_FAULTS_LONG=1): the bigger counts of docs/reliability.md.
bool long_mode();

}  // namespace trailpack::faults
