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
//          a null value (tombstone): the run was erased from the map (not produced yet).
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

// A decoded tandem.offsets record. Tombstone: `record.run.length` is 0.
struct decoded_run {
  run_record record;
  bool tombstone = false;

  bool operator==(const decoded_run&) const = default;
};

// Error: what is wrong, quoting (a prefix of) the key.
std::expected<decoded_run, std::string> decode_run_record(std::string_view key,
                                                          std::optional<std::string_view> value);

}  // namespace tandem::engine
