// tandem's Prometheus metrics (docs/design.md, "Observability"): one registry per process, served as
// text by http_endpoint at /metrics. The registry lives here; each family is defined (name, help,
// type) once, by the component that updates it, in that component's probe:
//
//   metrics (registry) ──probe<flow_metrics>("west", "east")──> flow_metrics  (engine/flow/)
//                      ──probe<checkpoint_metrics>(...)──────> checkpoint_metrics (engine/groups/)
//                      ──probe<offset_map_metrics>(...)──────> offset_map_metrics (engine/state/)
//                      ──publisher_metrics(m)────────────────> publisher_counters (engine/state/)
//
// Families (labels in braces; every family carries a help text):
//   tandem_records_replicated_total{source,target,topic}             counter  flow_metrics
//   tandem_bytes_replicated_total{source,target,topic}               counter  key+value+headers
//   tandem_loop_drops_total{source,target,topic,reason}              counter  echo | third_party
//   tandem_malformed_origin_headers_total{source,target,topic}       counter
//   tandem_rejected_origin_headers_total{source,target,topic,reason} counter  other_partition |
//                                                                             beyond_source_end |
//                                                                             reproduced
//   tandem_replication_latency_seconds{source,target}                histogram
//   tandem_lag_records{source,target,topic,partition}                gauge
//   tandem_produce_errors_total{source,target,code}                  counter
//   tandem_alarms_total{source,target,topic,reason}                  counter  source_truncated |
//                                                                             source_recreated |
//                                                                             retention_outran |
//                                                                             target_truncated
//   tandem_topic_paused{source,target,topic}                         gauge 0/1
//   tandem_topics_replicated{source,target}                          gauge
//   tandem_commit_failures_total{source,target}                      counter  failed journal
//                                                                             commits
//   tandem_checkpoint_age_seconds{source,target}                     gauge    checkpoint_metrics
//   tandem_group_syncs_total{source,target,result}                   counter
//   tandem_checkpoints_rejected_total{source,target,reason}          counter  beyond_high_-
//                                                                             watermark |
//                                                                             beyond_map_end
//   tandem_offset_map_runs{source,target}                            gauge    offset_map_metrics
//   tandem_offset_runs_published_total                               counter  publisher_metrics
//   tandem_offset_publish_errors_total                               counter  failed rounds,
//                                                                             dropped runs
//   tandem_http_rejected_connections_total                           counter  http_endpoint:
//                                                                             max_connections
//   tandem_build_info{version}                                       gauge = 1 (here)
//
// Hot path: prometheus::Family::Add takes a lock and hashes the label map, too slow per record.
// A probe asks for a handle once (or keeps it), then updates the returned prometheus metric
// directly; those updates are lock-free atomics.
//
// Thread-safety: every method may be called from any thread. A returned reference stays valid,
// and refers to the same object, for the lifetime of the `metrics` object: nothing is ever
// removed. Label cardinality is therefore bounded by what the engine asks for.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <typeindex>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace tandem::engine {

// A family's name and help text, written once by the probe that owns the family.
struct family_spec {
  const char* name;
  const char* help;
};

// {source, target} plus {key, value} when key is non-empty: the labels of a flow's metrics.
prometheus::Labels flow_labels(std::string_view source, std::string_view target,
                               std::string_view key = {}, std::string_view value = {});

// Finds `key` in a string-keyed cache of a probe, or adds the value make() returns. The caller
// holds the probe's lock. std::map: references stay valid as it grows.
template <typename Map, typename Make>
auto& find_or_add(Map& cache, std::string_view key, Make make) {
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(std::string(key), make()).first;
  return it->second;
}

// Owns the registry. Not copyable or movable: probes point into it.
class metrics {
 public:
  // `version` becomes tandem_build_info{version="..."} 1.
  explicit metrics(std::string_view version);
  metrics(const metrics&) = delete;
  metrics& operator=(const metrics&) = delete;

  // The family `spec` names, registered on first call; the same object afterwards.
  prometheus::Family<prometheus::Counter>& counter(const family_spec& spec);
  prometheus::Family<prometheus::Gauge>& gauge(const family_spec& spec);
  prometheus::Family<prometheus::Histogram>& histogram(const family_spec& spec);

  // The probe P of flow source→target (a component's metrics: P(metrics&, source, target)),
  // created on first call; the same object afterwards.
  template <typename P>
  P& probe(std::string_view source, std::string_view target);

  // The Prometheus text exposition format (version 0.0.4) of every family.
  std::string serialize() const;

  // For callers that want to collect or expose the registry themselves.
  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

 private:
  template <typename T, typename Builder>
  prometheus::Family<T>& family(std::map<std::string, prometheus::Family<T>*>& known,
                                const family_spec& spec, Builder build);

  std::shared_ptr<prometheus::Registry> registry_;
  std::mutex families_mu_;  // guards the three maps of families
  std::map<std::string, prometheus::Family<prometheus::Counter>*> counters_;
  std::map<std::string, prometheus::Family<prometheus::Gauge>*> gauges_;
  std::map<std::string, prometheus::Family<prometheus::Histogram>*> histograms_;
  std::mutex probes_mu_;  // guards probes_
  std::map<std::tuple<std::type_index, std::string, std::string>, std::shared_ptr<void>> probes_;
};

template <typename P>
P& metrics::probe(std::string_view source, std::string_view target) {
  // Lock order: probes_mu_ → families_mu_ (P's constructor registers its families).
  std::lock_guard lock(probes_mu_);
  auto key = std::make_tuple(std::type_index(typeid(P)), std::string(source), std::string(target));
  auto it = probes_.find(key);
  if (it == probes_.end())
    it = probes_.emplace(key, std::make_shared<P>(*this, std::string(source), std::string(target)))
             .first;
  return *static_cast<P*>(it->second.get());
}

}  // namespace tandem::engine
