// Topic discovery and target-topic upkeep for one flow (docs/design.md "Records"):
//
//   1. list the source cluster's topics; keep those the flow's topic_filter selects;
//   2. for each, the target name from the naming policy;
//   3. target missing        -> create it with the source's partition count and its replicable
//                               configs (allow list, minus a deny list);
//      target has fewer      -> add partitions up to the source's count;
//      target has more       -> partition p still goes to p; the target's extra partitions get
//                               nothing from tandem. Prefix naming: someone grew the target by
//                               hand (Kafka cannot remove partitions): a warning, the topic
//                               keeps flowing (issue #10; it used to pause). Identity naming:
//                               normal while the peer region's process grows this topic in the
//                               source too (it replicates the other way).
//
// Records keep their partition number, so replicating into a target with a different count
// would silently re-partition; tandem never does that.
#pragma once

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "engine/kafka/seam.h"
#include "policy/naming.h"
#include "policy/topic_filter.h"

namespace tandem::engine {

// Which topic configs travel with a topic. A config is copied when it is explicitly set on the
// source topic, listed in `allow` and not in `deny`; `pinned` is set on every target tandem
// creates, whatever the source says.
struct config_copy_policy {
  std::set<std::string> allow{"cleanup.policy",      "compression.type",
                              "max.message.bytes",   "retention.ms",
                              "retention.bytes",     "delete.retention.ms",
                              "min.compaction.lag.ms", "max.compaction.lag.ms",
                              "segment.bytes",       "segment.ms",
                              "min.cleanable.dirty.ratio"};
  // Cluster-local by nature: replica placement and durability settings of the target cluster.
  // And the timestamp settings: a copy keeps its source record's timestamp (docs/design.md
  // "Records"); a LogAppendTime target would overwrite it, bounds on timestamps would refuse
  // old records (MirrorMaker 2 never copies them either).
  std::set<std::string> deny{"min.insync.replicas", "leader.replication.throttled.replicas",
                             "follower.replication.throttled.replicas",
                             "unclean.leader.election.enable", "message.timestamp.type",
                             "message.timestamp.difference.max.ms",
                             "message.timestamp.before.max.ms", "message.timestamp.after.max.ms"};
  // CreateTime even where the target cluster's default is LogAppendTime.
  topic_configs pinned{{"message.timestamp.type", "CreateTime"}};

  topic_configs filter(const topic_configs& source) const;
};

enum class topic_state {
  ready,     // target exists with the source's partition count
  paused,    // partition counts differ and cannot be fixed, or the target cannot be created
  pending,   // a transient error (cluster unreachable, topic being created): retried later
};

struct replicated_topic {
  std::string source_topic;
  std::string target_topic;
  int32_t partitions = 0;
  topic_state state = topic_state::pending;
  std::string problem;  // why paused or pending; empty when ready
  std::string warning;  // ready, but worth a warning (a target larger than its source)
};

// A target partition the flow delivered into and then left idle: its end is asked at a refresh,
// because a target that lost copies (deleted and recreated, truncated) while no new record
// arrives is not seen by the delivery reports (flow_target_loss.cc).
struct target_probe {
  std::string source_topic;
  std::string target_topic;
  int32_t partition = 0;
  int64_t last_dst = -1;  // the flow's last delivery into it when the probe was taken
  int64_t high = -1;      // the partition's high watermark (-1: unknown)
};

struct topic_sync_result {
  std::vector<replicated_topic> topics;  // every selected source topic
  std::optional<kafka_error> source_error;  // listing the source failed: topics is empty
  std::optional<kafka_error> target_error;  // listing the target failed
  std::vector<std::string> created;         // target topics created by this pass
  std::vector<std::string> grown;           // target topics that received partitions
  std::vector<target_probe> probes;         // idle target partitions and their ends
};

struct topic_sync_settings {
  std::string source_region;
  const policy::topic_filter* filter = nullptr;
  config_copy_policy configs;
  std::chrono::milliseconds admin_timeout{3000};
  // Identity naming: a target with more partitions than the source is expected (no warning).
  bool target_may_be_larger = false;
};

// One pass of discovery and upkeep. Never throws; every problem lands in the result.
topic_sync_result sync_topics(record_source& source, record_sink& sink,
                              const topic_sync_settings& settings);

}  // namespace tandem::engine
