// A minimal HTTP/1.1 server for /metrics, /healthz and /readyz (docs/design.md, "Observability"),
// on Boost.Asio without Beast (docs/toolchain.md: a Beast TU costs ~23 s and ~800 MB to compile).
//
//   GET|HEAD /metrics  200  text/plain; version=0.0.4  metrics::serialize()
//   GET|HEAD /healthz  200  "ok\n"        served by the control loop itself: an answer proves
//                                         the loop runs; a stuck loop times the probe out
//   GET|HEAD /readyz   200  "ready\n"     when options::ready() returns true
//                      503  reason + "\n" otherwise (options::not_ready_reason(), or "not ready")
//   other path         404     other method on a known path  405 (Allow: GET, HEAD)
//   malformed request  400     request head > max_request_bytes  431
//   a handler that throws      500
// The query string is ignored. Every response carries Content-Length and `Connection: close`;
// one request per connection (Prometheus and kubelet probes are fine with that).
//
// Connections: at most options.max_connections are served at once. One accepted beyond that is
// closed at once, unread and unanswered (no 503: answering would mean reading the request,
// holding the descriptor the cap is there to spare), and counted in
// tandem_http_rejected_connections_total. Scrapers retry on their next interval.
//
// Operation, per connection: accept → read the request head (up to the blank line) under a
// deadline → answer → shut down the send side → drain what the client still sends until it
// closes or the deadline passes (closing with unread input would reset the connection and could
// destroy the response in flight) → close. A client that sends nothing, or reads too slowly,
// is cut off at the deadline; it never blocks other connections.
//
// Threading: the endpoint lives on the caller's io_context, which must be run by one thread
// (the daemon's control loop): handlers are not synchronised otherwise. Call start() and
// stop() on that thread, or before it runs (from elsewhere: asio::post(io, [&] { ep.stop(); })).
// The ready/not_ready_reason callbacks and metrics::serialize() run on that thread; they should
// be quick and must not block. Nothing throws out of a completion handler. Destroy the endpoint
// before the io_context (the usual Asio rule for I/O objects).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

namespace tandem::engine {

class metrics;
namespace detail {
struct http_state;  // in http_endpoint.cc
}

struct http_endpoint_options {
  // "host:port" to listen on: an IPv4 or IPv6 address ("[::1]:9464") or a host name resolved
  // once at start(). Port 0 picks a free port (see http_endpoint::port()).
  std::string listen = "127.0.0.1:9464";
  // /readyz: true when ready. Unset: never ready.
  std::function<bool()> ready;
  // /readyz body when not ready, e.g. "offset store not open". Unset: "not ready".
  std::function<std::string()> not_ready_reason;
  // Time a connection may take from accept to close, re-armed for the response.
  // Default: 5 s.
  std::chrono::milliseconds timeout = std::chrono::seconds(5);
  // Longest request head (request line and headers) accepted; longer → 431. Default: 8 KiB.
  std::size_t max_request_bytes = 8 * 1024;
  // Connections open at once (being read, answered or drained); more are closed at accept.
  // Default: 16 ([metrics] max_connections).
  std::size_t max_connections = 16;
};

class http_endpoint {
 public:
  // `m` must outlive the endpoint's stop() (or destruction); it is not used after that. The
  // endpoint registers tandem_http_rejected_connections_total in it.
  http_endpoint(boost::asio::io_context& io, metrics& m, http_endpoint_options options);
  // Calls stop().
  ~http_endpoint();
  http_endpoint(const http_endpoint&) = delete;
  http_endpoint& operator=(const http_endpoint&) = delete;

  // Binds and listens on options.listen, then accepts on the io_context.
  // Success: port() is the bound port. Error (address unparsable or unresolvable, port in use,
  // permission denied, already started) a message naming the address, e.g.
  // `cannot listen on 127.0.0.1:9464: Address already in use`. Never throws.
  std::expected<void, std::string> start();

  // Closes the acceptor and every open connection. Afterwards no callback is invoked and
  // `metrics` is not touched; handlers still queued on the io_context only release their
  // sockets. Idempotent; start() is not allowed again.
  void stop();

  // The bound port after a successful start(), else 0.
  std::uint16_t port() const { return port_; }

 private:
  boost::asio::io_context& io_;
  // Shared with the connections, so a handler still queued after stop() or destruction finds
  // its socket and timer alive and sees `stopped`.
  std::shared_ptr<detail::http_state> state_;
  std::uint16_t port_ = 0;
};

}  // namespace tandem::engine
