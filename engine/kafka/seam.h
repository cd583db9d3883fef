// The seam between flow logic and a Kafka client. Only engine/kafka/rdkafka/ implements it
// with librdkafka; unit tests implement it with in-memory fakes (tests/fakes/fake_kafka.h).
//
//        remote cluster S                                   local cluster T
//   +---------------------+   record_ref   +------+   forward()   +------------------+
//   | record_source (S)   | -------------> | flow | ------------> | record_sink (T)  |
//   |  assign/poll/commit |                +------+ <------------ |  produce + admin |
//   +---------------------+                  delivery_handler     +------------------+
//
// Ownership: a record_ref returned by record_source::poll is owned by the flow until it hands it
// to exactly one of record_source::release (dropped records) or record_sink::forward (the sink
// then owns it until the delivery report, after which it frees it). Forwarding does not copy
// key, value or headers. A sink accepts only records of a source of the same client family
// (librdkafka source → librdkafka sink; fake → fake).
//
// Threading: one flow drives one source and one sink from one thread. Delivery handlers run on
// that thread, inside record_sink::poll / flush (see also the note at the end of this file).
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/kafka/error.h"

namespace tandem::engine {

// Every fallible call below returns kafka_result<T> (engine/kafka/error.h).

// The answer of a request that can succeed in part (some brokers or partitions answered): what
// was read, and the first failure when something was not (what was read stays valid). A request
// that fails as a whole returns its error instead.
template <class T>
struct partial {
  T value;
  std::optional<kafka_error> first_failure;  // set: `value` is incomplete
};

// Why a partial answer is incomplete: the request's error, or the first part that failed;
// nullptr when the answer is complete.
template <class T>
const kafka_error* failure_of(const kafka_result<partial<T>>& r) {
  if (!r) return &r.error();
  return r->first_failure ? &*r->first_failure : nullptr;
}

// A partial answer taken as all or nothing: incomplete is an error (its first failure).
template <class T>
kafka_result<T> complete(kafka_result<partial<T>> r) {
  if (const kafka_error* e = failure_of(r)) return std::unexpected(*e);
  return std::move(r->value);
}

struct topic_info {
  std::string name;
  int32_t partitions = 0;
};

struct partition_position {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;  // the next offset to read (Kafka's committed-offset convention)
};

// Sentinels for partition_position::offset in assign().
inline constexpr int64_t offset_beginning = -2;  // the partition's log start
inline constexpr int64_t offset_end = -1;

// One consumed record as the flow sees it. `impl` belongs to the source's client family.
// The views stay valid until the record is released or its delivery report has been handled.
struct record_ref {
  void* impl = nullptr;
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = 0;   // the record's timestamp (create or log-append time)
  std::optional<std::string_view> origin_header;  // last `tandem-origin` header, if any
  size_t bytes = 0;           // key + value + header bytes, for metrics
  // The record carries at least one header. Lets a sink skip looking for headers again:
  // librdkafka re-parses a record without headers on every lookup.
  bool has_headers = false;
};

using topic_configs = std::map<std::string, std::string>;

struct watermarks {
  int64_t low = -1;   // the partition's log start offset
  int64_t high = -1;  // the offset the next record will get
};

// The remote side of a flow: a consumer plus the few admin reads a flow needs.
class record_source {
 public:
  virtual ~record_source() = default;

