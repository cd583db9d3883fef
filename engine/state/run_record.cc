#include "engine/state/run_record.h"

#include <charconv>
#include <limits>
#include <vector>

#include "engine/state/record_json.h"

namespace tandem::engine {
namespace {

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t from = 0;
  for (size_t at; (at = s.find('|', from)) != std::string_view::npos; from = at + 1)
    parts.push_back(s.substr(from, at - from));
  parts.push_back(s.substr(from));
  return parts;
}

std::optional<int64_t> number(std::string_view s) {
  int64_t n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc{} || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return n;
}

// Joins parts[from, to) with '|' (a topic that held '|').
std::string join(const std::vector<std::string_view>& parts, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to; ++i) {
    if (i > from) out += '|';
    out += parts[i];
  }
  return out;
}

// The run the key names (length 0), or what is wrong with the key.
std::expected<run_record, std::string> decode_key(std::string_view key) {
  auto parts = split(key);
  if (parts.size() < 6) return std::unexpected("key needs 6 '|'-separated fields");
  const size_t n = parts.size();
  run_record r;
  r.flow = {std::string(parts[0]), std::string(parts[1])};
  r.topic = join(parts, 2, n - 3);
  auto partition = number(parts[n - 3]);
  auto src = number(parts[n - 2]);
  auto dst = number(parts[n - 1]);
  if (!partition || !src || !dst || *partition < 0 || *partition > INT32_MAX || *src < 0 ||
      *dst < 0)
    return std::unexpected("key's partition, src_start or dst_start is not a non-negative number");
  if (r.flow.source_region.empty() || r.flow.target_region.empty() || r.topic.empty())
    return std::unexpected("key has an empty region or topic");
  r.partition = static_cast<int32_t>(*partition);
  r.run.src_start = {*src};
  r.run.dst_start = {*dst};
  return r;
}

// The value's length once it agrees with the key `r`, or what is wrong with it.
std::expected<int64_t, std::string> decode_value(const run_record& r, std::string_view value) {
  auto f = record_json::fields::parse_v1(value);
  if (!f) return std::unexpected(f.error());
  constexpr int64_t max = std::numeric_limits<int64_t>::max();
  auto flow = f->flow();
  auto topic = f->text("topic");
  auto partition = f->integer("partition", 0, INT32_MAX);
  auto src = f->integer("src_start", 0, max);
  auto dst = f->integer("dst_start", 0, max);
  auto length = f->integer("length", 0, max);
  if (!f->ok()) return std::unexpected(f->problem());
  if (*flow != r.flow || *topic != r.topic || *partition != r.partition ||
      *src != r.run.src_start.v || *dst != r.run.dst_start.v)
    return std::unexpected("value does not match the key");
  return *length;
}

}  // namespace

std::string encode_run_key(const run_record& r) {
  return r.flow.source_region + "|" + r.flow.target_region + "|" + r.topic + "|" +
         std::to_string(r.partition) + "|" + std::to_string(r.run.src_start.v) + "|" +
         std::to_string(r.run.dst_start.v);
}

std::string encode_run_value(const run_record& r) {
  return record_json::dump({{"v", 1},
                            {"source", r.flow.source_region},
                            {"target", r.flow.target_region},
                            {"topic", r.topic},
                            {"partition", r.partition},
                            {"src_start", r.run.src_start.v},
                            {"dst_start", r.run.dst_start.v},
                            {"length", r.run.length}});
}

std::optional<std::string> encode_run_value(const run_entry& e) {
  if (e.tombstone) return std::nullopt;
  return encode_run_value(e.record);
}

std::expected<run_entry, std::string> decode_run_record(std::string_view key,
                                                          std::optional<std::string_view> value) {
  auto bad = [&](const std::string& why) {
    return std::unexpected(std::string(k_offsets_topic) + " record " +
                           record_json::excerpt(key) + ": " + why);
  };
  auto r = decode_key(key);
  if (!r) return bad(r.error());
  run_entry d{std::move(*r), !value.has_value()};
  if (d.tombstone) return d;
  auto length = decode_value(d.record, *value);
  if (!length) return bad(length.error());
  d.record.run.length = *length;
  if (!offsets::is_valid(d.record.run))
    return bad("not a valid run (length " + std::to_string(*length) + ")");
  return d;
}

}  // namespace tandem::engine
