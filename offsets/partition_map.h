// partition_map: the runs of one flow's partition, in memory, indexed by source and by target.
//
// The broker-free model of the offset map: tests, tools and fakes use it; offset_store keeps the
// same structure in RocksDB. Runs are kept in canonical form (canonical.h): inserting a replay
// never overwrites a copy, and the rounding rules (translate.h) answer from it.
//
// Not thread-safe; a value type.
#pragma once

#include <cstddef>
#include <expected>
#include <set>
#include <span>
#include <vector>

#include "offsets/canonical.h"
#include "offsets/error.h"
#include "offsets/run.h"
#include "offsets/translate.h"

namespace tandem::offsets {

class partition_map final : public run_index {
 public:
  // Adds `runs` (any order; runs already present or overlapping copies are fine).
  // Errors as plan_insert (invalid run, destination conflict); on error nothing changes.
  std::expected<void, error> insert(std::span<const run> runs);

  // Drops the coverage below the source's log start (plan_trim). Returns the runs erased
  // (a straddling run counts as erased, its upper part is put back).
  size_t trim_below(source_offset log_start);

  // All runs ordered by (src_start, dst_start).
  std::vector<run> runs() const { return {by_src_.begin(), by_src_.end()}; }
  size_t size() const { return by_src_.size(); }
  bool empty() const { return by_src_.empty(); }

  // The rules of translate.h over this map; in memory they cannot fail.
  target_translation translate_to_target(source_offset x) const;
  source_translation translate_to_source(target_offset y) const;

  // run_index: never returns an error.
  std::expected<std::optional<run>, error> earliest_copy_starting_below(
      source_offset x) const override;
  std::expected<std::optional<run>, error> last_starting_below(target_offset y) const override;
  std::expected<std::optional<run>, error> first_by_source() const override;
  std::expected<std::optional<run>, error> first_by_destination() const override;

 private:
  struct by_source {
    bool operator()(const run& a, const run& b) const;
  };
  struct by_destination {
    bool operator()(const run& a, const run& b) const;
  };

  std::vector<run> intersecting(const run_hull& h) const;
  void apply(const map_change& change);

  std::set<run, by_source> by_src_;        // key (src_start, dst_start)
  std::set<run, by_destination> by_dst_;   // key (dst_start, src_start); the same runs
};

}  // namespace tandem::offsets
