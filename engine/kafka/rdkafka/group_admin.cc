// group_admin over librdkafka's Admin API (librdkafka >= 2.0: ListConsumerGroups,
// DescribeConsumerGroups, ListConsumerGroupOffsets, AlterConsumerGroupOffsets).
//
// Never against librdkafka's mock cluster: it hangs on DescribeConsumerGroups
// (docs/kafka-local.md). Unit tests use tests/fakes/fake_kafka.h instead.
//
// Leader epochs: librdkafka 2.0.2 has no accessor for a partition's leader epoch, so
// committed_offsets never reports one and alter_offsets always commits without one (the broker
// stores -1). With librdkafka >= 2.1 both pass the field through.
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "engine/kafka/rdkafka/client.h"
#include "engine/kafka/rdkafka/common.h"

namespace tandem::engine {
namespace {

using rdk::event_ptr;
using rdk::queue_ptr;

struct options_deleter {
  void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
};

group_state to_state(rd_kafka_consumer_group_state_t s) {
  switch (s) {
    case RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY: return group_state::empty;
    case RD_KAFKA_CONSUMER_GROUP_STATE_STABLE: return group_state::stable;
    case RD_KAFKA_CONSUMER_GROUP_STATE_PREPARING_REBALANCE:
      return group_state::preparing_rebalance;
    case RD_KAFKA_CONSUMER_GROUP_STATE_COMPLETING_REBALANCE:
      return group_state::completing_rebalance;
    // Kafka describes a group it does not know as Dead; a dead group is being removed.
    case RD_KAFKA_CONSUMER_GROUP_STATE_DEAD: return group_state::absent;
    default: return group_state::unknown;
  }
}

// The committed offsets in `l`; the first partition error, if any, as the partial's failure.
partial<std::vector<group_offset>> read_offsets(const rd_kafka_topic_partition_list_t* l) {
  partial<std::vector<group_offset>> out;
  if (!l) return out;
  for (int i = 0; i < l->cnt; ++i) {
    const rd_kafka_topic_partition_t& e = l->elems[i];
    if (e.err) {
      if (!out.first_failure)
        out.first_failure =
            rdk::to_error(e.err, std::string("committed offset of ") + e.topic + "/" +
                                     std::to_string(e.partition) + ": " + rd_kafka_err2str(e.err));
      continue;
    }
    if (e.offset < 0) continue;  // no committed offset (RD_KAFKA_OFFSET_INVALID)
    group_offset o{e.topic, e.partition, e.offset, std::nullopt, {}};
    if (e.metadata && e.metadata_size > 0)
      o.metadata.assign(static_cast<const char*>(e.metadata), e.metadata_size);
#if RD_KAFKA_VERSION >= 0x020100ff
    int32_t epoch = rd_kafka_topic_partition_get_leader_epoch(&e);
    if (epoch >= 0) o.leader_epoch = epoch;
#endif
    out.value.push_back(std::move(o));
  }
  return out;
}

// A partition list of `offsets` with their metadata (and leader epochs where supported).
rdk::partition_list to_list(std::span<const group_offset> offsets) {
  rdk::partition_list list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& o : offsets) {
    rd_kafka_topic_partition_t* e =
        rd_kafka_topic_partition_list_add(list.get(), o.topic.c_str(), o.partition);
    e->offset = o.offset;
    if (!o.metadata.empty()) {
      // Freed with the list (librdkafka frees it with free()).
      e->metadata = malloc(o.metadata.size());
      if (e->metadata) {
        memcpy(e->metadata, o.metadata.data(), o.metadata.size());
        e->metadata_size = o.metadata.size();
      }
    }
#if RD_KAFKA_VERSION >= 0x020100ff
    if (o.leader_epoch) rd_kafka_topic_partition_set_leader_epoch(e, *o.leader_epoch);
#endif
  }
  return list;
}

// The one group result of a request about one group: `ev` is its result event (or error),
// read with the request's accessors; `what` names the request in errors.
template <class Result>
kafka_result<const rd_kafka_group_result_t*> one_group(
    const kafka_result<event_ptr>& ev, const Result* (*result_of)(rd_kafka_event_t*),
    const rd_kafka_group_result_t** (*groups_of)(const Result*, size_t*), const std::string& what) {
  if (!ev) return std::unexpected(ev.error());
  size_t n = 0;
  const rd_kafka_group_result_t** gr = groups_of(result_of(ev->get()), &n);
  if (n != 1) return std::unexpected(make_kafka_error(kafka_errc::bad_msg, what + ": no result"));
  return gr[0];
}

bool group_not_found(const rd_kafka_error_t* e) {
  return rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND;
}

class rdkafka_group_admin final : public group_admin {
 public:
  rdkafka_group_admin(rdk::handle rk, const std::atomic<bool>* cancel)
      : rk_(std::move(rk)), cancel_(cancel) {}

