#include "engine/flow/progress.h"

#include <algorithm>

namespace tandem::engine {

void partition_progress::push(int64_t offset, bool done) {
  // Gaps in the source (compaction, transaction markers) are simply skipped: the position
  // jumps to the first offset that is not done.
  if (size_ == ring_.size()) {
    // Full: unroll into a ring twice the size (oldest first at 0).
    std::vector<entry> bigger(std::max<size_t>(64, ring_.size() * 2));
    for (size_t i = 0; i < size_; ++i) bigger[i] = at(i);
    ring_.swap(bigger);
    head_ = 0;
  }
  ring_[(head_ + size_) & (ring_.size() - 1)] = {offset, done};
  ++size_;
}

void partition_progress::advance() {
  while (size_ > 0 && at(0).done) {
    if (failed_ >= 0 && at(0).offset >= failed_) break;
    position_ = at(0).offset + 1;
    pop_front();
  }
  if (size_ == 0 || failed_ >= 0) return;
  // The front is in flight: everything below it is done.
  position_ = std::max(position_, at(0).offset);
}

bool partition_progress::delivered(int64_t offset) {
  // Reports come in produce order per partition in practice: the entry is the front one.
  size_t i = 0;
  if (size_ == 0 || at(0).offset != offset) {
    // Else binary search (offsets increase along the ring).
    size_t lo = 0, hi = size_;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (at(mid).offset < offset) lo = mid + 1;
      else hi = mid;
    }
    i = lo;
  }
  if (i >= size_ || at(i).offset != offset || at(i).done) return false;
  at(i).done = true;
  advance();
  return true;
}

void partition_progress::failed(int64_t offset) {
  if (failed_ < 0 || offset < failed_) failed_ = offset;
  position_ = std::min(position_, failed_);
}

void partition_progress::rewind(int64_t offset) {
  head_ = 0;
  size_ = 0;
  failed_ = -1;
  position_ = offset;
}

}  // namespace tandem::engine
