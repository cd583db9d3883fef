// The daemon's runtime shell (engine/daemon/service.h): stop wakes a waiting service at once,
// the restart backoff resets after a healthy period, and a service that cannot start shows on
// /readyz (in the group, and end to end through run_daemon with a flow that cannot be built).
#include "engine/daemon/service.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <future>
#include <string>
#include <thread>

#include "engine/config/config.h"
#include "engine/daemon/daemon.h"
#include "tests/fakes/memory_journal.h"
#include "offsets/store.h"
#include "tests/fakes/temp_dir.h"

namespace tandem::engine {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

TEST(service, a_stop_wakes_a_waiting_service_at_once) {
  std::promise<void> waiting;
  std::promise<bool> woke;
  service s("waiter", [&](service_context& ctx) {
    waiting.set_value();
    woke.set_value(ctx.wait_for(std::chrono::hours(1)));
  });
  waiting.get_future().wait();
  auto t0 = clock_type::now();
  s.request_stop();
  auto result = woke.get_future();
  ASSERT_EQ(result.wait_for(5s), std::future_status::ready) << "the wait did not end on stop";
  EXPECT_FALSE(result.get()) << "wait_for reports the stop";
  s.join();
  EXPECT_LT(clock_type::now() - t0, 1s);
  EXPECT_TRUE(s.finished());
}

TEST(service, the_cancel_flag_follows_the_stop) {
  std::promise<const std::atomic<bool>*> flag;
  service s("cancel", [&](service_context& ctx) {
    flag.set_value(&ctx.cancel());
    ctx.wait_for(std::chrono::hours(1));
  });
  const std::atomic<bool>* cancel = flag.get_future().get();
  EXPECT_FALSE(*cancel);
  s.request_stop();
  EXPECT_TRUE(*cancel);  // set by the stop callback, before request_stop returns
  s.join();
}

TEST(stop_waiter, a_stop_requested_before_the_wait_returns_at_once) {
  stop_waiter w;
  std::stop_source src;
  src.request_stop();
  auto t0 = clock_type::now();
  EXPECT_FALSE(w.wait_for(src.get_token(), std::chrono::hours(1)));
  EXPECT_LT(clock_type::now() - t0, 1s);
}

TEST(stop_waiter, without_a_stop_the_wait_lasts_its_time) {
  stop_waiter w;
  std::stop_source src;
  auto t0 = clock_type::now();
  EXPECT_TRUE(w.wait_for(src.get_token(), 20ms));
  EXPECT_GE(clock_type::now() - t0, 20ms);
}

TEST(restart_backoff, doubles_up_to_the_maximum_and_resets_after_a_healthy_period) {
  restart_backoff b(1s, 30s, 60s);
  std::vector<std::chrono::milliseconds> delays;
  for (int i = 0; i < 7; ++i) delays.push_back(b.next(5s));
  EXPECT_EQ(delays, (std::vector<std::chrono::milliseconds>{1s, 2s, 4s, 8s, 16s, 30s, 30s}));
  EXPECT_EQ(b.next(59s), 30s) << "shorter than the healthy period: no reset";
  EXPECT_EQ(b.next(60s), 1s) << "a flow that ran healthily for 60 s restarts at 1 s";
  EXPECT_EQ(b.next(0s), 2s);
}

TEST(service_group, a_service_that_cannot_start_keeps_it_not_ready_with_its_reason) {
  service_group g;
  std::promise<void> failed;
  g.start("healthy", [](service_context& ctx) {
    ctx.set_ready(true);
    ctx.wait_for(std::chrono::hours(1));
  }, true);
  g.start("west->east checkpoints", [&](service_context& ctx) {
    ctx.fail("checkpoints disabled: bad group regex");
    failed.set_value();
  });
  failed.get_future().wait();
  EXPECT_FALSE(g.ready());
  EXPECT_EQ(g.not_ready_reason(), "west->east checkpoints: checkpoints disabled: bad group regex");
  g.request_stop();
  g.join();
  EXPECT_FALSE(g.ready()) << "a failure stays";
}

TEST(service_group, ready_once_every_service_is_ready_and_a_finished_one_counts) {
  service_group g;
  std::promise<void> done;
  g.start("restore", [&](service_context&) { done.set_value(); });
  g.join();  // the restore finished without failing
  EXPECT_TRUE(g.ready()) << g.not_ready_reason();
  std::promise<void> set;
  std::promise<void> release;
  g.start("flow", [&](service_context& ctx) {
    ctx.set_ready(false, "west: unreachable");
    set.set_value();
    release.get_future().wait();
  });
  set.get_future().wait();
  EXPECT_FALSE(g.ready());
  EXPECT_EQ(g.not_ready_reason(), "flow: west: unreachable");
  release.set_value();
  g.join();
}

// ---- end to end: run_daemon with a flow whose client config librdkafka refuses ----

// GET `path` on 127.0.0.1:port: (status, body); status 0 when the request failed.
std::pair<int, std::string> http_get(uint16_t port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{.tv_sec = 5, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string in;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
    if (::send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) in.append(buf, n);
    }
  }
  ::close(fd);
  if (in.size() < 12) return {0, in};
  auto body = in.find("\r\n\r\n");
  return {std::stoi(in.substr(9, 3)), body == in.npos ? "" : in.substr(body + 4)};
}

