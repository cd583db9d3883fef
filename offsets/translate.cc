#include "offsets/translate.h"

#include <algorithm>
#include <utility>

namespace tandem::offsets {

// translate_to_target(X) = dst(last recorded record with src < X) + 1.
//
//   source   8   9  10 | 11  12 |  (13 14)  | 15  16        (13, 14: compacted / markers)
//   target  40  41  42 | 43  44 | 45 46 47  | 48  49        (45..47: not copies of ours)
//
//   X = 12 → record 11 is at 43 → 44                       exact
//   X = 15 → record 14 is not recorded, 12 is (at 44) → 45  rounded: 45..47 read again
//   X = 9  → record 8 at 40 → 41;  X <= 8 → nothing below  below_coverage → 40
//
// Copies (replays) of the last record below X: take the EARLIEST copy.
//
//   source         10 .. 14 | 15 .. 18 | 19
//   target copy 1  100..104 | 105..108 | 109       first write
//   target copy 2           | 250..253 |           replay after a crash, which died again
//
//   X = 17: record 16 sits at 106 and 251. 106 + 1 = 107 re-reads 17..19 and the replay;
//   251 + 1 = 252 would SKIP 19, whose only copy is at 109. Rounding is always downward.
std::string_view to_string(translation k) {
  switch (k) {
    case translation::exact: return "exact";
    case translation::rounded: return "rounded";
    case translation::below_coverage: return "below_coverage";
    case translation::empty: return "empty";
    case translation::clamped: return "clamped";
  }
  return "empty";
}

std::expected<target_translation, error> translate_to_target(const run_index& runs,
                                                             source_offset x) {
  auto group = runs.earliest_copy_starting_below(x);
  if (!group) return std::unexpected(group.error());
  if (const auto& g = *group) {
    source_offset last{std::min(g->src_end().v, x.v) - 1};
    auto kind = last.v == x.v - 1 ? translation::exact : translation::rounded;
    return target_translation{kind, {g->target_of(last).v + 1}};
  }
  // Nothing recorded below X: the group has consumed no replicated record, so it starts at
  // the earliest copy in the target.
  auto first = runs.first_by_destination();
  if (!first) return std::unexpected(first.error());
  if (!*first) return target_translation{translation::empty, {}};
  return target_translation{translation::below_coverage, (*first)->dst_start};
}

// translate_to_source(Y) = src(last copy with dst < Y) + 1: a group at Y on the target has
// consumed every copy below Y.
//
//   target  40  41  42 | 43 44 | 45  46      (43, 44: local writes or markers of the target)
//   source  10  11  12 |       | 15  16      (13, 14: compacted)
//
//   Y = 42 → copy 41 is record 11 → 12         exact
//   Y = 44 → last copy below 44 is 42 → 13     rounded (13, 14 do not exist or are re-read)
//   Y <= 40 → nothing below                    below_coverage → 10, the first recorded record
//
// No two runs share a target offset (canonical form), so the last copy below Y is unique.
std::expected<source_translation, error> translate_to_source(const run_index& runs,
                                                             target_offset y) {
  auto below = runs.last_starting_below(y);
  if (!below) return std::unexpected(below.error());
  if (const auto& r = *below) {
    target_offset last{std::min(r->dst_end().v, y.v) - 1};
    auto kind = last.v == y.v - 1 ? translation::exact : translation::rounded;
    return source_translation{kind, {r->source_of(last).v + 1}};
  }
  auto first = runs.first_by_source();
  if (!first) return std::unexpected(first.error());
  if (!*first) return source_translation{translation::empty, {}};
  return source_translation{translation::below_coverage, (*first)->src_start};
}

namespace {

// DESIGN: "a term with nothing recorded below X is the position of its first recorded record,
// or the log start where the map's coverage begins later than the log".
target_offset term_on_b(translation kind, int64_t offset, target_offset b_log_start) {
  switch (kind) {
    case translation::exact:
    case translation::rounded: return {offset};
    case translation::below_coverage: return {std::min(offset, b_log_start.v)};
    case translation::empty:
    case translation::clamped: return b_log_start;
  }
  return b_log_start;
}

}  // namespace

// Identity naming: one partition interleaves local records and copies of the peer's.
//
//   offset on A:  0   1   2   3   4   5 | 6   7   8   9
//   record:       a0  a1  b0' b2' a4  a5| b3' a7  b6' a9    aN: A-local at A offset N
//                                       X = 6               bN': copy of B-local record N
//   offset on B:  0   1   2   3   4   5   6   7   8   9
//   record:       b0  a0' b2  b3  a1' a4' b6  a5' b8  a7'
//
// A group at X = 6 on A has consumed a0 a1 a4 a5 (A-local) and b0 b2 (B-local).
//   a = dst_A→B(last A-local record below 6 = a5) + 1 = 7 + 1 = 8   (a7' at 9 is the first
//       A-copy not consumed; 8 holds b8, a B-local record)
//   b = src_B→A(last copy on A below 6 = b2' at 3) + 1 = 2 + 1 = 3   (b3 is the first B-local
//       record not consumed)
//   start = min(a, b) = 3: re-reads a1' a4' a5' (between the two frontiers), skips nothing.
//
// Both terms come from the maps only; the result is clamped to B's log start (anything below
// is gone).
std::expected<identity_failover, error> identity_failover_position(
    source_offset x_on_a, const run_index& a_to_b, const run_index& b_to_a,
    target_offset b_log_start) {
  return identity_failover_position(x_on_a, a_to_b, b_to_a, {}, b_log_start);
}

namespace {

// A third region C: the group at X on A has consumed every copy of a C record on A below X. On
// B it continues at the first copy of a C record it has not consumed:
//
//   A:  ... c4' a9  c5' | c6' ...      c_next = src_C→A(last C-copy on A below X = c5') + 1 = 6
//                       X
//   B:  ... c5' b7  c6' ...            c = dst_C→B(last C record below 6 = c5) + 1: c6' is next
//
// Nothing recorded in C→A below X: every C record may be unconsumed, so c_next = 0 and the term
// is the first recorded C-copy on B, or B's log start (term_on_b). No C-copy on B at all (C→B
// empty: B's own flow from C never wrote this partition): nothing to skip, no term (nullopt).
std::expected<std::optional<std::pair<target_offset, translation>>, error> third_region_term(
    source_offset x_on_a, const third_region_maps& m, target_offset b_log_start) {
  auto any_on_b = m.c_to_b.first_by_destination();
  if (!any_on_b) return std::unexpected(any_on_b.error());
  if (!*any_on_b) return std::nullopt;
  auto consumed = translate_to_source(m.c_to_a, target_offset{x_on_a.v});
  if (!consumed) return std::unexpected(consumed.error());
  bool known = consumed->kind == translation::exact || consumed->kind == translation::rounded;
  source_offset c_next{known ? consumed->offset.v : 0};
  auto on_b = translate_to_target(m.c_to_b, c_next);
  if (!on_b) return std::unexpected(on_b.error());
  auto kind = known ? on_b->kind : consumed->kind;
  return std::pair{term_on_b(on_b->kind, on_b->offset.v, b_log_start), kind};
}

}  // namespace

std::expected<identity_failover, error> identity_failover_position(
    source_offset x_on_a, const run_index& a_to_b, const run_index& b_to_a,
    std::span<const third_region_maps> others, target_offset b_log_start) {
  auto a = translate_to_target(a_to_b, x_on_a);
  if (!a) return std::unexpected(a.error());
  auto b = translate_to_source(b_to_a, target_offset{x_on_a.v});  // A is B→A's target
  if (!b) return std::unexpected(b.error());
  identity_failover out;
  out.a_kind = a->kind;
  out.b_kind = b->kind;
  out.a_term = term_on_b(a->kind, a->offset.v, b_log_start);
  out.b_term = term_on_b(b->kind, b->offset.v, b_log_start);  // B is B→A's source
  int64_t lowest = std::min(out.a_term.v, out.b_term.v);
  for (const auto& m : others) {
    auto c = third_region_term(x_on_a, m, b_log_start);
    if (!c) return std::unexpected(c.error());
    if (!*c) continue;
    const auto& [term, kind] = **c;
    if (!out.c_term || term.v < out.c_term->v) {
      out.c_term = term;
      out.c_kind = kind;
    }
    lowest = std::min(lowest, term.v);
  }
  out.start = {std::max(b_log_start.v, lowest)};
  return out;
}

}  // namespace tandem::offsets
