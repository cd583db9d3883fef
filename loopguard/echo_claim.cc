#include "loopguard/echo_claim.h"

#include <algorithm>

namespace tandem::loopguard {

std::string_view to_string(claim c) noexcept {
  switch (c) {
    case claim::copy: return "copy";
    case claim::replay: return "replay";
    case claim::other_partition: return "other_partition";
    case claim::beyond_source_end: return "beyond_source_end";
    case claim::reproduced: return "reproduced";
    case claim::unverified: return "unverified";
  }
  return "unknown";
}

claim judge_echo(echo_order& order, const origin& header, std::string_view topic,
                 std::int32_t partition, std::int64_t timestamp_ms,
                 std::int64_t source_end) noexcept {
  const auto& s = header.source;
  if (s.topic != topic || s.partition != partition) return claim::other_partition;
  if (s.offset >= source_end) return claim::beyond_source_end;
  if (s.offset > order.last_claim) {
    order.last_claim = s.offset;
    order.newest_timestamp = std::max(order.newest_timestamp, timestamp_ms);
    return claim::copy;
  }
  // Repeated or backwards: tandem replays keep the timestamps of records already accepted.
  return timestamp_ms <= order.newest_timestamp ? claim::replay : claim::reproduced;
}

}  // namespace tandem::loopguard
