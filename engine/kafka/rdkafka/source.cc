// record_source over a librdkafka consumer with manual partition assignment.
#include <cstring>
#include <set>
#include <utility>

#include "engine/kafka/rdkafka/client.h"
#include "engine/kafka/rdkafka/common.h"

namespace tandem::engine {
namespace {

using rdk::partition_list;
using rdk::queue_ptr;

partition_list to_list(std::span<const partition_position> ps) {
  partition_list l(rd_kafka_topic_partition_list_new(static_cast<int>(ps.size())));
  for (const auto& p : ps)
    rd_kafka_topic_partition_list_add(l.get(), p.topic.c_str(), p.partition)->offset = p.offset;
  return l;
}

class rdkafka_source final : public record_source {
 public:
  explicit rdkafka_source(rdk::handle rk)
      : rk_(std::move(rk)), queue_(rd_kafka_queue_get_consumer(rk_.get())) {}

  ~rdkafka_source() override {
    queue_.reset();
    rd_kafka_consumer_close(rk_.get());
  }

  kafka_result<std::vector<topic_info>> list_topics(std::chrono::milliseconds timeout) override {
    return rdk::list_topics(rk_.get(), timeout);
  }

  kafka_result<topic_configs> describe_configs(const std::string& topic,
                                               std::chrono::milliseconds timeout) override;

  kafka_result<void> assign(std::span<const partition_position> add) override {
    if (add.empty()) return {};
    auto list = to_list(add);
    return taken(rd_kafka_incremental_assign(rk_.get(), list.get()));
  }

  kafka_result<void> seek(std::span<const partition_position> positions) override {
    if (positions.empty()) return {};
    if (auto ok = restart_stopped(positions); !ok) return ok;
    std::vector<partition_position> rest;
    for (const auto& p : positions)
      if (!stopped_.erase({p.topic, p.partition})) rest.push_back(p);
    if (rest.empty()) return {};
    auto list = to_list(rest);
    if (auto ok = taken(rd_kafka_seek_partitions(rk_.get(), list.get(), 5000)); !ok) return ok;
    for (int i = 0; i < list->cnt; ++i)
      if (list->elems[i].err) return std::unexpected(rdk::to_error(list->elems[i].err));
    return {};
  }

  void poll(std::vector<record_ref>& out, size_t max, std::chrono::milliseconds timeout) override {
    if (max == 0) return;
    // rd_kafka_consume_batch_queue waits until the batch is FULL or the timeout passes, which
    // at low rates would delay every record by the timeout. So: wait for the first record
    // only, then take whatever else is already queued without waiting.
    rd_kafka_message_t* first = rd_kafka_consume_queue(queue_.get(), static_cast<int>(timeout.count()));
    if (!first) return;
    take(first, out);
    batch_.resize(max - 1);
    ssize_t n = max > 1 ? rd_kafka_consume_batch_queue(queue_.get(), 0, batch_.data(), max - 1) : 0;
    for (ssize_t i = 0; i < n; ++i) take(batch_[i], out);
  }

  // Consumer-level events (broker down, partition EOF) are not records: librdkafka retries by
  // itself and logs them through the log callback. An out-of-range position is kept for
  // take_out_of_range: with auto.offset.reset=error librdkafka reports it
  // (_AUTO_OFFSET_RESET, with the refused offset) and stops fetching the partition.
  void take(rd_kafka_message_t* m, std::vector<record_ref>& out) {
    if (m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
        m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) {
      if (m->rkt) {
        std::string topic = rd_kafka_topic_name(m->rkt);
        stopped_.insert({topic, m->partition});
        out_of_range_.push_back({std::move(topic), m->partition, m->offset});
      }
    }
    if (m->err) {
      rd_kafka_message_destroy(m);
      return;
    }
    out.push_back(rdk::to_ref(m));
  }

  std::vector<partition_position> take_out_of_range() override {
    return std::exchange(out_of_range_, {});
  }

  kafka_result<watermarks> query_watermarks(const std::string& topic, int32_t partition,
                                            std::chrono::milliseconds timeout) override {
    return rdk::query_watermarks(rk_.get(), topic, partition, timeout);
  }

  void release(const record_ref& r) override {
    rd_kafka_message_destroy(static_cast<rd_kafka_message_t*>(r.impl));
  }

  kafka_result<void> commit(std::span<const partition_position> positions) override {
    if (positions.empty()) return {};
    auto list = to_list(positions);
    rd_kafka_resp_err_t err = rd_kafka_commit(rk_.get(), list.get(), 1 /* async */);
    if (err) return std::unexpected(rdk::to_error(err));
    return {};
  }

