// Where a consumer group continues when it moves between the two clusters of a flow S→T: the
// one translation the checkpointer (engine/groups/checkpointer.h) and tandemctl (`groups translate`,
// `groups failover`) share, so both give the same answer for the same map.
//
// The rounding rules themselves live in offsets/translate.h; this adds the naming policy (which
// topic, which flow's runs), the destination's log start, and how many records the group reads
// again.
//
//   failover  group on S's `orders` at X           ──> T     translate_group_to_target
//             prefix:   T's `S.orders`, translate_to_target over flow {S,T}
//             identity: T's `orders`, identity_failover_position(X, {S,T}, {T,S}, mesh:
//                       {C,S} and {C,T} per third region C)
//   failback  group on T's copy (`S.orders` / `orders`) at Y ──> S    translate_group_to_source
//             prefix:   S's `orders`, translate_to_source over flow {S,T}
//             identity: S's `orders`, identity_failover_position(Y, {T,S}, {S,T})
//
// Every result rounds toward re-reading, never toward skipping (docs/design.md "Translation"):
//
//   prefix, failover (X = 15 on S; 13, 14 never recorded: compacted, markers or a map hole)
//     S `orders`      10  11  12 | 13  14 | 15  16
//     T `S.orders`    40  41  42 |  43 44 | 45  46       record 12 is at 42
//                                 ^ resume at 43 (rounded): 43, 44 read again, reread = 2
//     X = 12 → 41 + 1 = 42 (exact): reread = 0
//
//   prefix, failback (Y = 45 on T; 43, 44 are copies the map does not know)
//     T `S.orders`    40  41  42 | 43  44 | 45
//     S `orders`      10  11  12 |        | 15           copy 42 is record 12
//                                 ^ resume at 13 (rounded): 13, 14 read again (if they exist),
//                                   reread = 15 - 13 = 2
//
//   identity (translate.cc has the whole picture): a = first S-copy on T not consumed,
//     b = first T-local record not consumed; resume at min(a, b); the records between the two
//     frontiers are read again:   T: ... b ........ a ...   reread = a - b (offsets, an upper
//                                        ^ resume              bound: markers count too)
//
// Nothing recorded below the position (below_coverage) or nothing at all (empty): the
// destination's log start. The result is never below the log start (those records are gone;
// committing below it would hand the consumer to its auto.offset.reset, maybe "latest"), and
// never above the destination's end (its high watermark, `destination_end`, where the caller
// knows it): a map that points past the end describes records that are gone (the partition was
// truncated, or deleted and recreated), so the group starts at the log start, kind `clamped`,
// re-reading everything rather than skipping what the new log holds.
//
// Thread-safety: pure functions over the run_index / offset_store given (the store is
// thread-safe).
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "offsets/error.h"
#include "offsets/run.h"
#include "offsets/store.h"
#include "offsets/translate.h"
#include "policy/naming.h"

