// The `tandem-origin` record header: which region a record came from, where it was read, and
// where tandem wrote it. docs/design.md "Origin header (loopguard)".
//
// Wire format (version 1), ASCII text, no terminator, no whitespace:
//
//   header      = "v1" ";o=" region ";s=" source ";d=" destination
//   source      = region "/" topic "/" partition "/" offset
//   destination = region "/" topic "/" partition
//   region      = 1*64 ( ALPHA / DIGIT / "_" / "-" )               ; names.h is_valid_region
//   topic       = 1*249 ( ALPHA / DIGIT / "." / "_" / "-" )        ; not "." or ".."
//   partition   = "0" / ( %x31-39 *DIGIT )                         ; <= 2147483647 (int32)
//   offset      = "0" / ( %x31-39 *DIGIT )                         ; <= 9223372036854775807
//
//   e.g.  v1;o=west;s=west/orders/3/12345;d=east/orders/3
//
// Rules beyond the grammar, all checked by parse() and by encode():
//   * o == s.region. tandem replicates only a region's own records and never forwards
//     (docs/design.md "Topology"), so the region a record was read from is its origin.
//   * d.region != o. tandem never writes a record back into the region it was read from.
// '/' and ';' cannot occur in regions or topics, so splitting on them is unambiguous.
//
// Strictness: exactly these three fields, in this order, with canonical numbers (no sign, no
// leading zeros). Hence every accepted value is the one encode() would produce for it:
// encode(parse(v)) == v. Anything else is malformed: the caller treats the record as local and
// counts it (decision.h). A future "v2..." is reported as unsupported_version — a v1 reader
// cannot know what it promises, so it is treated as not ours, like any malformed header.
//
// Hardening hook (docs/design.md, optional, not implemented): an HMAC over the header with a shared
// secret, as a fourth field ";m=<hex>" in a new version. parse() would verify it after `d`;
// only the drop decision depends on it, since a forged header can only make a record vanish.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "loopguard/names.h"

namespace tandem::loopguard {

// The Kafka header key. With several headers of this key on one record, the last one counts
// (decision.h, select_origin_header).
inline constexpr std::string_view origin_header_key = "tandem-origin";

// Where tandem read the record: region/topic/partition/offset.
struct source_coords {
  std::string_view region;
  std::string_view topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  friend bool operator==(const source_coords&, const source_coords&) = default;
};

// Where tandem wrote the record: region/topic/partition. The offset is unknown when the header
// is written (it is assigned by the target broker).
struct destination_coords {
  std::string_view region;
  std::string_view topic;
  std::int32_t partition = 0;
  friend bool operator==(const destination_coords&, const destination_coords&) = default;
};

// The decoded header. Views only: after parse() they point into the parsed bytes, so the
// value must outlive them (for a consumed record: until the record is destroyed).
struct origin {
  std::string_view region;  // `o`, the region the record was first produced in
  source_coords source;     // `s`
  destination_coords destination;  // `d`
  friend bool operator==(const origin&, const origin&) = default;
};

// Length of the longest valid header; anything longer is rejected before it is scanned.
// Callers reserve this much in their reused encode buffer (encode() then never allocates).
inline constexpr std::size_t max_header_length =
    std::string_view("v1;o=;s=///;d=//").size() + 3 * max_region_length +
    2 * max_topic_length + 2 * 10 /* int32 digits */ + 19 /* int64 digits */;

// Why a header value was rejected. Names (to_string) are Prometheus label values.
enum class parse_error : std::uint8_t {
  empty,                // zero bytes (or a null header value)
  too_long,             // longer than max_header_length
  bad_version,          // does not start with a "v<digits>" field
  unsupported_version,  // "v<digits>" but not "v1" (e.g. a newer tandem's header)
  missing_field,        // value ends before o, s or d
  unexpected_field,     // a field other than the one expected here: wrong order, unknown, empty
  trailing_data,        // anything after the d field
  bad_coordinates,      // s or d without exactly 4 resp. 3 '/'-separated parts
  bad_region,           // a region violating is_valid_region
  bad_topic,            // a topic violating is_valid_topic
  bad_partition,        // not canonical decimal, or > INT32_MAX
  bad_offset,           // not canonical decimal, or > INT64_MAX
  origin_mismatch,      // o != s.region
  same_region,          // d.region == o
};

// Every value, e.g. to create each metric label child up front.
inline constexpr std::array all_parse_errors = {
    parse_error::empty,           parse_error::too_long,        parse_error::bad_version,
    parse_error::unsupported_version, parse_error::missing_field, parse_error::unexpected_field,
    parse_error::trailing_data,   parse_error::bad_coordinates, parse_error::bad_region,
    parse_error::bad_topic,       parse_error::bad_partition,   parse_error::bad_offset,
    parse_error::origin_mismatch, parse_error::same_region,
};

// Lowercase snake name, e.g. "bad_partition"; "unknown" for a value outside the enum.
[[nodiscard]] std::string_view to_string(parse_error e) noexcept;

// A header value as librdkafka hands it out (rd_kafka_header_get_last): a pointer that may be
// null for a null value, and a size.
[[nodiscard]] inline std::string_view header_bytes(const void* data, std::size_t size) noexcept {
  if (data == nullptr) return {};
  return {static_cast<const char*>(data), size};
}

// Parses a header value. Never allocates, never throws; any byte sequence is acceptable input.
// Success: the origin, whose views point into `value`. Failure: the first rule violated.
[[nodiscard]] std::expected<origin, parse_error> parse(std::string_view value) noexcept;

[[nodiscard]] inline std::expected<origin, parse_error> parse(const void* data,
                                                             std::size_t size) noexcept {
  return parse(header_bytes(data, size));
}

// True if `o` satisfies every rule above, i.e. encode() would accept it.
[[nodiscard]] bool is_valid(const origin& o) noexcept;

// Writes the header value for `o` into `out`: clears it, then appends. Allocates only if
// out.capacity() < max_header_length.
// Returns false and leaves `out` empty if !is_valid(o): a header tandem could not parse back
// would make its own echo look local and replicate it again, i.e. a loop.
[[nodiscard]] bool encode(const origin& o, std::string& out);

}  // namespace tandem::loopguard
