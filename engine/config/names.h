// The names tandem gives things, in one place: the client ids its librdkafka clients carry
// (visible in broker logs and quotas), the consumer groups of its flows, tandemctl's client ids,
// and the topic naming policy a config selects.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/config.h"
#include "policy/naming.h"

namespace tandem::engine::names {

// The consumer group a flow uses on its source cluster ("tandem.west-to-east"). tandem's own
// groups start with "tandem." and are never checkpointed or synced.
inline std::string flow_group_id(const std::string& source_region,
                                 const std::string& target_region) {
  return "tandem." + source_region + "-to-" + target_region;
}

// Clients of the process of `region`:
//   the flow remote→region (its source consumer and its sink producer): "tandem-east-from-west"
inline std::string flow_client_id(const std::string& region, const std::string& remote) {
  return "tandem-" + region + "-from-" + remote;
}
//   the restore at start (engine/state/state_restore.h): "tandem-east-restore"
inline std::string restore_client_id(const std::string& region) {
  return "tandem-" + region + "-restore";
}
//   the run publisher (engine/state/run_publisher.h): "tandem-east-offsets"
inline std::string publisher_client_id(const std::string& region) {
  return "tandem-" + region + "-offsets";
}
//   the checkpointer of flow remote→region (engine/groups/checkpointer.h)
inline std::string checkpoints_client_id(const std::string& region, const std::string& remote) {
  return "tandem-" + region + "-checkpoints-" + remote;
}
//   the learner of the peer's runs (engine/state/peer_runs.h)
inline std::string peer_runs_client_id(const std::string& region, const std::string& remote) {
  return "tandem-" + region + "-peer-runs-" + remote;
}
// tandemctl's clients of `cluster`: "tandemctl-west", "tandemctl-rebuild-west".
inline std::string tandemctl_client_id(const std::string& cluster) { return "tandemctl-" + cluster; }
inline std::string tandemctl_rebuild_client_id(const std::string& cluster) {
  return "tandemctl-rebuild-" + cluster;
}

// The topic naming policy of `cfg` (replication.naming, separator, every cluster's alias).
// Error: the prefix policy is illegal (never for a validated config).
std::expected<policy::naming_policy, std::string> naming_policy_of(const config& cfg);

// Mesh: every region of `cfg` but `a` and `b`, the two of a group's move (sorted by alias). Under
// identity naming a move from a to b also reads each such region C's maps {C, a} and {C, b}.
std::vector<std::string> third_regions(const config& cfg, std::string_view a, std::string_view b);

}  // namespace tandem::engine::names
