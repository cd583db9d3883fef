#include "engine/progress.h"

#include <algorithm>

namespace tandem::engine {

void partition_progress::push(int64_t offset, bool done) {
  // Gaps in the source (compaction, transaction markers) are simply skipped: the position
  // jumps to the first offset that is not done.
  entries_.push_back({offset, done});
}

void partition_progress::advance() {
  while (!entries_.empty() && entries_.front().done) {
    if (failed_ >= 0 && entries_.front().offset >= failed_) break;
    position_ = entries_.front().offset + 1;
    entries_.pop_front();
  }
  if (entries_.empty() || failed_ >= 0) return;
  // The front is in flight: everything below it is done.
  position_ = std::max(position_, entries_.front().offset);
}

bool partition_progress::delivered(int64_t offset) {
  // Reports come in produce order per partition in practice, so the entry is near the front.
  auto it = std::lower_bound(entries_.begin(), entries_.end(), offset,
                             [](const entry& e, int64_t o) { return e.offset < o; });
  if (it == entries_.end() || it->offset != offset || it->done) return false;
  it->done = true;
  advance();
  return true;
}

void partition_progress::failed(int64_t offset) {
  if (failed_ < 0 || offset < failed_) failed_ = offset;
  position_ = std::min(position_, failed_);
}

void partition_progress::rewind(int64_t offset) {
  entries_.clear();
  failed_ = -1;
  position_ = offset;
}

}  // namespace tandem::engine
