#include "offsets/canonical.h"

#include <algorithm>
#include <iterator>
#include <string>
#include <tuple>

namespace tandem::offsets {
namespace {

bool by_key(const run& a, const run& b) {
  return std::tie(a.src_start, a.dst_start) < std::tie(b.src_start, b.dst_start);
}

// Sorts like by_key when keys are unique; also tells runs of one key but different lengths apart.
bool by_key_and_length(const run& a, const run& b) {
  return std::tie(a.src_start, a.dst_start, a.length) <
         std::tie(b.src_start, b.dst_start, b.length);
}

bool by_destination(const run& a, const run& b) {
  return std::tie(a.dst_start, a.src_start) < std::tie(b.dst_start, b.src_start);
}

// Appends the pieces of `r` cut at every point of `cuts` strictly inside its source range.
void split(const run& r, const std::vector<int64_t>& cuts, std::vector<run>& out) {
  int64_t start = r.src_start.v;
  auto it = std::upper_bound(cuts.begin(), cuts.end(), start);
  while (it != cuts.end() && *it < r.src_end().v) {
    out.push_back(run{{start}, r.target_of({start}), *it - start});
    start = *it++;
  }
  out.push_back(run{{start}, r.target_of({start}), r.src_end().v - start});
}

// The pieces of all runs, cut at every boundary of every run, sorted by key, without duplicates.
// Pieces sharing a key cover the same records (same diagonal, same cuts), hence are equal.
std::vector<run> pieces_of(std::span<const run> existing, std::span<const run> incoming) {
  std::vector<int64_t> cuts;
  for (auto rs : {existing, incoming}) {
    for (const run& r : rs) {
      cuts.push_back(r.src_start.v);
      cuts.push_back(r.src_end().v);
    }
  }
  std::ranges::sort(cuts);
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  std::vector<run> pieces;
  for (auto rs : {existing, incoming}) {
    for (const run& r : rs) split(r, cuts, pieces);
  }
  std::ranges::sort(pieces, by_key);
  pieces.erase(std::unique(pieces.begin(), pieces.end()), pieces.end());
  return pieces;
}

// Canonical rule (2): no target offset is owned by two runs.
std::expected<void, error> check_destinations(std::vector<run> pieces) {
  std::ranges::sort(pieces, by_destination);
  for (size_t i = 1; i < pieces.size(); ++i) {
    const run& a = pieces[i - 1];
    const run& b = pieces[i];
    if (a.dst_end() > b.dst_start) {
      return std::unexpected(error{errc::destination_conflict,
          "target offset " + std::to_string(b.dst_start.v) +
          " is claimed by two source records: runs " + to_string(a) + " and " +
          to_string(b) + " (was the target topic truncated or recreated?)"});
    }
  }
  return {};
}

}  // namespace

std::expected<map_change, error> plan_insert(std::span<const run> existing,
                                              std::span<const run> incoming) {
  for (const run& r : incoming) {
    if (!is_valid(r)) {
      return std::unexpected(error{errc::invalid_argument,
          "invalid run: source " + std::to_string(r.src_start.v) + ", target " +
          std::to_string(r.dst_start.v) + ", length " + std::to_string(r.length)});
    }
  }
  std::vector<run> pieces = pieces_of(existing, incoming);
  if (auto ok = check_destinations(pieces); !ok) return std::unexpected(ok.error());

  std::vector<run> old(existing.begin(), existing.end());
  std::ranges::sort(old, by_key_and_length);
  old.erase(std::unique(old.begin(), old.end()), old.end());  // a run found by both indexes
  map_change plan;
  std::ranges::set_difference(old, pieces, std::back_inserter(plan.erase), by_key_and_length);
  std::ranges::set_difference(pieces, old, std::back_inserter(plan.put), by_key_and_length);
  return plan;
}

map_change plan_trim(std::span<const run> starting_below, source_offset log_start) {
  map_change plan;
  for (const run& r : starting_below) {
    if (r.src_start >= log_start) continue;
    plan.erase.push_back(r);
    if (r.src_end() > log_start) {
      plan.put.push_back(run{log_start, r.target_of(log_start), r.src_end().v - log_start.v});
    }
  }
  std::ranges::sort(plan.erase, by_key);
  std::ranges::sort(plan.put, by_key);
  return plan;
}

map_change plan_invalidate_source(std::span<const run> all, source_offset from) {
  map_change plan;
  for (const run& r : all) {
    if (r.src_end() <= from) continue;
    plan.erase.push_back(r);
    if (r.src_start < from) plan.put.push_back(run{r.src_start, r.dst_start, from.v - r.src_start.v});
  }
  std::ranges::sort(plan.erase, by_key);
  std::ranges::sort(plan.put, by_key);
  return plan;
}

map_change plan_invalidate_destination(std::span<const run> all, target_offset from) {
  map_change plan;
  std::vector<run> survivors;
  std::optional<run> piece;  // at most one run straddles `from`: no two share a target offset
  for (const run& r : all) {
    if (r.dst_end() <= from) {
      survivors.push_back(r);
      continue;
    }
    plan.erase.push_back(r);
    if (r.dst_start < from) piece = run{r.src_start, r.dst_start, from.v - r.dst_start.v};
  }
  if (piece) {
    // Survivors are canonical (a subset of a canonical map); adding the piece splits the other
    // copies of its group. It cannot conflict: its target offsets were its own.
    auto change = plan_insert(survivors, std::span<const run>(&*piece, 1));
    if (change) {
      plan.erase.insert(plan.erase.end(), change->erase.begin(), change->erase.end());
      plan.put = std::move(change->put);
    }
  }
  std::ranges::sort(plan.erase, by_key);
  std::ranges::sort(plan.put, by_key);
  return plan;
}

std::optional<run_hull> hull_of(std::span<const run> runs) {
  if (runs.empty()) return std::nullopt;
  run_hull h{runs[0].src_start, runs[0].src_end(), runs[0].dst_start, runs[0].dst_end()};
  for (const run& r : runs) {
    h.src_begin = std::min(h.src_begin, r.src_start);
    h.src_end = std::max(h.src_end, r.src_end());
    h.dst_begin = std::min(h.dst_begin, r.dst_start);
    h.dst_end = std::max(h.dst_end, r.dst_end());
  }
  return h;
}

}  // namespace tandem::offsets
