// Whether an echo's header is believed: docs/design.md "Origin header (loopguard)", "Trust: a
// header is a claim, not a proof".
//
// A record read by flow S→T from topic t, partition p of S whose last header says
// `o=T;s=T/t'/p'/k;d=S/t/p` (an echo, decision.h) claims to be tandem's copy of T's record k.
// Flow T→S copies T's partition in offset order, so its copies arrive in S in increasing k
// and each k once, except replays (the T→S flow restarted and re-copies from its committed
// position: the same records again, with their original timestamps). The flow keeps one
// echo_order per partition (O(1), no allocation) and judges each echo:
//
//   check (in this order)                                    verdict            action
//   ------------------------------------------------------   -----------------  ----------------
//   (t', p') != (t, p)  (identity naming: same topic, part.) other_partition    replicate, count
//   k >= the end of T's partition (its high watermark)       beyond_source_end  replicate, count
//   k > every claim accepted before in this partition        copy               drop, learn
//   k <= an accepted claim, timestamp <= the newest          replay             drop, learn
//     timestamp of the accepted claims
//   k <= an accepted claim, timestamp newer                  reproduced         replicate, count
//
// Why the timestamp tells a replay from a re-produced copy: tandem keeps the source timestamp,
// so a replayed copy carries the timestamp of a record already accepted; an application that
// consumed a copy and produced it again gets a new (create or log-append) timestamp. What
// remains possible (docs/design.md): an application that re-produces a copy *keeping its
// timestamp* is taken for a replay (dropped, as before); one that writes a copy before tandem's
// own copy of that record lands (a copy taken elsewhere) makes tandem's copy look like the
// replay (the application's record is dropped and learned instead); a forged header naming a
// record T really has and that no copy has claimed yet is believed; the state is not persisted,
// so after a restart of the flow a re-produced copy read before any newer echo is believed. A rejected echo is replicated as a
// local record of S: it is not tandem's write, and losing a record is worse than one copy more.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <string_view>

#include "loopguard/origin_header.h"

namespace tandem::loopguard {

enum class claim : std::uint8_t {
  copy,               // tandem's copy: drop, learn
  replay,             // tandem's copy again (the peer flow replayed): drop, learn
  other_partition,    // names another topic or partition than the record's: not ours
  beyond_source_end,  // names an offset the source partition never had: not ours
  reproduced,         // a copy of a copy, produced again by an application: not ours
  // Set by the caller, never by judge_echo: the source end could not be asked (cluster
  // unreachable). Dropped as an echo (as before this check), nothing learned from it.
  unverified,
};

// The rejected verdicts, e.g. to create each metric label child up front.
inline constexpr std::array rejected_claims = {claim::other_partition, claim::beyond_source_end,
                                               claim::reproduced};

// Lowercase snake names, Prometheus label values (tandem_rejected_origin_headers_total{reason}).
[[nodiscard]] std::string_view to_string(claim c) noexcept;

// true for copy, replay and unverified: the record is dropped as tandem's write.
[[nodiscard]] constexpr bool believed(claim c) noexcept {
  return c == claim::copy || c == claim::replay || c == claim::unverified;
}

// The echoes accepted so far in one source partition (see the file comment).
struct echo_order {
  std::int64_t last_claim = -1;  // highest source offset claimed by an accepted echo
  std::int64_t newest_timestamp = std::numeric_limits<std::int64_t>::min();

  // The source partition went back (truncated or recreated): what was read before is gone.
  void reset() noexcept { *this = echo_order{}; }
};

// The claim's offset must be below `source_end` for it to be plausible: the caller passes the
// end (high watermark) of T's partition it knows, refreshing it first when
// header.source.offset >= the known one (a bound that only grows: tandem read record k from T,
// so T's end was above k before the copy was written).
//
// Judges the echo `header` carried by a record of `topic`/`partition` with `timestamp_ms`, and
// records an accepted one in `order`. Never allocates, never throws.
[[nodiscard]] claim judge_echo(echo_order& order, const origin& header, std::string_view topic,
                               std::int32_t partition, std::int64_t timestamp_ms,
                               std::int64_t source_end) noexcept;

}  // namespace tandem::loopguard
