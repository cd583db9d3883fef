// Checkpoints and group sync for one inbound flow S→T (docs/design.md "Disaster failover", "Group
// sync"): S may become unreadable at any moment, so the process of T keeps, continuously, where
// every selected consumer group of S would continue on T.
//
//   S: group_admin ──list_groups──> filter ──committed_offsets──> translate (group_translation)
//                                                                    │ (T's log start)
//        ┌───────────────────────────────────────────────────────────┤
//        v                                   v                       v
//   offset_store::put_checkpoint      T: tandem.checkpoints    T: group sync (idle groups only)
//   (RocksDB, flow {S,T})             (compacted, when changed)   describe, committed, alter_offsets
//
// Operation (one pass, every checkpoint_interval):
//   1. Create T's tandem.checkpoints (cleanup.policy=compact, 1 partition) if missing; retried
//      at every pass until it succeeds (checkpoints are stored locally meanwhile).
//   2. List S's consumer groups; keep those the config's groups / group_exclude select, never
//      tandem's own ("tandem." prefix: the flows' groups).
//   3. Per group, its committed offsets on S; keep the topics this flow replicates (the flow's
//      topic_filter), minus offsets written by tandem's own group sync (metadata starting with
//      "tandem-sync;"): a loop guard for group offsets. Under identity naming the process of S
//      also syncs T's groups into S; without the guard a position synced T→S would come back
//      S→T, and after a user rewinds or deletes the group on T, T's (idle) group would be moved
//      forward again past the records it went back to. A consumer's own commit replaces the
//      metadata, so a group that really consumed on S (a failback) is checkpointed again.
//      Per partition: the offset must be plausible, at most S's high watermark of the
//      partition (engine/groups/checkpoint_plausibility.h; a fresh one when the pass's cached
//      one is lower): beyond it (an admin committed past the log end, a topic recreated under
//      the group) it is not checkpointed (the previous checkpoint stays: re-reads, never
//      skips), counted in tandem_checkpoints_rejected_total{reason="beyond_high_watermark"} and
//      logged once per (group, partition) while it stays so; S's end unreadable: not
//      checkpointed this pass, the pass incomplete. Then T's log start, then
//      translate_group_move (failover or failback, below; identity naming in a mesh: with the
//      third regions' maps too).
//
//      Failback (prefix naming): besides the topics the flow replicates, S's mirrors of T, i.e.
//      the topics of S the naming policy names as mirrors of T ("T.orders" on S) whose upstream
//      ("orders") passes the topic filter. A group consuming there after a failover to S
//      returns to T's "orders": translate_group_to_source over the runs of flow {T,S} (T's
//      records copied into S, learned from S's tandem.offsets), clamped to the log start of
//      T's "orders". Stored as a checkpoint of flow {S,T} with topic = the mirror's name on S
//      ("T.orders", what `tandemctl groups failover --from S` reads), target_topic "orders";
//      group sync applies to T's "orders" with the rules of step 5. While no run of {T,S} is
//      known below the group's position (not learned yet: below_coverage / empty) the
//      checkpoint is T's log start: re-reads, never skips; logged once per partition until the
//      map covers it.
//   4. Store every checkpoint (RocksDB, at every pass: its time says how fresh it is); produce
//      the ones whose source or target offset changed since the last produced one. A group
//      whose committed offset went DOWN on S (a rewind, e.g. a reset for reprocessing) is
//      logged and its checkpoint overwritten in this same pass: unlike a monotonic filter,
//      nothing suppresses a lower checkpoint.
//   5. Group sync (sync_group_offsets): per checkpointed group, its state on T.
//        active (stable, rebalancing, unknown) → untouched; logged once while it stays active;
//        absent or EMPTY → its committed offsets on T; per partition, commit the checkpoint
//        only if T has no offset or a lower one: a group is never moved backwards (a rewind at
//        S therefore does not rewind T). The offset, tandem's metadata mark, never a leader
//        epoch (the source's epoch means nothing on T's partition).
//   6. A pass that listed, read, translated and stored every selected group resets
//      tandem_checkpoint_age_seconds; a failing pass lets it grow (alert on it: that is the
//      RPO of a disaster failover of consumer groups).
//
// tandem_group_syncs_total{result} counts one decision per (group, partition) checkpoint:
//   synced          T's offset was absent or lower: committed
//   skipped_active  the group has members on T: not touched
//   skipped_ahead   T's offset is higher: left alone (never backwards)
//   failed          describing, reading or committing on T failed (retried next pass)
// A partition already at the checkpoint counts nothing.
//
// tandem.checkpoints records: format, encoder and decoder in engine/state/checkpoint_record.h.
//
// Threading: a checkpointer is driven by one thread (its group_admins and state_producer are
// single-owner), apart from the flow's: admin requests may take seconds and must not stall
// replication. The offset_store and flow_metrics are thread-safe and shared with the flow.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "engine/groups/checkpoint_metrics.h"
#include "engine/groups/group_translation.h"
#include "engine/kafka/seam.h"
#include "engine/obs/log_level.h"
#include "engine/state/checkpoint_record.h"  // k_checkpoint_topic, the records
#include "offsets/store.h"
#include "policy/topic_filter.h"

