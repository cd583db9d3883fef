// The daemon's background services besides the flows: per remote region a checkpointer
// (engine/groups/checkpointer.h) and a learner of the peer's published runs
// (engine/state/peer_runs.h), each on a thread of its own with its own librdkafka clients.
#pragma once

#include <atomic>
#include <memory>
#include <thread>

#include "engine/config/config.h"
#include "engine/obs/metrics.h"
#include "offsets/store.h"
#include "policy/topic_filter.h"

namespace tandem::engine {

// The daemon's side: a thread running a checkpointer for flow remote→local every
// replication.checkpoint_interval until `stopping`, with its own librdkafka clients (admin of
// each cluster, a producer into the local one).
class checkpoint_thread {
 public:
  // Starts the thread. nullptr (logged) when the group patterns or a client cannot be built.
  static std::unique_ptr<checkpoint_thread> start(const config& cfg, const cluster_config& remote,
                                                  std::shared_ptr<offsets::offset_store> store,
                                                  flow_metrics& metrics,
                                                  const policy::topic_filter& topics,
                                                  const std::atomic<bool>& stopping);
  ~checkpoint_thread();  // joins
  void join();

 private:
  checkpoint_thread() = default;
  std::thread thread_;
};

// The daemon's side: a thread tailing remote R's tandem.offsets for flow {local, R}.
class peer_runs_thread {
 public:
  // nullptr (logged) when the consumer cannot be built.
  static std::unique_ptr<peer_runs_thread> start(const config& cfg, const cluster_config& remote,
                                                 std::shared_ptr<offsets::offset_store> store,
                                                 const std::atomic<bool>& stopping);
  ~peer_runs_thread();  // joins
  void join();

 private:
  peer_runs_thread() = default;
  std::thread thread_;
};

}  // namespace tandem::engine