  kafka_result<partial<std::vector<group_listing>>> list_groups(
      std::chrono::milliseconds timeout) override {
    auto ev = request(timeout, "list consumer groups", [&](auto* o, auto* q) {
      rd_kafka_ListConsumerGroups(rk_.get(), o, q);
    });
    if (!ev) return std::unexpected(std::move(ev.error()));
    const auto* res = rd_kafka_event_ListConsumerGroups_result(ev->get());
    partial<std::vector<group_listing>> out;
    size_t n = 0;
    const rd_kafka_ConsumerGroupListing_t** groups =
        rd_kafka_ListConsumerGroups_result_valid(res, &n);
    for (size_t i = 0; i < n; ++i)
      out.value.push_back({rd_kafka_ConsumerGroupListing_group_id(groups[i]),
                           to_state(rd_kafka_ConsumerGroupListing_state(groups[i]))});
    size_t nerr = 0;
    const rd_kafka_error_t** errors = rd_kafka_ListConsumerGroups_result_errors(res, &nerr);
    if (nerr > 0) out.first_failure = rdk::to_error(errors[0]);  // a broker did not answer
    return out;
  }

  kafka_result<group_state> describe_group(const std::string& group,
                                           std::chrono::milliseconds timeout) override {
    const char* name = group.c_str();
    auto ev = request(timeout, "describe group " + group, [&](auto* o, auto* q) {
      rd_kafka_DescribeConsumerGroups(rk_.get(), &name, 1, o, q);
    });
    if (!ev) return std::unexpected(std::move(ev.error()));
    size_t n = 0;
    const rd_kafka_ConsumerGroupDescription_t** d = rd_kafka_DescribeConsumerGroups_result_groups(
        rd_kafka_event_DescribeConsumerGroups_result(ev->get()), &n);
    if (n != 1)
      return std::unexpected(
          make_kafka_error(kafka_errc::bad_msg, "describe group " + group + ": no result"));
    if (const rd_kafka_error_t* e = rd_kafka_ConsumerGroupDescription_error(d[0])) {
      if (group_not_found(e)) return group_state::absent;
      return std::unexpected(rdk::to_error(e));
    }
    return to_state(rd_kafka_ConsumerGroupDescription_state(d[0]));
  }

