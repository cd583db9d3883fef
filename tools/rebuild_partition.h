// partition_rebuilder: the runs of one flow's partition, learned from the origin headers of the
// records in the target partition (`tandemctl rebuild`, docs/design.md "Offset map").
//
//   target partition (d side), in offset order       header says                 fed?
//     40  v1;o=east;s=east/orders/3/10;d=west/orders/3   flow east->west, p 3    (10, 40)
//     41  (no header)                                    a local record           no: a gap
//     42  v1;o=east;s=east/orders/3/11;d=west/orders/3                            (11, 42)
//     43  v1;o=east;s=east/orders/3/11;d=west/other/3    d names another topic    no: other
//     44  v1;o=central;s=central/orders/3/7;d=west/orders/3  another flow          no: other
//     45  v1;o=east;s=eas                                malformed                no: malformed
//     46  v1;o=east;s=east/orders/3/8;d=west/orders/3    source went back: replay (8, 46), new
//                                                        builder (the first copy's runs are kept)
//
// A header is ours exactly when d = (target region, target topic, partition) and s = (source
// region, source topic, same partition, offset): the record was written by this flow into this
// partition. A copied header naming another place is an application's, not ours (as the loop
// guard decides, loopguard/decision.h).
//
// Not thread-safe: one per partition being read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "offsets/ids.h"
#include "offsets/run.h"
#include "offsets/run_builder.h"

namespace tandem::tools {

struct header_counts {
  int64_t records = 0;    // records read
  int64_t ours = 0;       // written by the flow into this partition: fed to the map
  int64_t other = 0;      // a valid tandem-origin header of another flow, topic or partition
  int64_t malformed = 0;  // a tandem-origin header that does not parse: skipped
  int64_t replays = 0;    // times the source offset went back (a replay): a new run builder
  int64_t rejected = 0;   // ours, but refused by the run builder (an offset beyond max_offset)

  header_counts& operator+=(const header_counts& o);
};

class partition_rebuilder {
 public:
  // `source`: the flow and its partition named on the source side (the map's name);
  // `target_topic`: that partition's topic in the target region (the topic being read).
  partition_rebuilder(offsets::partition_ref source, std::string target_topic);

  // The record at `offset` of the target partition, with its last `tandem-origin` header
  // (nullopt: none). Offsets must increase from call to call (a reader's order).
  void add(int64_t offset, std::optional<std::string_view> header);

  // The runs learned since the last take(), the open run closed; ordered by the order they were
  // built (copies of a replay after the runs of the first copy). For commits in chunks.
  std::vector<offsets::run> take();

  const header_counts& counts() const { return counts_; }
  const offsets::partition_ref& source() const { return source_; }

 private:
  bool is_ours(std::optional<std::string_view> header, int64_t& src);

  offsets::partition_ref source_;
  std::string target_topic_;
  offsets::run_builder builder_;
  std::vector<offsets::run> closed_;
  header_counts counts_;
};

}  // namespace tandem::tools
