#include "engine/state/map_metrics.h"

namespace tandem::engine {
namespace {

constexpr family_spec k_offset_map_runs{"tandem_offset_map_runs",
                                        "Runs held in the flow's source-to-target offset map."};

}  // namespace

offset_map_metrics::offset_map_metrics(metrics& registry, std::string source, std::string target)
    : flow_{std::move(source), std::move(target)},
      runs_(registry.gauge(k_offset_map_runs)
                .Add(flow_labels(flow_.source_region, flow_.target_region))) {}

bool offset_map_metrics::update(const offsets::offset_store& store) {
  auto n = store.run_count(flow_);
  if (!n) return false;
  runs_.Set(static_cast<double>(*n));
  return true;
}

}  // namespace tandem::engine