  kafka_result<partial<std::vector<group_offset>>> committed_offsets(
      const std::string& group, std::chrono::milliseconds timeout) override {
    const std::string what = "committed offsets of group " + group;
    auto ev = request(timeout, what, [&](auto* o, auto* q) {
      // NULL partitions: every partition the group has an offset for.
      rd_kafka_ListConsumerGroupOffsets_t* req =
          rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), nullptr);
      rd_kafka_ListConsumerGroupOffsets(rk_.get(), &req, 1, o, q);
      rd_kafka_ListConsumerGroupOffsets_destroy(req);
    });
    auto gr = one_group(ev, rd_kafka_event_ListConsumerGroupOffsets_result,
                        rd_kafka_ListConsumerGroupOffsets_result_groups, what);
    if (!gr) return std::unexpected(std::move(gr.error()));
    if (const rd_kafka_error_t* e = rd_kafka_group_result_error(*gr)) {
      if (group_not_found(e)) return partial<std::vector<group_offset>>{};
      return std::unexpected(rdk::to_error(e));
    }
    return read_offsets(rd_kafka_group_result_partitions(*gr));
  }

  kafka_result<void> alter_offsets(const std::string& group, std::span<const group_offset> offsets,
                                   std::chrono::milliseconds timeout) override {
    if (offsets.empty()) return {};
    const std::string what = "commit offsets of group " + group;
    rdk::partition_list list = to_list(offsets);
    auto ev = request(timeout, what, [&](auto* o, auto* q) {
      rd_kafka_AlterConsumerGroupOffsets_t* req =
          rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get());
      rd_kafka_AlterConsumerGroupOffsets(rk_.get(), &req, 1, o, q);
      rd_kafka_AlterConsumerGroupOffsets_destroy(req);
    });
    auto gr = one_group(ev, rd_kafka_event_AlterConsumerGroupOffsets_result,
                        rd_kafka_AlterConsumerGroupOffsets_result_groups, what);
    if (!gr) return std::unexpected(std::move(gr.error()));
    if (const rd_kafka_error_t* e = rd_kafka_group_result_error(*gr))
      return std::unexpected(rdk::to_error(e));
    if (const auto* l = rd_kafka_group_result_partitions(*gr))
      for (int i = 0; i < l->cnt; ++i)
        if (l->elems[i].err)
          return std::unexpected(rdk::to_error(
              l->elems[i].err, what + " " + l->elems[i].topic + "/" +
                                   std::to_string(l->elems[i].partition) + ": " +
                                   rd_kafka_err2str(l->elems[i].err)));
    return {};
  }

  kafka_result<watermarks> partition_bounds(const std::string& topic, int32_t partition,
                                            std::chrono::milliseconds timeout) override {
    return rdk::query_watermarks(rk_.get(), topic, partition, timeout);
  }

 private:
  using admin_options = std::unique_ptr<rd_kafka_AdminOptions_t, options_deleter>;

  // Sends one request (`send(options, queue)`) and waits for its result event: polled in short
  // slices so that a stop request (cancel) is seen within 100 ms. The request-level error, if
  // any, becomes the error.
  template <class Send>
  kafka_result<event_ptr> request(std::chrono::milliseconds timeout, const std::string& what,
                                  Send&& send) {
    queue_ptr q(rd_kafka_queue_new(rk_.get()));
    admin_options o(rd_kafka_AdminOptions_new(rk_.get(), RD_KAFKA_ADMIN_OP_ANY));
    char err[256];
    rd_kafka_AdminOptions_set_request_timeout(o.get(), static_cast<int>(timeout.count()), err,
                                              sizeof err);
    send(o.get(), q.get());
    auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (cancel_ && cancel_->load())
        return std::unexpected(
            make_kafka_error(kafka_errc::cancelled, what + ": cancelled (shutting down)"));
      if (rd_kafka_event_t* ev = rd_kafka_queue_poll(q.get(), 100)) {
        event_ptr e(ev);
        if (rd_kafka_event_error(ev))
          return std::unexpected(rdk::to_error(
              rd_kafka_event_error(ev), what + ": " + rd_kafka_event_error_string(ev)));
        return e;
      }
      if (std::chrono::steady_clock::now() >= until)
        return std::unexpected(make_kafka_error(kafka_errc::timed_out, what + " timed out"));
    }
  }

  rdk::handle rk_;
  const std::atomic<bool>* cancel_;
};

}  // namespace

std::expected<std::unique_ptr<group_admin>, std::string> make_rdkafka_group_admin(
    const cluster_config& cluster, const client_options& options,
    const std::atomic<bool>* cancel) {
  // A producer handle: the lightest client that can send admin requests (no group membership).
  auto rk = rdk::make_client(RD_KAFKA_PRODUCER, cluster, {{"client.id", options.client_id}});
  if (!rk) return std::unexpected(rk.error());
  return std::make_unique<rdkafka_group_admin>(std::move(*rk), cancel);
}

}  // namespace tandem::engine