  // Every topic of the cluster with its partition count. Error: cluster unreachable etc.
  [[nodiscard]] virtual kafka_result<std::vector<topic_info>> list_topics(
      std::chrono::milliseconds timeout) = 0;
  // The topic's configs that are set explicitly (not broker defaults).
  [[nodiscard]] virtual kafka_result<topic_configs> describe_configs(
      const std::string& topic, std::chrono::milliseconds timeout) = 0;
  // Adds partitions to the set being consumed, each starting at its offset.
  [[nodiscard]] virtual kafka_result<void> assign(std::span<const partition_position> add) = 0;
  // Moves consumption of already assigned partitions to the given offsets (records already
  // returned by poll stay valid); also restarts a partition reported by take_out_of_range.
  [[nodiscard]] virtual kafka_result<void> seek(std::span<const partition_position> positions) = 0;
  // Appends up to `max` records to `out`; waits at most `timeout` when none is ready.
  // Records of one partition come in offset order.
  virtual void poll(std::vector<record_ref>& out, size_t max,
                    std::chrono::milliseconds timeout) = 0;
  virtual void release(const record_ref& r) = 0;
  // Commits positions to the flow's consumer group on the source cluster (for visibility:
  // kafka-consumer-groups shows replication progress).
  [[nodiscard]] virtual kafka_result<void> commit(
      std::span<const partition_position> positions) = 0;
  // The group's committed positions for the given partitions, in their order (offset < 0
  // where none).
  [[nodiscard]] virtual kafka_result<std::vector<partition_position>> committed(
      std::span<const partition_position> partitions, std::chrono::milliseconds timeout) = 0;
  // Last known log start (low) and end (high) offsets of a consumed partition, as seen in
  // fetch responses (no request); -1 where unknown.
  virtual watermarks partition_watermarks(const std::string& topic, int32_t partition) = 0;
  // The partition's log start and high watermark asked from its leader (a request: the cached
  // partition_watermarks may predate a truncation). Error: leader unreachable, unknown partition.
  [[nodiscard]] virtual kafka_result<watermarks> query_watermarks(
      const std::string& topic, int32_t partition, std::chrono::milliseconds timeout) = 0;
  // Partitions whose position the source cluster refused as out of range (below the log start
  // or above the high watermark) since the previous call, each with the refused offset (< 0
  // when the client did not say). The client never jumps elsewhere by itself
  // (auto.offset.reset=error): such a partition delivers nothing until seek() gives it a new
  // position, so the flow decides where to continue (issue #10, "Out of range").
  virtual std::vector<partition_position> take_out_of_range() = 0;
};

// Called once per forwarded record, from record_sink::poll/flush, in produce order per
// partition. `dst_offset` is the record's offset in the target partition; on error it is -1.
using delivery_handler =
    std::function<void(const record_ref& src, int64_t dst_offset, const kafka_error* error)>;

// The local side of a flow: an idempotent producer (acks=all) plus topic admin.
class record_sink {
 public:
  virtual ~record_sink() = default;

  [[nodiscard]] virtual kafka_result<std::vector<topic_info>> list_topics(
      std::chrono::milliseconds timeout) = 0;
  [[nodiscard]] virtual kafka_result<void> create_topic(const std::string& topic,
                                                        int32_t partitions,
                                                        const topic_configs& configs,
                                                        std::chrono::milliseconds timeout) = 0;
  [[nodiscard]] virtual kafka_result<void> create_partitions(
      const std::string& topic, int32_t total, std::chrono::milliseconds timeout) = 0;

