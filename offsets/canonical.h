// Canonical form of a partition's runs, and the plan that keeps it when runs are added.
//
// Replays make copies: after a crash the flow re-writes records from its resume position, and
// maps rebuilt from origin headers or learned from echoes see every copy. Runs are keyed by
// (src_start, dst_start), so a copy never overwrites another. But copies may overlap on the
// source side with different starts, e.g. a map learned from the target log:
//
//   target  100 ... 109          250 ... 253
//   source   10 ...  19           15 ...  18     (15..18 written twice)
//
// A lookup that looked only at the run starting last below X would then miss records of the
// earlier, longer run. So the map is kept in CANONICAL FORM:
//
//   (1) any two runs have identical or disjoint source ranges (copies of the same records
//       form a "group": same src_start, same length, different dst_start);
//   (2) no two runs share a target offset (one target offset holds one record).
//
// Adding (10 -> 100, len 10) and (15 -> 250, len 4) yields
//
//   (10 -> 100, 5)  (15 -> 105, 4)  (19 -> 109, 1)
//                   (15 -> 250, 4)
//
// Splitting loses nothing: the same source records map to the same target offsets. With (1),
// the copies of the last recorded record below X are exactly the group with the greatest
// src_start < X, found with one SeekForPrev. With (2), the last copy below Y is the run with the
// greatest dst_start < Y. A flow's own runs (committed with its resume position) never overlap,
// so for them a plan is plain inserts.
#pragma once

#include <expected>
#include <optional>
#include <span>
#include <vector>

#include "offsets/error.h"
#include "offsets/run.h"

namespace tandem::offsets {

// A change to a canonical map: remove `erase`, then add `put`. Both ordered by
// (src_start, dst_start).
struct map_change {
  std::vector<run> erase;
  std::vector<run> put;
};

// Plans adding `incoming` to a canonical map. `existing` must hold every run of the map whose
// source range or target range intersects an incoming run's (more is harmless, fewer is wrong).
// Success: applying the plan leaves the map canonical and covering exactly the union of old and
// new (source, target) pairs; a run already present is not put again.
// errc::invalid_argument: an incoming run breaks the run invariant (run.h).
// errc::destination_conflict: two different source records would own one target offset
// (the target was truncated or recreated; the safety rules want those runs invalidated first).
std::expected<map_change, error> plan_insert(std::span<const run> existing,
                                              std::span<const run> incoming);

// Plans dropping the coverage below the source's log start. `starting_below` must hold every
// run of the map with src_start < log_start. Runs ending at or below it are erased; a run that
// straddles it is cut to start at it (all copies of a group alike, so the map stays canonical).
map_change plan_trim(std::span<const run> starting_below, source_offset log_start);

// Plans forgetting everything the map says about source offsets >= `from`: the source
// partition was truncated or recreated, so the records there now are other records (docs/design.md
// "Safety rules": the affected runs are invalidated). `all` must hold every run of the
// partition. Runs starting at or after `from` are erased; a run that straddles it is cut to end
// there (all copies of a group alike, so the map stays canonical).
map_change plan_invalidate_source(std::span<const run> all, source_offset from);

// The same for target offsets >= `from`: the target partition was truncated or recreated. A
// cut copy no longer spans its group's source range, so the other copies are split to match
// (through plan_insert): the result is canonical.
map_change plan_invalidate_destination(std::span<const run> all, target_offset from);

// Source and target hull of `runs` (empty span → nullopt); what a store must read as `existing`
// is the runs intersecting these intervals.
struct run_hull {
  source_offset src_begin, src_end;
  target_offset dst_begin, dst_end;
};
std::optional<run_hull> hull_of(std::span<const run> runs);

}  // namespace tandem::offsets
