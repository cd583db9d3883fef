// What a flow remembers across restarts: resume positions per source partition and the offset
// map learned from delivery reports. The durable implementation is offset_journal (RocksDB via
// offsets/); tests use memory_journal (tests/fakes/memory_journal.h).
//
// Contract: delivered() is called once per durably written record, in delivery order per
// partition; commit() persists everything delivered so far together with the given resume
// positions, atomically (one RocksDB WriteBatch), so a resume position never runs ahead of the
// map it implies. Called from the flow's thread only.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>

#include "engine/kafka/seam.h"

namespace tandem::engine {

class flow_journal {
 public:
  virtual ~flow_journal() = default;
  // Where to resume reading a source partition; nullopt when never committed.
  virtual std::optional<int64_t> resume_position(const std::string& topic, int32_t partition) = 0;
  // Source record (topic, partition, src_offset) landed at dst_offset of the target partition.
  virtual void delivered(std::string_view topic, int32_t partition, int64_t src_offset,
                         int64_t dst_offset) = 0;
  // An echo: the record at (topic, partition, offset) of the flow's source cluster is the copy
  // of the peer's own record at peer_offset (same partition, identity naming). Teaches the
  // peer direction of the map (docs/design.md "Offset map").
  virtual void echo(std::string_view topic, int32_t partition, int64_t offset,
                    std::string_view peer_topic, int64_t peer_offset) = 0;
  // Persists what was learned and the positions. Error text on failure (nothing persisted).
  [[nodiscard]] virtual std::expected<void, std::string> commit(
      std::span<const partition_position> positions) = 0;
  // The source partition's log now starts at `log_start` (retention or deleted records): the
  // map's coverage below it may go (docs/design.md "Offset map": coverage trimmed below the
  // source's log start). Called when the log start advanced; failures are the journal's to log.
  virtual void trim_below(std::string_view topic, int32_t partition, int64_t log_start) = 0;
  // The source partition's records from `from` on are gone (truncated, or the topic deleted and
  // recreated) and the flow continues reading it at `from`: the map's runs by source offset
  // from there describe records that no longer exist. They are invalidated at the next commit,
  // before its runs (docs/design.md "Safety rules"; issue #10 "Out of range").
  virtual void source_went_back(std::string_view topic, int32_t partition, int64_t from) = 0;
  // The target offset of the last copy the map knows of the partition; nullopt when none (or
  // a journal without a map). A restarted flow starts watching its targets from there.
  virtual std::optional<int64_t> last_copy(std::string_view topic, int32_t partition) {
    (void)topic, (void)partition;
    return std::nullopt;
  }
  // Identity naming: the source partition (topic, partition) also holds the peer's copies (the
  // peer flow target→source writes them there); from `from` on they are gone with the old log.
  // The journal invalidates the peer direction's runs by destination from there.
  virtual void peer_copies_gone(std::string_view topic, int32_t partition, int64_t from) {
    (void)topic, (void)partition, (void)from;
  }
  // Before a partition with a resume position is consumed again, or when a refresh finds an
  // idle target partition shorter than its copies (flow_target_loss.cc): the target partition
  // ends at `target_end`. Copies the map knows at or beyond it are gone (the target was truncated, or
  // deleted and recreated while the flow was stopped). Then the journal invalidates them (at the
  // next commit) and returns the source offset to copy again from: the one after the last
  // source record whose copy survives, or offset_beginning when none does. nullopt: the map
  // knows no copy at or beyond `target_end` (nothing to do). Journals without a map: nullopt.
  virtual std::optional<int64_t> target_ends_at(std::string_view topic, int32_t partition,
                                                int64_t target_end) {
    (void)topic, (void)partition, (void)target_end;
    return std::nullopt;
  }
};

}  // namespace tandem::engine
