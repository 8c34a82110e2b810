#include "http/server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "http/gzip.hpp"
#include "log.hpp"
#include "text.hpp"
#include "trailpack/encoding.hpp"

namespace trailpack::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

bool compressible(const std::string& content_type) {
  return content_type.rfind("application/json", 0) == 0 || content_type.rfind("text/", 0) == 0 ||
         content_type.rfind("application/javascript", 0) == 0 || content_type.rfind("image/svg", 0) == 0 ||
         content_type.rfind("application/manifest", 0) == 0 || content_type.rfind("application/wasm", 0) == 0;
}

bool accepts_gzip(const Request& req) {
  auto ae = req.header("accept-encoding");
  return ae && ae->find("gzip") != std::string::npos;
}

}  // namespace

struct HttpServer::Impl {
  const Router& router;
  ServerLimits limits;
  RequestObserver observer;
  net::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> in_flight{0};
  std::atomic<std::size_t> body_bytes{0};  // reserved by requests whose body is being received
  std::atomic<bool> draining{false};
  std::mutex sessions_mutex;
  std::set<std::shared_ptr<struct Session>> idle_sessions;  // waiting for a request

  std::optional<net::steady_timer> drain_timer;
  std::chrono::steady_clock::time_point drain_deadline;

  Impl(const Router& r, ServerLimits l, RequestObserver o) : router(r), limits(l), observer(std::move(o)) {}
  void accept();
  void poll_drain();

  // Takes `n` bytes of the body budget; false when they do not fit. A body larger than
  // the whole budget fits only when nothing else is reserved.
  bool reserve_body(std::size_t n) {
    std::size_t cur = body_bytes.load();
    for (;;) {
      if (cur > 0 && cur + n > limits.body_budget) return false;
      if (body_bytes.compare_exchange_weak(cur, cur + n)) return true;
    }
  }
  void release_body(std::size_t n) { body_bytes -= n; }
};

struct Session : std::enable_shared_from_this<Session> {
  HttpServer::Impl& srv;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  std::optional<http::request_parser<http::string_body>> parser;
  std::string remote;
  std::chrono::steady_clock::time_point started;
  bool counted = true;
  std::size_t reserved = 0;        // bytes of the body budget this request holds
  std::uint64_t body_seen = 0;     // bytes of chunked body announced so far
  bool over_budget = false;        // a chunk did not fit the body budget
  std::function<void(std::uint64_t, beast::string_view, beast::error_code&)> on_chunk;

  Session(HttpServer::Impl& s, tcp::socket&& socket) : srv(s), stream(std::move(socket)) {
    beast::error_code ec;
    auto ep = stream.socket().remote_endpoint(ec);
    if (!ec) remote = ep.address().to_string();
  }

  ~Session() {
    if (counted) srv.connections--;
    release_budget();
  }

  bool take_budget(std::size_t n) {
    if (!srv.reserve_body(n)) return false;
    reserved += n;
    return true;
  }

  void release_budget() {
    srv.release_body(reserved);
    reserved = 0;
  }

  void mark_idle(bool idle) {
    std::lock_guard<std::mutex> lock(srv.sessions_mutex);
    if (idle) srv.idle_sessions.insert(shared_from_this());
    else srv.idle_sessions.erase(shared_from_this());
  }

  void start() { net::dispatch(stream.get_executor(), [self = shared_from_this()] { self->read_header(true); }); }

