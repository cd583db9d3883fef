#include "engine/state/checkpoint_record.h"

#include <limits>

#include "engine/state/record_json.h"
#include "offsets/translate.h"

namespace tandem::engine {
namespace {

// The record the value names, or what is wrong with it.
std::expected<checkpoint_record, std::string> decode_value(std::string_view value) {
  auto f = record_json::fields::parse_v1(value);
  if (!f) return std::unexpected(f.error());
  constexpr int64_t max = std::numeric_limits<int64_t>::max();
  auto flow = f->flow();
  auto group = f->text("group");
  auto topic = f->text("topic");
  auto partition = f->integer("partition", 0, INT32_MAX);
  auto source_offset = f->integer("source_offset", 0, max);
  auto target_offset = f->integer("target_offset", 0, max);
  auto time = f->integer("time_ms", std::numeric_limits<int64_t>::min(), max);
  if (!f->ok()) return std::unexpected(f->problem());
  if (flow->source_region.empty() || flow->target_region.empty() || topic->empty())
    return std::unexpected("value has an empty source, target or topic");
  return checkpoint_record{
      std::move(*flow),
      {std::move(*group), std::move(*topic), static_cast<int32_t>(*partition), {*source_offset},
       {*target_offset}, *time}};
}

}  // namespace

std::string encode_checkpoint_key(const checkpoint_record& r) {
  const auto& c = r.checkpoint;
  return r.flow.source_region + "|" + r.flow.target_region + "|" + c.group + "|" + c.topic + "|" +
         std::to_string(c.partition);
}

std::string encode_checkpoint_value(const checkpoint_record& r, std::string_view target_topic,
                                    offsets::translation kind) {
  const auto& c = r.checkpoint;
  return record_json::dump({{"v", 1},
                            {"source", r.flow.source_region},
                            {"target", r.flow.target_region},
                            {"group", c.group},
                            {"topic", c.topic},
                            {"partition", c.partition},
                            {"source_offset", c.source.v},
                            {"target_topic", target_topic},
                            {"target_offset", c.target.v},
                            {"kind", offsets::to_string(kind)},
                            {"time_ms", c.time_ms}});
}

std::expected<checkpoint_record, std::string> decode_checkpoint_record(
    std::string_view key, std::optional<std::string_view> value) {
  auto bad = [&](const std::string& why) {
    return std::unexpected(std::string(k_checkpoint_topic) + " record " +
                           record_json::excerpt(key) + ": " + why);
  };
  if (!value) return bad("a tombstone");
  auto r = decode_value(*value);
  if (!r) return bad(r.error());
  if (key != encode_checkpoint_key(*r)) return bad("value does not match the key");
  return r;
}

}  // namespace tandem::engine
