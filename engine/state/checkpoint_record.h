// The records of tandem.checkpoints, as text readable with kcat: where a consumer group of S
// continues on T, produced by T's checkpointer (engine/groups/checkpointer.h) and read back by
// the restore at start (engine/state/state_restore.h).
//
// tandem.checkpoints (compacted, 1 partition, in T's cluster):
//   key    "<S>|<T>|<group>|<topic>|<partition>"      e.g. "west|east|billing|orders|3"
//          (failback: topic "east.orders", target_topic "orders")
//          (regions, topics and numbers never hold '|'; a group may: split from both ends)
//   value  {"v":1,"source":"west","target":"east","group":"billing","topic":"orders",
//           "partition":3,"source_offset":1200,"target_topic":"west.orders",
//           "target_offset":1187,"kind":"exact","time_ms":1767225600000}
//          time_ms: when the source offset was read; kind: offsets::translation.
//   Never a tombstone (checkpoints are not deleted).
//
// Decoding is strict about what it needs (the key is exactly the one the value names; non-empty
// regions and topic; partition, source_offset and target_offset non-negative integers, the
// partition an int32; time_ms an integer) and ignores value fields it does not know, among them
// target_topic and kind (informative); "v" other than 1 is refused. It never throws.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "offsets/ids.h"
#include "offsets/store.h"
#include "offsets/translate.h"

namespace tandem::engine {

inline constexpr std::string_view k_checkpoint_topic = "tandem.checkpoints";

// One checkpoint of flow {S, T}, as the key and the decoded fields of a record name it.
struct checkpoint_record {
  offsets::flow_id flow;
  offsets::checkpoint checkpoint;

  bool operator==(const checkpoint_record&) const = default;
};

std::string encode_checkpoint_key(const checkpoint_record& r);
// `target_topic`: the topic of T the checkpoint applies to; `kind`: how it was translated.
std::string encode_checkpoint_value(const checkpoint_record& r, std::string_view target_topic,
                                    offsets::translation kind);

// Error: malformed key or value, or a tombstone, quoting (a prefix of) the key.
std::expected<checkpoint_record, std::string> decode_checkpoint_record(
    std::string_view key, std::optional<std::string_view> value);

}  // namespace tandem::engine
