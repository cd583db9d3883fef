// The one error type of the Kafka seam (engine/kafka/seam.h, state_reader.h). Std only: the
// librdkafka adapter (engine/kafka/rdkafka/errors.cc) is the only code that maps librdkafka's
// rd_kafka_resp_err_t to a kafka_errc and classifies it; fakes build errors with
// make_kafka_error.
//
//   librdkafka rd_kafka_resp_err_t / rd_kafka_error_t
//        │ rdk::to_error: code (enum), name (rd_kafka_err2name), message, kind
//        v
//   kafka_error ──> callers compare `code` with kafka_errc values and ask retriable();
//                   `name` is the Prometheus `code` label value and the code in log lines.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace tandem::engine {

// The Kafka error codes tandem acts on or may see: librdkafka's names without the
// RD_KAFKA_RESP_ERR_ prefix (local ones without their leading underscore). Any other code is
// `other`; its name still says which one it is.
enum class kafka_errc {
  other,
  // Local (client-side) errors: librdkafka names them with a leading underscore.
  bad_msg,           // _BAD_MSG
  destroy,           // _DESTROY
  transport,         // _TRANSPORT
  resolve,           // _RESOLVE
  msg_timed_out,     // _MSG_TIMED_OUT
  partition_eof,     // _PARTITION_EOF
  unknown_partition, // _UNKNOWN_PARTITION
  unknown_topic,     // _UNKNOWN_TOPIC
  all_brokers_down,  // _ALL_BROKERS_DOWN
  invalid_arg,       // _INVALID_ARG
  timed_out,         // _TIMED_OUT
  queue_full,        // _QUEUE_FULL
  ssl,               // _SSL
  unknown_group,     // _UNKNOWN_GROUP
  state,             // _STATE
  authentication,    // _AUTHENTICATION
  purge_queue,       // _PURGE_QUEUE
  purge_inflight,    // _PURGE_INFLIGHT
  fatal,             // _FATAL
  cancelled,         // _CANCELLED: tandem's own (a request given up because tandem stops)
  // Broker errors.
  offset_out_of_range,
  unknown_topic_or_part,
  leader_not_available,
  not_leader_for_partition,  // also known as NOT_LEADER_OR_FOLLOWER
  request_timed_out,
  msg_size_too_large,
  network_exception,
  coordinator_load_in_progress,
  coordinator_not_available,
  not_coordinator,
  record_list_too_large,
  not_enough_replicas,
  not_enough_replicas_after_append,
  unknown_member_id,
  rebalance_in_progress,
  topic_authorization_failed,
  group_authorization_failed,
  cluster_authorization_failed,
  topic_already_exists,
  invalid_partitions,
  invalid_replication_factor,
  invalid_config,
  policy_violation,
  out_of_order_sequence_number,
  invalid_producer_epoch,
  sasl_authentication_failed,
  unknown_producer_id,
  non_empty_group,
  group_id_not_found,
  invalid_msg,        // Kafka's CORRUPT_MESSAGE
  invalid_timestamp,  // a timestamp outside the topic's message.timestamp.*.max.ms bounds
  invalid_record,
};

// The code's name as librdkafka spells it ("_QUEUE_FULL", "MSG_SIZE_TOO_LARGE"); "" for other.
std::string_view to_string(kafka_errc code);

// What retrying the same request can do.
enum class error_kind {
  retriable,  // may succeed later (cluster unreachable, queue full, leader moving, ...)
  permanent,  // cannot succeed as asked (record too large, not authorized, bad config, ...)
  fatal,      // the client cannot continue (e.g. the idempotent producer lost its state)
};

struct kafka_error {
  kafka_errc code = kafka_errc::other;
  // The client's code name ("MSG_SIZE_TOO_LARGE"): the Prometheus `code` label value and the
  // code in log lines. to_string(code) unless code is other.
  std::string name;
  std::string message;  // human text
  error_kind kind = error_kind::retriable;

  bool retriable() const { return kind == error_kind::retriable; }
  bool is(kafka_errc c) const { return code == c; }
};

// What a fallible Kafka call returns: its value (void: none) or its error.
template <class T>
using kafka_result = std::expected<T, kafka_error>;

// An error of `code` named as librdkafka names it: for errors tandem states itself (a request
// timed out or cancelled) and for fakes.
kafka_error make_kafka_error(kafka_errc code, std::string message,
                             error_kind kind = error_kind::retriable);

// "NAME: message", as log lines and tools print an error.
std::string to_string(const kafka_error& e);

}  // namespace tandem::engine