  void read_header(bool first) {
    if (srv.draining) return close();
    release_budget();
    over_budget = false;
    body_seen = 0;
    parser.emplace();
    parser->header_limit(static_cast<std::uint32_t>(srv.limits.header_limit));
    // No body limit while reading the header: Beast would refuse a Content-Length over
    // it before on_header knows the route, and the connection would close without an
    // answer. on_header sets the route's limit (and answers 413 for a declared length).
    // (Not boost::none: Beast 1.74 compares the length with the optional, and every
    // length is "greater" than none.)
    parser->body_limit(std::numeric_limits<std::uint64_t>::max());
    // First request: the header deadline; later ones: the idle keep-alive timeout.
    stream.expires_after(first ? srv.limits.header_timeout : srv.limits.idle_timeout);
    mark_idle(true);
    http::async_read_header(stream, buffer, *parser,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    mark_idle(false);
    if (ec == http::error::header_limit) return fail_fast(431, "header_too_large", "request headers are too large");
    if (ec) return close();
    started = std::chrono::steady_clock::now();
    auto& req = parser->get();
    const std::string target(req.target());
    auto head = head_of(req);
    // The route (and so its limit) is found from the decoded path, as the handler will be.
    const std::string path = head ? head->path : target.substr(0, target.find('?'));
    std::size_t limit = srv.router.body_limit(std::string(req.method_string()), path);
    parser->body_limit(limit);
    // Credentials before the body: whoever may not use the route is answered now (before
    // being told its size limit), and the body they would send is never received (nor
    // held in memory).
    if (!parser->is_done()) {
      if (!head) return fail_fast(400, "bad_request", "the request target is not valid");
      if (auto refused = srv.router.check_before_body(*head)) return fail_fast(std::move(*refused));
    }
    if (auto cl = parser->content_length(); cl && *cl > limit)
      return fail_fast(413, "body_too_large", "the request body is larger than the limit of " + std::to_string(limit) + " bytes");
    // The body budget: a declared length is reserved whole (the body buffer is allocated
    // at that size); a chunked body reserves each chunk as its header arrives. The first
    // small_body bytes of any body are not counted.
    if (auto cl = parser->content_length(); cl && *cl > srv.limits.small_body) {
      if (!take_budget(static_cast<std::size_t>(*cl - srv.limits.small_body))) return fail_overloaded();
    } else if (parser->chunked()) {
      on_chunk = [this](std::uint64_t size, beast::string_view, beast::error_code& cec) {
        const std::uint64_t before = std::max<std::uint64_t>(body_seen, srv.limits.small_body);
        body_seen += size;
        if (body_seen <= before) return;
        if (!take_budget(static_cast<std::size_t>(body_seen - before))) {
          over_budget = true;
          cec = net::error::no_buffer_space;
        }
      };
      parser->on_chunk_header(on_chunk);
    }
    // The whole request must arrive within the request deadline (slow-body clients).
    stream.expires_after(srv.limits.request_timeout);
    if (parser->is_done()) return on_body({});
    http::async_read(stream, buffer, *parser,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
  }

  void on_body(beast::error_code ec) {
    if (ec == http::error::body_limit) return fail_fast(413, "body_too_large", "the request body is too large");
    if (over_budget) return fail_overloaded();
    if (ec) return close();
    stream.expires_never();
    auto msg = parser->release();
    bool target_ok = false;
    Request req = request_of(msg, target_ok);
    const bool keep_alive = msg.keep_alive() && !srv.draining;
    Response res;
    if (!target_ok) {
      res = Response::error(400, "bad_request", "the request target is not valid");
    } else {
      req.body = std::move(msg.body());
      bool ok = true;
      if (auto ce = req.header("content-encoding"); ce && !ce->empty() && ascii_lower(*ce) != "identity") {
        if (ascii_lower(*ce) != "gzip") {
          res = Response::error(415, "unsupported_encoding", "only gzip request bodies are supported");
          ok = false;
        } else {
          std::string inflated;
          const std::size_t limit = srv.router.body_limit(req.method, req.path);
          switch (gzip_inflate(req.body, limit, inflated)) {
            case InflateStatus::ok: req.body = std::move(inflated); break;
            case InflateStatus::too_large:
              res = Response::error(413, "body_too_large", "the decompressed body is larger than the limit of " + std::to_string(limit) + " bytes");
              ok = false;
              break;
            case InflateStatus::malformed:
              res = Response::error(400, "bad_encoding", "the gzip body is malformed or truncated");
              ok = false;
              break;
          }
        }
      }
      if (ok) {
        srv.in_flight++;
        res = srv.router.handle(req);
        srv.in_flight--;
      }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (srv.observer) srv.observer(req, res, seconds);
    write(req, std::move(res), keep_alive, msg.version());
  }

  void write(const Request& req, Response res, bool keep_alive, unsigned version) {
    release_budget();  // the body has been handled (and is about to be freed)
    auto out = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(res.status), version);
    out->set(http::field::server, "trailpack");
    if (!res.content_type.empty()) out->set(http::field::content_type, res.content_type);
    out->set("X-Content-Type-Options", "nosniff");
    out->set("Referrer-Policy", "no-referrer");
    bool has_cache = false;
    std::string vary;  // one Vary field: the route's (Origin, for CORS) and ours
    for (const auto& [k, v] : res.headers) {
      if (ascii_lower(k) == "vary") {
        vary += (vary.empty() ? "" : ", ") + v;
        continue;
      }
      out->insert(k, v);
      if (ascii_lower(k) == "cache-control") has_cache = true;
    }
    if (!has_cache) out->set(http::field::cache_control, "no-store");
    if (res.body.size() > 1024 && compressible(res.content_type) && accepts_gzip(req)) {
      res.body = gzip_deflate(res.body);
      out->set(http::field::content_encoding, "gzip");
      vary += (vary.empty() ? "" : ", ") + std::string("Accept-Encoding");
    }
    if (!vary.empty()) out->set(http::field::vary, vary);
    out->keep_alive(keep_alive);
    if (res.head_only) {
      out->content_length(res.body.size());
    } else {
      out->body() = std::move(res.body);
      out->prepare_payload();
    }
    stream.expires_after(srv.limits.request_timeout);
    http::async_write(stream, *out, [self = shared_from_this(), out, keep_alive, head = res.head_only](beast::error_code ec, std::size_t) {
      if (ec || !keep_alive) return self->close();
      self->read_header(false);
    });
  }

  // The request without its body: method, target and headers, and the decoded path and
  // query when `target_ok`. Targets must be UTF-8 text: handlers look them up in the
  // database, and PostgreSQL refuses malformed UTF-8 and NUL in text outright.
  Request request_of(const http::request<http::string_body>& msg, bool& target_ok) const {
    Request r;
    r.method = std::string(msg.method_string());
    r.target = std::string(msg.target());
    r.remote = remote;
    for (const auto& f : msg) r.headers[ascii_lower(std::string(f.name_string()))] = std::string(f.value());
    const auto q = r.target.find('?');
    auto path = url_decode(std::string_view(r.target).substr(0, q), false);
    auto query = parse_query(q == std::string::npos ? std::string_view() : std::string_view(r.target).substr(q + 1));
    target_ok = path && query && is_storable_text(*path);
    if (target_ok)
      for (const auto& [k, v] : *query) target_ok = target_ok && is_storable_text(k) && is_storable_text(v);
    if (target_ok) {
      r.path = std::move(*path);
      r.query = std::move(*query);
    }
    return r;
  }

  // The request as far as its headers go, for checks made before the body; nothing when
  // the target is malformed.
  std::optional<Request> head_of(const http::request<http::string_body>& msg) const {
    bool target_ok = false;
    Request r = request_of(msg, target_ok);
    if (!target_ok) return std::nullopt;
    return r;
  }

  void fail_overloaded() {
    Response res = Response::error(503, "overloaded", "the server is receiving too much at once; try again shortly");
    res.header("Retry-After", "1");
    fail_fast(std::move(res));
  }

  void fail_fast(int status, const std::string& code, const std::string& message) {
    fail_fast(Response::error(status, code, message));
  }

  void fail_fast(Response res) {
    // Answer and close: the rest of the request is not read.
    release_budget();
    Request none;
    if (srv.observer) srv.observer(none, res, 0);
    auto out = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(res.status), 11);
    out->set(http::field::server, "trailpack");
    out->set(http::field::content_type, res.content_type);
    out->set("X-Content-Type-Options", "nosniff");
    out->set(http::field::cache_control, "no-store");
    for (const auto& [k, v] : res.headers) out->insert(k, v);
    out->set(http::field::connection, "close");
    out->body() = res.body;
    out->prepare_payload();
    out->keep_alive(false);
    stream.expires_after(std::chrono::seconds(5));
    http::async_write(stream, *out, [self = shared_from_this(), out](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->linger_close();
    });
  }

  // The client may still be sending the body we refused. Closing with unread data makes
  // the kernel reset the connection, and a reset can discard our answer before the client
  // reads it. So: half-close, read and drop what still arrives for up to 2 s, then close.
  void linger_close() {
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return close();
    stream.expires_after(std::chrono::seconds(2));
    drain(std::make_shared<std::array<char, 16384>>());
  }

  void drain(std::shared_ptr<std::array<char, 16384>> scratch) {
    stream.async_read_some(net::buffer(*scratch), [self = shared_from_this(), scratch](beast::error_code ec, std::size_t) {
      if (ec) return self->close();  // EOF from the client, or the 2 s are up
      self->drain(scratch);
    });
  }

  void close() {
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.socket().close(ec);
  }
};

void HttpServer::Impl::accept() {
  acceptor->async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted) return;
      // Out of descriptors and similar: keep accepting after a short pause.
      log_event("warn", "accept_failed", {{"error", ec.message()}});
    } else if (draining) {
      beast::error_code ignored;
      socket.close(ignored);
    } else if (connections.load() >= limits.max_connections) {
      beast::error_code ignored;
      socket.close(ignored);  // over the cap: refuse quickly, keep serving the others
    } else {
      connections++;
      std::make_shared<Session>(*this, std::move(socket))->start();
    }
    if (acceptor && acceptor->is_open()) accept();
  });
}

