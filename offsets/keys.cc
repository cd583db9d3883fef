#include "offsets/keys.h"

#include <charconv>

namespace tandem::offsets::keys {
namespace {

constexpr uint64_t sign_bit = uint64_t{1} << 63;

void append_big_endian(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

std::string format_key() { return std::string(1, static_cast<char>(tag::meta)) + "format"; }

std::string identity_key() { return std::string(1, static_cast<char>(tag::meta)) + "identity"; }

std::string format_value(int version) {
  return std::string(format_magic) + std::to_string(version);
}

std::optional<int> parse_format(std::string_view value) {
  if (!value.starts_with(format_magic)) return std::nullopt;
  value.remove_prefix(format_magic.size());
  int version = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), version);
  if (ec != std::errc{} || end != value.data() + value.size()) return std::nullopt;
  return version;
}

void append_int64(std::string& out, int64_t v) {
  append_big_endian(out, static_cast<uint64_t>(v) ^ sign_bit, 8);
}

void append_int32(std::string& out, int32_t v) {
  append_big_endian(out, static_cast<uint32_t>(v) ^ (uint32_t{1} << 31), 4);
}

void append_name(std::string& out, std::string_view name) {
  out.append(name);
  out.push_back('\0');
}

std::string flow_prefix(tag t, const flow_id& f) {
  std::string k(1, static_cast<char>(t));
  append_name(k, f.source_region);
  append_name(k, f.target_region);
  return k;
}

std::string partition_prefix(tag t, const partition_ref& p) {
  std::string k = flow_prefix(t, p.flow);
  append_name(k, p.topic);
  append_int32(k, p.partition);
  return k;
}

std::string run_key(tag t, std::string_view prefix, const run& r) {
  std::string k(prefix);
  bool by_source = t == tag::by_source;
  append_int64(k, by_source ? r.src_start.v : r.dst_start.v);
  append_int64(k, by_source ? r.dst_start.v : r.src_start.v);
  return k;
}

std::string checkpoint_key(const flow_id& f, std::string_view group, std::string_view topic,
                           int32_t partition) {
  std::string k = flow_prefix(tag::checkpoint, f);
  append_name(k, group);
  append_name(k, topic);
  append_int32(k, partition);
  return k;
}

std::string encode_int64(int64_t value) {
  std::string v;
  append_int64(v, value);
  return v;
}

bool reader::name(std::string& out) {
  size_t nul = rest_.find('\0');
  if (nul == std::string_view::npos) return false;
  out.assign(rest_.substr(0, nul));
  rest_.remove_prefix(nul + 1);
  return true;
}

bool reader::int64(int64_t& out) {
  if (rest_.size() < 8) return false;
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(rest_[i]);
  out = static_cast<int64_t>(v ^ sign_bit);
  rest_.remove_prefix(8);
  return true;
}

bool reader::int32(int32_t& out) {
  if (rest_.size() < 4) return false;
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(rest_[i]);
  out = static_cast<int32_t>(v ^ (uint32_t{1} << 31));
  rest_.remove_prefix(4);
  return true;
}

bool reader::skip(size_t n) {
  if (rest_.size() < n) return false;
  rest_.remove_prefix(n);
  return true;
}

std::optional<run> decode_run(tag t, std::string_view key_after_prefix, std::string_view value) {
  reader k(key_after_prefix);
  reader v(value);
  int64_t first = 0, second = 0, length = 0;
  if (!k.int64(first) || !k.int64(second) || !k.done() || !v.int64(length) || !v.done()) {
    return std::nullopt;
  }
  bool by_source = t == tag::by_source;
  run r{{by_source ? first : second}, {by_source ? second : first}, length};
  if (!is_valid(r)) return std::nullopt;
  return r;
}

}  // namespace tandem::offsets::keys
