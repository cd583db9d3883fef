// tandem's Prometheus metrics (docs/design.md, "Observability"): one registry per process, served as
// text by http_endpoint at /metrics.
//
//   metrics ──flow("west", "east")──> flow_metrics ──topic("orders")──> topic_counters
//   (registry, families)              (one per flow,                    (Counter& per topic,
//                                       cached handles)                   cached)
//
// Families (labels in braces; every family carries a help text):
//   tandem_records_replicated_total{source,target,topic}             counter
//   tandem_bytes_replicated_total{source,target,topic}               counter  key+value+headers
//   tandem_loop_drops_total{source,target,topic,reason}              counter  echo | third_party
//   tandem_malformed_origin_headers_total{source,target,topic}       counter
//   tandem_replication_latency_seconds{source,target}                histogram
//   tandem_lag_records{source,target,topic,partition}                gauge
//   tandem_checkpoint_age_seconds{source,target}                     gauge
//   tandem_group_syncs_total{source,target,result}                   counter
//   tandem_produce_errors_total{source,target,code}                  counter
//   tandem_alarms_total{source,target,topic,reason}                  counter  source_truncated |
//                                                                             retention_outran |
//                                                                             target_truncated
//   tandem_offset_map_runs{source,target}                            gauge
//   tandem_topic_paused{source,target,topic}                         gauge 0/1
//   tandem_topics_replicated{source,target}                          gauge
//   tandem_build_info{version}                                       gauge = 1
//   tandem_offset_runs_published_total                               counter  to tandem.offsets
//   tandem_offset_publish_errors_total                               counter  failed rounds,
//                                                                             dropped runs
//
// Hot path: prometheus::Family::Add takes a lock and hashes the label map, too slow per record.
// The engine asks for a handle once per batch (or keeps it), then updates the returned
// prometheus metric directly; those updates are lock-free atomics.
//
// Thread-safety: every method of metrics, flow_metrics and topic_counters may be called from
// any thread. Handles are created under a mutex (one per flow_metrics, one in metrics); a
// returned reference stays valid, and refers to the same metric, for the lifetime of the
// `metrics` object: nothing is ever removed. Label cardinality is therefore bounded by what the
// engine asks for (topics × partitions it replicates, librdkafka error names, sync results).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace tandem::engine {

// Upper bounds (seconds) of tandem_replication_latency_seconds: 1 ms to 60 s, each about 2.5×
// the previous (rounded so the `le` labels read well), 13 finite buckets plus +Inf.
inline constexpr std::array<double, 13> latency_buckets_seconds = {
    0.001, 0.0025, 0.006, 0.015, 0.04, 0.1, 0.25, 0.6, 1.5, 4, 10, 25, 60};

// The per-topic counters of one flow, updated per record batch.
struct topic_counters {
  prometheus::Counter& records;            // tandem_records_replicated_total
  prometheus::Counter& bytes;              // tandem_bytes_replicated_total
  prometheus::Counter& malformed;          // tandem_malformed_origin_headers_total
  prometheus::Counter& drops_echo;         // tandem_loop_drops_total{reason="echo"}
  prometheus::Counter& drops_third_party;  // tandem_loop_drops_total{reason="third_party"}
};

class metrics;

// The metrics of one flow source→target. Obtained from metrics::flow(); not copyable.
// Each accessor creates its metric on first use and returns the cached one afterwards.
class flow_metrics {
 public:
  flow_metrics(const flow_metrics&) = delete;
  flow_metrics& operator=(const flow_metrics&) = delete;

  const std::string& source() const { return source_; }
  const std::string& target() const { return target_; }

  // Counters of records read from `topic` (the source topic name).
  topic_counters& topic(std::string_view topic);

  // tandem_replication_latency_seconds: observe (target ack time − source record timestamp)
  // in seconds. Clamp negative values (clock skew between clusters) to 0 before observing.
  prometheus::Histogram& latency() { return latency_; }

  // tandem_lag_records: source high watermark − next source position of one partition.
  prometheus::Gauge& lag(std::string_view topic, std::int32_t partition);

  // tandem_produce_errors_total: `code` is the librdkafka error name (rd_kafka_err2name),
  // e.g. "_MSG_TIMED_OUT", "TOPIC_AUTHORIZATION_FAILED".
  prometheus::Counter& produce_error(std::string_view code);