namespace tandem::engine {

// tandem's own consumer groups (engine/config/names.h flow_group_id) start with this.
inline constexpr std::string_view k_tandem_group_prefix = "tandem.";
// Group sync writes its offsets with the metadata "tandem-sync;v1;o=<S>"; offsets carrying it
// are never checkpointed (see the class comment, step 3).
inline constexpr std::string_view k_sync_metadata_prefix = "tandem-sync;";

struct checkpointer_settings {
  std::string source_region;  // S: the remote cluster whose groups are read
  std::string target_region;  // T: the local cluster
  policy::topic_filter topics;  // the flow's: which source topics are replicated (and naming)
  policy::group_filter groups;  // replication.groups / group_exclude
  bool sync_group_offsets = true;  // Default: true (replication.sync_group_offsets)
  std::chrono::milliseconds request_timeout{5000};  // each admin request. Default: 5 s
  // Milliseconds since the epoch; tests fix it. Default: the system clock.
  std::function<int64_t()> now_ms;
  // Identity naming, mesh: every region of the config but S and T, whose maps {C,S} and {C,T}
  // the translation of a group moving S→T reads (group_translation.h). Default: none.
  std::vector<std::string> third_regions;
};

// What one pass did (for logs and tests).
struct checkpoint_pass {
  bool complete = false;  // every selected group listed, read, translated and stored
  int groups = 0;         // groups with at least one checkpoint
  int checkpoints = 0;    // (group, partition) checkpoints stored
  int produced = 0;       // records produced to tandem.checkpoints
  int rewinds = 0;        // checkpoints whose source offset went down
  int rejected = 0;       // offsets beyond S's high watermark: not checkpointed
  std::string problem;    // the first error, empty when none
};

class checkpointer {
 public:
  // References must outlive the checkpointer. `source` is an admin of S, `target` and `out`
  // of T.
  checkpointer(checkpointer_settings settings, group_admin& source, group_admin& target,
               state_producer& out, offsets::offset_store& store, checkpoint_metrics& metrics);

  // One pass (see the class comment). Never throws; problems are logged and returned.
  checkpoint_pass run_once();

  // Sets tandem_checkpoint_age_seconds from the last complete pass (before the first one:
  // from the newest stored checkpoint, else from construction).
  void update_age();

  const std::string& name() const { return name_; }

 private:
  struct produced_checkpoint {
    int64_t source = 0;
    int64_t target = 0;
  };
  using partition_key = std::tuple<std::string, std::string, int32_t>;  // group, topic, partition
  // One checkpoint of this pass, with what group sync needs.
  struct pass_entry {
    offsets::checkpoint c;
    std::string target_topic;
  };

  bool ensure_topic();
  // Forgets what is kept per group for the groups S no longer lists (a complete listing).
  void forget_gone(const std::vector<group_listing>& listed);
  // Whether the group's offset is at most S's high watermark (step 3); counts and logs a
  // rejection.
  bool plausible(const std::string& group, const group_offset& o, checkpoint_pass& pass);
  // Whether S's committed offsets on `topic` are checkpointed: a topic the flow replicates, or
  // (prefix naming) S's mirror of T whose upstream the flow's filter selects (failback).
  bool checkpointed_topic(std::string_view topic) const;
  // Failback only: logs once per partition that the map of flow {T,S} does not cover the
  // position yet (the checkpoint falls back to T's log start); forgets it once covered.
  void note_coverage(const std::string& group, const std::string& topic, int32_t partition,
                     int64_t position, const std::string& destination, offsets::translation kind);
  // Reads, translates and stores one group's checkpoints; appends them to `out`.
  void checkpoint_group(const std::string& group, std::vector<pass_entry>& out,
                        checkpoint_pass& pass);
  // T's log start and high watermark of a partition, cached per pass (`fresh`: asked again).
  std::optional<watermarks> bounds(const std::string& topic, int32_t partition,
                                   checkpoint_pass& pass, bool fresh = false);
  // translate_group_move clamped to T's partition as it is. A result past the cached high
  // watermark is checked against a fresh one first: the flow keeps writing meanwhile.
  std::optional<group_translation> translate(const std::string& group, const group_offset& o,
                                             const std::string& target_topic,
                                             checkpoint_pass& pass);
  void produce(const pass_entry& e, offsets::translation kind, checkpoint_pass& pass);
  void sync_group(const std::string& group, const std::vector<pass_entry>& entries);
  // Logs `problem` and marks the pass incomplete.
  void note(checkpoint_pass& pass, const std::string& problem,
            log_level level = log_level::warn);
  int64_t now_ms() const;

  checkpointer_settings s_;
  std::string name_;  // "west->east", the log scope
  offsets::flow_id flow_;
  group_admin& source_;
  group_admin& target_;
  state_producer& out_;
  offsets::offset_store& store_;
  checkpoint_metrics& metrics_;

  bool topic_ready_ = false;
  int64_t last_complete_ms_ = 0;
  // The last checkpoint produced per (group, topic, partition); forgotten when a flush fails
  // so that the next pass produces everything again.
  std::map<partition_key, produced_checkpoint> produced_;
  // The last source offset read per (group, topic, partition): detects rewinds.
  std::map<partition_key, int64_t> last_source_;
  std::map<std::pair<std::string, int32_t>, watermarks> bounds_;  // of T, cached per pass
  std::map<std::pair<std::string, int32_t>, watermarks> source_bounds_;  // of S, per pass
  std::set<partition_key> reported_implausible_;  // logged as beyond S's end, until plausible
  std::set<std::string> reported_active_;  // groups logged as active on T, until idle again
  // Failback partitions (S's mirror topic, partition) logged as not covered by {T,S}'s runs.
  std::set<std::pair<std::string, int32_t>> reported_uncovered_;
};

}  // namespace tandem::engine
