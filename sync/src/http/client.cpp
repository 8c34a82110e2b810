#include "http/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <stdexcept>

#include "trailpack/encoding.hpp"

namespace trailpack::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// What went wrong at `stage`; a timeout reads the same whatever stage it hit.
std::string describe(const std::string& stage, const beast::error_code& ec, std::chrono::milliseconds timeout) {
  if (ec == beast::error::timeout) return "no answer within " + std::to_string(timeout.count()) + " ms";
  return stage + ": " + ec.message();
}

}  // namespace

ClientResponse http_request(const std::string& method, const std::string& url, const std::string& body,
                            const std::map<std::string, std::string>& headers, const ClientOptions& options) {
  if (url.rfind("http://", 0) != 0) throw std::runtime_error("only http:// URLs are supported here (put TLS in a reverse proxy): " + url);
  std::string rest = url.substr(7);
  const auto slash = rest.find('/');
  const std::string hostport = rest.substr(0, slash);
  const std::string target = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = hostport.rfind(':');
  const std::string host = colon == std::string::npos ? hostport : hostport.substr(0, colon);
  const std::string port = colon == std::string::npos ? "80" : hostport.substr(colon + 1);
  if (host.empty()) throw std::runtime_error("no host in " + url);

  net::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  // One deadline for the whole exchange: the stream's timer covers connecting, writing
  // and reading; run_for() below also bounds name resolution.
  stream.expires_after(options.timeout);
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, hostport);
  req.set(http::field::user_agent, options.user_agent);
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(options.max_response_bytes);
  if (method == "HEAD") parser.skip(true);  // the answer has Content-Length but no body

  std::string failure;
  bool done = false;
  resolver.async_resolve(host, port, [&](const beast::error_code& ec, tcp::resolver::results_type results) {
    if (ec) {
      failure = "cannot resolve " + host + ": " + ec.message();
      return;
    }
    stream.async_connect(results, [&](const beast::error_code& ec2, const tcp::endpoint&) {
      if (ec2) {
        failure = describe("cannot connect to " + hostport, ec2, options.timeout);
        return;
      }
      http::async_write(stream, req, [&](const beast::error_code& ec3, std::size_t) {
        if (ec3) {
          failure = describe("sending the request failed", ec3, options.timeout);
          return;
        }
        http::async_read(stream, buffer, parser, [&](const beast::error_code& ec4, std::size_t) {
          if (ec4) {
            failure = ec4 == http::error::body_limit
                          ? "the response is larger than " + std::to_string(options.max_response_bytes) + " bytes"
                          : describe("reading the response failed", ec4, options.timeout);
            return;
          }
          done = true;
        });
      });
    });
  });
  ioc.run_for(options.timeout + std::chrono::milliseconds(100));
  if (!done && failure.empty()) {
    failure = "no answer within " + std::to_string(options.timeout.count()) + " ms";
    resolver.cancel();
    beast::error_code ignored;
    stream.socket().close(ignored);
    ioc.restart();
    ioc.run();  // let the cancelled handlers finish before their captures go away
  }
  if (!done) throw std::runtime_error(failure);

  auto res = parser.release();
  ClientResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    out.headers[ascii_lower(f.name_string())] = std::string(f.value());
  }
  out.body = std::move(res.body());
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return out;
}

ClientResponse http_request(const std::string& method, const std::string& url, const std::string& body,
                            const std::map<std::string, std::string>& headers, int timeout_s) {
  ClientOptions o;
  o.timeout = std::chrono::seconds(timeout_s);
  o.user_agent = "trailpack-cli";
  return http_request(method, url, body, headers, o);
}

}  // namespace trailpack::server
