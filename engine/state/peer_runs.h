// Learning the peer direction of the map from the peer's published runs (docs/design.md "Offset map":
// "the peer's runs, learned ... from the peer's published runs").
//
// The process of region L, for each remote R, tails R's tandem.offsets from the beginning. R's
// process publishes its own inbound flows there (engine/state/run_publisher.h), among them {L, R}:
// L's records copied into R. The learner keeps the records of flow {L, R} and commits them
// into L's store (apply_entries, engine/state/apply_runs.h: no resume position; known runs are
// skipped, overlapping copies are split by plan_insert, so runs learned from echoes under
// identity naming and published ones coexist). This is what lets the process of L translate a group that moved to R's copy back to
// L (failback, engine/groups/group_translation.h translate_group_to_source over flow {L, R}).
//
// Mesh, identity naming: the learner also keeps R's inbound flows {C, R} from every third region C
// of L's config (C's records copied into R). A group moving from R to L starts at the first copy
// on L of a C record it has not consumed on R, which needs C→R (docs/design.md "Incarnations,
// invalidation, clamps", mesh); the process of L can only learn it here. Prefix naming: {L, R} only
// (a group on R's "C.orders" moves to L's "C.orders" through C→L alone).
//
//   R: tandem.offsets ──state_reader (partition 0, from the beginning, then tail)──>
//        decode (engine/state/run_record.h) ──flows kept──> apply_runs ──> L's store
//
// Tombstones and rewritten runs are applied too: the peer erased or cut those runs (its target
// or source was truncated or recreated, or its source's log start advanced), so L erases exactly
// the run of that key and adds the one written in its place; per key the last record of a poll
// wins, and a published run replaces the stored runs of that direction it conflicts with
// (conflict_rule::newest_record: the peer's topic is the authority on the peer's map; what L
// holds there are earlier records of it or claims learned from echoes). Without this, L kept
// the peer's stale runs and translated failbacks through them (issue #10). Malformed records
// are counted and logged once.
//
// Threading: tail_peer_runs runs on a thread the daemon owns (engine/daemon/services.h), one per
// remote, with its own consumer of R; survives R being unreachable (retries every few seconds,
// logs once per outage) and returns when stopped.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/kafka/state_reader.h"
#include "engine/state/state_restore.h"
#include "offsets/store.h"

namespace tandem::engine {

struct learn_counts {
  int64_t records = 0;    // records read
  int64_t runs = 0;       // runs of the flow that were new to the store
  int64_t erased = 0;     // stored runs erased (tombstoned, cut, or replaced by newer runs)
  int64_t skipped = 0;    // malformed records, runs the store refused
};

// Decodes and applies peer records of `flow` ({L, R}) and of `also` (identity naming: {C, R} per
// third region C) to the store. Not thread-safe.
class peer_run_learner {
 public:
  peer_run_learner(offsets::offset_store& store, offsets::flow_id flow,
                   std::vector<offsets::flow_id> also = {});
  learn_counts learn(std::span<const state_record> records);
  const learn_counts& total() const { return total_; }
  const std::string& scope() const { return scope_; }  // "a->b", for logs

 private:
  offsets::offset_store& store_;
  std::vector<offsets::flow_id> flows_;  // the first one is {L, R}
  std::string scope_;
  learn_counts total_;
  bool reported_ = false;
};

// The flows besides {L, R} the process of L learns from R's tandem.offsets: {C, R} per third
// region C under identity naming (`identity`), none under prefix naming.
std::vector<offsets::flow_id> third_region_flows(const std::string& remote,
                                                 std::span<const std::string> third_regions,
                                                 bool identity);

struct tail_settings {
  std::string topic = std::string(k_offsets_topic);
  std::chrono::milliseconds request_timeout{5000};
  std::chrono::milliseconds retry_interval{5000};  // after a failure (unreachable, no topic)
  std::chrono::milliseconds poll_timeout{500};
};

// Waits up to the given time; false (at once) when the caller is stopping.
using stop_wait = std::function<bool(std::chrono::milliseconds)>;

// Tails `settings.topic` of the peer through `reader` into `learner` until `stopping` (the
// reader's cancel flag too); waits between retries with `wait`.
void tail_peer_runs(state_reader& reader, peer_run_learner& learner,
                    const tail_settings& settings, const std::atomic<bool>& stopping,
                    const stop_wait& wait);

}  // namespace tandem::engine
