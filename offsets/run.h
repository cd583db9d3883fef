// Vocabulary of the offset map: offsets tagged with the side they belong to, and runs.
//
// A flow copies records from a *source* partition into the same-numbered *target* partition.
// `source_offset` and `target_offset` are distinct types so that a lookup cannot be handed an
// offset of the wrong side; functions are named after their direction (translate_to_target,
// translate_to_source). Offsets are Kafka offsets: non-negative, int64.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <string>

namespace tandem::offsets {

// An offset in the partition a flow reads from.
struct source_offset {
  int64_t v = 0;
  auto operator<=>(const source_offset&) const = default;
};

// An offset in the partition a flow writes to.
struct target_offset {
  int64_t v = 0;
  auto operator<=>(const target_offset&) const = default;
};

// The largest offset a run may reach: keeps `start + length` free of overflow everywhere.
inline constexpr int64_t max_offset = std::numeric_limits<int64_t>::max() / 2;

// `length` consecutive source records landed on `length` consecutive target offsets:
//
//   source  src_start, src_start+1, ..., src_start+length-1
//              |           |                     |
//   target  dst_start, dst_start+1, ..., dst_start+length-1
//
// Invariant (checked where runs enter the map): length >= 1, both starts >= 0,
// start + length <= max_offset.
struct run {
  source_offset src_start;
  target_offset dst_start;
  int64_t length = 0;

  source_offset src_end() const { return {src_start.v + length}; }  // one past the last
  target_offset dst_end() const { return {dst_start.v + length}; }  // one past the last
  bool covers(source_offset x) const { return src_start <= x && x < src_end(); }
  bool covers(target_offset y) const { return dst_start <= y && y < dst_end(); }
  // Only meaningful for an offset the run covers.
  target_offset target_of(source_offset x) const { return {dst_start.v + (x.v - src_start.v)}; }
  source_offset source_of(target_offset y) const { return {src_start.v + (y.v - dst_start.v)}; }

  bool operator==(const run&) const = default;
};

// True when `r` satisfies the run invariant above.
inline bool is_valid(const run& r) {
  return r.length >= 1 && r.src_start.v >= 0 && r.dst_start.v >= 0 &&
         r.src_start.v <= max_offset - r.length && r.dst_start.v <= max_offset - r.length;
}

// "src_start..src_end-1 -> dst_start..dst_end-1", for logs and error messages.
std::string to_string(const run& r);

}  // namespace tandem::offsets
