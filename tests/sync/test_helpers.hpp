// Helpers shared by the integration tests: JSON/HTTP shortcuts on top of TestServer, a
// raw Boost.Asio connection for requests the normal client cannot send (chunked,
// stalled, truncated, many idle connections), the real CLI as a subprocess, and signed
// bundles built in-process with the core's authoring code and the server's crypto.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto.hpp"
#include "server_fixture.hpp"

namespace trailpack::test {

// ---------------------------------------------------------------- HTTP / JSON

/// The body as JSON (a parse failure fails the test with the body in the message).
nlohmann::json body_json(const server::ClientResponse& res);
/// error.code of the one error shape, "" when the body is not an error.
std::string error_code(const server::ClientResponse& res);
std::string error_message(const server::ClientResponse& res);
std::string error_where(const server::ClientResponse& res);

/// A deterministic UUID v4 from a number and a namespace digit (0-f).
std::string uuid_n(std::uint64_t n, char ns = 'a');

/// POST /api/v1/sync/push with this device's token.
server::ClientResponse push(TestServer& srv, const Device& d, const std::vector<nlohmann::json>& statements);
/// POST /api/v1/sync/pull with this device's token.
server::ClientResponse pull(TestServer& srv, const Device& d, std::int64_t cursor, std::optional<int> limit = {});

/// Headers for the xAPI endpoints: version header plus an Authorization value.
std::map<std::string, std::string> xapi_headers(const std::string& authorization, const std::string& version = "1.0.3");
std::string basic_auth(const std::string& key, const std::string& secret);

/// The test server with an xAPI client of one scope, for the xAPI document resources
/// (state, profiles): `call` sends the client's credentials (or `authorization`) and
/// the version header, plus `extra` headers.
struct XapiClientServer {
  explicit XapiClientServer(const std::string& scope);
  server::ClientResponse call(const std::string& method, const std::string& path, const std::string& body = {},
                              const std::map<std::string, std::string>& extra = {}, const std::string& authorization = {});
  TestServer srv;
  std::string auth;
};
/// An xAPI document's ETag: its SHA-1 in quotes.
std::string quoted_sha1(const std::string& content);

/// Rows in the statements table (what is really stored, voided or not).
std::int64_t count_statements(TestServer& srv);
std::int64_t count_statements_where(TestServer& srv, const std::string& where_sql, const std::vector<std::string>& params = {});

/// Port of the server from its URL.
unsigned short port_of(const TestServer& srv);

/// Percent-encodes a query parameter value.
std::string url_encode(const std::string& s);

/// The organisation the fixture created (the admin's).
std::string org_id(TestServer& srv);

/// A staff user (manager or admin) with a password; returns the user id.
std::string add_staff(TestServer& srv, const std::string& email, const std::string& role, const std::string& password);

/// Console sign-in; the session token (throws when sign-in fails).
std::string login(TestServer& srv, const std::string& email, const std::string& password);

// ---------------------------------------------------------------- raw sockets

/// An HTTP/1.1 request line and headers (Host first, then `extra`), ending in the blank line.
std::string request_head(const std::string& method, const std::string& path, const std::vector<std::string>& extra);
/// `n` in lower-case hexadecimal (chunk sizes).
std::string hex(std::size_t n);

/// One client TCP connection driven with explicit deadlines. Every call returns
/// instead of hanging: the test sees a timeout as a value, never a stuck process.
class RawConnection {
 public:
  explicit RawConnection(unsigned short port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const;
  /// Sends all bytes; false when the connection failed.
  bool send(const std::string& bytes, std::chrono::milliseconds timeout = std::chrono::seconds(5));

  struct Reply {
    int status = 0;
    std::map<std::string, std::string> headers;  ///< lower-cased names
    std::string body;
  };
  /// Reads one HTTP response; nothing on timeout, close or reset (why in *error).
  std::optional<Reply> read_response(std::chrono::milliseconds timeout, std::string* error = nullptr);
  /// Waits until the server closes the connection (EOF or reset). Returns how long it
  /// took, or nothing when the connection was still open at the timeout. Any bytes
  /// that arrive meanwhile are discarded.
  std::optional<std::chrono::milliseconds> wait_closed(std::chrono::milliseconds timeout);
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------- processes, files

/// `s` quoted for /bin/sh.
std::string shell_quote(const std::string& s);

struct TempDir {
  TempDir();
  ~TempDir();
  std::filesystem::path path;
};

struct CliResult {
  int exit_code = -1;
  std::string output;  ///< stdout and stderr together
};
/// Runs the real `trailpack` binary with these arguments (each shell-quoted).
CliResult run_cli(const std::vector<std::string>& args);

void write_text(const std::filesystem::path& p, const std::string& text);
std::string read_text(const std::filesystem::path& p);

// ---------------------------------------------------------------- bundles

/// The fixture course (tests/fixtures/courses/safety-basics) as a map path -> contents.
std::map<std::string, std::string> demo_course_files();

/// Compiles and signs an author's folder in memory exactly as `trailpack pack` does.
/// Throws std::runtime_error with the compiler's message on an invalid course.
std::string build_bundle(const std::map<std::string, std::string>& files, const server::crypto::KeyPair& key);

/// A statement by this learner on an item of a course.
nlohmann::json item_statement(const Device& d, const std::string& id, const std::string& course_id,
                              const std::string& item_id, const std::string& verb);

}  // namespace trailpack::test
