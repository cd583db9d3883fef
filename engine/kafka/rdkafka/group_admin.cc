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

void read_offsets(const rd_kafka_topic_partition_list_t* l, std::vector<group_offset>& out,
                  std::optional<kafka_error>& first_error) {
  if (!l) return;
  for (int i = 0; i < l->cnt; ++i) {
    const rd_kafka_topic_partition_t& e = l->elems[i];
    if (e.err) {
      if (!first_error)
        first_error = rdk::to_error(e.err, std::string("committed offset of ") + e.topic + "/" +
                                               std::to_string(e.partition) + ": " +
                                               rd_kafka_err2str(e.err));
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
    out.push_back(std::move(o));
  }
}

class rdkafka_group_admin final : public group_admin {
 public:
  rdkafka_group_admin(rdk::handle rk, const std::atomic<bool>* cancel)
      : rk_(std::move(rk)), cancel_(cancel) {}

  std::optional<kafka_error> list_groups(std::vector<group_listing>& out,
                                         std::chrono::milliseconds timeout) override {
    out.clear();
    queue_ptr q(rd_kafka_queue_new(rk_.get()));
    rd_kafka_ListConsumerGroups(rk_.get(), options(timeout).get(), q.get());
    auto ev = wait(q.get(), timeout, "list consumer groups");
    if (!ev) return ev.error();
    const auto* res = rd_kafka_event_ListConsumerGroups_result(ev->get());
    size_t n = 0;
    const rd_kafka_ConsumerGroupListing_t** groups =
        rd_kafka_ListConsumerGroups_result_valid(res, &n);
    for (size_t i = 0; i < n; ++i)
      out.push_back({rd_kafka_ConsumerGroupListing_group_id(groups[i]),
                     to_state(rd_kafka_ConsumerGroupListing_state(groups[i]))});
    size_t nerr = 0;
    const rd_kafka_error_t** errors = rd_kafka_ListConsumerGroups_result_errors(res, &nerr);
    if (nerr > 0) return rdk::to_error(errors[0]);  // a broker did not answer: `out` is partial
    return std::nullopt;
  }

  std::optional<kafka_error> describe_group(const std::string& group, group_state& out,
                                            std::chrono::milliseconds timeout) override {
    queue_ptr q(rd_kafka_queue_new(rk_.get()));
    const char* name = group.c_str();
    rd_kafka_DescribeConsumerGroups(rk_.get(), &name, 1, options(timeout).get(), q.get());
    auto ev = wait(q.get(), timeout, "describe group " + group);
    if (!ev) return ev.error();
    size_t n = 0;
    const rd_kafka_ConsumerGroupDescription_t** d = rd_kafka_DescribeConsumerGroups_result_groups(
        rd_kafka_event_DescribeConsumerGroups_result(ev->get()), &n);
    if (n != 1) return kafka_error{"_BAD_MSG", "describe group " + group + ": no result"};
    if (const rd_kafka_error_t* e = rd_kafka_ConsumerGroupDescription_error(d[0])) {
      if (rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) {
        out = group_state::absent;
        return std::nullopt;
      }
      return rdk::to_error(e);
    }
    out = to_state(rd_kafka_ConsumerGroupDescription_state(d[0]));
    return std::nullopt;
  }

  std::optional<kafka_error> committed_offsets(const std::string& group,
                                               std::vector<group_offset>& out,
                                               std::chrono::milliseconds timeout) override {
    out.clear();
    queue_ptr q(rd_kafka_queue_new(rk_.get()));
    // NULL partitions: every partition the group has an offset for.
    rd_kafka_ListConsumerGroupOffsets_t* req =
        rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), nullptr);
    rd_kafka_ListConsumerGroupOffsets(rk_.get(), &req, 1, options(timeout).get(), q.get());
    rd_kafka_ListConsumerGroupOffsets_destroy(req);
    auto ev = wait(q.get(), timeout, "committed offsets of group " + group);
    if (!ev) return ev.error();
    size_t n = 0;
    const rd_kafka_group_result_t** gr = rd_kafka_ListConsumerGroupOffsets_result_groups(
        rd_kafka_event_ListConsumerGroupOffsets_result(ev->get()), &n);
    if (n != 1) return kafka_error{"_BAD_MSG", "committed offsets of group " + group + ": no result"};
    if (const rd_kafka_error_t* e = rd_kafka_group_result_error(gr[0])) {
      if (rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) return std::nullopt;
      return rdk::to_error(e);
    }
    std::optional<kafka_error> first_error;
    read_offsets(rd_kafka_group_result_partitions(gr[0]), out, first_error);
    return first_error;
  }

  std::optional<kafka_error> alter_offsets(const std::string& group,
                                           std::span<const group_offset> offsets,
                                           std::chrono::milliseconds timeout) override {
    if (offsets.empty()) return std::nullopt;
    rdk::partition_list list(
        rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
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
    queue_ptr q(rd_kafka_queue_new(rk_.get()));
    rd_kafka_AlterConsumerGroupOffsets_t* req =
        rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get());
    rd_kafka_AlterConsumerGroupOffsets(rk_.get(), &req, 1, options(timeout).get(), q.get());
    rd_kafka_AlterConsumerGroupOffsets_destroy(req);
    auto ev = wait(q.get(), timeout, "commit offsets of group " + group);
    if (!ev) return ev.error();
    size_t n = 0;
    const rd_kafka_group_result_t** gr = rd_kafka_AlterConsumerGroupOffsets_result_groups(
        rd_kafka_event_AlterConsumerGroupOffsets_result(ev->get()), &n);
    if (n != 1) return kafka_error{"_BAD_MSG", "commit offsets of group " + group + ": no result"};
    if (const rd_kafka_error_t* e = rd_kafka_group_result_error(gr[0])) return rdk::to_error(e);
    if (const auto* l = rd_kafka_group_result_partitions(gr[0]))
      for (int i = 0; i < l->cnt; ++i)
        if (l->elems[i].err)
          return rdk::to_error(l->elems[i].err,
                               "commit offsets of group " + group + " " + l->elems[i].topic + "/" +
                                   std::to_string(l->elems[i].partition) + ": " +
                                   rd_kafka_err2str(l->elems[i].err));
    return std::nullopt;
  }

  std::optional<kafka_error> log_start(const std::string& topic, int32_t partition, int64_t& out,
                                       std::chrono::milliseconds timeout) override {
    int64_t low = -1, high = -1;
    rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
        rk_.get(), topic.c_str(), partition, &low, &high, static_cast<int>(timeout.count()));
    if (err)
      return rdk::to_error(err, "log start of " + topic + "/" + std::to_string(partition) + ": " +
                                    rd_kafka_err2str(err));
    out = low;
    return std::nullopt;
  }

 private:
  std::unique_ptr<rd_kafka_AdminOptions_t, options_deleter> options(
      std::chrono::milliseconds timeout) {
    std::unique_ptr<rd_kafka_AdminOptions_t, options_deleter> o(
        rd_kafka_AdminOptions_new(rk_.get(), RD_KAFKA_ADMIN_OP_ANY));
    char err[256];
    rd_kafka_AdminOptions_set_request_timeout(o.get(), static_cast<int>(timeout.count()), err,
                                              sizeof err);
    return o;
  }

  // The result event of one request: polled in short slices so that a stop request (cancel)
  // is seen within 100 ms. The request-level error, if any, becomes the error.
  std::expected<event_ptr, kafka_error> wait(rd_kafka_queue_t* q, std::chrono::milliseconds timeout,
                                             const std::string& what) {
    auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (cancel_ && cancel_->load())
        return std::unexpected(kafka_error{"_CANCELLED", what + ": cancelled (shutting down)"});
      if (rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 100)) {
        event_ptr e(ev);
        if (rd_kafka_event_error(ev))
          return std::unexpected(rdk::to_error(
              rd_kafka_event_error(ev), what + ": " + rd_kafka_event_error_string(ev)));
        return e;
      }
      if (std::chrono::steady_clock::now() >= until)
        return std::unexpected(kafka_error{"_TIMED_OUT", what + " timed out"});
    }
  }

  rdk::handle rk_;
  const std::atomic<bool>* cancel_;
};

}  // namespace

std::expected<std::unique_ptr<group_admin>, std::string> make_rdkafka_group_admin(
    const cluster_config& cluster, const client_options& options,
    const std::atomic<bool>* cancel) {
  auto conf = rdk::make_conf(cluster, {{"client.id", options.client_id}});
  if (!conf) return std::unexpected(conf.error());
  // A producer handle: the lightest client that can send admin requests (no group membership).
  auto rk = rdk::make_handle(RD_KAFKA_PRODUCER, *conf);
  if (!rk) return std::unexpected(rk.error());
  return std::make_unique<rdkafka_group_admin>(std::move(*rk), cancel);
}

}  // namespace tandem::engine
