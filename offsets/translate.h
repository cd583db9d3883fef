// Offset translation: where a consumer group continues on the other side of a flow.
//
// The rules (docs/design.md, "Translation (never skip; round toward re-reading)") are implemented once,
// here, over the `run_index` seam; partition_map (memory) and offset_store's stored_partition
// (RocksDB) only fetch the one run each rule needs. A hole in the map can only make a consumer
// re-read records, never skip one.
#pragma once

#include <expected>
#include <optional>
#include <span>
#include <string_view>

#include "offsets/error.h"
#include "offsets/run.h"

namespace tandem::offsets {

// The runs of one flow's partition, kept in canonical form (canonical.h). Each method is one
// ordered lookup; errors come from storage only.
class run_index {
 public:
  virtual ~run_index() = default;
  // Among the runs with the greatest src_start < x (one group of copies of the same records),
  // the one with the smallest dst_start: the earliest copy. nullopt: no run starts below x.
  virtual std::expected<std::optional<run>, error> earliest_copy_starting_below(
      source_offset x) const = 0;
  // The run with the greatest dst_start < y. nullopt: no run starts below y.
  virtual std::expected<std::optional<run>, error> last_starting_below(target_offset y) const = 0;
  // The run with the smallest src_start (its earliest copy); nullopt: the map is empty.
  virtual std::expected<std::optional<run>, error> first_by_source() const = 0;
  // The run with the smallest dst_start; nullopt: the map is empty.
  virtual std::expected<std::optional<run>, error> first_by_destination() const = 0;
};

enum class translation {
  exact,           // the record just below the position is in the map
  rounded,         // it is not (a gap: compaction, markers, aborted records, local writes,
                   // or the group is ahead of the map); rounded down, toward re-reading
  below_coverage,  // nothing recorded below the position: `offset` is the first recorded one
  empty,           // nothing recorded at all: `offset` is meaningless, use the log start
  clamped,         // the map points past the destination's end (its records are gone:
                   // truncated, or deleted and recreated): the log start, everything re-read
};

// "exact", "rounded", "below_coverage", "empty", "clamped".
std::string_view to_string(translation k);

struct target_translation {
  translation kind;
  target_offset offset;
};

struct source_translation {
  translation kind;
  source_offset offset;
};

// A group committed at `x` on the source: where it continues on the target.
std::expected<target_translation, error> translate_to_target(const run_index& runs,
                                                             source_offset x);

// A group committed at `y` on the target (failback): where it continues on the source.
std::expected<source_translation, error> translate_to_source(const run_index& runs,
                                                             target_offset y);

// Identity naming: a group committed at `x_on_a` on A's partition, which interleaves A-local
// records and copies of B's, moves to B. Positions on B are target_offsets (B is the target of
// the move). See translate.cc for the picture.
struct identity_failover {
  target_offset start;        // where the group starts on B
  target_offset a_term;       // first A-record copy on B the group has not consumed
  target_offset b_term;       // first B-local record the group has not consumed
  translation a_kind;         // how each term was found
  translation b_kind;
  // Mesh (three or more regions): the lowest of the third regions' terms, each the first copy
  // on B of a record of that region the group has not consumed; nullopt with two regions.
  std::optional<target_offset> c_term;
  translation c_kind = translation::empty;
};

// The maps of a third region C for a group moving from A to B (mesh, identity naming).
struct third_region_maps {
  const run_index& c_to_a;  // C's records copied into A (learned from A's tandem.offsets)
  const run_index& c_to_b;  // C's records copied into B (B's own flow C→B)
};

std::expected<identity_failover, error> identity_failover_position(
    source_offset x_on_a, const run_index& a_to_b, const run_index& b_to_a,
    target_offset b_log_start);

// The same in a mesh: start = min(a, b, one term per third region), never below B's log start
// (docs/design.md "Incarnations, invalidation, clamps": mesh failover).
std::expected<identity_failover, error> identity_failover_position(
    source_offset x_on_a, const run_index& a_to_b, const run_index& b_to_a,
    std::span<const third_region_maps> others, target_offset b_log_start);

}  // namespace tandem::offsets
