// Per-partition resume position of a flow: the source offset below which every record is done
// (delivered durably to the target, or deliberately dropped as an echo).
//
//   source offsets  40  41  42  43  44  45        consumed in order; 41 and 44 were dropped
//   state           ok  drop ok  fly drop fly     ("fly" = forwarded, no delivery report yet)
//                               ^
//                               position() = 43: 43 is still in flight, so a restart must
//                               re-read from 43 even though 44 is done (at-least-once).
//
// Contract: offsets are fed in increasing order per partition (as a consumer delivers them);
// delivery reports for one partition may arrive in any order (the idempotent producer keeps
// them in order, but nothing here depends on it). A failed delivery freezes the position at
// that record until rewind(). Memory: one entry per record not yet done plus trailing done
// ones, in a ring buffer that only grows (to the most records ever in flight at once): no
// allocation per record once warm.
#pragma once

#include <cstdint>
#include <cstddef>
#include <vector>

namespace tandem::engine {

class partition_progress {
 public:
  // `start` is where consumption begins (the next offset expected).
  explicit partition_progress(int64_t start = 0) : position_(start) {}

  // A record consumed and forwarded; not done until delivered().
  void in_flight(int64_t offset) { push(offset, false); }
  // A record consumed and not forwarded (loop drop): done at once.
  void dropped(int64_t offset) {
    push(offset, true);
    advance();
  }
  // The delivery report for a forwarded record. Returns false for an offset not in flight.
  bool delivered(int64_t offset);
  // A forwarded record whose delivery failed: position() stays at or below it.
  void failed(int64_t offset);

  // The next source offset to resume from: every record below it is done.
  int64_t position() const { return position_; }
  bool has_failure() const { return failed_ >= 0; }
  int64_t failed_offset() const { return failed_; }
  size_t pending() const { return size_; }

  // Forgets everything pending and restarts at `offset` (after a failure or a seek).
  void rewind(int64_t offset);

 private:
  struct entry {
    int64_t offset;
    bool done;
  };
  void push(int64_t offset, bool done);
  void advance();
  // The i-th pending entry, oldest first (ring_.size() is 0 or a power of two).
  entry& at(size_t i) { return ring_[(head_ + i) & (ring_.size() - 1)]; }
  void pop_front() {
    head_ = (head_ + 1) & (ring_.size() - 1);
    --size_;
  }

  std::vector<entry> ring_;
  size_t head_ = 0;
  size_t size_ = 0;
  int64_t position_;
  int64_t failed_ = -1;
};

}  // namespace tandem::engine
