// `tandem run` and the state directory's identity (engine/state/state_identity.h): the cluster
// ids asked from Kafka at start, and later for the clusters that did not answer then.
//
// A cluster unreachable at start does not block the start: its id is asked again every 10 s
// while the flows run; if it then reports an id other than the recorded one, the daemon stops
// its flows and exits 2 (daemon_options::identity_check).
#pragma once

#include <chrono>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "engine/config/config.h"
#include "engine/state/state_identity.h"

namespace tandem::engine {

class service_context;

// The ids of the config's clusters, asked in parallel, each within `timeout`: those that
// answered; the aliases of the others are appended to `unanswered`.
std::vector<cluster_seen> ask_cluster_ids(const config& cfg, std::chrono::milliseconds timeout,
                                          std::vector<std::string>& unanswered);

// The start-up check: the region and the ids that answered against the store's identity.
// Unexpected: the claim's error (mismatch: exit 2). Else the aliases still to check.
std::expected<std::vector<std::string>, claim_error> check_state_at_start(
    const config& cfg, offsets::offset_store& store, std::chrono::milliseconds timeout);

// The later check as a service body: asks the `pending` clusters every `interval` until each
// answered; the mismatch message when one reports another id, nullopt otherwise (all checked,
// or stopped).
std::optional<std::string> check_state_later(service_context& ctx, const config& cfg,
                                             offsets::offset_store& store,
                                             std::vector<std::string> pending,
                                             std::chrono::milliseconds interval);

}  // namespace tandem::engine
