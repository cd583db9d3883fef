#include "tools/rebuild_partition.h"

#include "loopguard/origin_header.h"

namespace tandem::tools {

header_counts& header_counts::operator+=(const header_counts& o) {
  records += o.records;
  ours += o.ours;
  other += o.other;
  malformed += o.malformed;
  replays += o.replays;
  rejected += o.rejected;
  return *this;
}

partition_rebuilder::partition_rebuilder(offsets::partition_ref source, std::string target_topic)
    : source_(std::move(source)), target_topic_(std::move(target_topic)) {}

bool partition_rebuilder::is_ours(std::optional<std::string_view> header, int64_t& src) {
  if (!header) return false;  // a local record of the target region
  auto o = loopguard::parse(*header);
  if (!o) {
    ++counts_.malformed;
    return false;
  }
  const auto& f = source_.flow;
  const bool ours = o->destination.region == f.target_region && o->destination.topic == target_topic_ &&
                    o->destination.partition == source_.partition && o->source.region == f.source_region &&
                    o->source.topic == source_.topic && o->source.partition == source_.partition;
  if (!ours) {
    ++counts_.other;
    return false;
  }
  src = o->source.offset;
  return true;
}

void partition_rebuilder::add(int64_t offset, std::optional<std::string_view> header) {
  ++counts_.records;
  int64_t src = 0;
  if (!is_ours(header, src)) return;
  ++counts_.ours;
  auto ok = builder_.add({src}, {offset});
  if (!ok && ok.error().code == offsets::errc::out_of_order) {
    // A replay: the source went back (the flow re-copied records after a restart). Keep the
    // runs of the first copy, start a new builder for the copies (offset_journal does the same
    // for echoes); the store keeps every copy.
    ++counts_.replays;
    for (auto& r : builder_.take()) closed_.push_back(r);
    builder_ = offsets::run_builder{};
    ok = builder_.add({src}, {offset});
  }
  if (!ok) {
    --counts_.ours;
    ++counts_.rejected;
  }
}

std::vector<offsets::run> partition_rebuilder::take() {
  std::vector<offsets::run> out;
  out.swap(closed_);
  for (auto& r : builder_.take()) out.push_back(r);
  return out;
}

}  // namespace tandem::tools