  // Produces `r` to topic/partition of the local cluster with r's key, value, timestamp and all
  // headers, plus a `tandem-origin` header whose value is `origin_header`. Takes ownership of r
  // on success. Error kafka_errc::queue_full: nothing happened; poll() and try again.
  [[nodiscard]] virtual kafka_result<void> forward(const record_ref& r, const std::string& topic,
                                                   int32_t partition,
                                                   std::string_view origin_header) = 0;
  // Serves delivery reports. Returns the number served.
  virtual int poll(std::chrono::milliseconds timeout) = 0;
  // Waits until every forwarded record is reported, or the timeout. Returns records still
  // outstanding.
  virtual int flush(std::chrono::milliseconds timeout) = 0;
  // Records forwarded and not yet reported.
  virtual int outstanding() = 0;
  // A fatal producer error (the idempotent producer cannot continue), if any.
  virtual std::optional<kafka_error> fatal_error() = 0;
  // Log start and end offsets of a local partition, asked of its leader (blocks up to
  // `timeout`). The flow asks only when an echo claims an offset beyond the end it knows.
  [[nodiscard]] virtual kafka_result<watermarks> partition_bounds(
      const std::string& topic, int32_t partition, std::chrono::milliseconds timeout) = 0;
};

// --- Consumer groups (checkpoints and group sync) -------------------------------------------
//
//   remote cluster S                   checkpointer (S→T)                 local cluster T
//   group_admin(S): list_groups   ──>  filter, translate,   ──>  group_admin(T): describe_group,
//                   committed_offsets  put_checkpoint             committed_offsets, partition_bounds,
//                                      │                          alter_offsets (idle groups only)
//                                      └──> state_producer(T): tandem.checkpoints (compacted)
// (state_producer also writes tandem.offsets for engine/state/run_publisher.h, tombstones too.)
//
// Separate from record_source / record_sink: group admin requests take seconds when a cluster
// is slow, and the flow's thread must not wait for them.

// A consumer group's state as its coordinator reports it (Kafka's classic group states).
enum class group_state {
  absent,                // no such group; Kafka describes an unknown group as "Dead", and a
                         // dead group is one being removed: both are reported as absent
  empty,                 // no member; committed offsets may exist
  stable,                // members are consuming
  preparing_rebalance,   // members are joining or leaving
  completing_rebalance,
  unknown,               // a state this client cannot name: treated as active
};

// "absent", "empty", "stable", "preparing_rebalance", ...
std::string_view to_string(group_state s);

// True for the states in which a group has no member, so that writing its committed offsets
// cannot race a consumer: absent and empty. (Kafka itself refuses an admin commit for a group
// with members, so a member joining meanwhile makes the write fail, not interleave.)
inline bool is_idle(group_state s) { return s == group_state::absent || s == group_state::empty; }

struct group_listing {
  std::string group;
  group_state state = group_state::unknown;
};

// One committed offset of a consumer group.
struct group_offset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;  // the next offset the group reads (Kafka's committed-offset convention)
  // The leader epoch stored with the commit, where the client reports it (librdkafka >= 2.1;
  // never with 2.0.2). Meaningful on its own cluster only: a checkpoint never copies it.
  std::optional<int32_t> leader_epoch;
  // The commit's metadata string (consumers usually leave it empty). tandem marks the offsets
  // its group sync writes (engine/groups/checkpointer.h, k_sync_metadata_prefix).
  std::string metadata;
};

// Consumer-group admin requests on one cluster. Each call is one blocking request, bounded by
// `timeout`; errors as kafka_error (kafka_errc::timed_out on timeout). Not thread-safe: one owner.
class group_admin {
 public:
  virtual ~group_admin() = default;

  // Every consumer group of the cluster with its state; partial when a broker did not answer.
  [[nodiscard]] virtual kafka_result<partial<std::vector<group_listing>>> list_groups(
      std::chrono::milliseconds timeout) = 0;
  // The group's state; group_state::absent when the cluster does not know the group.
  [[nodiscard]] virtual kafka_result<group_state> describe_group(
      const std::string& group, std::chrono::milliseconds timeout) = 0;
  // Every committed offset of the group, all topics and partitions (none for an absent group);
  // partial when some partitions' offsets could not be read.
  [[nodiscard]] virtual kafka_result<partial<std::vector<group_offset>>> committed_offsets(
      const std::string& group, std::chrono::milliseconds timeout) = 0;
  // Commits `offsets` for a group without members (an absent group is created EMPTY). Each
  // offset is written with the leader epoch it carries (none: nullopt) and its metadata.
  // Error: the request failed, or the first partition the coordinator refused (e.g. the group
  // got a member meanwhile: kafka_errc::unknown_member_id); partitions not refused may be
  // committed.
  [[nodiscard]] virtual kafka_result<void> alter_offsets(const std::string& group,
                                                         std::span<const group_offset> offsets,
                                                         std::chrono::milliseconds timeout) = 0;
  // The partition's log start and high watermark (a request to its leader): where a group
  // moved there can start, at the lowest and the highest. Error: unknown topic or partition,
  // leader unreachable.
  [[nodiscard]] virtual kafka_result<watermarks> partition_bounds(
      const std::string& topic, int32_t partition, std::chrono::milliseconds timeout) = 0;
};

