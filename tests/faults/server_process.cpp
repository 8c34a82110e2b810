#include "server_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "test_helpers.hpp"  // shell_quote

namespace trailpack::faults {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using test::shell_quote;

// The sanitizer build must tolerate a preloaded library (faketime, fiu) in front of
// its runtime, and a killed or wrapped process must not fail on leak reports.
void sanitizer_env() {
  ::setenv("ASAN_OPTIONS", "detect_leaks=0:verify_asan_link_order=0", 1);
}

}  // namespace

bool long_mode() {
  const char* v = std::getenv("TRAILPACK_FAULTS_LONG");
  return v && std::string(v) != "0" && std::string(v) != "";
}

unsigned short free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("bind failed");
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string cli(const std::vector<std::string>& args, const std::vector<std::string>& wrapper) {
  sanitizer_env();
  std::string cmd;
  for (const auto& w : wrapper) cmd += shell_quote(w) + " ";
  cmd += shell_quote(TRAILPACK_CLI);
  for (const auto& a : args) cmd += " " + shell_quote(a);
  cmd += " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run " + cmd);
  std::string out;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int status = ::pclose(p);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("trailpack failed: " + cmd + "\n" + out);
  return out;
}

ServerProcess::ServerProcess() {
  std::random_device rd;
  dir_ = fs::temp_directory_path() / ("trailpack-faults-" + std::to_string(rd()));
  fs::create_directories(dir_);
  port_ = free_port();
  url_ = "http://127.0.0.1:" + std::to_string(port_);
  cli({"init", "--db", db_path().string(), "--admin-email", "admin@example.com", "--admin-password", "admin-pass-1"});
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    try {
      kill9();
    } catch (...) {
    }
  }
  std::error_code ec;
  if (!std::getenv("TRAILPACK_FAULTS_KEEP")) fs::remove_all(dir_, ec);
}

void ServerProcess::start(const StartOptions& options) {
  if (pid_ > 0) throw std::runtime_error("the server is already running");
  bool port_taken = true;
  try {
    (void)request("GET", "/livez", {}, {}, 2);
  } catch (const std::exception&) {
    port_taken = false;  // nothing listening: as it must be
  }
  if (port_taken) throw std::runtime_error("something still answers on port " + std::to_string(port_) + " (a server left running?)");
  sanitizer_env();
  std::vector<std::string> argv = options.wrapper;
  for (const std::string& a : {std::string(TRAILPACK_CLI), std::string("serve"), std::string("--db"), db_path().string(),
                              std::string("--bind"), std::string("127.0.0.1"), std::string("--port"),
                              std::to_string(port_), std::string("--public-url"), url_, std::string("--threads"),
                              std::string("2"), std::string("--log-level"), options.log_level})
    argv.push_back(a);
  const std::string log_path = (dir_ / "server.log").string();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    for (const auto& [k, v] : options.env) ::setenv(k.c_str(), v.c_str(), 1);
    if (!options.clock_offset.empty()) {
      ::setenv("LD_PRELOAD", "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1", 1);
      ::setenv("FAKETIME", options.clock_offset.c_str(), 1);
      ::setenv("FAKETIME_DONT_FAKE_MONOTONIC", "1", 1);  // deadlines and timers stay real
    }
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::perror("exec");
    ::_exit(127);
  }
  pid_ = pid;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      if (request("GET", "/readyz", {}, {}, 2).status == 200) return;
    } catch (const std::exception&) {
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("the server exited at start:\n" + log().substr(log().size() > 3000 ? log().size() - 3000 : 0));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill9();
  throw std::runtime_error("the server did not become ready in 30 s");
}

void ServerProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void ServerProcess::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string ServerProcess::log() const {
  std::ifstream in(dir_ / "server.log", std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::int64_t ServerProcess::server_time_ms() const {
  return json::parse(request("GET", "/api/v1/sync/hello").body)["server_time"].get<std::int64_t>();
}

long ServerProcess::rss_kib() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

server::ClientResponse ServerProcess::request(const std::string& method, const std::string& path, const std::string& body,
                                              std::map<std::string, std::string> headers, int timeout_s) const {
  if (!body.empty() && !headers.count("content-type")) headers["content-type"] = "application/json";
  return server::http_request(method, url_ + path, body, headers, timeout_s);
}

std::string ServerProcess::admin_token() const {
  auto res = request("POST", "/api/v1/auth/login", json{{"email", "admin@example.com"}, {"password", "admin-pass-1"}}.dump());
  if (res.status != 200) throw std::runtime_error("admin login failed: " + res.body);
  return json::parse(res.body)["token"];
}

ServerProcess::NewUser ServerProcess::add_learner(const std::string& email, const std::string& name) const {
  const json j = json::parse(cli({"users", "add", "--db", db_path().string(), "--email", email, "--name", name,
                                  "--enrollment-code", "--json"}));
  return {j["id"], j["enrollment_code"]};
}

namespace {

struct Sqlite {
  sqlite3* db = nullptr;
  explicit Sqlite(const fs::path& p) {
    if (sqlite3_open_v2(p.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
      throw std::runtime_error("cannot open " + p.string());
    sqlite3_busy_timeout(db, 10000);
  }
  ~Sqlite() { sqlite3_close(db); }
};

}  // namespace

std::vector<std::vector<std::string>> sqlite_rows(const fs::path& path, const std::string& sql,
                                                  const std::vector<std::string>& params) {
  Sqlite s(path);
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(s.db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
    throw std::runtime_error(std::string("bad query: ") + sqlite3_errmsg(s.db));
  for (std::size_t i = 0; i < params.size(); ++i)
    sqlite3_bind_text(st, static_cast<int>(i + 1), params[i].data(), static_cast<int>(params[i].size()), SQLITE_TRANSIENT);
  std::vector<std::vector<std::string>> rows;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    std::vector<std::string> r;
    for (int i = 0; i < sqlite3_column_count(st); ++i) {
      const auto* t = sqlite3_column_text(st, i);
      r.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
    }
    rows.push_back(std::move(r));
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) throw std::runtime_error(std::string("query failed: ") + sqlite3_errmsg(s.db));
  return rows;
}

std::string integrity_check(const fs::path& db) {
  auto rows = sqlite_rows(db, "PRAGMA integrity_check");
  std::string out;
  for (const auto& r : rows) out += (out.empty() ? "" : "; ") + r.at(0);
  return out;
}

}  // namespace trailpack::faults
