#include "engine/daemon/services.h"

#include "engine/groups/checkpointer.h"
#include "engine/kafka/rdkafka/client.h"
#include "engine/obs/log.h"
#include "engine/state/peer_runs.h"

namespace tandem::engine {

using std::chrono::milliseconds;

// --- The daemon's thread --------------------------------------------------------------------

namespace {

struct thread_state {
  std::unique_ptr<group_admin> source;
  std::unique_ptr<group_admin> target;
  std::unique_ptr<state_producer> out;
  std::shared_ptr<offsets::offset_store> store;
  std::unique_ptr<checkpointer> c;
};

}  // namespace

std::unique_ptr<checkpoint_thread> checkpoint_thread::start(
    const config& cfg, const cluster_config& remote, std::shared_ptr<offsets::offset_store> store,
    flow_metrics& metrics, const policy::topic_filter& topics,
    const std::atomic<bool>& stopping) {
  const std::string scope = remote.alias + "->" + cfg.region;
  auto groups = policy::group_filter::create(cfg.replication.groups, cfg.replication.group_exclude);
  if (!groups) {
    log::error(scope) << "checkpoints disabled: " << groups.error();
    return nullptr;
  }
  client_options opts{"tandem-" + cfg.region + "-checkpoints-" + remote.alias, ""};
  auto st = std::make_shared<thread_state>();
  auto src = make_rdkafka_group_admin(remote, opts, &stopping);
  auto dst = make_rdkafka_group_admin(cfg.local(), opts, &stopping);
  auto out = make_rdkafka_state_producer(cfg.local(), opts);
  for (const std::string* err : {src ? nullptr : &src.error(), dst ? nullptr : &dst.error(),
                                 out ? nullptr : &out.error()})
    if (err) {
      log::error(scope) << "checkpoints disabled: " << *err;
      return nullptr;
    }
  st->source = std::move(*src);
  st->target = std::move(*dst);
  st->out = std::move(*out);
  st->store = std::move(store);
  checkpointer_settings s{remote.alias, cfg.region, topics, std::move(*groups),
                          cfg.replication.sync_group_offsets, milliseconds(5000), {}};
  st->c = std::make_unique<checkpointer>(std::move(s), *st->source, *st->target, *st->out,
                                         *st->store, metrics);
  milliseconds interval = cfg.replication.checkpoint_interval;
  std::unique_ptr<checkpoint_thread> t(new checkpoint_thread);
  t->thread_ = std::thread([st, interval, &stopping] {
    auto next = std::chrono::steady_clock::now();
    while (!stopping) {
      if (std::chrono::steady_clock::now() >= next) {
        st->c->run_once();
        next = std::chrono::steady_clock::now() + interval;
      }
      st->c->update_age();
      std::this_thread::sleep_for(milliseconds(100));
    }
    // Clients are destroyed here, on this thread: the producer flushes briefly.
  });
  log::info(scope) << "checkpoints every " << interval.count() << " ms; group sync "
                   << (cfg.replication.sync_group_offsets ? "on" : "off");
  return t;
}

checkpoint_thread::~checkpoint_thread() { join(); }

void checkpoint_thread::join() {
  if (thread_.joinable()) thread_.join();
}

peer_runs_thread::~peer_runs_thread() { join(); }

void peer_runs_thread::join() {
  if (thread_.joinable()) thread_.join();
}

std::unique_ptr<peer_runs_thread> peer_runs_thread::start(
    const config& cfg, const cluster_config& remote, std::shared_ptr<offsets::offset_store> store,
    const std::atomic<bool>& stopping) {
  offsets::flow_id flow{cfg.region, remote.alias};
  const std::string scope = offsets::to_string(flow);
  auto reader =
      make_rdkafka_state_reader(remote, "tandem-" + cfg.region + "-peer-runs-" + remote.alias,
                                &stopping);
  if (!reader) {
    log::error(scope) << "peer runs disabled: " << reader.error();
    return nullptr;
  }
  std::unique_ptr<peer_runs_thread> t(new peer_runs_thread);
  std::shared_ptr<state_reader> r(std::move(*reader));
  t->thread_ = std::thread([r, store, flow, &stopping] {
    peer_run_learner learner(*store, flow);
    tail_settings s;
    s.request_timeout = milliseconds(2000);  // a stopping daemon waits for it at most this long
    tail_peer_runs(*r, learner, s, stopping);
  });
  log::info(scope) << "peer runs: learning this direction from " << remote.alias << "'s "
                   << k_offsets_topic;
  return t;
}

}  // namespace tandem::engine