namespace tandem::engine {

// Where a group resumes on the cluster it moves to.
struct group_translation {
  std::string topic;      // the topic on the destination cluster
  int32_t partition = 0;  // the same partition number on both sides
  int64_t offset = 0;     // commit this: the next offset the group reads at the destination
  // How the position was found (identity: the kind of the term that set the start, the worse
  // one when both terms agree).
  offsets::translation kind = offsets::translation::empty;
  // Offsets read again at the destination, when known:
  //   prefix   exact → 0; rounded → up to the copy of the group's own position X, when the
  //            map records it; below_coverage, empty → unknown.
  //   identity the distance between the lowest and the highest frontier (an upper bound:
  //            markers and records of the leading kinds in between count too).
  std::optional<int64_t> reread;
  // Identity naming only: the frontiers (mesh: the lowest third-region one too), for reports.
  std::optional<offsets::identity_failover> identity;
};

// The two directions of the pair S, T. Runs are named by each flow's source topic (partition
// numbers are the same on both sides); under prefix naming only `s_to_t` is read.
struct pair_maps {
  const offsets::run_index& s_to_t;  // flow {S,T}: S records copied into T
  const offsets::run_index& t_to_s;  // flow {T,S}: T records copied into S
  // Identity naming, mesh: per third region C, C's records copied into the cluster the group
  // leaves (`c_to_a`) and into the one it moves to (`c_to_b`); start = min(a, b, every C term)
  // (docs/design.md "Incarnations, invalidation, clamps", mesh). Empty: two regions.
  std::span<const offsets::third_region_maps> third = {};
};

// Failover: a group committed at `x` on S's `topic`/`partition` continues on T.
// `target_log_start`: the log start of the destination partition on T (required: the result
// is clamped to it). Errors: a storage error of the run_index.
std::expected<group_translation, offsets::error> translate_group_to_target(
    const policy::naming_policy& naming, std::string_view source_region,
    std::string_view target_region, std::string_view topic, int32_t partition,
    offsets::source_offset x, offsets::target_offset target_log_start, const pair_maps& maps,
    std::optional<int64_t> destination_end = std::nullopt);

// Failback: a group committed at `y` on T's copy `target_topic`/`partition` (prefix
// "S.orders", identity "orders") returns to S. `source_log_start`: the log start of the
// destination partition on S. Errors: errc::invalid_argument when prefix naming does not name
// `target_topic` a mirror of S; a storage error of the run_index.
std::expected<group_translation, offsets::error> translate_group_to_source(
    const policy::naming_policy& naming, std::string_view source_region,
    std::string_view target_region, std::string_view target_topic, int32_t partition,
    offsets::target_offset y, offsets::source_offset source_log_start, const pair_maps& maps,
    std::optional<int64_t> destination_end = std::nullopt);

// The same over a store holding the pair's runs (the process of T keeps {S,T} from its flow
// and, under identity naming, {T,S} learned from echoes). `third_regions` (identity naming, a
// mesh: every region of the config but S and T): the maps of each third region C are read from
// the store, {C, S} and {C, T} (the process of T learns {C, S} from S's tandem.offsets,
// engine/state/peer_runs.h). Prefix naming ignores them.
std::expected<group_translation, offsets::error> translate_group_to_target(
    const offsets::offset_store& store, const policy::naming_policy& naming,
    std::string_view source_region, std::string_view target_region, std::string_view topic,
    int32_t partition, offsets::source_offset x, offsets::target_offset target_log_start,
    std::optional<int64_t> destination_end = std::nullopt,
    std::span<const std::string> third_regions = {});
std::expected<group_translation, offsets::error> translate_group_to_source(
    const offsets::offset_store& store, const policy::naming_policy& naming,
    std::string_view source_region, std::string_view target_region, std::string_view target_topic,
    int32_t partition, offsets::target_offset y, offsets::source_offset source_log_start,
    std::optional<int64_t> destination_end = std::nullopt,
    std::span<const std::string> third_regions = {});

// True when a group at `topic` of `from` moving to `to` fails back: prefix naming and `topic`
// named as a mirror of `to` ("to.orders"); its runs are those of flow {to, from}.
bool is_failback(const policy::naming_policy& naming, std::string_view to, std::string_view topic);

// The topic of `to` where a group at `topic` of `from` continues (as translate_group_move picks
// it): failback → the mirror's upstream ("to.orders" → "orders"); otherwise the name the flow
// {from, to} gives `topic` ("from.orders" under prefix naming, "orders" under identity).
std::string destination_topic(const policy::naming_policy& naming, std::string_view from,
                              std::string_view to, std::string_view topic);

// A group moves from region `from` to region `to`, committed at `position` on `topic` of
// `from`: picks the direction. Prefix naming: a topic named as a mirror of `to` ("to.orders")
// goes back to `to` (failback, flow {to, from}); any other topic goes forward (failover, flow
// {from, to}). Identity naming: always failover of flow {from, to} (the rule is symmetric).
// `destination_log_start`, `destination_end`: the log start and high watermark of the
// destination partition on `to` (the end where known). `third_regions`: as above (identity
// naming, every region of the config but `from` and `to`).
std::expected<group_translation, offsets::error> translate_group_move(
    const offsets::offset_store& store, const policy::naming_policy& naming,
    std::string_view from, std::string_view to, std::string_view topic, int32_t partition,
    int64_t position, int64_t destination_log_start,
    std::optional<int64_t> destination_end = std::nullopt,
    std::span<const std::string> third_regions = {});

}  // namespace tandem::engine