  kafka_result<std::vector<partition_position>> committed(
      std::span<const partition_position> partitions, std::chrono::milliseconds timeout) override {
    auto list = to_list(partitions);
    rd_kafka_resp_err_t err =
        rd_kafka_committed(rk_.get(), list.get(), static_cast<int>(timeout.count()));
    if (err) return std::unexpected(rdk::to_error(err));
    std::vector<partition_position> out(partitions.begin(), partitions.end());
    for (int i = 0; i < list->cnt; ++i) {
      const auto& e = list->elems[i];
      out[i].offset = e.err ? -1 : e.offset;  // RD_KAFKA_OFFSET_INVALID (-1001) stays < 0
    }
    return out;
  }

  watermarks partition_watermarks(const std::string& topic, int32_t partition) override {
    watermarks w;
    if (rd_kafka_get_watermark_offsets(rk_.get(), topic.c_str(), partition, &w.low, &w.high))
      return {};
    return w;
  }

 private:
  // A partition stopped by an out-of-range error has no fetch position left to seek from:
  // it is unassigned and assigned again at the new position.
  kafka_result<void> restart_stopped(std::span<const partition_position> positions) {
    std::vector<partition_position> again;
    for (const auto& p : positions)
      if (stopped_.count({p.topic, p.partition})) again.push_back(p);
    if (again.empty()) return {};
    auto list = to_list(again);
    if (auto ok = taken(rd_kafka_incremental_unassign(rk_.get(), list.get())); !ok) return ok;
    return taken(rd_kafka_incremental_assign(rk_.get(), list.get()));
  }

  // The error librdkafka returned (and frees here), if any.
  static kafka_result<void> taken(rd_kafka_error_t* e) {
    if (!e) return {};
    kafka_error err = rdk::to_error(e);
    rd_kafka_error_destroy(e);
    return std::unexpected(std::move(err));
  }

  rdk::handle rk_;
  queue_ptr queue_;
  std::vector<rd_kafka_message_t*> batch_;
  std::vector<partition_position> out_of_range_;       // not yet taken
  std::set<std::pair<std::string, int32_t>> stopped_;  // out of range, not fetching
};

kafka_result<topic_configs> rdkafka_source::describe_configs(const std::string& topic,
                                                             std::chrono::milliseconds timeout) {
  rd_kafka_ConfigResource_t* res = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
  queue_ptr q(rd_kafka_queue_new(rk_.get()));
  rd_kafka_DescribeConfigs(rk_.get(), &res, 1, nullptr, q.get());
  rdk::event_ptr ev(rd_kafka_queue_poll(q.get(), static_cast<int>(timeout.count())));
  rd_kafka_ConfigResource_destroy(res);
  if (!ev)
    return std::unexpected(
        make_kafka_error(kafka_errc::timed_out, "DescribeConfigs timed out for topic " + topic));
  if (rd_kafka_event_error(ev.get()))
    return std::unexpected(
        rdk::to_error(rd_kafka_event_error(ev.get()), rd_kafka_event_error_string(ev.get())));
  topic_configs out;
  std::optional<kafka_error> failed;
  size_t nres = 0;
  const auto* rs = rd_kafka_DescribeConfigs_result_resources(
      rd_kafka_event_DescribeConfigs_result(ev.get()), &nres);
  for (size_t i = 0; i < nres; ++i) {
    if (rd_kafka_ConfigResource_error(rs[i])) {
      failed = rdk::to_error(rd_kafka_ConfigResource_error(rs[i]),
                             rd_kafka_ConfigResource_error_string(rs[i]));
      continue;
    }
    size_t nconf = 0;
    const auto* entries = rd_kafka_ConfigResource_configs(rs[i], &nconf);
    for (size_t j = 0; j < nconf; ++j) {
      const auto* e = entries[j];
      if (rd_kafka_ConfigEntry_source(e) != RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG) continue;
      const char* v = rd_kafka_ConfigEntry_value(e);
      if (v && !rd_kafka_ConfigEntry_is_sensitive(e)) out[rd_kafka_ConfigEntry_name(e)] = v;
    }
  }
  if (failed) return std::unexpected(std::move(*failed));
  return out;
}

}  // namespace

std::expected<std::unique_ptr<record_source>, std::string> make_rdkafka_source(
    const cluster_config& cluster, const client_options& options) {
  auto rk = rdk::make_client(RD_KAFKA_CONSUMER, cluster,
                             rdk::manual_consumer(options.client_id, options.group_id, {
      // Aborted transactional records are never replicated; they become source gaps.
      {"isolation.level", "read_committed"},
      // A position out of range is reported, never reset silently to the log start (which
      // copied a truncated partition again) or end: the flow decides (issue #10).
      {"auto.offset.reset", "error"},
      {"enable.partition.eof", "false"},
      {"fetch.wait.max.ms", "100"},
      {"queued.max.messages.kbytes", "65536"},
  }));
  if (!rk) return std::unexpected(rk.error());
  return std::make_unique<rdkafka_source>(std::move(*rk));
}

}  // namespace tandem::engine
