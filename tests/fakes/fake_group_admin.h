// A group_admin over an in-memory cluster for the tandemctl groups tests: group states, committed
// offsets and partition log starts set by the test; every alter_offsets call recorded. Like
// Kafka, alter_offsets refuses a group with members and creates an absent group EMPTY.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/kafka/seam.h"
#include "tools/tandemctl.h"

namespace tandem::tools::testing {

struct fake_cluster_state {
  std::map<std::string, engine::group_state> states;                          // absent when missing
  std::map<std::string, std::map<std::pair<std::string, int32_t>, int64_t>> committed;
  std::map<std::pair<std::string, int32_t>, int64_t> log_starts;             // partitions that exist
  std::map<std::pair<std::string, int32_t>, int64_t> log_ends;  // high watermarks; absent: unknown (-1)
  std::vector<std::pair<std::string, std::vector<engine::group_offset>>> altered;
  std::optional<engine::kafka_error> fail_all;                                // the cluster is down
  int not_coordinator = 0;  // the next describe_group calls answer NOT_COORDINATOR (retriable)
  int describes = 0;
};

class fake_group_admin final : public engine::group_admin {
 public:
  explicit fake_group_admin(std::shared_ptr<fake_cluster_state> s) : s_(std::move(s)) {}

  engine::kafka_result<engine::partial<std::vector<engine::group_listing>>> list_groups(
      std::chrono::milliseconds) override {
    if (s_->fail_all) return std::unexpected(*s_->fail_all);
    engine::partial<std::vector<engine::group_listing>> out;
    for (const auto& [g, st] : s_->states) out.value.push_back({g, st});
    return out;
  }
  engine::kafka_result<engine::group_state> describe_group(const std::string& group,
                                                           std::chrono::milliseconds) override {
    if (s_->fail_all) return std::unexpected(*s_->fail_all);
    ++s_->describes;
    if (s_->not_coordinator > 0) {
      --s_->not_coordinator;
      return std::unexpected(
          engine::make_kafka_error(engine::kafka_errc::not_coordinator, "Broker: Not coordinator"));
    }
    auto it = s_->states.find(group);
    return it == s_->states.end() ? engine::group_state::absent : it->second;
  }
  engine::kafka_result<engine::partial<std::vector<engine::group_offset>>> committed_offsets(
      const std::string& group, std::chrono::milliseconds) override {
    if (s_->fail_all) return std::unexpected(*s_->fail_all);
    engine::partial<std::vector<engine::group_offset>> out;
    for (const auto& [tp, offset] : s_->committed[group]) {
      engine::group_offset o;
      o.topic = tp.first;
      o.partition = tp.second;
      o.offset = offset;
      out.value.push_back(std::move(o));
    }
    return out;
  }
  engine::kafka_result<void> alter_offsets(const std::string& group,
                                           std::span<const engine::group_offset> offsets,
                                           std::chrono::milliseconds) override {
    if (s_->fail_all) return std::unexpected(*s_->fail_all);
    s_->altered.push_back({group, {offsets.begin(), offsets.end()}});
    auto st = s_->states.find(group);
    if (st != s_->states.end() && !engine::is_idle(st->second))
      return std::unexpected(engine::make_kafka_error(engine::kafka_errc::unknown_member_id,
                                                      "group has members (fake)",
                                                      engine::error_kind::permanent));
    for (const auto& o : offsets) s_->committed[group][{o.topic, o.partition}] = o.offset;
    s_->states[group] = engine::group_state::empty;
    return {};
  }
  engine::kafka_result<engine::watermarks> partition_bounds(const std::string& topic,
                                                            int32_t partition,
                                                            std::chrono::milliseconds) override {
    if (s_->fail_all) return std::unexpected(*s_->fail_all);
    auto it = s_->log_starts.find({topic, partition});
    if (it == s_->log_starts.end())
      return std::unexpected(engine::make_kafka_error(engine::kafka_errc::unknown_topic_or_part,
                                                      "Broker: Unknown topic or partition",
                                                      engine::error_kind::permanent));
    auto end = s_->log_ends.find({topic, partition});
    return engine::watermarks{it->second, end == s_->log_ends.end() ? -1 : end->second};
  }

 private:
  std::shared_ptr<fake_cluster_state> s_;
};

// An environment whose clusters are `state` and whose clock reads `now_ms`.
inline environment fake_environment(std::shared_ptr<fake_cluster_state> state, int64_t now_ms) {
  environment env;
  env.group_admin = [state](const engine::cluster_config&)
      -> std::expected<std::unique_ptr<engine::group_admin>, std::string> {
    return std::make_unique<fake_group_admin>(state);
  };
  env.now_ms = [now_ms] { return now_ms; };
  env.retry_for = std::chrono::milliseconds{1000};
  return env;
}

}  // namespace tandem::tools::testing
