#include "cli/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <stdexcept>

namespace trailpack::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

ClientResponse http_request(const std::string& method, const std::string& url, const std::string& body,
                            const std::map<std::string, std::string>& headers, int timeout_s) {
  if (url.rfind("http://", 0) != 0) throw std::runtime_error("only http:// URLs are supported here (put TLS in a reverse proxy): " + url);
  std::string rest = url.substr(7);
  const auto slash = rest.find('/');
  const std::string hostport = rest.substr(0, slash);
  const std::string target = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = hostport.rfind(':');
  const std::string host = colon == std::string::npos ? hostport : hostport.substr(0, colon);
  const std::string port = colon == std::string::npos ? "80" : hostport.substr(colon + 1);

  net::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(timeout_s));
  beast::error_code ec;
  auto results = resolver.resolve(host, port, ec);
  if (ec) throw std::runtime_error("cannot resolve " + host + ": " + ec.message());
  stream.connect(results, ec);
  if (ec) throw std::runtime_error("cannot connect to " + hostport + ": " + ec.message());
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, hostport);
  req.set(http::field::user_agent, "trailpack-cli");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req, ec);
  if (ec) throw std::runtime_error("sending the request failed: " + ec.message());
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(256ull << 20);
  if (method == "HEAD") parser.skip(true);  // the answer has Content-Length but no body
  http::read(stream, buffer, parser, ec);
  if (ec) throw std::runtime_error("reading the response failed: " + ec.message());
  auto res = parser.release();
  ClientResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(f.value());
  }
  out.body = std::move(res.body());
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return out;
}

}  // namespace trailpack::server
