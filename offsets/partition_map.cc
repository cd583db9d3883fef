#include "offsets/partition_map.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <tuple>

namespace tandem::offsets {
namespace {

constexpr int64_t int64_min = std::numeric_limits<int64_t>::min();
constexpr int64_t int64_max = std::numeric_limits<int64_t>::max();

// Probes for set lookups: the comparators look at the two starts only.
run probe(source_offset s, target_offset d) { return run{s, d, 1}; }

}  // namespace

bool partition_map::by_source::operator()(const run& a, const run& b) const {
  return std::tie(a.src_start, a.dst_start) < std::tie(b.src_start, b.dst_start);
}

bool partition_map::by_destination::operator()(const run& a, const run& b) const {
  return std::tie(a.dst_start, a.src_start) < std::tie(b.dst_start, b.src_start);
}

std::expected<void, error> partition_map::insert(std::span<const run> runs) {
  auto hull = hull_of(runs);
  if (!hull) return {};
  auto plan = plan_insert(intersecting(*hull), runs);
  if (!plan) return std::unexpected(plan.error());
  apply(*plan);
  return {};
}

size_t partition_map::trim_below(source_offset log_start) {
  std::vector<run> below(by_src_.begin(), by_src_.lower_bound(probe(log_start, {int64_min})));
  map_change plan = plan_trim(below, log_start);
  apply(plan);
  return plan.erase.size();
}

// Runs whose source range meets [src_begin, src_end) or whose target range meets
// [dst_begin, dst_end). In each index the runs meeting an interval are contiguous, starting with
// the group (or run) that contains the interval's first offset.
std::vector<run> partition_map::intersecting(const run_hull& h) const {
  std::set<run, by_source> found;
  auto s = by_src_.upper_bound(probe(h.src_begin, {int64_max}));
  if (s != by_src_.begin() && std::prev(s)->src_end() > h.src_begin) {
    s = by_src_.lower_bound(probe(std::prev(s)->src_start, {int64_min}));  // the whole group
  }
  for (; s != by_src_.end() && s->src_start < h.src_end; ++s) found.insert(*s);

  auto d = by_dst_.upper_bound(probe({int64_max}, h.dst_begin));
  if (d != by_dst_.begin() && std::prev(d)->dst_end() > h.dst_begin) --d;
  for (; d != by_dst_.end() && d->dst_start < h.dst_end; ++d) found.insert(*d);
  return {found.begin(), found.end()};
}

void partition_map::apply(const map_change& change) {
  for (const run& r : change.erase) {
    by_src_.erase(r);
    by_dst_.erase(r);
  }
  for (const run& r : change.put) {
    by_src_.insert(r);
    by_dst_.insert(r);
  }
}

target_translation partition_map::translate_to_target(source_offset x) const {
  return *offsets::translate_to_target(*this, x);
}

source_translation partition_map::translate_to_source(target_offset y) const {
  return *offsets::translate_to_source(*this, y);
}

std::expected<std::optional<run>, error> partition_map::earliest_copy_starting_below(
    source_offset x) const {
  auto it = by_src_.lower_bound(probe(x, {int64_min}));
  if (it == by_src_.begin()) return std::nullopt;
  // The last run starting below x is the group's latest copy; its first copy is the earliest.
  return *by_src_.lower_bound(probe(std::prev(it)->src_start, {int64_min}));
}

std::expected<std::optional<run>, error> partition_map::last_starting_below(
    target_offset y) const {
  auto it = by_dst_.lower_bound(probe({int64_min}, y));
  if (it == by_dst_.begin()) return std::nullopt;
  return *std::prev(it);
}

std::expected<std::optional<run>, error> partition_map::first_by_source() const {
  if (by_src_.empty()) return std::nullopt;
  return *by_src_.begin();
}

std::expected<std::optional<run>, error> partition_map::first_by_destination() const {
  if (by_dst_.empty()) return std::nullopt;
  return *by_dst_.begin();
}

}  // namespace tandem::offsets
