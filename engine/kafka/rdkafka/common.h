// Shared pieces of the librdkafka adapter (internal to engine/rdkafka_*.cc).
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

// A conf with bootstrap.servers, then `defaults`, then the cluster's passthrough (which wins).
// Error names the property (never its value: it may be a secret) and librdkafka's reason.
std::expected<rd_kafka_conf_t*, std::string> make_conf(const cluster_config& cluster,
                                                       std::initializer_list<property> defaults);

// Creates the client; on error the conf is destroyed and the message says why.
std::expected<handle, std::string> make_handle(rd_kafka_type_t type, rd_kafka_conf_t* conf);

kafka_error to_error(rd_kafka_resp_err_t err, std::string message = {});
kafka_error to_error(const rd_kafka_error_t* err);

// Every topic of the cluster with its partition count.
std::optional<kafka_error> list_topics(rd_kafka_t* rk, std::vector<topic_info>& out,
                                       std::chrono::milliseconds timeout);

// The record_ref view of a consumed message. Parses the headers (librdkafka: once when there
// are some; for a record without headers every rd_kafka_message_headers call parses again,
// so later code asks record_ref::has_headers instead).
record_ref to_ref(rd_kafka_message_t* m);
// The same without looking at headers: bytes = key + value only, no origin_header.
record_ref to_ref_without_headers(rd_kafka_message_t* m);

}  // namespace tandem::engine::rdk
