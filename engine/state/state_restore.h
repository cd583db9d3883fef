// Restore at start: the process of region L rebuilds what its RocksDB lacks from its LOCAL
// cluster's compacted topics (docs/design.md "Offset map": RocksDB is the local index, Kafka the
// durable store), before its flows start:
//
//   L: tandem.offsets      runs and tombstones of the flows {R, L} (this region's own inbound
//                          flows, published by this process or a former one:
//                          engine/state/run_publisher.h) ──> apply_entries (no resume
//                          position): per key the last record in log order; tombstoned keys
//                          erased, live runs the store lacks added (engine/state/apply_runs.h)
//   L: tandem.checkpoints  checkpoints of the flows {R, L} (engine/groups/checkpointer.h)
//                          ──> put_checkpoint where the store has none: per key the last
//                          PLAUSIBLE record in log order (never by its wall-clock time_ms);
//                          the store's own checkpoint wins (state_restore.cc says why)
//
// Plausible: the checkpoint's source offset is at most the source partition's known end as the
// map knows it (engine/groups/checkpoint_plausibility.h, "S not readable"; the restore never
// reads R), asked through restore_settings::source_known_end after the runs are applied. A
// record beyond it (forged, damaged, of an old incarnation) is rejected and counted per source
// region; the key keeps the previous plausible record (re-reads, never skips). A key without
// any plausible record keeps its last one, which tandemctl groups failover rejects again (with
// the map it has then) and replaces by the partition's start: committed, re-reading, instead of
// a partition without checkpoint left to the consumer's auto.offset.reset.
//
// Always, not only when the state directory is new: the topics are compacted (one record per
// run / checkpoint), reading them takes a moment, and a store restored from a backup, copied
// from another host or left behind by a process that lost its last commits is repaired the same
// way. Re-adding a known run is a no-op (offsets/canonical.h plan_insert) and is skipped anyway.
//
// Into an EMPTY store the result is exactly the live map of the topic: the runs the journal
// published minus what its invalidations and trims tombstoned or cut (docs/design.md
// "Incarnations, invalidation, clamps"); where tombstones are missing (a publish queue that
// overflowed), the later of two conflicting runs wins. Into a NON-EMPTY store
// (conflict_rule::log_order, engine/state/apply_runs.h): the topic's last word on a key wins over
// the store's (a tombstoned key goes, a cut length replaces the stored one), because a store
// from a backup or another host is older than the topic; a stored run the topic does not hold
// is newer than the topic (committed, not yet published when the process stopped) and wins over
// the topic's runs it conflicts with. Never is a run the topic tombstoned or superseded kept.
//
// Resume positions are not restored: a partition without one starts from the flow group's
// committed offset on the source (engine/flow/flow_topics.cc assign_new_partitions), which the flow
// commits right after each journal commit; runs published after that position are re-learned,
// a run that was committed but not yet published is a hole (re-reads at failover, never skips).
//
// The peer direction {L, R} is not in L's topics: R publishes it into R's cluster, and
// engine/state/peer_runs.h tails it while the daemon runs.
//
// Bounded: each topic is read up to the high watermark it had when the restore began, within
// `deadline`; an unreachable cluster or a missing topic is logged (warning) and the daemon
// continues (the flows wait for the cluster anyway). A record that cannot be decoded or applied
// is counted, the first one logged.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/state/apply_runs.h"
#include "engine/state/checkpoint_record.h"
#include "engine/state/run_record.h"
#include "engine/kafka/state_reader.h"
#include "offsets/store.h"

namespace tandem::engine {

struct restore_settings {
  std::string local_region;
  std::set<std::string> remotes;                   // flows {R, local} for each R
  std::chrono::milliseconds request_timeout{5000}; // the end-offset request
  std::chrono::milliseconds deadline{30000};       // reading both topics
  // The known end of source partition (topic, partition) of flow {R, local}, from the store
  // (the daemon: engine::source_known_end). Unset: checkpoints are not checked.
  std::function<int64_t(const offsets::flow_id&, const std::string&, int32_t)> source_known_end;
};

struct restore_result {
  bool reached = false;           // the cluster answered
  int64_t records = 0;            // records read from both topics
  int64_t runs = 0;               // runs new to the store
  int64_t runs_erased = 0;        // stored runs the topic tombstoned or replaced
  int64_t partitions = 0;         // partitions the restore changed
  int64_t checkpoints = 0;        // checkpoints written (new or newer)
  int64_t skipped = 0;            // malformed records, runs refused by the store
  // Checkpoint records beyond their source partition's known end, per source region R.
  std::map<std::string, int64_t> checkpoints_rejected;
  bool complete = true;           // both topics read up to their end offsets
  std::string summary() const;    // "restored N runs of M partitions and K checkpoints ..."
  std::string rejected_text() const;  // ", N checkpoints rejected" (empty: none)
};

// Restores from `reader` (a reader of the local cluster). `cancel`: give up at once when true.
restore_result restore_state(state_reader& reader, offsets::offset_store& store,
                             const restore_settings& settings, const std::atomic<bool>& cancel);

}  // namespace tandem::engine