  // tandem_alarms_total: records may have been lost or must be replicated again because a
  // log changed under the flow (docs/design.md "Never skip silently"). `reason` is
  // "source_truncated" (the partition went back: truncated or recreated),
  // "retention_outran" (the source deleted records before they were replicated) or
  // "target_truncated" (a delivery landed below an earlier one: the target partition was
  // truncated or recreated; the offset map is invalidated from there).
  prometheus::Counter& alarm(std::string_view topic, std::string_view reason);

  // tandem_group_syncs_total: `result` is e.g. "synced", "skipped_active", "skipped_ahead",
  // "failed".
  prometheus::Counter& group_sync(std::string_view result);

  // tandem_topic_paused: 1 while `topic` is stopped by an unfixable partition-count mismatch.
  prometheus::Gauge& topic_paused(std::string_view topic);

  prometheus::Gauge& checkpoint_age() { return checkpoint_age_; }        // seconds
  prometheus::Gauge& offset_map_runs() { return offset_map_runs_; }      // runs in the map
  prometheus::Gauge& topics_replicated() { return topics_replicated_; }  // topics in the flow

 private:
  friend class metrics;
  flow_metrics(metrics& owner, std::string source, std::string target);

  // {source, target} plus {key, value} when key is non-empty.
  prometheus::Labels labels(std::string_view key = {}, std::string_view value = {}) const;

  metrics& owner_;
  const std::string source_;
  const std::string target_;
  prometheus::Histogram& latency_;
  prometheus::Gauge& checkpoint_age_;
  prometheus::Gauge& offset_map_runs_;
  prometheus::Gauge& topics_replicated_;

  // Guards the caches below. Held while calling Family::Add (which takes the family's own
  // lock): lock order is always flow_metrics::mu_ → family, so no cycle.
  std::mutex mu_;
  // std::map: node-based, so references into it stay valid as it grows; std::less<> allows
  // lookup by string_view without building a std::string.
  std::map<std::string, topic_counters, std::less<>> topics_;
  std::map<std::string, std::map<std::int32_t, prometheus::Gauge*>, std::less<>> lags_;
  std::map<std::string, prometheus::Counter*, std::less<>> produce_errors_;
  std::map<std::string, prometheus::Counter*, std::less<>> alarms_;  // key "topic\0reason"
  std::map<std::string, prometheus::Counter*, std::less<>> group_syncs_;
  std::map<std::string, prometheus::Gauge*, std::less<>> paused_;
};

// Owns the registry and every family. Not copyable or movable: flow_metrics point back into it.
class metrics {
 public:
  // `version` becomes tandem_build_info{version="..."} 1.
  explicit metrics(std::string_view version);
  metrics(const metrics&) = delete;
  metrics& operator=(const metrics&) = delete;

  // The handle of flow source→target, created on first call; the same object afterwards.
  flow_metrics& flow(std::string_view source, std::string_view target);

  // The Prometheus text exposition format (version 0.0.4) of every family.
  std::string serialize() const;

  // Process-wide counters of engine/state/run_publisher.h, created on first call (like every family,
  // absent from the exposition until then).
  prometheus::Counter& offset_runs_published();
  prometheus::Counter& offset_publish_errors();

  // For callers that want to collect or expose the registry themselves.
  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

 private:
  friend class flow_metrics;

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& records_;
  prometheus::Family<prometheus::Counter>& bytes_;
  prometheus::Family<prometheus::Counter>& loop_drops_;
  prometheus::Family<prometheus::Counter>& malformed_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Family<prometheus::Gauge>& lag_;
  prometheus::Family<prometheus::Gauge>& checkpoint_age_;
  prometheus::Family<prometheus::Counter>& group_syncs_;
  prometheus::Family<prometheus::Counter>& produce_errors_;
  prometheus::Family<prometheus::Counter>& alarms_;
  prometheus::Family<prometheus::Gauge>& offset_map_runs_;
  prometheus::Family<prometheus::Gauge>& topic_paused_;
  prometheus::Family<prometheus::Gauge>& topics_replicated_;
  prometheus::Family<prometheus::Gauge>& build_info_;

  std::mutex mu_;  // guards flows_ and the lazily created counters below
  std::map<std::pair<std::string, std::string>, std::unique_ptr<flow_metrics>> flows_;
  prometheus::Counter* offset_runs_published_ = nullptr;
  prometheus::Counter* offset_publish_errors_ = nullptr;
};

}  // namespace tandem::engine
