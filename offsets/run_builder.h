// run_builder: turns one partition's delivery reports into runs.
//
// Fed with (source offset, target offset) pairs of durable writes, in increasing source order
// (librdkafka reports deliveries of one partition in order). Consecutive pairs whose source and
// target offsets both advance by exactly one extend the open run; any gap on either side starts
// a new run:
//
//   source  10 11 12 | 15 16 |  17   (13, 14 compacted away or transaction markers)
//   target  40 41 42 | 43 44 |  50   (45..49 written by someone else: local writes)
//           run A    | run B | run C
//
// Operation: add() each delivery report of a batch, then take() the batch's runs and commit
// them together with the resume position (offset_store::commit_batch). take() closes the open
// run, so a run never spans two commits: a replay after a crash restarts at a committed resume
// position, which is then always a run boundary.
//
// Not thread-safe: one builder per partition, used by the thread that handles its reports.
#pragma once

#include <expected>
#include <optional>
#include <vector>

#include "offsets/error.h"
#include "offsets/run.h"

namespace tandem::offsets {

class run_builder {
 public:
  // Records that source record `src` was durably written at target offset `dst`.
  // Success: the pair is part of the current batch.
  // errc::invalid_argument: a negative offset (e.g. the -1 of an unknown offset) or one beyond
  //   max_offset. errc::out_of_order: `src` or `dst` is not greater than the previous report's
  //   (a target that moves backwards was truncated or recreated: the caller alarms).
  // On error nothing changes.
  std::expected<void, error> add(source_offset src, target_offset dst);

  // Returns the runs of the batch, ordered by source offset, the open run included, and starts
  // a new batch. Order checks keep applying across batches.
  std::vector<run> take();

  // True when no report was added since the last take().
  bool empty() const { return !open_ && done_.empty(); }

  // The target offset of the last report added (across batches); nullopt before the first.
  std::optional<target_offset> last_destination() const { return last_dst_; }

 private:
  std::vector<run> done_;            // closed runs of this batch
  std::optional<run> open_;          // the run the next contiguous report extends
  std::optional<source_offset> last_src_;  // of the previous report, across batches
  std::optional<target_offset> last_dst_;
};

}  // namespace tandem::offsets
