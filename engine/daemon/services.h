// The daemon's services besides the flows (engine/daemon/flow_service.h), as bodies for the
// runtime shell (engine/daemon/service.h); each builds its own librdkafka clients on its own
// thread, and a service that cannot build them fails and shows why on /readyz:
//   restore       once, before the flows: what the store lacks, from the local cluster
//                 (engine/state/state_restore.h)
//   publisher     the flows' runs to the local tandem.offsets (engine/state/run_publisher.h)
//   checkpoints   per remote: a checkpointer of flow remote→local every checkpoint_interval
//                 (engine/groups/checkpointer.h)
//   peer runs     per remote: the remote's tandem.offsets tailed for flow {local, remote}
//                 (engine/state/peer_runs.h)
//   offset map    tandem_offset_map_runs of the process's own and peer flows, every second
//                 (engine/state/map_metrics.h)
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "engine/config/config.h"
#include "engine/daemon/service.h"
#include "engine/groups/checkpoint_metrics.h"
#include "engine/obs/metrics.h"
#include "engine/state/run_publisher.h"
#include "offsets/store.h"
#include "policy/topic_filter.h"

namespace tandem::engine {

// Restores from the local cluster within `deadline`, then calls `done` (also when stopped or
// when the cluster cannot be read: the daemon starts anyway).
// Checkpoint records rejected as implausible count in `registry`'s
// tandem_checkpoints_rejected_total{reason="beyond_map_end"} of their flow.
service::body restore_service(metrics& registry, const config& cfg,
                              std::shared_ptr<offsets::offset_store> store,
                              std::chrono::milliseconds deadline, std::function<void()> done);

// Runs the publisher until stopped; it then drains within what drain_within() granted it.
service::body publisher_service(std::shared_ptr<run_publisher> publisher,
                                publisher_counters counters);

// The checkpointer of flow remote→local (checkpoints, group sync). `cfg` and `remote` must
// outlive the service.
service::body checkpoint_service(const config& cfg, const cluster_config& remote,
                                 std::shared_ptr<offsets::offset_store> store,
                                 checkpoint_metrics& metrics, policy::topic_filter topics);

// The learner of flow {local, remote} from the remote's tandem.offsets.
service::body peer_runs_service(const config& cfg, const cluster_config& remote,
                                std::shared_ptr<offsets::offset_store> store);

// Sets tandem_offset_map_runs of the flows {R, local} and {local, R} of every remote R from
// the store, every second.
service::body offset_map_service(metrics& registry, const config& cfg,
                                 std::shared_ptr<offsets::offset_store> store);

}  // namespace tandem::engine
