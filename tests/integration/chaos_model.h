// The model and the oracle of the randomized fault test (chaos_test.cc), pure logic, no broker.
//
//   chaos_model   every record the test produced, by id (its value "<origin>-<seq>", unique for
//                 the whole test), with the incarnation of its origin topic it went into; a
//                 record is *alive* while that incarnation is current (a deleted topic takes its
//                 records with it, by definition, wherever copies of them remain)
//   chaos_group   a consumer group: the region it is in, and every id it consumed and committed
//   judge()       after a move: what the group must read in its new region and what it did
//
// Streams. Identity naming: one stream, T, holding the records of every region. Prefix naming:
// one stream per origin region O: T on O, O.T on every other region; a group follows the stream
// of its `home` region.
//
// The oracle of a move (docs/design.md "Randomized fault test"), over the destination topic
// read whole once replication caught up (every alive id of the stream present there):
//   expected  alive ids of the stream the group has not consumed
//   skipped   expected ids not read from the group's new committed offsets to the end (must be 0)
//   re-reads  records read there whose id lies below the group's committed offsets X in the
//             region it left (its position says it consumed them), or read once already; ids
//             it consumed earlier but above X (an earlier move rewound it) are counted apart
//             ("earlier"): the translation of X cannot know them
//   bound     per partition: the spread of the identity frontiers tandemctl reports (max - min;
//             0 under prefix naming) plus replayed copies (an id already present earlier in the
//             partition: at-least-once after a SIGKILL) and orphans (copies whose origin
//             incarnation is gone) at or after the start. chaos_test.cc asserts re-reads within
//             it on every partition of a move with no fault since the group's last move; after
//             faults the re-reads beyond it are map coverage lost to a fault: printed, not
//             asserted (they are re-reads, never skips).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/integration/failover_support.h"
#include "tests/integration/kafka_test_env.h"

namespace tandem::testing {

class chaos_model {
 public:
  chaos_model(std::vector<std::string> regions, bool identity)
      : regions_(std::move(regions)), identity_(identity) {}

  const std::vector<std::string>& regions() const { return regions_; }
  bool identity() const { return identity_; }

  // The ids of `n` new records of `origin` (recorded as produced into its current incarnation).
  std::vector<std::string> produce(const std::string& origin, int n);
  // `origin`'s source topic was deleted and created again: its records so far are gone.
  void source_recreated(const std::string& origin) { ++incarnation_[origin]; }

  // Alive ids that never arrived in `topic` of `region` (a replication loss, reported once; a
  // move there no longer waits for them). Recreating that topic forgets them.
  void lost(const std::string& region, const std::string& topic, const std::set<std::string>& ids);
  void forget_lost(const std::string& region, const std::string& topic);
  const std::set<std::string>& lost_in(const std::string& region, const std::string& topic) const;

  // The origin region of an id ("" when the value is none of the test's).
  static std::string origin_of(const std::string& id);
  bool alive(const std::string& id) const;
  // Alive ids of the stream of `home` (identity: of every region).
  std::set<std::string> alive_ids(const std::string& home) const;
  int64_t produced() const { return static_cast<int64_t>(born_.size()); }

 private:
  std::vector<std::string> regions_;
  bool identity_;
  std::map<std::string, int> incarnation_;  // origin -> current incarnation of its source
  std::map<std::string, int64_t> next_seq_;
  std::map<std::string, int> born_;  // id -> incarnation of its origin topic it went into
  std::map<std::string, std::set<std::string>> lost_;  // "<region>/<topic>" -> ids
};

struct chaos_group {
  std::string name;
  std::string home;    // prefix naming: the origin of the stream it follows
  std::string region;  // where it consumes now
  std::set<std::string> consumed;
  bool fault_since_move = false;  // a fault (any kind) happened since its last move
  // A wipe or a topic recreation happened (ever): the map may lack coverage from then on.
  bool coverage_at_risk = false;
  // Its offsets in `region` were committed by its own consumer (not by tandemctl: tandem does
  // not checkpoint offsets carrying tandem's sync metadata, so a group moves on only after it
  // committed in its new region).
  bool committed_here = true;
};

struct move_verdict {
  int64_t expected = 0, read = 0, skipped = 0, bound = 0;
  int64_t rereads = 0;  // records read whose id is below X, or read a second time in this move
  int64_t earlier = 0;  // records read that the group consumed in an earlier visit, above X
  int64_t replays = 0, orphans = 0, spread = 0, missing = 0;
  int64_t beyond_bound = 0;     // per partition, re-reads above its bound, summed
  int64_t beyond_reported = 0;  // per partition, re-reads above tandemctl's reread (a figure)
  std::vector<std::string> first_skipped;  // up to 5
};

// `below_x`: the ids below the group's committed offsets X in the region it leaves (what its
// position says it consumed); `dest`: every record of the group's topic in the destination
// (read_topic); `start`: the
// group's committed offset there per partition; `rows`: tandemctl's failover rows.
move_verdict judge(const chaos_model& m, const chaos_group& g,
                   const std::set<std::string>& below_x, const std::vector<record>& dest,
                   const std::vector<int64_t>& start, const std::map<int, partition_row>& rows);

}  // namespace tandem::testing
