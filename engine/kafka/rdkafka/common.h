// Shared pieces of the librdkafka adapter (internal to engine/kafka/rdkafka/).
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <expected>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/config/config.h"
#include "engine/kafka/rdkafka/errors.h"
#include "engine/kafka/seam.h"

namespace tandem::engine::rdk {

struct handle_deleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using handle = std::unique_ptr<rd_kafka_t, handle_deleter>;

// Owning handles of librdkafka objects used across the adapter.
struct queue_deleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct event_deleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
struct list_deleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
using queue_ptr = std::unique_ptr<rd_kafka_queue_t, queue_deleter>;
using event_ptr = std::unique_ptr<rd_kafka_event_t, event_deleter>;
using partition_list = std::unique_ptr<rd_kafka_topic_partition_list_t, list_deleter>;

using property = std::pair<std::string, std::string>;
using properties = std::vector<property>;

// A consumer that tandem assigns partitions to: nothing committed or stored by librdkafka
// itself, a partition without a position starts at its log start; then `more`.
properties manual_consumer(const std::string& client_id, const std::string& group_id,
                           std::initializer_list<property> more);
// An idempotent producer (acks=all); then `more`.
properties idempotent_producer(const std::string& client_id, std::initializer_list<property> more);

// Where a producer's delivery reports go (set on the conf before the client exists).
struct delivery_hook {
  void* opaque = nullptr;
  void (*on_report)(rd_kafka_t*, const rd_kafka_message_t*, void*) = nullptr;
};

using log_fn = void (*)(const rd_kafka_t*, int level, const char* facility, const char* message);

// The conf of a client of `type` for `cluster`: bootstrap.servers, then `settings`, then the
// cluster's passthrough (which wins): the [librdkafka] properties that apply to `type`
// (engine/kafka/rdkafka/properties.h), then [producer] or [consumer]. librdkafka's log lines go
// to `logger`. Error names a rejected property and section (never its value).
[[nodiscard]] std::expected<rd_kafka_conf_t*, std::string> make_conf(
    rd_kafka_type_t type, const cluster_config& cluster, const properties& settings,
    log_fn logger);

// A client of `cluster`: bootstrap.servers, then `settings`, then the cluster's passthrough
// (which wins). Error names a rejected property (never its value: it may be a secret) and
// librdkafka's reason, or why the client cannot be created.
[[nodiscard]] std::expected<handle, std::string> make_client(rd_kafka_type_t type,
                                                             const cluster_config& cluster,
                                                             const properties& settings,
                                                             delivery_hook hook = {});

// The partition's log start and high watermark, asked from its leader. Error: named with the
// topic and partition.
[[nodiscard]] kafka_result<watermarks> query_watermarks(rd_kafka_t* rk, const std::string& topic,
                                                        int32_t partition,
                                                        std::chrono::milliseconds timeout);

// Every topic of the cluster with its partition count.
[[nodiscard]] kafka_result<std::vector<topic_info>> list_topics(
    rd_kafka_t* rk, std::chrono::milliseconds timeout);

// Creates one topic (replication factor: the broker's default). TOPIC_ALREADY_EXISTS is an
// error like any other.
[[nodiscard]] kafka_result<void> create_topic(rd_kafka_t* rk, const std::string& topic,
                                              int32_t partitions, const topic_configs& configs,
                                              std::chrono::milliseconds timeout);
// Adds partitions to `topic` up to `total`.
[[nodiscard]] kafka_result<void> create_partitions(rd_kafka_t* rk, const std::string& topic,
                                                   int32_t total,
                                                   std::chrono::milliseconds timeout);

// The record_ref view of a consumed message. Parses the headers (librdkafka: once when there
// are some; for a record without headers every rd_kafka_message_headers call parses again,
// so later code asks record_ref::has_headers instead).
record_ref to_ref(rd_kafka_message_t* m);
// The same without looking at headers: bytes = key + value only, no origin_header.
record_ref to_ref_without_headers(rd_kafka_message_t* m);

}  // namespace tandem::engine::rdk
