// The metrics of one flow source→target, updated by the flow (engine/flow/flow.h): its families
// are defined here (engine/obs/metrics.h lists them all). Obtained from the shared registry:
//
//   metrics::probe<flow_metrics>("west", "east") ──topic("orders")──> topic_counters
//
// Each accessor creates its metric on first use and returns the cached one afterwards; handles
// are created under the probe's mutex (held while calling Family::Add, which takes the
// family's own lock: the order is always probe → family). Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "engine/obs/metrics.h"

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
  // tandem_rejected_origin_headers_total{reason=...}: echo headers not believed
  // (loopguard/echo_claim.h); those records are replicated as local.
  prometheus::Counter& rejected_other_partition;    // reason="other_partition"
  prometheus::Counter& rejected_beyond_source_end;  // reason="beyond_source_end"
  prometheus::Counter& rejected_reproduced;         // reason="reproduced"
};

class flow_metrics {
 public:
  flow_metrics(metrics& registry, std::string source, std::string target);
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
  // "source_truncated" (the partition went back: truncated or recreated; also a resume
  // position above the partition's end, the vanished offsets logged and the offset map
  // invalidated by source offset from where the flow continues),
  // "source_recreated" (the source topic was deleted and created again: the flow group's
  // committed offset vanished; its runs invalidated, the new log copied from its start),
  // "retention_outran" (the source deleted records before they were replicated, also found as
  // a resume position below the log start) or
  // "target_truncated" (a delivery landed below an earlier one: the target partition was
  // truncated or recreated; the offset map is invalidated from there).
  prometheus::Counter& alarm(std::string_view topic, std::string_view reason);

  // tandem_topic_paused: 1 while `topic` is stopped by an unfixable partition-count mismatch.
  prometheus::Gauge& topic_paused(std::string_view topic);

  prometheus::Gauge& topics_replicated() { return topics_replicated_; }  // topics in the flow

  // tandem_commit_failures_total: journal commits (positions and runs) that failed.
  prometheus::Counter& commit_failures() { return commit_failures_; }

 private:
  prometheus::Labels labels(std::string_view key = {}, std::string_view value = {}) const {
    return flow_labels(source_, target_, key, value);
  }
  // The counter of `family` labelled {source, target, key=value}, cached in `cache`.
  prometheus::Counter& counter_by(std::map<std::string, prometheus::Counter*, std::less<>>& cache,
                                  const family_spec& family, std::string_view key,
                                  std::string_view value);

  metrics& registry_;
  const std::string source_;
  const std::string target_;
  prometheus::Histogram& latency_;
  prometheus::Gauge& topics_replicated_;
  prometheus::Counter& commit_failures_;

  std::mutex mu_;  // guards the caches below
  std::map<std::string, topic_counters, std::less<>> topics_;
  std::map<std::string, std::map<std::int32_t, prometheus::Gauge*>, std::less<>> lags_;
  std::map<std::string, prometheus::Counter*, std::less<>> produce_errors_;
  std::map<std::string, prometheus::Counter*, std::less<>> alarms_;  // key "topic\0reason"
  std::map<std::string, prometheus::Gauge*, std::less<>> paused_;
};

}  // namespace tandem::engine