// Writes tandem's own small state records (tandem.checkpoints) into one cluster: an idempotent
// producer (acks=all) plus the creation of the topic. Not thread-safe: one owner.
class state_producer {
 public:
  virtual ~state_producer() = default;

  // Creates `topic` with `partitions` and `configs` unless it exists (then: no error, configs
  // untouched).
  [[nodiscard]] virtual kafka_result<void> ensure_topic(const std::string& topic,
                                                        int32_t partitions,
                                                        const topic_configs& configs,
                                                        std::chrono::milliseconds timeout) = 0;
  // Queues one record (key and value copied) for partition 0 of `topic`. A null value
  // (nullopt) is a tombstone: compaction then removes the key (tandem.offsets: an erased run).
  [[nodiscard]] virtual kafka_result<void> produce(const std::string& topic, std::string_view key,
                                                   std::optional<std::string_view> value) = 0;
  // Waits until every queued record is delivered or `timeout` passes. Error: a record failed
  // or is still undelivered (the first such error since the previous flush).
  [[nodiscard]] virtual kafka_result<void> flush(std::chrono::milliseconds timeout) = 0;
};

// --- Reading partitions with their origin headers (tandemctl rebuild) -----------------------
//
//   cluster ──partition_reader: list_topics, query_watermarks, read(topic, p, [from, to))──> visit
//
// A plain consumer without a consumer group (manual assignment, nothing committed) reading
// read_committed: aborted transactional records and control markers are never seen, they are
// gaps in the offsets. Not thread-safe: one owner.

// One record as partition_reader::read hands it out. The view is valid during the call only.
struct header_record {
  int64_t offset = 0;
  std::optional<std::string_view> origin_header;  // last `tandem-origin` header, if any
};

// How far partition_reader::read got.
struct range_read {
  int64_t next_offset = 0;  // one past the last record read; `from` when none was
  bool complete = false;    // reached `to`; false: no progress for `idle` (e.g. an open
                            // transaction holds the last stable offset below `to`)
};

class partition_reader {
 public:
  virtual ~partition_reader() = default;

  // Every topic of the cluster with its partition count. Error: cluster unreachable etc.
  [[nodiscard]] virtual kafka_result<std::vector<topic_info>> list_topics(
      std::chrono::milliseconds timeout) = 0;
  // The partition's log start and high watermark, asked from its leader.
  [[nodiscard]] virtual kafka_result<watermarks> query_watermarks(
      const std::string& topic, int32_t partition, std::chrono::milliseconds timeout) = 0;
  // Reads the records of [from, to) of one partition, calling `visit` with batches of them in
  // offset order, until the record before `to` (or the end of the readable log at or past `to`)
  // was read, or nothing new arrived for `idle`. The result says how far it got.
  // Error: the partition cannot be read (unknown topic or partition, authorization, ...); the
  // batches visited before it stay read (the caller knows how far from them).
  [[nodiscard]] virtual kafka_result<range_read> read(
      const std::string& topic, int32_t partition, int64_t from, int64_t to,
      const std::function<void(std::span<const header_record>)>& visit,
      std::chrono::milliseconds idle) = 0;
};

}  // namespace tandem::engine

// Threading note for record_source and record_sink: with flow_settings::background_refresh,
// list_topics, describe_configs, create_topic and create_partitions may be called from a helper
// thread while the flow's thread polls and forwards; the librdkafka implementations allow it
// (each call is a self-contained metadata or admin request).
