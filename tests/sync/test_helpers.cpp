#include "test_helpers.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cctype>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <stdexcept>

#include "trailpack/bundle/authoring.hpp"
#include "trailpack/bundle/manifest.hpp"
#include "trailpack/crypto/sha256.hpp"
#include "trailpack/encoding.hpp"

namespace trailpack::test {

using nlohmann::json;
namespace fs = std::filesystem;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

// ---------------------------------------------------------------- HTTP / JSON

json body_json(const server::ClientResponse& res) {
  json j = json::parse(res.body, nullptr, false);
  if (j.is_discarded())
    throw std::runtime_error("response " + std::to_string(res.status) + " is not JSON: " + res.body.substr(0, 300));
  return j;
}

namespace {
std::string error_field(const server::ClientResponse& res, const char* key) {
  json j = json::parse(res.body, nullptr, false);
  if (!j.is_object() || !j.contains("error") || !j["error"].is_object()) return {};
  return j["error"].value(key, "");
}
}  // namespace

std::string error_code(const server::ClientResponse& res) { return error_field(res, "code"); }
std::string error_message(const server::ClientResponse& res) { return error_field(res, "message"); }
std::string error_where(const server::ClientResponse& res) { return error_field(res, "where"); }

std::string uuid_n(std::uint64_t n, char ns) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%c0000000-0000-4000-8000-%012llu", ns, static_cast<unsigned long long>(n));
  return buf;
}

server::ClientResponse push(TestServer& srv, const Device& d, const std::vector<json>& statements) {
  json body = {{"protocol", 1}, {"device_id", d.device_id}, {"statements", statements}};
  return srv.post("/api/v1/sync/push", body.dump(), TestServer::bearer(d.access_token));
}

server::ClientResponse pull(TestServer& srv, const Device& d, std::int64_t cursor, std::optional<int> limit) {
  json body = {{"protocol", 1}, {"cursor", cursor}};
  if (limit) body["limit"] = *limit;
  return srv.post("/api/v1/sync/pull", body.dump(), TestServer::bearer(d.access_token));
}

std::map<std::string, std::string> xapi_headers(const std::string& authorization, const std::string& version) {
  std::map<std::string, std::string> h;
  if (!version.empty()) h["x-experience-api-version"] = version;
  if (!authorization.empty()) h["authorization"] = authorization;
  h["content-type"] = "application/json";
  return h;
}

std::string basic_auth(const std::string& key, const std::string& secret) {
  return "Basic " + base64_encode(key + ":" + secret);
}

XapiClientServer::XapiClientServer(const std::string& scope) {
  auto [key, secret] = srv.app().create_xapi_client("content", {scope});
  auth = basic_auth(key, secret);
}

server::ClientResponse XapiClientServer::call(const std::string& method, const std::string& path, const std::string& body,
                                              const std::map<std::string, std::string>& extra, const std::string& authorization) {
  auto h = xapi_headers(authorization.empty() ? auth : authorization);
  for (const auto& [k, v] : extra) h[k] = v;
  return srv.request(method, path, body, h);
}

std::string quoted_sha1(const std::string& content) { return "\"" + server::crypto::sha1_hex(content) + "\""; }

std::int64_t count_statements(TestServer& srv) { return count_statements_where(srv, "1 = 1"); }

std::int64_t count_statements_where(TestServer& srv, const std::string& where_sql, const std::vector<std::string>& params) {
  std::int64_t n = -1;
  server::db::Params p(params.begin(), params.end());
  srv.app().db().read([&](server::db::Connection& c) {
    n = c.query("SELECT COUNT(*) FROM statements WHERE " + where_sql, p)[0].i64(0);
  });
  return n;
}

unsigned short port_of(const TestServer& srv) {
  const std::string u = srv.url();
  return static_cast<unsigned short>(std::stoi(u.substr(u.rfind(':') + 1)));
}

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

std::string org_id(TestServer& srv) {
  std::string org;
  srv.app().db().read([&](server::db::Connection& c) {
    org = c.query("SELECT org_id FROM users WHERE email = 'admin@example.com'")[0].str(0);
  });
  return org;
}

std::string add_staff(TestServer& srv, const std::string& email, const std::string& role, const std::string& password) {
  return srv.app().create_user(org_id(srv), email, email.substr(0, email.find('@')), role, password);
}

std::string login(TestServer& srv, const std::string& email, const std::string& password) {
  auto res = srv.post("/api/v1/auth/login", json{{"email", email}, {"password", password}}.dump());
  if (res.status != 200) throw std::runtime_error("login as " + email + " failed: " + res.body);
  return body_json(res)["token"];
}

// ---------------------------------------------------------------- raw sockets

struct RawConnection::Impl {
  net::io_context ioc;
  tcp::socket socket{ioc};
  beast::flat_buffer buffer;
  bool ok = false;

  // Runs the loop until the operation completes or the deadline passes; on the
  // deadline the socket's operations are cancelled. True when it completed in time.
  bool run(std::chrono::milliseconds timeout, const bool& done) {
    ioc.restart();
    ioc.run_for(timeout);
    if (done) return true;
    beast::error_code ec;
    socket.cancel(ec);
    ioc.restart();
    ioc.run();
    return false;
  }
};

RawConnection::RawConnection(unsigned short port) : impl_(std::make_unique<Impl>()) {
  beast::error_code ec;
  impl_->socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  impl_->ok = !ec;
}

RawConnection::~RawConnection() { close(); }

bool RawConnection::connected() const { return impl_->ok; }

