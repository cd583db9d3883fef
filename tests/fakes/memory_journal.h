// An in-memory flow_journal for unit tests of the flow and the daemon: what was committed,
// learned and trimmed, inspectable.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/flow/flow_journal.h"

namespace tandem::engine {

class memory_journal final : public flow_journal {
 public:
  using key = std::pair<std::string, int32_t>;
  std::map<key, int64_t> positions;                              // committed
  std::map<key, std::vector<std::pair<int64_t, int64_t>>> pairs;  // (src, dst), committed
  std::map<key, std::vector<std::pair<int64_t, int64_t>>> echoes; // (offset, peer_offset)
  std::map<key, int64_t> trimmed_below;                           // the last trim_below
  std::map<key, int64_t> source_went_back_from;                   // the last source_went_back
  std::map<key, int64_t> peer_copies_gone_from;                   // the last peer_copies_gone
  int commits = 0;

  std::optional<int64_t> resume_position(const std::string& topic, int32_t partition) override {
    auto it = positions.find({topic, partition});
    if (it == positions.end()) return std::nullopt;
    return it->second;
  }
  void delivered(std::string_view topic, int32_t partition, int64_t src, int64_t dst) override {
    pending_[{std::string(topic), partition}].emplace_back(src, dst);
  }
  void echo(std::string_view topic, int32_t partition, int64_t offset, std::string_view,
            int64_t peer_offset) override {
    echoes[{std::string(topic), partition}].emplace_back(offset, peer_offset);
  }
  void trim_below(std::string_view topic, int32_t partition, int64_t log_start) override {
    trimmed_below[{std::string(topic), partition}] = log_start;
  }
  void source_went_back(std::string_view topic, int32_t partition, int64_t from) override {
    source_went_back_from[{std::string(topic), partition}] = from;
  }
  // Like offset_journal: the committed pairs whose copy is at or beyond `target_end` go; the
  // source offset after the last surviving copy (by target offset) is where to copy again.
  std::optional<int64_t> target_ends_at(std::string_view topic, int32_t partition,
                                        int64_t target_end) override {
    auto& ps = pairs[{std::string(topic), partition}];
    pending_.erase({std::string(topic), partition});
    auto gone = [&](const auto& sd) { return sd.second >= target_end; };
    if (std::none_of(ps.begin(), ps.end(), gone)) return std::nullopt;
    std::erase_if(ps, gone);
    target_ends_at_calls.emplace_back(std::string(topic), target_end);
    const std::pair<int64_t, int64_t>* last = nullptr;
    for (const auto& sd : ps)
      if (!last || sd.second > last->second) last = &sd;
    return last ? last->first + 1 : offset_beginning;
  }
  std::vector<std::pair<std::string, int64_t>> target_ends_at_calls;  // (topic, target_end)
  void peer_copies_gone(std::string_view topic, int32_t partition, int64_t from) override {
    peer_copies_gone_from[{std::string(topic), partition}] = from;
  }
  std::expected<void, std::string> commit(std::span<const partition_position> ps) override {
    for (auto& [k, v] : pending_) pairs[k].insert(pairs[k].end(), v.begin(), v.end());
    pending_.clear();
    for (const auto& p : ps) positions[{p.topic, p.partition}] = p.offset;
    ++commits;
    return {};
  }

 private:
  std::map<key, std::vector<std::pair<int64_t, int64_t>>> pending_;
};

}  // namespace tandem::engine
