#include "engine/daemon/daemon.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <optional>
#include <vector>

#include "engine/config/names.h"
#include "engine/daemon/flow_service.h"
#include "engine/daemon/service.h"
#include "engine/daemon/services.h"
#include "engine/obs/http_endpoint.h"
#include "engine/obs/log.h"
#include "engine/obs/metrics.h"

namespace tandem::engine {

using std::chrono::milliseconds;

namespace {
volatile std::sig_atomic_t g_early_stop = 0;
extern "C" void note_stop_signal(int) { g_early_stop = 1; }
}  // namespace

void catch_stop_signals_early() {
  struct sigaction sa {};
  sa.sa_handler = note_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
}

namespace {

constexpr const char* k_version = TANDEM_VERSION;  // from project() in CMakeLists.txt
const std::string k_scope = "tandem";

// What run_daemon builds before any thread starts.
struct daemon_plan {
  std::optional<policy::topic_filter> filter;
  std::vector<std::unique_ptr<flow_journal>> journals;  // one per remote, cfg.remotes() order
};

// The topic filter (with the config's naming) and each flow's journal; else the exit code.
std::expected<daemon_plan, int> plan_daemon(const config& cfg, const journal_opener& open) {
  auto naming = names::naming_policy_of(cfg);
  if (!naming) {
    log::error(k_scope) << naming.error();
    return std::unexpected(2);
  }
  auto filter =
      policy::topic_filter::create(cfg.replication.topics, cfg.replication.exclude, *naming);
  if (!filter) {
    log::error(k_scope) << filter.error();
    return std::unexpected(2);
  }
  daemon_plan plan{std::move(*filter), {}};
  for (const cluster_config* remote : cfg.remotes()) {
    auto j = open(remote->alias, cfg.region);
    if (!j) {
      log::error(k_scope) << j.error();
      return std::unexpected(1);
    }
    plan.journals.push_back(std::move(*j));
  }
  return plan;
}

// The process while it runs: the control loop (signals, /metrics /healthz /readyz) on the
// calling thread, and every other thread as a service (engine/daemon/service.h).
class daemon_runtime {
 public:
  daemon_runtime(const config& cfg, daemon_plan& plan, const daemon_options& o)
      : cfg_(cfg), plan_(plan), o_(o) {}
  int run();

 private:
  http_endpoint_options endpoint_options();
  void start();           // the restore, then start_services()
  void start_services();  // publisher, flows, checkpoints, peer runs
  void stop(int sig);
  int shut_down();

  const config& cfg_;
  daemon_plan& plan_;
  const daemon_options& o_;
  metrics m_{k_version};
  boost::asio::io_context io_;
  std::unique_ptr<http_endpoint> http_;
  boost::asio::signal_set signals_{io_, SIGINT, SIGTERM};
  bool started_ = false;   // control loop only
  bool stopping_ = false;  // control loop only
  std::atomic<int> exit_code_{0};  // 2 once identity_check found another cluster's state dir
  // Declared last: stopped and joined before what they use goes.
  std::unique_ptr<service> publisher_;
  service_group flows_;
  service_group others_;  // restore, offset map, checkpoints, peer runs
};

http_endpoint_options daemon_runtime::endpoint_options() {
  http_endpoint_options ho;
  ho.listen = cfg_.metrics.listen;
  ho.max_connections = static_cast<size_t>(cfg_.metrics.max_connections);
  ho.ready = [this] { return started_ && flows_.ready() && others_.ready(); };
  ho.not_ready_reason = [this] {
    if (!flows_.ready()) return flows_.not_ready_reason();
    if (!others_.ready()) return others_.not_ready_reason();
    return std::string(started_ ? "ready" : "starting");
  };
  return ho;
}

int daemon_runtime::run() {
  http_ = std::make_unique<http_endpoint>(io_, m_, endpoint_options());
  if (auto ok = http_->start(); !ok) {
    log::error(k_scope) << ok.error();
    return 1;
  }
  if (o_.on_listening) o_.on_listening(http_->port());
  log::info(k_scope) << "region " << cfg_.region << " up; metrics on " << cfg_.metrics.listen
                     << "; flows: " << plan_.journals.size();
  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (!ec) stop(sig);
  });
  start();
  if (g_early_stop) stop(SIGTERM);  // asked to stop while starting up
  io_.run();
  return shut_down();
}

