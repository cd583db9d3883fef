// The librdkafka implementation of the seam (engine/kafka/seam.h). The only engine code that
// includes librdkafka; the flow, topic sync and daemon see only record_source / record_sink.
//
// Forwarding without copies: a consumed rd_kafka_message_t stays alive until the delivery
// report of the record produced from it; the producer is handed its key and value buffers
// (no RD_KAFKA_MSG_F_COPY) and the source message as the produced message's opaque, and the
// delivery callback destroys it. Hence a sink must be destroyed (or flushed) before the source
// whose messages it holds: librdkafka's consumer waits for its messages on destruction.
#pragma once

#include <atomic>
#include <chrono>
#include <expected>
#include <memory>
#include <string>

#include "engine/config/config.h"
#include "engine/kafka/seam.h"
#include "engine/kafka/state_reader.h"

namespace tandem::engine {

// Client settings tandem chooses; the cluster's [librdkafka] passthrough is applied after them,
// so an operator can override any of them (e.g. linger.ms, compression.type).
struct client_options {
  std::string client_id;  // e.g. "tandem-east-from-west"
  std::string group_id;   // consumers only: the flow's group on the source cluster
};

// A consumer of the remote cluster. Error: a bad librdkafka property (named, value not shown).
std::expected<std::unique_ptr<record_source>, std::string> make_rdkafka_source(
    const cluster_config& cluster, const client_options& options);

// An idempotent producer (acks=all) into the local cluster, plus admin requests.
// `on_delivery` is called from poll()/flush() on the caller's thread.
std::expected<std::unique_ptr<record_sink>, std::string> make_rdkafka_sink(
    const cluster_config& cluster, const client_options& options, delivery_handler on_delivery);

// Consumer-group admin requests on `cluster` (a producer handle: no group membership). While
// `*cancel` is true (if given) every request fails with kafka_errc::cancelled within 100 ms: a
// stopping daemon does not wait for a slow cluster.
std::expected<std::unique_ptr<group_admin>, std::string> make_rdkafka_group_admin(
    const cluster_config& cluster, const client_options& options,
    const std::atomic<bool>* cancel = nullptr);

// An idempotent producer (acks=all) for tandem's own state records into `cluster`.
std::expected<std::unique_ptr<state_producer>, std::string> make_rdkafka_state_producer(
    const cluster_config& cluster, const client_options& options);

// A librdkafka consumer of `cluster` without a consumer group. While `*cancel` is true (if
// given) requests give up within about 100 ms. Error: a bad librdkafka property.
std::expected<std::unique_ptr<state_reader>, std::string> make_rdkafka_state_reader(
    const cluster_config& cluster, const std::string& client_id,
    const std::atomic<bool>* cancel = nullptr);

// The cluster id `cluster` reports in its metadata (rd_kafka_clusterid), asked within `timeout`
// by a short-lived client named `client_id`. Error: why there is none, e.g. no broker answered.
std::expected<std::string, std::string> fetch_cluster_id(const cluster_config& cluster,
                                                         const std::string& client_id,
                                                         std::chrono::milliseconds timeout);

}  // namespace tandem::engine
