#include "engine/groups/checkpoint_metrics.h"

namespace tandem::engine {
namespace {

constexpr family_spec k_checkpoint_age{
    "tandem_checkpoint_age_seconds", "Seconds since the flow last wrote a consumer-group checkpoint."};
constexpr family_spec k_group_syncs{"tandem_group_syncs_total",
                                    "Consumer-group offset syncs into the target, by result."};
constexpr family_spec k_checkpoints_rejected{
    "tandem_checkpoints_rejected_total",
    "Consumer-group checkpoints beyond the source partition's known end, rejected, by reason."};

}  // namespace

checkpoint_metrics::checkpoint_metrics(metrics& registry, std::string source, std::string target)
    : registry_(registry),
      source_(std::move(source)),
      target_(std::move(target)),
      age_(registry.gauge(k_checkpoint_age).Add(flow_labels(source_, target_))) {}

prometheus::Counter& checkpoint_metrics::group_sync(std::string_view result) {
  std::lock_guard lock(mu_);
  return *find_or_add(syncs_, result, [&] {
    return &registry_.counter(k_group_syncs).Add(flow_labels(source_, target_, "result", result));
  });
}

prometheus::Counter& checkpoint_metrics::checkpoint_rejected(std::string_view reason) {
  std::lock_guard lock(mu_);
  return *find_or_add(rejected_, reason, [&] {
    return &registry_.counter(k_checkpoints_rejected)
                .Add(flow_labels(source_, target_, "reason", reason));
  });
}

}  // namespace tandem::engine
