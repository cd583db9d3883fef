// The service of one inbound flow remote→local (engine/flow/flow.h) on the daemon's runtime
// shell (engine/daemon/service.h): builds the flow's clients, steps it until a stop or a
// failure, drains; after a failure (fatal producer error, failed delivery) rebuilds it from its
// committed positions after restart_backoff (1 s doubling to 30 s, back to 1 s once the flow
// ran healthily for 60 s). Ready while both clusters are reachable and its commits succeed (or
// failed for less than commit_grace); a flow that cannot be built
// (bad client config) fails for good and /readyz shows why.
#pragma once

#include <chrono>
#include <string>

#include "engine/config/config.h"
#include "engine/daemon/service.h"
#include "engine/flow/flow_journal.h"
#include "engine/flow/flow_metrics.h"
#include "policy/topic_filter.h"

namespace tandem::engine {

struct flow_service_args {
  const config& cfg;
  const cluster_config& remote;
  flow_journal& journal;
  flow_metrics& metrics;
  policy::topic_filter filter;
  std::chrono::milliseconds drain;
  std::chrono::milliseconds healthy_after = std::chrono::seconds(60);
  // Not ready once every journal commit failed for this long (the state store cannot persist
  // positions: a restart would copy everything since again).
  std::chrono::milliseconds commit_grace = std::chrono::seconds(30);
};

// The body of the flow's service; `args`' references must outlive the service.
service::body flow_service(flow_service_args args);

}  // namespace tandem::engine
