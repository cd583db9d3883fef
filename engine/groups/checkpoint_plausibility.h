// Implausible checkpoints (docs/design.md "Incarnations, invalidation, clamps", issue #10): a
// checkpoint says a group of S committed offset X on a partition of S. X beyond the partition's
// known end cannot be real (a forged or damaged record in tandem.checkpoints, an admin who
// committed past the log end, a checkpoint of an old incarnation of a recreated topic); used, it
// would move the group past records it never consumed. Such a checkpoint is rejected and never
// positions a group. "Known end", by what can be read:
//
//   S readable (the checkpointer)   S's high watermark of the partition, read after the group's
//                                   offset (a fresh one when a cached one is lower): X > high
//                                   watermark → reason beyond_high_watermark, not checkpointed.
//   S not readable (restore at      what the map of T's process knows of S's partition: the
//   start, tandemctl groups         highest of
//   translate|failover, which         - the end of the source coverage of flow {S,T}'s runs,
//   never contact S)                  - the resume position of flow {S,T} (what the flow read),
//                                     - identity naming: the end of the destination coverage
//                                       of the runs copied INTO S's partition ({T,S}, mesh
//                                       {C,S}), whose copies sit in the same partition,
//                                     - failback (prefix, S's "T.orders"): the end of the
//                                       destination coverage of flow {T,S}'s runs.
//                                   X > that → reason beyond_map_end.
//
// Every term is a lower bound of S's real end (offsets the map saw exist), so the rule errs
// only by rejecting: a legitimate checkpoint ahead of the copies (the group consumed records of
// S not yet copied to T) is rejected too when S cannot be asked. That is safe because of the
// fallback: a rejected checkpoint is replaced by the previous plausible one (the checkpointer:
// the one stored before; restore: the last plausible record in log order; a key with none gets
// a checkpoint at the partition's start), both of which round toward re-reading. A checkpoint
// is never lowered to the known end: a forged X past the end says nothing about where the
// group really is.
//
// tandemctl (groups translate|failover) only REPORTS a stored checkpoint beyond the map's known
// end: the store holds what the checkpointer checked against S's high watermark and what a
// restore found plausible, so such a checkpoint is a group ahead of the copies (the records
// between are lost with S or not copied yet). Rejecting it there would re-read the whole
// partition at every disaster failover of a group that kept up with S.
#pragma once

#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>

#include "offsets/error.h"
#include "offsets/store.h"
#include "policy/naming.h"

namespace tandem::engine {

// tandem_checkpoints_rejected_total{reason}
inline constexpr std::string_view k_beyond_high_watermark = "beyond_high_watermark";
inline constexpr std::string_view k_beyond_map_end = "beyond_map_end";

// The known end (see above) of partition `partition` of `topic` on region `from`, for a group
// moving from `from` to `to`, from the store of `to`'s process; 0 when the map knows nothing.
// `third_regions`: identity naming, a mesh (as translate_group_move). Errors: the store's.
std::expected<int64_t, offsets::error> source_known_end(
    const offsets::offset_store& store, const policy::naming_policy& naming,
    std::string_view from, std::string_view to, const std::string& topic, int32_t partition,
    std::span<const std::string> third_regions = {});

}  // namespace tandem::engine