config bad_west_config() {
  auto cfg = load_config_string(R"(region = "east"
state_dir = "/tmp/tandem-service-test"

[clusters.east]
bootstrap = "127.0.0.1:1"

[clusters.west]
bootstrap = "127.0.0.1:1"

[clusters.west.librdkafka]
"no.such.property" = "1"

[metrics]
listen = "127.0.0.1:9"
)", "east.toml");
  EXPECT_TRUE(cfg) << cfg.error().render();
  cfg->metrics.listen = "127.0.0.1:0";  // any free port
  return *cfg;
}

// run_daemon on its own thread until stop(); the metrics port once it listens.
struct daemon_under_test {
  config cfg = bad_west_config();
  daemon_options o;
  std::promise<uint16_t> port_promise;
  std::future<int> exit_code;
  uint16_t port = 0;

  void start() {
    o.on_listening = [this](unsigned short p) { port_promise.set_value(p); };
    exit_code = std::async(std::launch::async, [this] {
      return run_daemon(cfg, [](const std::string&, const std::string&)
                                 -> std::expected<std::unique_ptr<flow_journal>, std::string> {
        return std::make_unique<memory_journal>();
      }, o);
    });
    port = port_promise.get_future().get();
  }
  // Polls `path` until its body contains `text` (10 s at most); the last reply.
  std::pair<int, std::string> wait_for_text(const std::string& path, const std::string& text) {
    std::pair<int, std::string> r;
    for (auto until = clock_type::now() + 10s; clock_type::now() < until;) {
      r = http_get(port, path);
      if (r.second.find(text) != std::string::npos) break;
      std::this_thread::sleep_for(20ms);  // between polls of the condition, not instead of it
    }
    return r;
  }
  int stop() {
    ::kill(::getpid(), SIGTERM);  // the daemon's signal set takes it
    if (exit_code.wait_for(10s) != std::future_status::ready) return -1;
    return exit_code.get();
  }
};

TEST(run_daemon, a_flow_that_cannot_be_built_shows_on_readyz_and_the_daemon_still_stops) {
  daemon_under_test d;
  d.start();
  auto r = d.wait_for_text("/readyz", "no.such.property");
  EXPECT_EQ(r.first, 503);
  EXPECT_NE(r.second.find("west->east: "), std::string::npos) << r.second;
  EXPECT_NE(r.second.find("no.such.property"), std::string::npos) << r.second;
  EXPECT_EQ(http_get(d.port, "/healthz").first, 200);
  EXPECT_EQ(d.stop(), 0);
}

// With a state store the daemon reports tandem_offset_map_runs of its own and peer flows from
// the store.
TEST(run_daemon, reports_the_offset_map_runs_of_the_store) {
  tandem::testing::temp_dir dir;
  auto store = std::make_shared<offsets::offset_store>(offsets::offset_store::open(dir.path()).value());
  for (auto [flow, n] : {std::pair<offsets::flow_id, int>{{"west", "east"}, 3}, {{"east", "west"}, 2}})
    for (int i = 0; i < n; ++i) {
      offsets::partition_batch b{{flow, "orders", i}, {{{0}, {0}, 5}}, {}};
      ASSERT_TRUE(store->commit_batch({&b, 1}));
    }
  daemon_under_test d;
  d.o.state = store;
  d.o.restore = false;
  d.o.learn_peer_runs = false;
  d.start();
  auto m = d.wait_for_text("/metrics", "tandem_offset_map_runs{source=\"east\",target=\"west\"} 2");
  EXPECT_NE(m.second.find("tandem_offset_map_runs{source=\"west\",target=\"east\"} 3"),
            std::string::npos) << m.second;
  EXPECT_NE(m.second.find("tandem_offset_map_runs{source=\"east\",target=\"west\"} 2"),
            std::string::npos) << m.second;
  EXPECT_EQ(d.stop(), 0);
}

}  // namespace
}  // namespace tandem::engine
