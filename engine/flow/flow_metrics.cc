#include "engine/flow/flow_metrics.h"

#include "loopguard/decision.h"
#include "loopguard/echo_claim.h"

namespace tandem::engine {
namespace {

using prometheus::Counter;
using prometheus::Gauge;

constexpr family_spec k_records{
    "tandem_records_replicated_total",
    "Records written to the target cluster and acknowledged, by source topic."};
constexpr family_spec k_bytes{
    "tandem_bytes_replicated_total",
    "Bytes of key, value and headers of replicated records, by source topic."};
constexpr family_spec k_loop_drops{
    "tandem_loop_drops_total",
    "Records not replicated because their tandem-origin header shows tandem copied them into "
    "the source (reason: echo or third_party)."};
constexpr family_spec k_malformed{
    "tandem_malformed_origin_headers_total",
    "Records replicated as local because their tandem-origin header did not parse."};
constexpr family_spec k_rejected{
    "tandem_rejected_origin_headers_total",
    "Echo headers not believed (reason: other_partition, beyond_source_end or reproduced): the "
    "record is replicated as local and nothing is learned from it."};
constexpr family_spec k_latency{"tandem_replication_latency_seconds",
                                "Target acknowledgement time minus source record timestamp."};
constexpr family_spec k_lag{
    "tandem_lag_records",
    "Source high watermark minus the next source offset to replicate, per partition."};
constexpr family_spec k_produce_errors{
    "tandem_produce_errors_total",
    "Produce errors from the target cluster, by librdkafka error name."};
constexpr family_spec k_alarms{
    "tandem_alarms_total",
    "Logs that changed under a flow: source or target partitions that went back (truncated or "
    "recreated) and records deleted before replication."};
constexpr family_spec k_topic_paused{
    "tandem_topic_paused",
    "1 while a topic is stopped by a partition-count mismatch that cannot be fixed, else 0."};
constexpr family_spec k_topics_replicated{"tandem_topics_replicated",
                                          "Source topics the flow currently replicates."};
constexpr family_spec k_commit_failures{
    "tandem_commit_failures_total",
    "Failed attempts to persist a flow's positions and offset-map runs (state store)."};

}  // namespace

flow_metrics::flow_metrics(metrics& registry, std::string source, std::string target)
    : registry_(registry),
      source_(std::move(source)),
      target_(std::move(target)),
      latency_(registry.histogram(k_latency).Add(
          labels(), prometheus::Histogram::BucketBoundaries(latency_buckets_seconds.begin(),
                                                            latency_buckets_seconds.end()))),
      topics_replicated_(registry.gauge(k_topics_replicated).Add(labels())),
      commit_failures_(registry.counter(k_commit_failures).Add(labels())) {}

topic_counters& flow_metrics::topic(std::string_view topic) {
  std::lock_guard lock(mu_);
  auto it = topics_.find(topic);
  if (it != topics_.end()) return it->second;
  auto drops = [&](loopguard::reason r) -> Counter& {
    auto l = labels("topic", topic);
    l.emplace("reason", loopguard::to_string(r));
    return registry_.counter(k_loop_drops).Add(l);
  };
  auto rejected = [&](loopguard::claim r) -> Counter& {
    auto l = labels("topic", topic);
    l.emplace("reason", loopguard::to_string(r));
    return registry_.counter(k_rejected).Add(l);
  };
  topic_counters c{
      .records = registry_.counter(k_records).Add(labels("topic", topic)),
      .bytes = registry_.counter(k_bytes).Add(labels("topic", topic)),
      .malformed = registry_.counter(k_malformed).Add(labels("topic", topic)),
      .drops_echo = drops(loopguard::reason::echo),
      .drops_third_party = drops(loopguard::reason::third_party),
      .rejected_other_partition = rejected(loopguard::claim::other_partition),
      .rejected_beyond_source_end = rejected(loopguard::claim::beyond_source_end),
      .rejected_reproduced = rejected(loopguard::claim::reproduced),
  };
  return topics_.emplace(std::string(topic), c).first->second;
}

prometheus::Gauge& flow_metrics::lag(std::string_view topic, std::int32_t partition) {
  std::lock_guard lock(mu_);
  auto& partitions = find_or_add(lags_, topic, [] { return std::map<std::int32_t, Gauge*>{}; });
  Gauge*& g = partitions[partition];
  if (g == nullptr) {
    auto l = labels("topic", topic);
    l.emplace("partition", std::to_string(partition));
    g = &registry_.gauge(k_lag).Add(l);
  }
  return *g;
}

prometheus::Counter& flow_metrics::counter_by(std::map<std::string, Counter*, std::less<>>& cache,
                                              const family_spec& family, std::string_view key,
                                              std::string_view value) {
  std::lock_guard lock(mu_);
  return *find_or_add(cache, value,
                      [&] { return &registry_.counter(family).Add(labels(key, value)); });
}

prometheus::Counter& flow_metrics::produce_error(std::string_view code) {
  return counter_by(produce_errors_, k_produce_errors, "code", code);
}

prometheus::Counter& flow_metrics::alarm(std::string_view topic, std::string_view reason) {
  std::string key = std::string(topic) + '\0' + std::string(reason);
  std::lock_guard lock(mu_);
  return *find_or_add(alarms_, key, [&] {
    prometheus::Labels l = labels("topic", topic);
    l.emplace("reason", reason);
    return &registry_.counter(k_alarms).Add(l);
  });
}

prometheus::Gauge& flow_metrics::topic_paused(std::string_view topic) {
  std::lock_guard lock(mu_);
  return *find_or_add(paused_, topic,
                      [&] { return &registry_.gauge(k_topic_paused).Add(labels("topic", topic)); });
}

}  // namespace tandem::engine
