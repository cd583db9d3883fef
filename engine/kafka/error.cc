#include "engine/kafka/error.h"

#include <utility>

namespace tandem::engine {

std::string_view to_string(kafka_errc code) {
  switch (code) {
    case kafka_errc::other: return "";
    case kafka_errc::bad_msg: return "_BAD_MSG";
    case kafka_errc::destroy: return "_DESTROY";
    case kafka_errc::transport: return "_TRANSPORT";
    case kafka_errc::resolve: return "_RESOLVE";
    case kafka_errc::msg_timed_out: return "_MSG_TIMED_OUT";
    case kafka_errc::partition_eof: return "_PARTITION_EOF";
    case kafka_errc::unknown_partition: return "_UNKNOWN_PARTITION";
    case kafka_errc::unknown_topic: return "_UNKNOWN_TOPIC";
    case kafka_errc::all_brokers_down: return "_ALL_BROKERS_DOWN";
    case kafka_errc::invalid_arg: return "_INVALID_ARG";
    case kafka_errc::timed_out: return "_TIMED_OUT";
    case kafka_errc::queue_full: return "_QUEUE_FULL";
    case kafka_errc::ssl: return "_SSL";
    case kafka_errc::unknown_group: return "_UNKNOWN_GROUP";
    case kafka_errc::state: return "_STATE";
    case kafka_errc::authentication: return "_AUTHENTICATION";
    case kafka_errc::purge_queue: return "_PURGE_QUEUE";
    case kafka_errc::purge_inflight: return "_PURGE_INFLIGHT";
    case kafka_errc::fatal: return "_FATAL";
    case kafka_errc::cancelled: return "_CANCELLED";
    case kafka_errc::offset_out_of_range: return "OFFSET_OUT_OF_RANGE";
    case kafka_errc::unknown_topic_or_part: return "UNKNOWN_TOPIC_OR_PART";
    case kafka_errc::leader_not_available: return "LEADER_NOT_AVAILABLE";
    case kafka_errc::not_leader_for_partition: return "NOT_LEADER_FOR_PARTITION";
    case kafka_errc::request_timed_out: return "REQUEST_TIMED_OUT";
    case kafka_errc::msg_size_too_large: return "MSG_SIZE_TOO_LARGE";
    case kafka_errc::network_exception: return "NETWORK_EXCEPTION";
    case kafka_errc::coordinator_load_in_progress: return "COORDINATOR_LOAD_IN_PROGRESS";
    case kafka_errc::coordinator_not_available: return "COORDINATOR_NOT_AVAILABLE";
    case kafka_errc::not_coordinator: return "NOT_COORDINATOR";
    case kafka_errc::record_list_too_large: return "RECORD_LIST_TOO_LARGE";
    case kafka_errc::not_enough_replicas: return "NOT_ENOUGH_REPLICAS";
    case kafka_errc::not_enough_replicas_after_append: return "NOT_ENOUGH_REPLICAS_AFTER_APPEND";
    case kafka_errc::unknown_member_id: return "UNKNOWN_MEMBER_ID";
    case kafka_errc::rebalance_in_progress: return "REBALANCE_IN_PROGRESS";
    case kafka_errc::topic_authorization_failed: return "TOPIC_AUTHORIZATION_FAILED";
    case kafka_errc::group_authorization_failed: return "GROUP_AUTHORIZATION_FAILED";
    case kafka_errc::cluster_authorization_failed: return "CLUSTER_AUTHORIZATION_FAILED";
    case kafka_errc::topic_already_exists: return "TOPIC_ALREADY_EXISTS";
    case kafka_errc::invalid_partitions: return "INVALID_PARTITIONS";
    case kafka_errc::invalid_replication_factor: return "INVALID_REPLICATION_FACTOR";
    case kafka_errc::invalid_config: return "INVALID_CONFIG";
    case kafka_errc::policy_violation: return "POLICY_VIOLATION";
    case kafka_errc::out_of_order_sequence_number: return "OUT_OF_ORDER_SEQUENCE_NUMBER";
    case kafka_errc::invalid_producer_epoch: return "INVALID_PRODUCER_EPOCH";
    case kafka_errc::sasl_authentication_failed: return "SASL_AUTHENTICATION_FAILED";
    case kafka_errc::unknown_producer_id: return "UNKNOWN_PRODUCER_ID";
    case kafka_errc::non_empty_group: return "NON_EMPTY_GROUP";
    case kafka_errc::group_id_not_found: return "GROUP_ID_NOT_FOUND";
    case kafka_errc::invalid_msg: return "INVALID_MSG";
    case kafka_errc::invalid_timestamp: return "INVALID_TIMESTAMP";
    case kafka_errc::invalid_record: return "INVALID_RECORD";
  }
  return "";
}

kafka_error make_kafka_error(kafka_errc code, std::string message, error_kind kind) {
  return {code, std::string(to_string(code)), std::move(message), kind};
}

std::string to_string(const kafka_error& e) { return e.name + ": " + e.message; }

}  // namespace tandem::engine
