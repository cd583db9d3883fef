// The replicate/drop decision for one consumed record. docs/design.md "Origin header (loopguard)".
//
// A flow S→T reads topic t, partition p of region S and writes into region T. For each record:
//
//   last `tandem-origin` header      parse      d == (S, t, p)?   action     reason
//   ----------------------------     -------    ---------------   ---------  ----------------------
//   none                             -          -                 replicate  local
//   present                          error      -                 replicate  local_malformed_header
//   present                          ok         no                replicate  local
//   present                          ok         yes, o == T       drop       echo
//   present                          ok         yes, o != T       drop       third_party
//
// Why `d` decides: tandem wrote a record into (S, t, p) exactly when the header says so. A header
// with any other `d` was carried along by an application that re-produced a replicated record
// (another topic, partition or cluster); the record is new in S and must be replicated.
// A malformed header is replicated rather than dropped: losing a record is worse than one extra
// copy, and a header tandem writes always parses (encode() refuses anything else).
//
// Echoes teach the offset map: decision::header carries the source coordinates of the record
// this one is a copy of, pointing into the header value the caller passed in.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "loopguard/origin_header.h"

namespace tandem::loopguard {

// The direction of one inbound flow: records are read in `source_region`, written in
// `target_region`. Precondition: both satisfy is_valid_region and differ (the config loader
// guarantees it).
struct flow {
  std::string_view source_region;
  std::string_view target_region;
};

enum class action : std::uint8_t { replicate, drop };

// Names (to_string) are Prometheus label values, e.g. tandem_loop_drops_total{reason="echo"}.
enum class reason : std::uint8_t {
  local,                   // no header, or a header not written by tandem into this partition
  local_malformed_header,  // a header that did not parse: replicated, to be counted and logged
  echo,                    // tandem copied it here from the flow's target region: drop
  third_party,             // tandem copied it here from a third region (mesh): drop
};

// Every value, e.g. to create each metric label child up front.
inline constexpr std::array all_reasons = {reason::local, reason::local_malformed_header,
                                           reason::echo, reason::third_party};

// Lowercase snake names: "replicate"/"drop", "local"/…; "unknown" for values outside the enum.
[[nodiscard]] std::string_view to_string(action a) noexcept;
[[nodiscard]] std::string_view to_string(reason r) noexcept;

struct decision {
  action what = action::replicate;
  reason why = reason::local;
  // Set exactly when what == drop: the parsed header (tandem's own).
  std::optional<origin> header;
  // Set exactly when why == local_malformed_header: what was wrong with the header.
  std::optional<parse_error> malformed;
};

// Decides what flow `f` does with a record read from `topic`/`partition` of f.source_region.
// `origin_header` is the value of the record's last `tandem-origin` header, nullopt if it has
// none (see select_origin_header). Never allocates, never throws.
[[nodiscard]] decision decide(const flow& f, std::string_view topic, std::int32_t partition,
                              std::optional<std::string_view> origin_header) noexcept;

// One record header, as key and value bytes.
struct header_view {
  std::string_view key;
  std::string_view value;
};

// The value of the last header whose key is exactly origin_header_key, nullopt if none:
// the same choice as Kafka's Headers.lastHeader() and librdkafka's rd_kafka_header_get_last().
//
// The last one counts because tandem *appends* its header to the record's existing headers
// (it keeps all headers, docs/design.md "Records"). A record that arrived with an application-copied
// header and was then replicated carries [copied, tandem's]; judging by the first would call
// tandem's own copy local in the next flow, and replicate it back: a loop.
[[nodiscard]] std::optional<std::string_view> select_origin_header(
    std::span<const header_view> headers) noexcept;

}  // namespace tandem::loopguard
