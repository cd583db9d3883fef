// Key and value layout of the offset store (no RocksDB here: pure byte strings).
//
// One column family. A key is a tag byte, then fields in an order-preserving encoding: names as
// their bytes + 0x00 (names never contain NUL), integers big-endian with the sign bit flipped.
// So byte order = field-by-field numeric/name order, and no partition's prefix is a prefix of
// another partition's ("orders\0" vs "orders2\0"; partition 1 vs 10 are fixed-width).
//
//   M "format"                                             → "tandem-offsets format=<N>"
//   M "identity"                                           → region 0 (alias 0 cluster_id 0)*
//   S src_region 0 tgt_region 0 topic 0 partition:4 src_start:8 dst_start:8  → length:8
//   D src_region 0 tgt_region 0 topic 0 partition:4 dst_start:8 src_start:8  → length:8
//   R src_region 0 tgt_region 0 topic 0 partition:4        → next source offset:8
//   C src_region 0 tgt_region 0 group 0 topic 0 partition:4 → target:8 source:8 time_ms:8
//
// Values use the same integer encoding. S and D hold the same runs (by source, by destination),
// always written together in one WriteBatch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "offsets/ids.h"
#include "offsets/run.h"

namespace tandem::offsets::keys {

enum class tag : char {
  meta = 'M',
  by_source = 'S',
  by_destination = 'D',
  resume = 'R',
  checkpoint = 'C',
};

inline constexpr int format_version = 1;
inline constexpr std::string_view format_magic = "tandem-offsets format=";

std::string format_key();
std::string format_value(int version);
// The version in a format value; nullopt if it is not one.
std::optional<int> parse_format(std::string_view value);

// The key of the store's identity (store_identity).
std::string identity_key();

void append_int64(std::string& out, int64_t v);
void append_int32(std::string& out, int32_t v);
void append_name(std::string& out, std::string_view name);

// Every key of a tag for one flow: tag src 0 tgt 0.
std::string flow_prefix(tag t, const flow_id& f);
// Every key of a tag for one partition (tags S, D, R; for R it is the whole key).
std::string partition_prefix(tag t, const partition_ref& p);
// S or D key of a run; `prefix` from partition_prefix(S or D).
std::string run_key(tag t, std::string_view prefix, const run& r);
std::string checkpoint_key(const flow_id& f, std::string_view group, std::string_view topic,
                           int32_t partition);

// Reads the fields of a key or value from the front; each call fails (false) on short input.
class reader {
 public:
  explicit reader(std::string_view bytes) : rest_(bytes) {}
  bool name(std::string& out);
  bool int64(int64_t& out);
  bool int32(int32_t& out);
  bool skip(size_t n);
  bool done() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

// The run of an S or D key (without its prefix) and its value; nullopt if malformed.
std::optional<run> decode_run(tag t, std::string_view key_after_prefix, std::string_view value);
// A value holding one number (run length, resume position).
std::string encode_int64(int64_t v);

}  // namespace tandem::offsets::keys
