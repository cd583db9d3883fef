#include "engine/obs/http_endpoint.h"

#include <array>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include <boost/asio.hpp>

#include "engine/obs/host_port.h"
#include "engine/obs/metrics.h"

namespace tandem::engine {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace detail {
class connection;

// Everything a connection's handlers may touch, kept alive by the connections themselves.
inline constexpr family_spec k_rejected{
    "tandem_http_rejected_connections_total",
    "Connections to the metrics endpoint closed at accept: max_connections were open."};

struct http_state {
  http_state(asio::io_context& io, metrics& m, http_endpoint_options o)
      : served(&m),
        rejected(&m.counter(k_rejected).Add({})),
        options(std::move(o)),
        acceptor(io),
        accept_retry(io) {}

  const metrics* served;  // its serialize() answers /metrics; not used once `stopped`
  prometheus::Counter* rejected;  // lives as long as `served`
  http_endpoint_options options;
  tcp::acceptor acceptor;
  asio::steady_timer accept_retry;  // backs off after accept errors such as EMFILE
  bool started = false;
  bool stopped = false;
  std::unordered_set<connection*> connections;  // open ones, closed by stop()
};
}  // namespace detail

namespace {

using detail::http_state;

// ---- request parsing and routing: pure, no I/O ----------------------------------------------

struct response {
  int status = 200;
  std::string_view reason = "OK";
  std::string body;
  std::string_view content_type = "text/plain; charset=utf-8";
  bool allow = false;  // add "Allow: GET, HEAD" (405)
};

response plain(int status, std::string_view reason, std::string body) {
  return {.status = status, .reason = reason, .body = std::move(body)};
}

response readiness(const http_endpoint_options& o) {
  if (o.ready && o.ready()) return plain(200, "OK", "ready\n");
  std::string why = o.not_ready_reason ? o.not_ready_reason() : std::string();
  if (why.empty()) why = "not ready";
  return plain(503, "Service Unavailable", why + "\n");
}

// Answers the request line `line` ("GET /metrics HTTP/1.1"). May throw (callbacks, bad_alloc);
// the caller turns that into a 500.
response route(std::string_view line, const http_state& s, bool& head) {
  auto sp1 = line.find(' ');
  auto sp2 = sp1 == line.npos ? line.npos : line.find(' ', sp1 + 1);
  if (sp2 == line.npos || !line.substr(sp2 + 1).starts_with("HTTP/1.")) {
    return plain(400, "Bad Request", "bad request\n");
  }
  std::string_view method = line.substr(0, sp1);
  std::string_view path = line.substr(sp1 + 1, sp2 - sp1 - 1);
  path = path.substr(0, path.find('?'));
  head = method == "HEAD";

  if (path != "/metrics" && path != "/healthz" && path != "/readyz") {
    return plain(404, "Not Found", "not found\n");
  }
  if (method != "GET" && !head) {
    response r = plain(405, "Method Not Allowed", "method not allowed\n");
    r.allow = true;
    return r;
  }
  if (path == "/healthz") return plain(200, "OK", "ok\n");
  if (path == "/readyz") return readiness(s.options);
  response r = plain(200, "OK", s.served->serialize());
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return r;
}

std::string render(const response& r, bool head) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + std::string(r.reason) +
                    "\r\nContent-Type: " + std::string(r.content_type) +
                    "\r\nContent-Length: " + std::to_string(r.body.size()) +
                    "\r\nConnection: close\r\n";
  if (r.allow) out += "Allow: GET, HEAD\r\n";
  out += "\r\n";
  if (!head) out += r.body;
  return out;
}

// Match condition for async_read_until: the blank line ending the request head, "\r\n\r\n" or
// a lenient "\n\n". Without a match it asks to rescan from the start: heads are capped at
// max_request_bytes, so rescanning is cheap and needs no state across reads.
using head_iterator = asio::buffers_iterator<asio::streambuf::const_buffers_type>;
std::pair<head_iterator, bool> end_of_head(head_iterator begin, head_iterator end) {
  int newlines = 0;
  for (auto i = begin; i != end; ++i) {
    if (*i == '\n') {
      if (++newlines == 2) return {i + 1, true};
    } else if (*i != '\r') {
      newlines = 0;
    }
  }
  return {begin, false};
}

}  // namespace

namespace detail {

// One accepted socket, one request. Lifetime: owned by its pending handlers (shared_from_this).
// Invariant: every path ends in close(), and the deadline bounds every wait.
class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(std::shared_ptr<http_state> s, tcp::socket socket)
      : state_(std::move(s)),
        socket_(std::move(socket)),
        deadline_(socket_.get_executor()),
        in_(state_->options.max_request_bytes) {}
  ~connection() { state_->connections.erase(this); }

  void start() {
    state_->connections.insert(this);
    arm_deadline();
    asio::async_read_until(socket_, in_, end_of_head,
                           [self = shared_from_this()](error_code ec, std::size_t) {
                             self->guarded([&] { self->on_read(ec); });
                           });
  }

  // Closes the socket: pending operations complete with operation_aborted.
  void close() noexcept {
    error_code ignored;
    socket_.close(ignored);
    try {
      deadline_.cancel();
    } catch (...) {  // cancel() reports failure by exception; nothing left to do about it
    }
  }

 private:
  template <typename F>
  void guarded(F f) noexcept {
    try {
      f();
    } catch (...) {
      close();
    }
  }

