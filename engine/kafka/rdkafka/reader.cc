// partition_reader over a librdkafka consumer: one partition assigned at a time, read with
// rd_kafka_consume_batch_queue, stopped at the end offset, at partition EOF at or past it, or
// after an idle period without records.
#include <chrono>
#include <vector>

#include "engine/kafka/rdkafka/common.h"
#include "engine/kafka/rdkafka/reader.h"
#include "loopguard/origin_header.h"

namespace tandem::engine {
namespace {

using rdk::partition_list;
using rdk::queue_ptr;
using clock = std::chrono::steady_clock;

constexpr size_t k_batch = 2048;
constexpr int k_poll_ms = 200;

std::optional<std::string_view> origin_header_of(rd_kafka_message_t* m) {
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
  const void* val = nullptr;
  size_t size = 0;
  if (rd_kafka_header_get_last(hdrs, loopguard::origin_header_key.data(), &val, &size) != 0)
    return std::nullopt;
  return loopguard::header_bytes(val, size);
}

class rdkafka_reader final : public partition_reader {
 public:
  explicit rdkafka_reader(rdk::handle rk)
      : rk_(std::move(rk)), queue_(rd_kafka_queue_get_consumer(rk_.get())) {}

  ~rdkafka_reader() override {
    rd_kafka_assign(rk_.get(), nullptr);
    queue_.reset();
    rd_kafka_consumer_close(rk_.get());
  }

  kafka_result<std::vector<topic_info>> list_topics(std::chrono::milliseconds timeout) override {
    return rdk::list_topics(rk_.get(), timeout);
  }

  kafka_result<watermarks> query_watermarks(const std::string& topic, int32_t partition,
                                            std::chrono::milliseconds timeout) override {
    return rdk::query_watermarks(rk_.get(), topic, partition, timeout);
  }

  kafka_result<range_read> read(const std::string& topic, int32_t partition, int64_t from,
                                int64_t to,
                                const std::function<void(std::span<const header_record>)>& visit,
                                std::chrono::milliseconds idle) override {
    range_read out{from, from >= to};
    if (out.complete) return out;
    partition_list list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = from;
    if (rd_kafka_resp_err_t err = rd_kafka_assign(rk_.get(), list.get()))
      return std::unexpected(rdk::to_error(err));
    auto result = consume(topic, partition, to, visit, idle, out);
    rd_kafka_assign(rk_.get(), nullptr);
    if (!result) return std::unexpected(std::move(result.error()));
    return out;
  }

 private:
  // Consumes the assigned partition until `to`, EOF at or past it, or `idle` without records.
  kafka_result<void> consume(const std::string& topic, int32_t partition, int64_t to,
                             const std::function<void(std::span<const header_record>)>& visit,
                             std::chrono::milliseconds idle, range_read& out) {
    auto last_progress = clock::now();
    std::vector<header_record> records;
    while (!out.complete) {
      ssize_t n = rd_kafka_consume_batch_queue(queue_.get(), k_poll_ms, batch_.data(), batch_.size());
      records.clear();
      std::optional<kafka_error> error;
      for (ssize_t i = 0; i < n; ++i) {
        rd_kafka_message_t* m = batch_[i];
        if (m->rkt && (m->partition != partition || topic != rd_kafka_topic_name(m->rkt))) {
          continue;  // left over from a previous assignment
        }
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          if (m->offset >= to) out.complete = true;
        } else if (m->err) {
          if (!error && m->err != RD_KAFKA_RESP_ERR__TRANSPORT && m->err != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
            error = rdk::to_error(m->err, rd_kafka_message_errstr(m));
        } else if (m->offset < to) {
          records.push_back({m->offset, origin_header_of(m)});
          out.next_offset = m->offset + 1;
          if (out.next_offset >= to) out.complete = true;
        } else {
          out.complete = true;  // past `to`: records written after the read began
        }
      }
      if (!records.empty()) {
        visit(records);
        last_progress = clock::now();
      }
      for (ssize_t i = 0; i < n; ++i) rd_kafka_message_destroy(batch_[i]);
      if (error) return std::unexpected(std::move(*error));
      if (!out.complete && clock::now() - last_progress >= idle) break;
    }
    return {};
  }

  rdk::handle rk_;
  queue_ptr queue_;
  std::vector<rd_kafka_message_t*> batch_ = std::vector<rd_kafka_message_t*>(k_batch);
};

}  // namespace

std::expected<std::unique_ptr<partition_reader>, std::string> make_rdkafka_partition_reader(
    const cluster_config& cluster, const client_options& options) {
  // librdkafka's consumer needs a group id even with manual assignment; nothing is committed
  // and the group never joins (no subscribe).
  const std::string group = options.client_id + "-reader";
  auto rk = rdk::make_client(RD_KAFKA_CONSUMER, cluster,
                             rdk::manual_consumer(options.client_id, group, {
      {"isolation.level", "read_committed"},
      {"enable.partition.eof", "true"},
      {"fetch.wait.max.ms", "100"},
  }));
  if (!rk) return std::unexpected(rk.error());
  return std::make_unique<rdkafka_reader>(std::move(*rk));
}

}  // namespace tandem::engine
