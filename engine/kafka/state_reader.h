// Reading tandem's compacted state topics (tandem.offsets, tandem.checkpoints): partition 0 from
// the beginning up to the end, then tailing it. The seam between the restore at start
// (engine/state/state_restore.h), the peer-run learner (engine/state/peer_runs.h) and a Kafka client;
// engine/kafka/rdkafka/state_reader.cc implements it with librdkafka, unit tests with a fake.
//
//   end_offset(topic)        the high watermark (what "read to the end" means at start)
//   start(topic, offset)     assign partition 0 (no consumer group, nothing committed)
//   poll(out, max, timeout)  records in offset order; `at_end` once the reader reached the
//                            partition's end (after compaction the last offsets may be gone,
//                            so the end is reported rather than inferred)
//
// Not thread-safe: one owner thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "engine/kafka/seam.h"

namespace tandem::engine {

struct state_record {
  std::string key;
  std::optional<std::string> value;  // nullopt: a tombstone
  int64_t offset = -1;
};

class state_reader {
 public:
  virtual ~state_reader() = default;
  // The high watermark of partition 0 of `topic`. Error kafka_errc::unknown_topic_or_part when
  // the topic does not exist; timed_out, transport etc. when the cluster cannot be reached.
  [[nodiscard]] virtual kafka_result<int64_t> end_offset(const std::string& topic,
                                                         std::chrono::milliseconds timeout) = 0;
  // Reads partition 0 of `topic` from `offset` (offset_beginning: the log start), replacing
  // what an earlier start read.
  [[nodiscard]] virtual kafka_result<void> start(const std::string& topic, int64_t offset) = 0;
  // Appends up to `max` records to `out`; waits at most `timeout` when none is ready. The
  // value: the reader is at the end of the partition (nothing more to read right now).
  // Error: a consumer error (records already appended to `out` stay valid).
  [[nodiscard]] virtual kafka_result<bool> poll(std::vector<state_record>& out, size_t max,
                                                std::chrono::milliseconds timeout) = 0;
};

}  // namespace tandem::engine
