// Internals of `tandemctl rebuild` (tools/rebuild.cc: the command; tools/rebuild_flow.cc: the
// reading). One flow direction at a time:
//
//   flow S->T, read from T's cluster (own flow R->local: the local cluster; peer flow
//   local->R: R's cluster)
//     list_topics(T) ──targets of S under the naming policy and topic filter──> topics
//     per partition: query_watermarks ──read [low, high) read_committed──> partition_rebuilder
//       ──take() every k_chunk records──> offset_store::commit_batch (runs only, no resume)
//
// An unreachable cluster skips the direction (flow_result::skipped); a partition that cannot be
// read is reported and skipped; a store write that fails stops the rebuild.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "engine/config/config.h"
#include "engine/kafka/seam.h"
#include "offsets/store.h"
#include "policy/topic_filter.h"
#include "tools/rebuild_partition.h"
#include "tools/state.h"

namespace tandem::tools::rebuild {

// One topic of a flow, named on the source side like the map.
struct topic_result {
  std::string topic;         // source-side name (the map's)
  std::string target_topic;  // the topic read
  int32_t partitions = 0;
  header_counts counts;
  int64_t runs = 0;          // runs handed to the store (before canonical splitting)
  // Partitions not read to the high watermark seen at the start: "3: reason".
  std::vector<std::string> problems;
};

struct flow_result {
  offsets::flow_id flow;
  flow_role role = flow_role::own;
  std::string read_from;        // the region whose cluster was read (the flow's target)
  std::optional<std::string> skipped;  // why the direction was not read (cluster unreachable)
  std::vector<topic_result> topics;
};

// Where messages go while a rebuild runs: warnings and progress lines (stderr).
struct reporter {
  std::ostream& err;
  std::string name;  // "tandemctl rebuild"
};

struct flow_settings {
  const engine::config& cfg;
  const policy::topic_filter& filter;
  std::chrono::milliseconds idle;  // environment::read_idle
};

// Reads the target topics of `flow` through `reader` (a client of flow.target_region's cluster)
// and commits the runs into `store`. Error: a store write failed (exit 1).
std::expected<flow_result, failure> rebuild_flow(const flow_settings& s, const offsets::flow_id& flow,
                                                 engine::partition_reader& reader, offsets::offset_store& store,
                                                 const reporter& rep);

struct topic_pair {
  std::string source;  // the topic in the flow's source region
  std::string target;  // its copy in the target region (read)
  int32_t partitions = 0;
};

// The topics of the target cluster that hold the flow's copies, sorted by target name.
// Prefix: "<S><sep><t>" whose t the filter selects; identity: every topic the filter selects.
std::vector<topic_pair> target_topics(const flow_settings& s, const offsets::flow_id& flow,
                                      const std::vector<engine::topic_info>& on_target);

}  // namespace tandem::tools::rebuild
