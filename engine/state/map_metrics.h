// tandem_offset_map_runs{source,target}: the runs the offset map holds for a flow, read from the
// store (offsets::offset_store::run_count: counted once, then kept by the store's writes, so
// cheap). The daemon refreshes it every second for its own flows {R, L} and the peer flows
// {L, R} it learns (engine/daemon/services.h). The family is defined here. Thread-safe.
#pragma once

#include <string>

#include "engine/obs/metrics.h"
#include "offsets/store.h"

namespace tandem::engine {

class offset_map_metrics {
 public:
  // metrics::probe<offset_map_metrics>(source, target).
  offset_map_metrics(metrics& registry, std::string source, std::string target);
  offset_map_metrics(const offset_map_metrics&) = delete;
  offset_map_metrics& operator=(const offset_map_metrics&) = delete;

  prometheus::Gauge& runs() { return runs_; }
  // Sets runs() from the store's count of the flow's runs; false (gauge unchanged) when the
  // store cannot count.
  bool update(const offsets::offset_store& store);

 private:
  const offsets::flow_id flow_;
  prometheus::Gauge& runs_;
};

}  // namespace tandem::engine
