#include "engine/kafka/rdkafka/errors.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace tandem::engine::rdk {
namespace {

struct named_code {
  rd_kafka_resp_err_t err;
  kafka_errc code;
};

// Every kafka_errc but other and cancelled (tandem's own), with its librdkafka code.
constexpr named_code k_codes[] = {
    {RD_KAFKA_RESP_ERR__BAD_MSG, kafka_errc::bad_msg},
    {RD_KAFKA_RESP_ERR__DESTROY, kafka_errc::destroy},
    {RD_KAFKA_RESP_ERR__TRANSPORT, kafka_errc::transport},
    {RD_KAFKA_RESP_ERR__RESOLVE, kafka_errc::resolve},
    {RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, kafka_errc::msg_timed_out},
    {RD_KAFKA_RESP_ERR__PARTITION_EOF, kafka_errc::partition_eof},
    {RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION, kafka_errc::unknown_partition},
    {RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC, kafka_errc::unknown_topic},
    {RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, kafka_errc::all_brokers_down},
    {RD_KAFKA_RESP_ERR__INVALID_ARG, kafka_errc::invalid_arg},
    {RD_KAFKA_RESP_ERR__TIMED_OUT, kafka_errc::timed_out},
    {RD_KAFKA_RESP_ERR__QUEUE_FULL, kafka_errc::queue_full},
    {RD_KAFKA_RESP_ERR__SSL, kafka_errc::ssl},
    {RD_KAFKA_RESP_ERR__UNKNOWN_GROUP, kafka_errc::unknown_group},
    {RD_KAFKA_RESP_ERR__STATE, kafka_errc::state},
    {RD_KAFKA_RESP_ERR__AUTHENTICATION, kafka_errc::authentication},
    {RD_KAFKA_RESP_ERR__PURGE_QUEUE, kafka_errc::purge_queue},
    {RD_KAFKA_RESP_ERR__PURGE_INFLIGHT, kafka_errc::purge_inflight},
    {RD_KAFKA_RESP_ERR__FATAL, kafka_errc::fatal},
    {RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE, kafka_errc::offset_out_of_range},
    {RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, kafka_errc::unknown_topic_or_part},
    {RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, kafka_errc::leader_not_available},
    {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, kafka_errc::not_leader_for_partition},
    {RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, kafka_errc::request_timed_out},
    {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, kafka_errc::msg_size_too_large},
    {RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION, kafka_errc::network_exception},
    {RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS, kafka_errc::coordinator_load_in_progress},
    {RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, kafka_errc::coordinator_not_available},
    {RD_KAFKA_RESP_ERR_NOT_COORDINATOR, kafka_errc::not_coordinator},
    {RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE, kafka_errc::record_list_too_large},
    {RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, kafka_errc::not_enough_replicas},
    {RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
     kafka_errc::not_enough_replicas_after_append},
    {RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID, kafka_errc::unknown_member_id},
    {RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS, kafka_errc::rebalance_in_progress},
    {RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, kafka_errc::topic_authorization_failed},
    {RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED, kafka_errc::group_authorization_failed},
    {RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED, kafka_errc::cluster_authorization_failed},
    {RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS, kafka_errc::topic_already_exists},
    {RD_KAFKA_RESP_ERR_INVALID_PARTITIONS, kafka_errc::invalid_partitions},
    {RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR, kafka_errc::invalid_replication_factor},
    {RD_KAFKA_RESP_ERR_INVALID_CONFIG, kafka_errc::invalid_config},
    {RD_KAFKA_RESP_ERR_POLICY_VIOLATION, kafka_errc::policy_violation},
    {RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, kafka_errc::out_of_order_sequence_number},
    {RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH, kafka_errc::invalid_producer_epoch},
    {RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED, kafka_errc::sasl_authentication_failed},
    {RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID, kafka_errc::unknown_producer_id},
    {RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP, kafka_errc::non_empty_group},
    {RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND, kafka_errc::group_id_not_found},
    {RD_KAFKA_RESP_ERR_INVALID_MSG, kafka_errc::invalid_msg},
    {RD_KAFKA_RESP_ERR_INVALID_TIMESTAMP, kafka_errc::invalid_timestamp},
    {RD_KAFKA_RESP_ERR_INVALID_RECORD, kafka_errc::invalid_record},
};

}  // namespace

kafka_errc to_errc(rd_kafka_resp_err_t err) {
  auto it = std::find_if(std::begin(k_codes), std::end(k_codes),
                         [err](const named_code& c) { return c.err == err; });
  return it == std::end(k_codes) ? kafka_errc::other : it->code;
}

error_kind classify(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__FATAL:
      return error_kind::fatal;
    // The same record is refused again however often it is sent: the topic pauses (the flow
    // keeps its position before the record) instead of restarting in a loop (issue #10).
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR_INVALID_TIMESTAMP:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
      return error_kind::permanent;
    default:
      return error_kind::retriable;
  }
}

kafka_error to_error(rd_kafka_resp_err_t err, std::string message) {
  return {to_errc(err), rd_kafka_err2name(err),
          message.empty() ? std::string(rd_kafka_err2str(err)) : std::move(message),
          classify(err)};
}

kafka_error to_error(const rd_kafka_error_t* err) {
  kafka_error e = to_error(rd_kafka_error_code(err), rd_kafka_error_string(err));
  // librdkafka sets these flags only where it knows (the producer's and the transactional
  // APIs); an error without any keeps the code's classification.
  if (rd_kafka_error_is_fatal(err))
    e.kind = error_kind::fatal;
  else if (rd_kafka_error_is_retriable(err))
    e.kind = error_kind::retriable;
  else if (rd_kafka_error_txn_requires_abort(err))
    e.kind = error_kind::permanent;
  return e;
}

}  // namespace tandem::engine::rdk
