// state_reader over a librdkafka consumer (engine/kafka/state_reader.h): partition 0 of a compacted
// state topic, assigned (no group membership, nothing committed).
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <memory>

#include "engine/kafka/rdkafka/common.h"
#include "engine/kafka/state_reader.h"

namespace tandem::engine {
namespace {

using std::chrono::milliseconds;

bool is_unknown_topic(rd_kafka_resp_err_t e) {
  return e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || e == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
         e == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
}

// The three ways librdkafka says "no such topic", as one (classified retriable: the topic
// may be created later).
kafka_error unknown_topic(std::string message) {
  return make_kafka_error(kafka_errc::unknown_topic_or_part, std::move(message));
}

struct message_deleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
using message_ptr = std::unique_ptr<rd_kafka_message_t, message_deleter>;

class rdkafka_state_reader final : public state_reader {
 public:
  rdkafka_state_reader(rdk::handle rk, const std::atomic<bool>* cancel)
      : rk_(std::move(rk)), cancel_(cancel) {}

  ~rdkafka_state_reader() override {
    rd_kafka_assign(rk_.get(), nullptr);
    rd_kafka_consumer_close(rk_.get());
  }

  kafka_result<int64_t> end_offset(const std::string& topic, milliseconds timeout) override {
    int64_t low = -1, high = -1;
    rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(
        rk_.get(), topic.c_str(), 0, &low, &high, static_cast<int>(timeout.count()));
    if (is_unknown_topic(e))
      return std::unexpected(unknown_topic("topic " + topic + " does not exist"));
    if (e)
      return std::unexpected(
          rdk::to_error(e, "end offset of " + topic + ": " + rd_kafka_err2str(e)));
    return high;
  }

  kafka_result<void> start(const std::string& topic, int64_t offset) override {
    rdk::partition_list parts(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(parts.get(), topic.c_str(), 0)->offset =
        offset == offset_beginning ? RD_KAFKA_OFFSET_BEGINNING : offset;
    if (rd_kafka_resp_err_t e = rd_kafka_assign(rk_.get(), parts.get()))
      return std::unexpected(rdk::to_error(e, "reading " + topic + ": " + rd_kafka_err2str(e)));
    topic_ = topic;
    return {};
  }

  kafka_result<bool> poll(std::vector<state_record>& out, size_t max,
                          milliseconds timeout) override {
    const auto until = std::chrono::steady_clock::now() + timeout;
    size_t got = 0;
    while (got < max) {
      if (cancel_ && cancel_->load()) return false;
      auto left =
          std::chrono::duration_cast<milliseconds>(until - std::chrono::steady_clock::now());
      // Wait only while nothing arrived yet; then take what is ready.
      int wait = got > 0 ? 0 : static_cast<int>(std::clamp<int64_t>(left.count(), 0, 100));
      message_ptr m(rd_kafka_consumer_poll(rk_.get(), wait));
      if (!m) {
        if (got > 0 || left.count() <= 0) return false;
        continue;
      }
      // Anything still queued from a topic read before: not ours any more.
      if (m->rkt && topic_ != rd_kafka_topic_name(m->rkt)) continue;
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return true;
      if (m->err) {
        std::string what = rd_kafka_message_errstr(m.get());
        if (is_unknown_topic(m->err)) return std::unexpected(unknown_topic(what));
        return std::unexpected(rdk::to_error(m->err, what));
      }
      state_record r;
      r.offset = m->offset;
      if (m->key) r.key.assign(static_cast<const char*>(m->key), m->key_len);
      if (m->payload) r.value.emplace(static_cast<const char*>(m->payload), m->len);
      out.push_back(std::move(r));
      ++got;
    }
    return false;
  }

 private:
  rdk::handle rk_;
  const std::atomic<bool>* cancel_;
  std::string topic_;  // the topic being read
};

}  // namespace

std::expected<std::unique_ptr<state_reader>, std::string> make_rdkafka_state_reader(
    const cluster_config& cluster, const std::string& client_id,
    const std::atomic<bool>* cancel) {
  // Assign only: the group never joins nor commits. "tandem." keeps it out of checkpoints.
  auto rk = rdk::make_client(RD_KAFKA_CONSUMER, cluster,
                             rdk::manual_consumer(client_id, "tandem." + client_id, {
      {"enable.partition.eof", "true"},
      {"fetch.wait.max.ms", "200"},
  }));
  if (!rk) return std::unexpected(rk.error());
  return std::make_unique<rdkafka_state_reader>(std::move(*rk), cancel);
}

}  // namespace tandem::engine
