#include "engine/obs/http_endpoint.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>

#include "engine/flow/flow_metrics.h"
#include "engine/obs/metrics.h"

namespace tandem::engine {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// ---- a blocking test client on plain sockets, independent of the server's Asio code ----

class client_socket {
 public:
  // Connects to 127.0.0.1:port; valid() is false if that failed. Reads and writes time out
  // after `io_timeout` so a broken server fails the test instead of hanging it.
  explicit client_socket(std::uint16_t port, std::chrono::milliseconds io_timeout = 10s) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{.tv_sec = static_cast<time_t>(io_timeout.count() / 1000),
               .tv_usec = static_cast<suseconds_t>(io_timeout.count() % 1000 * 1000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) close();
  }
  ~client_socket() { close(); }
  client_socket(const client_socket&) = delete;
  client_socket& operator=(const client_socket&) = delete;

  bool valid() const { return fd_ >= 0; }
  // Makes close() send a RST instead of a FIN, like a client killed mid-exchange.
  void reset_on_close() {
    linger l{.l_onoff = 1, .l_linger = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Sends all of `data`; false on error (e.g. the server already closed).
  bool send_all(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Reads until the server closes (returns true) or an error/timeout (returns false).
  bool read_to_eof(std::string& out) {
    char buf[4096];
    for (;;) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) return true;
      if (n < 0) return false;
      out.append(buf, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_ = -1;
};

struct reply {
  int status = 0;  // 0: no complete response
  std::string head;
  std::string body;
};

reply parse_reply(const std::string& raw) {
  reply r;
  auto end = raw.find("\r\n\r\n");
  if (!raw.starts_with("HTTP/1.1 ") || end == std::string::npos) return r;
  r.status = std::stoi(raw.substr(9, 3));
  r.head = raw.substr(0, end + 2);
  r.body = raw.substr(end + 4);
  return r;
}

// One raw request on a fresh connection.
reply round_trip(std::uint16_t port, std::string_view request) {
  client_socket c(port);
  std::string raw;
  if (!c.valid() || !c.send_all(request) || !c.read_to_eof(raw)) return {};
  return parse_reply(raw);
}

reply get(std::uint16_t port, std::string_view path, std::string_view method = "GET") {
  return round_trip(port, std::string(method) + " " + std::string(path) +
                            " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: test\r\n\r\n");
}

http_endpoint_options listening_on(std::string listen) {
  http_endpoint_options o;
  o.listen = std::move(listen);
  return o;
}

// ---- fixture: an endpoint on 127.0.0.1:0, its io_context run by one background thread ----

class http_endpoint_test : public ::testing::Test {
 protected:
  void start(http_endpoint_options o = {}) {
    o.listen = "127.0.0.1:0";
    if (!o.ready) o.ready = [this] { return ready_.load(); };
    if (!o.not_ready_reason) o.not_ready_reason = [] { return "offset store not open"; };
    endpoint_.emplace(io_, metrics_, std::move(o));
    auto started = endpoint_->start();
    ASSERT_TRUE(started) << started.error();
    ASSERT_NE(endpoint_->port(), 0);
    loop_ = std::thread([this] { io_.run(); });
  }

  // stop() on the loop thread, as the contract asks; returns once it ran.
  void stop_on_loop() {
    std::promise<void> done;
    asio::post(io_, [&] {
      endpoint_->stop();
      done.set_value();
    });
    done.get_future().wait();
  }

  void TearDown() override {
    if (loop_.joinable()) {
      stop_on_loop();
      work_.reset();
      io_.stop();
      loop_.join();
    }
    endpoint_.reset();
  }

  std::uint16_t port() const { return endpoint_->port(); }

  metrics metrics_{"9.9.9"};
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::optional<http_endpoint> endpoint_;
  std::thread loop_;
  std::atomic<bool> ready_{false};
};

TEST_F(http_endpoint_test, metrics_returns_the_exposition_with_its_content_type) {
  metrics_.probe<flow_metrics>("west", "east").topic("orders").records.Increment(4);
  start();
  reply r = get(port(), "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.head.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
            std::string::npos)
      << r.head;
  EXPECT_NE(r.head.find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(r.body.find("tandem_build_info{version=\"9.9.9\"} 1"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("tandem_records_replicated_total{source=\"west\",target=\"east\","
                        "topic=\"orders\"} 4"),
            std::string::npos);
  EXPECT_NE(r.head.find("Content-Length: " + std::to_string(r.body.size()) + "\r\n"),
            std::string::npos);
}

TEST_F(http_endpoint_test, query_string_is_ignored) {
  start();
  EXPECT_EQ(get(port(), "/metrics?name[]=x").status, 200);
}

TEST_F(http_endpoint_test, head_has_headers_and_no_body) {
  start();
  reply r = get(port(), "/metrics", "HEAD");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.head.find("Content-Length: 0\r\n"), std::string::npos) << r.head;
}

TEST_F(http_endpoint_test, healthz_is_ok_while_the_loop_runs) {
  start();
  reply r = get(port(), "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");
}

TEST_F(http_endpoint_test, readyz_follows_the_readiness_callback) {
  start();
  reply before = get(port(), "/readyz");
  EXPECT_EQ(before.status, 503);
  EXPECT_EQ(before.body, "offset store not open\n");
  ready_ = true;
  reply after = get(port(), "/readyz");
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.body, "ready\n");
}

TEST_F(http_endpoint_test, readyz_without_a_callback_is_not_ready) {
  http_endpoint_options o;
  o.ready = [] { return false; };
  o.not_ready_reason = [] { return std::string(); };
  start(o);
  reply r = get(port(), "/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "not ready\n");
}

TEST_F(http_endpoint_test, a_throwing_callback_is_a_500_and_the_server_survives) {
  http_endpoint_options o;
  o.ready = []() -> bool { throw std::runtime_error("boom"); };
  start(o);
  EXPECT_EQ(get(port(), "/readyz").status, 500);
  EXPECT_EQ(get(port(), "/healthz").status, 200);
}

TEST_F(http_endpoint_test, unknown_path_is_404_and_other_methods_405) {
  start();
  EXPECT_EQ(get(port(), "/nope").status, 404);
  reply post = round_trip(port(), "POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");
  EXPECT_EQ(post.status, 405);
  EXPECT_NE(post.head.find("Allow: GET, HEAD\r\n"), std::string::npos) << post.head;
  EXPECT_EQ(get(port(), "/readyz", "DELETE").status, 405);
}

TEST_F(http_endpoint_test, malformed_request_line_is_400) {
  start();
  EXPECT_EQ(round_trip(port(), "garbage\r\n\r\n").status, 400);
  EXPECT_EQ(round_trip(port(), "GET /metrics SPDY/3\r\n\r\n").status, 400);
  EXPECT_EQ(round_trip(port(), "GET /healthz HTTP/1.0\n\n").status, 200);  // bare LF accepted
}

TEST_F(http_endpoint_test, oversized_header_is_431_and_later_requests_work) {
  start();
  std::string big = "GET /metrics HTTP/1.1\r\nX-Big: " + std::string(16 * 1024, 'a') + "\r\n\r\n";
  EXPECT_EQ(round_trip(port(), big).status, 431);
  EXPECT_EQ(get(port(), "/healthz").status, 200);
}

TEST_F(http_endpoint_test, endless_garbage_is_cut_off_and_later_requests_work) {
  start();
  {
    client_socket c(port());
    ASSERT_TRUE(c.valid());
    std::string chunk(64 * 1024, 'x');
    // The server answers 431, drains a bounded amount and closes: some send fails then.
    for (int i = 0; i < 64 && c.send_all(chunk); ++i) {
    }
  }
  EXPECT_EQ(get(port(), "/healthz").status, 200);
}

TEST_F(http_endpoint_test, abrupt_disconnects_do_not_hurt) {
  start();
  {
    client_socket half(port());
    ASSERT_TRUE(half.send_all("GET /metr"));
  }  // closed mid-request
  {
    client_socket no_read(port());
    ASSERT_TRUE(no_read.send_all("GET /metrics HTTP/1.1\r\n\r\n"));
    no_read.reset_on_close();  // gone before reading the response
  }
  EXPECT_EQ(get(port(), "/healthz").status, 200);
}

TEST_F(http_endpoint_test, a_silent_connection_does_not_block_others) {
  http_endpoint_options o;
  o.timeout = 60s;  // far longer than the assertion below allows
  start(o);
  client_socket silent(port());
  ASSERT_TRUE(silent.valid());
  auto begin = std::chrono::steady_clock::now();
  EXPECT_EQ(get(port(), "/healthz").status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 10s);
}

TEST_F(http_endpoint_test, a_silent_connection_is_closed_at_the_deadline) {
  http_endpoint_options o;
  o.timeout = 200ms;
  start(o);
  client_socket silent(port(), 100ms);
  ASSERT_TRUE(silent.valid());
  // Poll: each read_to_eof returns after at most 100 ms; true once the server closed.
  std::string ignored;
  bool closed = false;
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       !closed && std::chrono::steady_clock::now() < deadline;) {
    closed = silent.read_to_eof(ignored);
  }
  EXPECT_TRUE(closed);
  EXPECT_TRUE(ignored.empty());
}

// A scraper storm: connections beyond max_connections are closed at accept, unanswered, and
// counted; once the held ones close, /metrics answers again.
TEST_F(http_endpoint_test, connections_beyond_the_cap_are_closed_and_counted) {
  http_endpoint_options o;
  o.max_connections = 3;
  o.timeout = 60s;  // the held connections stay open for the whole test
  start(o);
  std::vector<std::unique_ptr<client_socket>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<client_socket>(port()));
    ASSERT_TRUE(held.back()->valid());
  }
  // Accepted in order: the three above are being served, these two are over the cap. The
  // server closes them without a byte: read_to_eof sees the end (true), not its 10 s timeout.
  for (int i = 0; i < 2; ++i) {
    client_socket extra(port());
    ASSERT_TRUE(extra.valid());
    std::string got;
    EXPECT_TRUE(extra.read_to_eof(got)) << "connection " << i << " over the cap not closed";
    EXPECT_TRUE(got.empty()) << got;
  }
  held.clear();  // the server sees EOF and frees their slots
  reply r;
  int refused = 0;  // attempts closed unanswered because the slots were still taken
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       r.status != 200 && std::chrono::steady_clock::now() < deadline;) {
    r = get(port(), "/metrics");
    if (r.status == 0) ++refused;
  }
  ASSERT_EQ(r.status, 200);
  auto at = r.body.find("\ntandem_http_rejected_connections_total ");
  ASSERT_NE(at, std::string::npos) << r.body;
  EXPECT_EQ(std::stod(r.body.substr(at + 40)), 2 + refused);
}

TEST_F(http_endpoint_test, stop_closes_the_listening_socket) {
  start();
  std::uint16_t p = port();
  ASSERT_EQ(get(p, "/healthz").status, 200);
  stop_on_loop();
  EXPECT_FALSE(client_socket(p).valid());
}

TEST(http_endpoint_start, a_port_in_use_is_an_error_naming_the_address) {
  asio::io_context io;
  metrics m("test");
  http_endpoint first(io, m, listening_on("127.0.0.1:0"));
  ASSERT_TRUE(first.start());
  std::string taken = "127.0.0.1:" + std::to_string(first.port());
  http_endpoint second(io, m, listening_on(taken));
  auto r = second.start();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().starts_with("cannot listen on " + taken + ": ")) << r.error();
  EXPECT_EQ(second.port(), 0);
}

TEST(http_endpoint_start, a_bad_address_is_an_error_not_an_exception) {
  asio::io_context io;
  metrics m("test");
  for (const char* listen : {"nonsense", "127.0.0.1:99999", "127.0.0.1:", ":9464",
                             "::1:9464", "[::1]9464", "127.0.0.1:-1", "127.0.0.1:80x",
                             "192.0.2.1:9464" /* TEST-NET: not a local address */}) {
    http_endpoint e(io, m, listening_on(listen));
    auto r = e.start();
    ASSERT_FALSE(r) << listen;
    EXPECT_TRUE(r.error().starts_with(std::string("cannot listen on ") + listen + ": "))
        << r.error();
  }
}

TEST(http_endpoint_start, ipv6_loopback_in_brackets_binds) {
  asio::io_context io;
  metrics m("test");
  http_endpoint e(io, m, listening_on("[::1]:0"));
  auto r = e.start();
  if (!r && r.error().find("not available") != std::string::npos) GTEST_SKIP() << r.error();
  ASSERT_TRUE(r) << r.error();
  EXPECT_NE(e.port(), 0);
}

TEST(http_endpoint_start, a_host_name_is_resolved) {
  asio::io_context io;
  metrics m("test");
  http_endpoint e(io, m, listening_on("localhost:0"));  // /etc/hosts, no DNS
  auto r = e.start();
  ASSERT_TRUE(r) << r.error();
  EXPECT_NE(e.port(), 0);
}

TEST(http_endpoint_start, starting_twice_is_an_error) {
  asio::io_context io;
  metrics m("test");
  http_endpoint e(io, m, listening_on("127.0.0.1:0"));
  ASSERT_TRUE(e.start());
  EXPECT_FALSE(e.start());
}

}  // namespace
}  // namespace tandem::engine
