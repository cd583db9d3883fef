// Replaying tandem.offsets records into a store: what restore_state (the process's own flows,
// engine/state/state_restore.h) and peer_run_learner (the peer direction, engine/state/peer_runs.h)
// share. docs/design.md "Incarnations, invalidation, clamps": the durable copy carries the
// invalidations, so a replay into an empty store rebuilds exactly the current map, and on a
// conflict the newer word wins.
//
// The rule, per partition of the records given (in log order):
//   1. Per key (src_start, dst_start) the LAST record wins: what compaction keeps, and the order
//      the publisher wrote them in (its queue is FIFO). A run superseded by a later record of its
//      key (a cut: the same key, another length) or by a tombstone is never applied.
//   2. Each tombstoned key is erased from the store (the stored run at that key, whatever its
//      length; exactly that run: pieces the store split from it under other keys stay).
//   3. The live runs are applied in log order. One the store covers with the same (source,
//      target) pairs is skipped. A stored run at its key with another length is replaced by it.
//      One that conflicts with stored runs (two source records for one target offset: a target
//      recreated or truncated and no tombstone seen for the old runs) replaces them when the
//      conflict_rule says they are older, else it is refused (counted, the first one reported).
//
// Restore into a NON-EMPTY store (conflict_rule::log_order): the topic's word on a key is newer
// than the store's for the keys it holds (a store restored from a backup or copied from another
// host is older than the topic; so a tombstoned key goes, a superseded length is replaced). A
// stored run the topic does not hold at all is newer than the topic (the store commits before the
// publisher writes; a process that stopped before publishing its last changes): it wins over the
// topic's runs it conflicts with. Limit: for those unpublished changes the topic's older word
// wins where it holds the key (a cut undone, an erased run back); that only adds coverage the
// target may no longer hold, which the flow's check of the target's end at start invalidates
// again (flow_journal::target_ends_at) or a group translation clamps; never a skip.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "engine/state/run_record.h"
#include "offsets/store.h"

namespace tandem::engine {

// Which stored runs a conflicting run from the records replaces (rule 3 above).
enum class conflict_rule {
  // Restore of the process's own flows: the stored runs the records hold, with the same length,
  // at an earlier position than the conflicting run (older words of the same topic). A stored
  // run the records do not hold wins: the run from the records is refused.
  log_order,
  // The peer direction: every conflicting stored run. The peer's tandem.offsets is the authority
  // on the peer's map; what the store holds there are earlier records of it or claims learned
  // from echoes. (A tail that starts again reads old records before their tombstones: between
  // two polls the store may then hold an old run for a moment.)
  newest_record,
};

// What apply_entries / apply_runs did.
struct apply_result {
  int64_t runs_new = 0;     // runs that added coverage the store lacked (or replaced a length)
  int64_t runs_erased = 0;  // stored runs erased: tombstoned, superseded, or replaced by newer
  int64_t partitions = 0;   // partitions the store changed
  int64_t rejected = 0;     // runs refused by the store (destination conflict, invalid)
  std::string problem;      // the first refusal, empty when none
};

// Applies `in_log_order` (runs and tombstones of any flows, as read) to the store by the rule
// above, without resume positions. Partitions are independent: one refused run does not hold
// back the others.
apply_result apply_entries(offsets::offset_store& store, std::span<const run_entry> in_log_order,
                           conflict_rule rule);

// apply_entries of runs only (no tombstones), conflict_rule::log_order.
apply_result apply_runs(offsets::offset_store& store, std::span<const run_record> runs);

}  // namespace tandem::engine