bool RawConnection::send(const std::string& bytes, std::chrono::milliseconds timeout) {
  if (!impl_->ok) return false;
  bool done = false;
  beast::error_code result;
  net::async_write(impl_->socket, net::buffer(bytes), [&](beast::error_code ec, std::size_t) {
    result = ec;
    done = true;
  });
  if (!impl_->run(timeout, done)) return false;
  return !result;
}

std::optional<RawConnection::Reply> RawConnection::read_response(std::chrono::milliseconds timeout, std::string* error) {
  if (!impl_->ok) {
    if (error) *error = "not connected";
    return std::nullopt;
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  bool done = false;
  beast::error_code result;
  http::async_read(impl_->socket, impl_->buffer, parser, [&](beast::error_code ec, std::size_t) {
    result = ec;
    done = true;
  });
  if (!impl_->run(timeout, done)) {
    if (error) *error = "timeout";
    return std::nullopt;
  }
  if (result) {
    if (error) *error = result.message();
    return std::nullopt;
  }
  auto msg = parser.release();
  Reply r;
  r.status = static_cast<int>(msg.result_int());
  for (const auto& f : msg) {
    std::string name(f.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = std::string(f.value());
  }
  r.body = std::move(msg.body());
  return r;
}

std::optional<std::chrono::milliseconds> RawConnection::wait_closed(std::chrono::milliseconds timeout) {
  if (!impl_->ok) return std::chrono::milliseconds(0);
  const auto start = std::chrono::steady_clock::now();
  std::array<char, 4096> scratch;
  bool closed = false;
  std::function<void()> read_more = [&] {
    impl_->socket.async_read_some(net::buffer(scratch), [&](beast::error_code ec, std::size_t) {
      if (ec) {
        closed = ec != net::error::operation_aborted;  // EOF or reset; aborted is our own timeout
        return;
      }
      read_more();
    });
  };
  read_more();
  impl_->ioc.restart();
  impl_->ioc.run_for(timeout);
  if (!closed) {
    beast::error_code ec;
    impl_->socket.cancel(ec);
    impl_->ioc.restart();
    impl_->ioc.run();
  }
  if (!closed) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

void RawConnection::close() {
  if (!impl_) return;
  beast::error_code ec;
  impl_->socket.close(ec);
  impl_->ok = false;
}

// ---------------------------------------------------------------- processes, files

TempDir::TempDir() {
  std::random_device rd;
  path = fs::temp_directory_path() / ("trailpack-tmp-" + std::to_string(rd()) + std::to_string(rd()));
  fs::create_directories(path);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path, ec);
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out.push_back(c);
  }
  return out + "'";
}

std::string request_head(const std::string& method, const std::string& path, const std::vector<std::string>& extra) {
  std::string r = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& h : extra) r += h + "\r\n";
  return r + "\r\n";
}

std::string hex(std::size_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%zx", n);
  return buf;
}

CliResult run_cli(const std::vector<std::string>& args) {
  std::string cmd = shell_quote(TRAILPACK_CLI);
  for (const auto& a : args) cmd += " " + shell_quote(a);
  cmd += " 2>&1";
  CliResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run " + cmd);
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

void write_text(const fs::path& p, const std::string& text) {
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// ---------------------------------------------------------------- bundles

std::map<std::string, std::string> demo_course_files() {
  const fs::path root = fs::path(TRAILPACK_SOURCE_DIR) / "tests" / "fixtures" / "courses" / "safety-basics";
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) out[fs::relative(e.path(), root).generic_string()] = read_text(e.path());
  return out;
}

std::string build_bundle(const std::map<std::string, std::string>& files, const server::crypto::KeyPair& key) {
  std::vector<bundle::SourceFile> sources;
  for (const auto& [path, data] : files) sources.push_back({path, data});
  auto compiled = bundle::compile_course(sources);
  if (!compiled) throw std::runtime_error("course does not compile: " + compiled.error().describe());
  bundle::Manifest m;
  m.course_id = compiled->course.id;
  m.version = compiled->course.version;
  m.title = compiled->course.title;
  m.language = compiled->course.language;
  m.created = "2026-11-22T10:00:00.000Z";
  std::vector<bundle::ArchiveEntry> entries = compiled->files;
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  for (const auto& f : entries) m.files.push_back({f.path, trailpack::crypto::sha256_hex(f.data), f.data.size()});
  const std::string manifest_bytes = bundle::manifest_to_json(m).dump(2) + "\n";
  bundle::Signature sig;
  sig.key_id = bundle::key_id_of(key.public_key);
  sig.signature = server::crypto::ed25519_sign(manifest_bytes, key.secret_key);
  std::vector<bundle::ArchiveEntry> tar_entries;
  tar_entries.push_back({"manifest.json", manifest_bytes});
  tar_entries.push_back({"manifest.sig", bundle::signature_to_json(sig).dump() + "\n"});
  for (auto& f : entries) tar_entries.push_back(std::move(f));
  auto tar = bundle::write_tar(tar_entries);
  if (!tar) throw std::runtime_error("tar: " + tar.error().describe());
  return *tar;
}

json item_statement(const Device& d, const std::string& id, const std::string& course_id, const std::string& item_id,
                    const std::string& verb) {
  return {{"id", id},
          {"actor", d.agent},
          {"verb", {{"id", verb}}},
          {"object", {{"objectType", "Activity"}, {"id", bundle::item_iri(course_id, item_id)}}},
          {"result", {{"completion", true}}},
          {"timestamp", "2026-11-22T10:00:00.000Z"}};
}

}  // namespace trailpack::test
