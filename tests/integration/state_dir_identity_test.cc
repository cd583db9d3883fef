// Acceptance, the state directory's identity on real Kafka (docs/design.md "Safety rules"):
//   1. region b's process records region b and the cluster ids of a and b in its state_dir;
//      pointed at another cluster (c) as its local cluster b with the same state_dir, `tandem
//      run` exits 2 naming the directory, the recorded id and the id c reports;
//   2. a state_dir of region a used by region b's config: exit 2, naming both regions;
//   3. a cluster unreachable at start does not hold the start; when it answers later with
//      another id than the recorded one (here: a forwarder to cluster c that starts listening
//      on cluster a's configured address while tandem runs), the flows stop and tandem exits 2.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>

#include "offsets/store.h"
#include "tests/integration/engine_scenario.h"

namespace tandem::testing {
namespace {

using namespace std::chrono_literals;

// Starts `p` with its (rewritten) config and waits for it to exit by itself.
exit_status run_to_exit(tandem_process& p, std::chrono::milliseconds deadline) {
  if (auto err = p.start(); !err.empty()) {
    ADD_FAILURE() << err;
    return {};
  }
  if (!wait_until([&] { return !p.running(); }, deadline, 50ms)) {
    ADD_FAILURE() << "tandem " << p.region() << " still runs after the deadline";
    return p.kill();
  }
  return *p.last_exit();
}

// Writes `p`'s config file again: `o` with `state_dir`, on p's metrics port.
void rewrite_config(const tandem_process& p, const tandem_options& o,
                    const std::filesystem::path& state_dir) {
  std::ofstream(p.config_path(), std::ios::trunc) << tandem_config_text(o, state_dir, p.port());
}

// The identity recorded in a stopped process's state_dir.
std::optional<offsets::store_identity> identity_of(const std::filesystem::path& state_dir) {
  auto store = offsets::offset_store::open(
      state_dir, {offsets::open_options::access::read_only, false, {}});
  if (!store) {
    ADD_FAILURE() << store.error().message;
    return std::nullopt;
  }
  auto id = store->identity();
  if (!id) ADD_FAILURE() << id.error().message;
  return id ? *id : std::nullopt;
}

int connect_to(unsigned short port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Listens on 127.0.0.1:`port` and forwards every connection to 127.0.0.1:`to` (a bootstrap
// broker: Kafka's metadata then names the brokers' own addresses). Until stopped.
class tcp_forwarder {
 public:
  tcp_forwarder(unsigned short port, unsigned short to) : to_(to) {
    listen_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = ::bind(listen_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
          ::listen(listen_, 16) == 0;
    if (ok_) accepter_ = std::thread([this] { accept_loop(); });
  }
  ~tcp_forwarder() {
    stop_ = true;
    if (accepter_.joinable()) accepter_.join();
    for (auto& t : pipes_) t.join();
    ::close(listen_);
  }
  bool ok() const { return ok_; }

 private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{listen_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      int in = ::accept(listen_, nullptr, nullptr);
      if (in < 0) continue;
      int out = connect_to(to_);
      if (out < 0) {
        ::close(in);
        continue;
      }
      pipes_.emplace_back([this, in, out] { pipe(in, out); });
    }
  }
  // Copies both ways until either side closes or the forwarder stops.
  void pipe(int a, int b) {
    char buf[16384];
    for (bool open = true; open && !stop_;) {
      pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
      if (::poll(p, 2, 100) <= 0) continue;
      for (int i = 0; i < 2 && open; ++i) {
        if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        ssize_t n = ::recv(p[i].fd, buf, sizeof buf, 0);
        open = n > 0 && ::send(p[1 - i].fd, buf, static_cast<size_t>(n), MSG_NOSIGNAL) == n;
      }
    }
    ::close(a);
    ::close(b);
  }

  unsigned short to_;
  int listen_ = -1;
  bool ok_ = false;
  std::atomic<bool> stop_{false};
  std::thread accepter_;
  std::vector<std::thread> pipes_;  // accept thread only, joined after it
};

unsigned short port_of(const std::string& bootstrap) {
  return static_cast<unsigned short>(std::stoi(bootstrap.substr(bootstrap.rfind(':') + 1)));
}

TEST(state_dir_identity, another_cluster_or_region_is_refused_with_exit_2) {
  auto eps = region_endpoints(3);
  ASSERT_EQ(eps.size(), 3u);
  const auto& a = eps[0];
  const auto& b = eps[1];
  const auto& c = eps[2];
  const std::string topic = unique_topic("state-identity");
  const std::vector<region_endpoint> ab = {a, b};

  // 1. b's own state_dir, recorded on a first run.
  auto pb = start_tandem(b.alias, ab, {topic});
  if (HasFailure()) return;
  auto st = pb->terminate(10s);
  ASSERT_TRUE(st.exited && st.code == 0) << st.describe();
  const auto b_state = pb->dir() / "state";
  auto recorded = identity_of(b_state);
  ASSERT_TRUE(recorded);
  EXPECT_EQ(recorded->region, b.alias);
  ASSERT_EQ(recorded->cluster_ids.size(), 2u);
  const std::string b_id = recorded->cluster_ids.at(b.alias);
  std::printf("[figures] state_dir of %s records %s=%s, %s=%s\n", b.alias.c_str(), a.alias.c_str(),
              recorded->cluster_ids.at(a.alias).c_str(), b.alias.c_str(), b_id.c_str());

  //    The same state_dir with cluster b's bootstrap pointing at cluster c.
  tandem_options moved = pb->options();
  moved.clusters = {a, {b.alias, c.bootstrap}};
  rewrite_config(*pb, moved, b_state);
  auto refused = run_to_exit(*pb, 30s);
  EXPECT_TRUE(refused.exited) << refused.describe();
  EXPECT_EQ(refused.code, 2) << refused.describe();
  const std::string log = pb->log();
  EXPECT_NE(log.find("state_dir " + b_state.string() + " belongs to region " + b.alias),
            std::string::npos) << log;
  EXPECT_NE(log.find("the config's cluster " + b.alias + " (" + c.bootstrap + ") reports "),
            std::string::npos) << log;
  EXPECT_EQ(identity_of(b_state)->cluster_ids.at(b.alias), b_id);  // not overwritten
  if (auto at = log.find("tandem run: state_dir"); at != std::string::npos)
    std::printf("[figures] %s\n", log.substr(at, log.find('\n', at) - at).c_str());

  // 2. Region b's config over region a's state_dir.
  auto pa = start_tandem(a.alias, ab, {topic});
  if (HasFailure()) return;
  st = pa->terminate(10s);
  ASSERT_TRUE(st.exited && st.code == 0) << st.describe();
  rewrite_config(*pb, pb->options(), pa->dir() / "state");
  auto wrong_region = run_to_exit(*pb, 30s);
  EXPECT_TRUE(wrong_region.exited) << wrong_region.describe();
  EXPECT_EQ(wrong_region.code, 2) << wrong_region.describe();
  const std::string log2 = pb->log();
  EXPECT_NE(log2.find("state_dir " + (pa->dir() / "state").string() + " belongs to region " +
                      a.alias + " (clusters "),
            std::string::npos) << log2;
  EXPECT_NE(log2.find("the config says region " + b.alias), std::string::npos) << log2;
  EXPECT_EQ(identity_of(pa->dir() / "state")->region, a.alias);
}

TEST(state_dir_identity, a_cluster_unreachable_at_start_is_checked_when_it_answers) {
  auto eps = region_endpoints(3);
  ASSERT_EQ(eps.size(), 3u);
  const auto& a = eps[0];
  const auto& b = eps[1];
  const auto& c = eps[2];
  const std::string topic = unique_topic("state-identity-late");

  // b's state_dir records a's and b's ids.
  auto pb = start_tandem(b.alias, {a, b}, {topic});
  if (HasFailure()) return;
  auto st = pb->terminate(10s);
  ASSERT_TRUE(st.exited && st.code == 0) << st.describe();
  const auto b_state = pb->dir() / "state";

  // Cluster a's address now leads nowhere: the start goes on without its id.
  const unsigned short later = free_local_port();
  ASSERT_NE(later, 0);
  tandem_options o = pb->options();
  o.clusters = {{a.alias, "127.0.0.1:" + std::to_string(later)}, b};
  rewrite_config(*pb, o, b_state);
  ASSERT_EQ(pb->start(), "");
  ASSERT_TRUE(wait_until([&] { return pb->get("/healthz").status == 200 || !pb->running(); },
                         30s, 100ms));
  ASSERT_TRUE(pb->running()) << pb->last_exit()->describe();
  const auto t0 = std::chrono::steady_clock::now();

  // Then cluster c answers there: another id than the one recorded for a.
  tcp_forwarder to_c(later, port_of(c.bootstrap));
  ASSERT_TRUE(to_c.ok());
  ASSERT_TRUE(wait_until([&] { return !pb->running(); }, 60s, 100ms))
      << "still running with cluster c behind a's address";
  const exit_status& ended = *pb->last_exit();
  std::printf("[figures] stopped %.1f s after cluster c answered at a's address: %s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
              ended.describe().c_str());
  EXPECT_TRUE(ended.exited) << ended.describe();
  EXPECT_EQ(ended.code, 2) << ended.describe();
  const std::string log = pb->log();
  EXPECT_NE(log.find("the config's cluster " + a.alias + " (127.0.0.1:" + std::to_string(later) +
                     ") reports cluster id"),
            std::string::npos) << log;
}

}  // namespace
}  // namespace tandem::testing
