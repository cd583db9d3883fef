// The records of tandem.offsets, as text readable with kcat: one per run of a flow's OWN map,
// produced by the process that wrote the copies (engine/state/run_publisher.h) after its
// journal commit. (tandem.checkpoints: engine/state/checkpoint_record.h.)
//
// tandem.offsets (compacted, 1 partition, in the cluster the flow writes to):
//   key    "<S>|<T>|<topic>|<partition>|<src_start>|<dst_start>"
//          e.g. "west|east|orders|3|1200|1187"
//          (regions and numbers never hold '|'; the topic is split from both ends)
//   value  {"v":1,"source":"west","target":"east","topic":"orders","partition":3,
//           "src_start":1200,"dst_start":1187,"length":500}
//          a null value (tombstone): the run of that key was erased from the map (target or
//          source truncated or recreated, or trimmed below the source's log start). The offset
//          journal publishes one for each erased key that is not written again, after the
//          store committed the change; a cut run keeps its key and is re-published with its
//          new length (engine/state/offset_journal.h).
// Per key, the LAST record in log order is the truth (what compaction keeps): restore and the
// peer learner read them so (engine/state/state_restore.h).
// Runs are keyed like the store keys them, by (src_start, dst_start): a replay's copies are
// other keys, and re-publishing a run is harmless (compaction keeps one).
// The topic is the flow's SOURCE topic (as in offsets/ids.h); the target topic follows from the
// naming policy.
//
// Decoding is strict about what it needs (key and value agree, a valid run: integers, no
// floats, in range) and ignores value fields it does not know, so a later writer can add
// fields; "v" other than 1 is refused. It never throws, whatever the bytes.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "offsets/ids.h"
#include "offsets/run.h"

namespace tandem::engine {

inline constexpr std::string_view k_offsets_topic = "tandem.offsets";

// One run of a flow's map, as published.
struct run_record {
  offsets::flow_id flow;
  std::string topic;  // source topic
  int32_t partition = 0;
  offsets::run run;

  bool operator==(const run_record&) const = default;
};

std::string encode_run_key(const run_record& r);
std::string encode_run_value(const run_record& r);

// One tandem.offsets record: a run, or the tombstone of its key (`tombstone`; then only the key
// fields of `record` count and `record.run.length` is 0). What the publisher produces and what
// decoding yields.
struct run_entry {
  run_record record;
  bool tombstone = false;

  bool operator==(const run_entry&) const = default;
};

// The value of an entry: encode_run_value of its run; nullopt (a null value) for a tombstone.
std::optional<std::string> encode_run_value(const run_entry& e);

// Error: what is wrong, quoting (a prefix of) the key.
std::expected<run_entry, std::string> decode_run_record(std::string_view key,
                                                          std::optional<std::string_view> value);

}  // namespace tandem::engine
