// `tandem run`: the replication daemon of one region (docs/design.md "Topology").
//
//   main thread: Boost.Asio control loop — SIGINT/SIGTERM, /metrics /healthz /readyz
//   every other thread is a service of the runtime shell (engine/daemon/service.h), ready or
//   not on /readyz:
//   per remote region: an inbound flow remote→local (engine/daemon/flow_service.h), restarted
//   from its committed positions when it fails (fatal producer error, failed delivery)
//   with a state store (daemon_options::state), per remote region also: a checkpointer
//   (engine/groups/checkpointer.h) and a peer-run learner tailing the remote's tandem.offsets
//   (engine/state/peer_runs.h); with a publisher, one service writing the flows' runs to the
//   local tandem.offsets (engine/state/run_publisher.h); engine/daemon/services.h
//
// Start-up with a state store: before the flows start, what the store lacks is restored from the
// local cluster's tandem.offsets and tandem.checkpoints (engine/state/state_restore.h), bounded by
// restore_deadline; an unreachable cluster only delays the start by the request timeout.
//
// Shutdown (SIGTERM or SIGINT): every flow stops consuming, drains in-flight records (up to
// drain_timeout), persists its positions; the publisher then gets what is left of the shutdown
// budget (at most 3 s, keeping 2.5 s for its producer) to write the last runs; then the process
// exits 0, within 10 s.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "engine/config/config.h"
#include "engine/flow/flow_journal.h"
#include "engine/state/run_publisher.h"

namespace tandem::offsets {
class offset_store;
}

namespace tandem::engine {

class service_context;  // engine/daemon/service.h

// Opens the journal of flow source→target (the durable one lives in the state directory).
using journal_opener = std::function<std::expected<std::unique_ptr<flow_journal>, std::string>(
    const std::string& source_region, const std::string& target_region)>;

struct daemon_options {
  std::chrono::milliseconds drain_timeout{5000};
  // From the signal to exit at the latest, even if a thread is blocked in a request.
  std::chrono::milliseconds shutdown_deadline{9500};
  // The state directory's offset store. When set, a checkpointer per remote flow
  // (engine/groups/checkpointer.h) reads the remote's consumer groups, checkpoints and syncs them.
  std::shared_ptr<offsets::offset_store> state;
  // With `state`: restore from the local cluster's state topics before the flows start.
  bool restore = true;
  std::chrono::milliseconds restore_deadline{30000};
  // With `state`: learn flow {local, R} from each remote R's tandem.offsets.
  bool learn_peer_runs = true;
  // When set: started before the flows (the journals hand it their runs), stopped after them.
  std::shared_ptr<run_publisher> publisher;
  // When set: run as a service beside the flows (the state directory's identity checked
  // against clusters that did not answer at start, engine/daemon/state_check.h). A message
  // returned means the state directory is another cluster's: logged, flows stopped, exit 2.
  std::function<std::optional<std::string>(service_context&)> identity_check;
  // Test hook: called once the metrics endpoint listens, with its port.
  std::function<void(unsigned short)> on_listening;
};

// Runs until SIGTERM/SIGINT. Returns the process exit code: 0 after a clean shutdown, 1 when
// start-up failed (message logged: metrics address in use, state directory unusable, ...), 2
// when identity_check found the state directory to be another cluster's.
int run_daemon(const config& cfg, const journal_opener& open_journal,
               const daemon_options& options = {});

// Until run_daemon installs its own handling, a SIGTERM/SIGINT only records that a stop was
// asked for (run_daemon then stops at once). Call first thing in a daemon process, so a signal
// during start-up (config, state directory) cannot kill the process abruptly.
void catch_stop_signals_early();

}  // namespace tandem::engine
