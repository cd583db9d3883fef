#include "engine/obs/metrics.h"

#include <prometheus/text_serializer.h>

#include "loopguard/decision.h"

namespace tandem::engine {
namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;
using prometheus::Registry;

Family<Counter>& counter(Registry& r, const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}

Family<Gauge>& gauge(Registry& r, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}

Histogram::BucketBoundaries latency_buckets() {
  return {latency_buckets_seconds.begin(), latency_buckets_seconds.end()};
}

// Finds `key` in a string-keyed cache, or adds the metric make() returns. Caller holds the lock.
template <typename Map, typename Make>
auto& find_or_add(Map& cache, std::string_view key, Make make) {
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(std::string(key), make()).first;
  return it->second;
}

}  // namespace

metrics::metrics(std::string_view version)
    : registry_(std::make_shared<Registry>()),
      records_(counter(*registry_, "tandem_records_replicated_total",
                       "Records written to the target cluster and acknowledged, by source topic.")),
      bytes_(counter(*registry_, "tandem_bytes_replicated_total",
                     "Bytes of key, value and headers of replicated records, by source topic.")),
      loop_drops_(counter(*registry_, "tandem_loop_drops_total",
                          "Records not replicated because their tandem-origin header shows "
                          "tandem copied them into the source (reason: echo or third_party).")),
      malformed_(counter(*registry_, "tandem_malformed_origin_headers_total",
                         "Records replicated as local because their tandem-origin header did "
                         "not parse.")),
      latency_(prometheus::BuildHistogram()
                   .Name("tandem_replication_latency_seconds")
                   .Help("Target acknowledgement time minus source record timestamp.")
                   .Register(*registry_)),
      lag_(gauge(*registry_, "tandem_lag_records",
                 "Source high watermark minus the next source offset to replicate, per "
                 "partition.")),
      checkpoint_age_(gauge(*registry_, "tandem_checkpoint_age_seconds",
                            "Seconds since the flow last wrote a consumer-group checkpoint.")),
      group_syncs_(counter(*registry_, "tandem_group_syncs_total",
                           "Consumer-group offset syncs into the target, by result.")),
      produce_errors_(counter(*registry_, "tandem_produce_errors_total",
                              "Produce errors from the target cluster, by librdkafka error "
                              "name.")),
      alarms_(counter(*registry_, "tandem_alarms_total",
                      "Logs that changed under a flow: source or target partitions that went "
                      "back (truncated or recreated) and records deleted before replication.")),
      offset_map_runs_(gauge(*registry_, "tandem_offset_map_runs",
                             "Runs held in the flow's source-to-target offset map.")),
      topic_paused_(gauge(*registry_, "tandem_topic_paused",
                          "1 while a topic is stopped by a partition-count mismatch that cannot "
                          "be fixed, else 0.")),
      topics_replicated_(gauge(*registry_, "tandem_topics_replicated",
                               "Source topics the flow currently replicates.")),
      build_info_(gauge(*registry_, "tandem_build_info",
                        "Always 1; the version label identifies the running tandem build.")) {
  build_info_.Add({{"version", std::string(version)}}).Set(1);
}

flow_metrics& metrics::flow(std::string_view source, std::string_view target) {
  std::lock_guard lock(mu_);
  auto key = std::make_pair(std::string(source), std::string(target));
  auto it = flows_.find(key);
  if (it == flows_.end()) {
    // flow_metrics' constructor is private: no make_unique.
    std::unique_ptr<flow_metrics> f(new flow_metrics(*this, key.first, key.second));
    it = flows_.emplace(std::move(key), std::move(f)).first;
  }
  return *it->second;
}

prometheus::Counter& metrics::offset_runs_published() {
  std::lock_guard lock(mu_);
  if (!offset_runs_published_)
    offset_runs_published_ = &counter(*registry_, "tandem_offset_runs_published_total",
                                      "Offset-map runs written to the local cluster's "
                                      "tandem.offsets topic.")
                                  .Add({});
  return *offset_runs_published_;
}

prometheus::Counter& metrics::offset_publish_errors() {
  std::lock_guard lock(mu_);
  if (!offset_publish_errors_)
    offset_publish_errors_ = &counter(*registry_, "tandem_offset_publish_errors_total",
                                      "Failed attempts to write runs to tandem.offsets (retried), "
                                      "plus runs dropped from a full publish queue.")
                                  .Add({});
  return *offset_publish_errors_;
}

std::string metrics::serialize() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

flow_metrics::flow_metrics(metrics& owner, std::string source, std::string target)
    : owner_(owner),
      source_(std::move(source)),
      target_(std::move(target)),
      latency_(owner.latency_.Add(labels(), latency_buckets())),
      checkpoint_age_(owner.checkpoint_age_.Add(labels())),
      offset_map_runs_(owner.offset_map_runs_.Add(labels())),
      topics_replicated_(owner.topics_replicated_.Add(labels())) {}

prometheus::Labels flow_metrics::labels(std::string_view key, std::string_view value) const {
  prometheus::Labels l{{"source", source_}, {"target", target_}};
  if (!key.empty()) l.emplace(key, value);
  return l;
}

topic_counters& flow_metrics::topic(std::string_view topic) {
  std::lock_guard lock(mu_);
  auto it = topics_.find(topic);
  if (it != topics_.end()) return it->second;
  auto drops = [&](loopguard::reason r) -> Counter& {
    auto l = labels("topic", topic);
    l.emplace("reason", loopguard::to_string(r));
    return owner_.loop_drops_.Add(l);
  };
  topic_counters c{
      .records = owner_.records_.Add(labels("topic", topic)),
      .bytes = owner_.bytes_.Add(labels("topic", topic)),
      .malformed = owner_.malformed_.Add(labels("topic", topic)),
      .drops_echo = drops(loopguard::reason::echo),
      .drops_third_party = drops(loopguard::reason::third_party),
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
    g = &owner_.lag_.Add(l);
  }
  return *g;
}

prometheus::Counter& flow_metrics::produce_error(std::string_view code) {
  std::lock_guard lock(mu_);
  return *find_or_add(produce_errors_, code,
                      [&] { return &owner_.produce_errors_.Add(labels("code", code)); });
}

prometheus::Counter& flow_metrics::alarm(std::string_view topic, std::string_view reason) {
  std::string key = std::string(topic) + '\0' + std::string(reason);
  std::lock_guard lock(mu_);
  return *find_or_add(alarms_, key, [&] {
    prometheus::Labels l = labels("topic", topic);
    l.emplace("reason", reason);
    return &owner_.alarms_.Add(l);
  });
}

prometheus::Counter& flow_metrics::group_sync(std::string_view result) {
  std::lock_guard lock(mu_);
  return *find_or_add(group_syncs_, result,
                      [&] { return &owner_.group_syncs_.Add(labels("result", result)); });
}

prometheus::Gauge& flow_metrics::topic_paused(std::string_view topic) {
  std::lock_guard lock(mu_);
  return *find_or_add(paused_, topic,
                      [&] { return &owner_.topic_paused_.Add(labels("topic", topic)); });
}

}  // namespace tandem::engine