  void arm_deadline() {
    deadline_.expires_after(state_->options.timeout);
    deadline_.async_wait([self = shared_from_this()](error_code ec) {
      // A re-armed timer may still deliver an expiry queued before; check the time.
      if (!ec && self->deadline_.expiry() <= asio::steady_timer::clock_type::now()) {
        self->close();
      }
    });
  }

  void on_read(error_code ec) {
    if (state_->stopped) return close();
    if (ec == asio::error::not_found) {  // the head filled max_request_bytes
      return respond(render(plain(431, "Request Header Fields Too Large",
                                  "request header fields too large\n"),
                            false));
    }
    if (ec) return close();  // EOF, reset, or closed by the deadline
    std::string_view data(static_cast<const char*>(in_.data().data()), in_.size());
    std::string_view line = data.substr(0, data.find('\n'));
    if (line.ends_with('\r')) line.remove_suffix(1);
    bool head = false;
    std::string out;
    try {
      response r = route(line, *state_, head);  // sets `head`: not in one expression with render
      out = render(r, head);
    } catch (...) {
      out = render(plain(500, "Internal Server Error", "internal error\n"), head);
    }
    respond(std::move(out));
  }

  void respond(std::string out) {
    out_ = std::move(out);
    arm_deadline();
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](error_code ec, std::size_t) {
                        self->guarded([&] { self->on_written(ec); });
                      });
  }

  void on_written(error_code ec) {
    if (ec) return close();
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    drain();
  }

  // Reads and discards until the client closes, max_drain bytes, or the deadline.
  void drain() {
    socket_.async_read_some(asio::buffer(scratch_),
                            [self = shared_from_this()](error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > max_drain) return self->close();
                              self->guarded([&] { self->drain(); });
                            });
  }

  static constexpr std::size_t max_drain = 64 * 1024;

  std::shared_ptr<http_state> state_;
  tcp::socket socket_;
  asio::steady_timer deadline_;
  asio::streambuf in_;
  std::string out_;
  std::array<char, 1024> scratch_{};
  std::size_t drained_ = 0;
};

}  // namespace detail

namespace {

void accept_next(const std::shared_ptr<http_state>& s);

void on_accept(const std::shared_ptr<http_state>& s, error_code ec, tcp::socket socket) {
  if (s->stopped || ec == asio::error::operation_aborted) return;
  try {
    if (ec) {  // e.g. too many open files: retry later rather than spin
      s->accept_retry.expires_after(std::chrono::milliseconds(100));
      s->accept_retry.async_wait([s](error_code wait_ec) {
        if (!wait_ec && !s->stopped) accept_next(s);
      });
      return;
    }
    if (s->connections.size() >= s->options.max_connections) {
      error_code ignored;
      socket.close(ignored);  // unread: the client sees its connection closed (or reset)
      s->rejected->Increment();
    } else {
      std::make_shared<detail::connection>(s, std::move(socket))->start();
    }
  } catch (...) {  // bad_alloc: drop this connection, keep accepting
  }
  try {
    accept_next(s);
  } catch (...) {
  }
}

void accept_next(const std::shared_ptr<http_state>& s) {
  s->acceptor.async_accept(
      [s](error_code ec, tcp::socket socket) { on_accept(s, ec, std::move(socket)); });
}

// "host:port" or "[v6]:port" → endpoint. Host names are resolved (blocking, once, at start).
std::expected<tcp::endpoint, std::string> parse_listen(asio::io_context& io,
                                                       std::string_view listen) {
  auto hp = parse_host_port(listen);
  if (!hp) return std::unexpected(hp.error());
  if (hp->number > 65535) return std::unexpected("port must be a number from 0 to 65535");
  error_code ec;
  auto address = asio::ip::make_address(hp->host, ec);
  if (!ec) return tcp::endpoint(address, static_cast<std::uint16_t>(hp->number));
  tcp::resolver resolver(io);
  auto results = resolver.resolve(hp->host, hp->port, tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    return std::unexpected("cannot resolve host: " + (ec ? ec.message() : "no address"));
  }
  return results.begin()->endpoint();
}

}  // namespace

http_endpoint::http_endpoint(asio::io_context& io, metrics& m,
                             http_endpoint_options options)
    : io_(io), state_(std::make_shared<detail::http_state>(io, m, std::move(options))) {}

http_endpoint::~http_endpoint() { stop(); }

std::expected<void, std::string> http_endpoint::start() {
  const std::string& listen = state_->options.listen;
  if (state_->started || state_->stopped) {
    return std::unexpected("cannot listen on " + listen + ": endpoint already started");
  }
  auto fail = [&](const std::string& why) {
    error_code ignored;
    state_->acceptor.close(ignored);
    return std::unexpected("cannot listen on " + listen + ": " + why);
  };
  try {
    auto endpoint = parse_listen(io_, listen);
    if (!endpoint) return fail(endpoint.error());
    auto& acceptor = state_->acceptor;
    error_code ec;
    acceptor.open(endpoint->protocol(), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor.bind(*endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail(ec.message());
    port_ = acceptor.local_endpoint(ec).port();
    if (ec) return fail(ec.message());
    state_->started = true;
    accept_next(state_);
    return {};
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

void http_endpoint::stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  error_code ignored;
  state_->acceptor.close(ignored);
  try {
    state_->accept_retry.cancel();
  } catch (...) {
  }
  // close() only cancels: no connection is destroyed (or leaves the set) during this loop.
  for (auto* c : std::vector(state_->connections.begin(), state_->connections.end())) {
    c->close();
  }
}

}  // namespace tandem::engine