HttpServer::HttpServer(const Router& router, ServerLimits limits, RequestObserver observer)
    : impl_(std::make_unique<Impl>(router, limits, std::move(observer))) {}

HttpServer::~HttpServer() = default;

unsigned short HttpServer::listen(const std::string& address, unsigned short port) {
  tcp::endpoint ep(net::ip::make_address(address), port);
  impl_->acceptor.emplace(impl_->ioc);
  impl_->acceptor->open(ep.protocol());
  impl_->acceptor->set_option(net::socket_base::reuse_address(true));
  impl_->acceptor->bind(ep);
  impl_->acceptor->listen(net::socket_base::max_listen_connections);
  return impl_->acceptor->local_endpoint().port();
}

void HttpServer::run(int threads) {
  impl_->accept();
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([this] { impl_->ioc.run(); });
  impl_->ioc.run();
  for (auto& t : pool) t.join();
}

void HttpServer::stop() {
  net::post(impl_->ioc, [this] {
    impl_->draining = true;
    beast::error_code ec;
    if (impl_->acceptor) impl_->acceptor->close(ec);
    // Close connections that are waiting for a request; busy ones finish and then close.
    std::set<std::shared_ptr<Session>> idle;
    {
      std::lock_guard<std::mutex> lock(impl_->sessions_mutex);
      idle.swap(impl_->idle_sessions);
    }
    for (auto& s : idle) net::post(s->stream.get_executor(), [s] { s->stream.cancel(); });
    // Give in-flight requests up to 10 s, then stop the loop.
    impl_->drain_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    impl_->poll_drain();
  });
}

void HttpServer::Impl::poll_drain() {
  if (in_flight == 0 || std::chrono::steady_clock::now() > drain_deadline) {
    ioc.stop();
    return;
  }
  drain_timer.emplace(ioc);
  drain_timer->expires_after(std::chrono::milliseconds(20));
  drain_timer->async_wait([this](beast::error_code) { poll_drain(); });
}

std::size_t HttpServer::active_connections() const { return impl_->connections.load(); }

}  // namespace trailpack::server
