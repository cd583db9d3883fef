#include "engine/daemon/daemon.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/daemon/services.h"
#include "engine/flow/flow.h"
#include "engine/obs/http_endpoint.h"
#include "engine/obs/log.h"
#include "engine/obs/metrics.h"
#include "engine/kafka/rdkafka/client.h"
#include "engine/state/state_restore.h"
#include "policy/naming.h"

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

std::string flow_group_id(const std::string& source_region, const std::string& target_region) {
  return "tandem." + source_region + "-to-" + target_region;
}

namespace {

constexpr const char* k_version = TANDEM_VERSION;  // from project() in CMakeLists.txt

// Everything one flow thread needs; the thread rebuilds its flow after a failure.
struct flow_runner {
  const config& cfg;
  const cluster_config& remote;
  flow_journal& journal;
  flow_metrics& metrics;
  policy::topic_filter filter;
  const std::atomic<bool>& stopping;
  milliseconds drain;
  std::atomic<bool> ready{false};
  std::string name;
  std::mutex mu;
  std::string problem;

  void run();
  bool run_once();
};

// One flow lifetime: build clients, step until stop or failure, drain. Returns false when the
// flow could not even be built (bad client config): retrying cannot help.
bool flow_runner::run_once() {
  client_options src_opts{"tandem-" + cfg.region + "-from-" + remote.alias,
                          flow_group_id(remote.alias, cfg.region)};
  auto source = make_rdkafka_source(remote, src_opts);
  if (!source) {
    log::error(name) << source.error();
    return false;
  }
  flow_settings fs{remote.alias, cfg.region, filter, {}, cfg.replication.topic_refresh};
  flow f(fs, std::move(*source), journal, metrics);
  client_options sink_opts{"tandem-" + cfg.region + "-from-" + remote.alias, ""};
  if (auto ok = f.start([&](delivery_handler h) {
        return make_rdkafka_sink(cfg.local(), sink_opts, std::move(h));
      }); !ok) {
    log::error(name) << ok.error();
    return false;
  }
  while (!stopping && !f.needs_restart()) {
    f.step();
    auto st = f.status();
    ready = st.source_reachable && st.target_reachable;
    std::lock_guard lock(mu);
    problem = st.problem;
  }
  f.stop(drain);
  return true;
}

void flow_runner::run() {
  milliseconds backoff(1000);
  while (!stopping) {
    if (!run_once()) return;
    ready = false;
    if (stopping) break;
    log::warn(name) << "restarting flow in " << backoff.count() << " ms";
    for (auto until = std::chrono::steady_clock::now() + backoff;
         !stopping && std::chrono::steady_clock::now() < until;)
      std::this_thread::sleep_for(milliseconds(50));
    backoff = std::min(backoff * 2, milliseconds(30000));
  }
}

// Restores what the store lacks from the local cluster (engine/state/state_restore.h), on a thread
// of its own so that a stop signal during the restore cancels it.
void restore_from_local(const config& cfg, offsets::offset_store& store,
                        std::chrono::milliseconds deadline, std::atomic<bool>& stopping) {
  auto reader = make_rdkafka_state_reader(cfg.local(), "tandem-" + cfg.region + "-restore",
                                          &stopping);
  if (!reader) {
    log::warn(cfg.region) << "restore skipped: " << reader.error();
    return;
  }
  restore_settings rs;
  rs.local_region = cfg.region;
  for (const cluster_config* remote : cfg.remotes()) rs.remotes.insert(remote->alias);
  rs.deadline = deadline;
  std::atomic<bool> done{false};
  std::thread worker([&] {
    auto result = restore_state(**reader, store, rs, stopping);
    if (result.reached) log::info(cfg.region) << result.summary();
    reader->reset();  // the consumer closes on this thread
    done = true;
  });
  while (!done) {
    if (g_early_stop) stopping = true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  worker.join();
}

}  // namespace

int run_daemon(const config& cfg, const journal_opener& open_journal,
               const daemon_options& options) {
  log::set_level(cfg.log.level);
  const std::string scope = "tandem";
  metrics m(k_version);
  std::atomic<bool> stopping{false};

  std::vector<std::string> regions;
  for (const auto& c : cfg.clusters) regions.push_back(c.alias);
  auto naming = cfg.replication.naming == naming_mode::prefix
                    ? policy::naming_policy::prefix(regions, cfg.replication.separator)
                    : policy::naming_policy::identity();
  if (!naming) {
    log::error(scope) << naming.error();
    return 2;
  }
  auto filter = policy::topic_filter::create(cfg.replication.topics, cfg.replication.exclude, *naming);
  if (!filter) {
    log::error(scope) << filter.error();
    return 2;
  }

  std::vector<std::unique_ptr<flow_journal>> journals;
  std::vector<std::unique_ptr<flow_runner>> runners;
  for (const cluster_config* remote : cfg.remotes()) {
    auto j = open_journal(remote->alias, cfg.region);
    if (!j) {
      log::error(scope) << j.error();
      return 1;
    }
    journals.push_back(std::move(*j));
    auto& fm = m.flow(remote->alias, cfg.region);
    runners.push_back(std::unique_ptr<flow_runner>(
        new flow_runner{cfg, *remote, *journals.back(), fm, *filter, stopping,
                        options.drain_timeout, {}, remote->alias + "->" + cfg.region, {}, {}}));
  }

  boost::asio::io_context io;
  http_endpoint_options ho;
  ho.listen = cfg.metrics.listen;
  ho.ready = [&] {
    for (auto& r : runners)
      if (!r->ready) return false;
    return true;
  };
  ho.not_ready_reason = [&] {
    for (auto& r : runners) {
      if (r->ready) continue;
      std::lock_guard lock(r->mu);
      return r->name + ": " + (r->problem.empty() ? std::string("starting") : r->problem);
    }
    return std::string("ready");
  };
  http_endpoint http(io, m, ho);
  if (auto ok = http.start(); !ok) {
    log::error(scope) << ok.error();
    return 1;
  }
  if (options.on_listening) options.on_listening(http.port());
  log::info(scope) << "region " << cfg.region << " up; metrics on " << cfg.metrics.listen
                   << "; flows: " << runners.size();

  if (options.state && options.restore)
    restore_from_local(cfg, *options.state, options.restore_deadline, stopping);
  if (options.publisher)
    options.publisher->start({&m.offset_runs_published(), &m.offset_publish_errors()});

  std::vector<std::thread> threads;
  for (auto& r : runners) threads.emplace_back([&r] { r->run(); });
  std::vector<std::unique_ptr<peer_runs_thread>> peer_learners;  // one per remote
  if (options.state && options.learn_peer_runs)
    for (const cluster_config* remote : cfg.remotes())
      peer_learners.push_back(peer_runs_thread::start(cfg, *remote, options.state, stopping));
  std::vector<std::unique_ptr<checkpoint_thread>> checkpointers;  // one per remote flow
  if (options.state)
    for (const cluster_config* remote : cfg.remotes())
      checkpointers.push_back(checkpoint_thread::start(
          cfg, *remote, options.state, m.flow(remote->alias, cfg.region), *filter, stopping));

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  auto stop = [&](int sig) {
    log::info(scope) << "signal " << sig << ": stopping flows, draining in-flight records";
    stopping = true;
    http.stop();
    io.stop();
  };
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (!ec) stop(sig);
  });
  if (g_early_stop) stop(SIGTERM);  // asked to stop while starting up
  io.run();
  stopping = true;
  const auto stop_t0 = std::chrono::steady_clock::now();
  // Exit within 10 s of the signal even when a request to an unreachable cluster still blocks
  // a thread: what was committed is persisted, anything later is replicated again.
  std::mutex done_mu;
  std::condition_variable done_cv;
  bool done = false;
  std::thread watchdog([&] {
    std::unique_lock lock(done_mu);
    if (done_cv.wait_for(lock, options.shutdown_deadline, [&] { return done; })) return;
    log::error(scope) << "shutdown deadline passed; exiting without waiting for blocked "
                         "requests (committed positions are persisted)";
    std::_Exit(0);
  });
  for (auto& t : threads) t.join();
  if (options.publisher) {
    // The flows' last commits are queued: what is left of the budget, keeping 2.5 s for the
    // producer's own flush on destruction and the other threads.
    auto spent =
        std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - stop_t0);
    auto budget = std::clamp(options.shutdown_deadline - spent - milliseconds(2500),
                             milliseconds(200), milliseconds(3000));
    options.publisher->stop(budget);
  }
  for (auto& p : peer_learners)
    if (p) p->join();
  for (auto& c : checkpointers)
    if (c) c->join();
  {
    std::lock_guard lock(done_mu);
    done = true;
  }
  done_cv.notify_one();
  watchdog.join();
  log::info(scope) << "stopped cleanly";
  return 0;
}

}  // namespace tandem::engine
