// The metrics of the checkpointer of flow source→target (engine/groups/checkpointer.h): its
// families are defined here (engine/obs/metrics.h lists them all). Obtained from the shared
// registry: metrics::probe<checkpoint_metrics>("west", "east"). Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "engine/obs/metrics.h"

namespace tandem::engine {

class checkpoint_metrics {
 public:
  checkpoint_metrics(metrics& registry, std::string source, std::string target);
  checkpoint_metrics(const checkpoint_metrics&) = delete;
  checkpoint_metrics& operator=(const checkpoint_metrics&) = delete;

  // tandem_checkpoint_age_seconds: seconds since the last complete checkpoint pass.
  prometheus::Gauge& checkpoint_age() { return age_; }

  // tandem_group_syncs_total: `result` is e.g. "synced", "skipped_active", "skipped_ahead",
  // "failed".
  prometheus::Counter& group_sync(std::string_view result);

  // tandem_checkpoints_rejected_total: checkpoints beyond the source's known end, refused
  // (engine/groups/checkpoint_plausibility.h); `reason` "beyond_high_watermark" (checkpointer)
  // or "beyond_map_end" (restore from tandem.checkpoints).
  prometheus::Counter& checkpoint_rejected(std::string_view reason);

 private:
  metrics& registry_;
  const std::string source_;
  const std::string target_;
  prometheus::Gauge& age_;
  std::mutex mu_;  // guards syncs_, rejected_
  std::map<std::string, prometheus::Counter*, std::less<>> syncs_;
  std::map<std::string, prometheus::Counter*, std::less<>> rejected_;
};

}  // namespace tandem::engine