void daemon_runtime::start() {
  if (!o_.state || !o_.restore) return start_services();
  // The flows start once the restore is done (or cancelled by a stop signal).
  others_.start("restore", restore_service(m_, cfg_, o_.state, o_.restore_deadline, [this] {
    boost::asio::post(io_, [this] { start_services(); });
  }));
}

void daemon_runtime::start_services() {
  if (stopping_ || started_) return;
  if (o_.publisher)
    publisher_ = std::make_unique<service>(
        "publisher", publisher_service(o_.publisher, publisher_metrics(m_)), true);
  if (o_.state) others_.start("offset map", offset_map_service(m_, cfg_, o_.state), true);
  if (o_.identity_check) others_.start("state identity", [this](service_context& ctx) {
    auto problem = o_.identity_check(ctx);
    if (!problem) return;
    log::error(k_scope) << *problem << "; stopping";
    exit_code_ = 2;
    ctx.fail(*problem);
    boost::asio::post(io_, [this] { stop(SIGTERM); });
  }, true);
  size_t i = 0;
  for (const cluster_config* remote : cfg_.remotes()) {
    const std::string flow = remote->alias + "->" + cfg_.region;
    flows_.start(flow, flow_service({cfg_, *remote, *plan_.journals[i++],
                                     m_.probe<flow_metrics>(remote->alias, cfg_.region),
                                     *plan_.filter, o_.drain_timeout}));
    if (o_.state && o_.learn_peer_runs)
      others_.start(cfg_.region + "->" + remote->alias + " peer runs",
                    peer_runs_service(cfg_, *remote, o_.state));
    if (o_.state)
      others_.start(flow + " checkpoints",
                    checkpoint_service(cfg_, *remote, o_.state,
                                       m_.probe<checkpoint_metrics>(remote->alias, cfg_.region),
                                       *plan_.filter));
  }
  started_ = true;
}

void daemon_runtime::stop(int sig) {
  log::info(k_scope) << "signal " << sig << ": stopping flows, draining in-flight records";
  stopping_ = true;
  flows_.request_stop();
  others_.request_stop();
  http_->stop();
  io_.stop();
}

int daemon_runtime::shut_down() {
  flows_.request_stop();
  others_.request_stop();
  const auto stop_t0 = std::chrono::steady_clock::now();
  // Exit within 10 s of the signal even when a request to an unreachable cluster still blocks
  // a thread: what was committed is persisted, anything later is replicated again.
  service watchdog("shutdown watchdog", [this](service_context& ctx) {
    if (!ctx.wait_for(o_.shutdown_deadline)) return;
    log::error(k_scope) << "shutdown deadline passed; exiting without waiting for blocked "
                           "requests (committed positions are persisted)";
    std::_Exit(0);
  });
  flows_.join();
  if (publisher_) {
    // The flows' last commits are queued: what is left of the budget, keeping 2.5 s for the
    // producer's own flush on destruction and the other threads.
    auto spent =
        std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - stop_t0);
    o_.publisher->drain_within(std::clamp(o_.shutdown_deadline - spent - milliseconds(2500),
                                          milliseconds(200), milliseconds(3000)));
    publisher_->join();
  }
  others_.join();
  watchdog.join();
  if (exit_code_ != 0) return exit_code_;
  log::info(k_scope) << "stopped cleanly";
  return 0;
}

}  // namespace

int run_daemon(const config& cfg, const journal_opener& open_journal,
               const daemon_options& options) {
  log::set_level(cfg.log.level);
  auto plan = plan_daemon(cfg, open_journal);
  if (!plan) return plan.error();
  daemon_runtime runtime(cfg, *plan, options);
  return runtime.run();
}

}  // namespace tandem::engine
