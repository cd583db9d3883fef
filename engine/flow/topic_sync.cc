#include "engine/flow/topic_sync.h"

#include <map>

namespace tandem::engine {

topic_configs config_copy_policy::filter(const topic_configs& source) const {
  topic_configs out;
  for (const auto& [k, v] : source)
    if (allow.count(k) && !deny.count(k)) out.emplace(k, v);
  for (const auto& [k, v] : pinned) out.insert_or_assign(k, v);
  return out;
}

namespace {

// Brings one target topic in line with its source; fills t.state/problem.
void reconcile(record_source& source, record_sink& sink, const topic_sync_settings& s,
               const std::map<std::string, int32_t>& targets, replicated_topic& t,
               topic_sync_result& result) {
  auto existing = targets.find(t.target_topic);
  if (existing == targets.end()) {
    auto configs = source.describe_configs(t.source_topic, s.admin_timeout);
    if (!configs) {
      t.state = topic_state::pending;
      t.problem = "cannot read configs of source topic: " + configs.error().message;
      return;
    }
    auto created = sink.create_topic(t.target_topic, t.partitions, s.configs.filter(*configs),
                                     s.admin_timeout);
    if (!created && !created.error().is(kafka_errc::topic_already_exists)) {
      t.state = created.error().retriable() ? topic_state::pending : topic_state::paused;
      t.problem = created.error().message;
      return;
    }
    if (created) result.created.push_back(t.target_topic);
    // Already existing (created concurrently): checked again at the next pass.
    t.state = created ? topic_state::ready : topic_state::pending;
    return;
  }
  int32_t have = existing->second;
  if (have == t.partitions) {
    t.state = topic_state::ready;
    return;
  }
  if (have > t.partitions) {
    // Records keep their partition: p -> p still holds, the extra partitions stay empty of
    // copies. Nothing is re-partitioned, so there is no reason to stop the topic.
    t.state = topic_state::ready;
    if (!s.target_may_be_larger)
      t.warning = "target topic " + t.target_topic + " has " + std::to_string(have) +
                  " partitions, more than source topic " + t.source_topic + " (" +
                  std::to_string(t.partitions) + "); partition p is copied to p, partitions " +
                  std::to_string(t.partitions) + ".." + std::to_string(have - 1) +
                  " of the target get nothing from tandem";
    return;
  }
  if (auto grown = sink.create_partitions(t.target_topic, t.partitions, s.admin_timeout); !grown) {
    t.state = grown.error().retriable() ? topic_state::pending : topic_state::paused;
    t.problem = "cannot grow target topic " + t.target_topic + " to " +
                std::to_string(t.partitions) + " partitions: " + grown.error().message;
    return;
  }
  result.grown.push_back(t.target_topic);
  t.state = topic_state::ready;
}

}  // namespace

topic_sync_result sync_topics(record_source& source, record_sink& sink,
                              const topic_sync_settings& s) {
  topic_sync_result result;
  auto src = source.list_topics(s.admin_timeout);
  if (!src) {
    result.source_error = std::move(src.error());
    return result;
  }
  auto dst = sink.list_topics(s.admin_timeout);
  std::map<std::string, int32_t> targets;
  if (dst)
    for (const auto& t : *dst) targets.emplace(t.name, t.partitions);
  else
    result.target_error = std::move(dst.error());

  for (const auto& t : *src) {
    if (!s.filter->selects(t.name)) continue;
    replicated_topic r;
    r.source_topic = t.name;
    r.target_topic = s.filter->naming().target_topic(s.source_region, t.name);
    r.partitions = t.partitions;
    if (result.target_error) {
      r.problem = "cannot list target topics: " + result.target_error->message;
    } else {
      reconcile(source, sink, s, targets, r, result);
    }
    result.topics.push_back(std::move(r));
  }
  return result;
}

}  // namespace tandem::engine
