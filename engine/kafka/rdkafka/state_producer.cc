// state_producer over an idempotent librdkafka producer (acks=all): tandem.checkpoints.
#include <atomic>

#include "engine/kafka/rdkafka/client.h"
#include "engine/kafka/rdkafka/common.h"

namespace tandem::engine {
namespace {


class rdkafka_state_producer final : public state_producer {
 public:
  void attach(rdk::handle rk) { rk_ = std::move(rk); }

  ~rdkafka_state_producer() override {
    // Checkpoints are re-written at every pass: a short wait is enough at shutdown.
    if (rk_) rd_kafka_flush(rk_.get(), 2000);
  }

  std::optional<kafka_error> ensure_topic(const std::string& topic, int32_t partitions,
                                          const topic_configs& configs,
                                          std::chrono::milliseconds timeout) override {
    char err[512];
    rd_kafka_NewTopic_t* nt =
        rd_kafka_NewTopic_new(topic.c_str(), partitions, -1, err, sizeof err);
    if (!nt) return kafka_error{"_INVALID_ARG", "create topic " + topic + ": " + err, false};
    for (const auto& [k, v] : configs) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
    rdk::queue_ptr q(rd_kafka_queue_new(rk_.get()));
    rd_kafka_CreateTopics(rk_.get(), &nt, 1, nullptr, q.get());
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q.get(), static_cast<int>(timeout.count()));
    if (!ev) return kafka_error{"_TIMED_OUT", "create topic " + topic + " timed out"};
    std::optional<kafka_error> result;
    if (rd_kafka_event_error(ev)) {
      result = rdk::to_error(rd_kafka_event_error(ev),
                             "create topic " + topic + ": " + rd_kafka_event_error_string(ev));
    } else {
      size_t n = 0;
      const rd_kafka_topic_result_t** rs =
          rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
      for (size_t i = 0; i < n; ++i) {
        rd_kafka_resp_err_t e = rd_kafka_topic_result_error(rs[i]);
        if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
          result = rdk::to_error(e, "create topic " + topic + ": " +
                                        rd_kafka_topic_result_error_string(rs[i]));
      }
    }
    rd_kafka_event_destroy(ev);
    return result;
  }

  std::optional<kafka_error> produce(const std::string& topic, std::string_view key,
                                     std::string_view value) override {
    // RD_KAFKA_MSG_F_COPY: librdkafka copies both buffers (its API takes them non-const).
    auto send = [&] {
      return rd_kafka_producev(
          rk_.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
          RD_KAFKA_V_KEY(key.data(), key.size()),
          RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    };
    rd_kafka_resp_err_t err = send();
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(rk_.get(), 100);
      err = send();
    }
    if (err) return rdk::to_error(err);
    rd_kafka_poll(rk_.get(), 0);  // serve delivery reports as we go
    return std::nullopt;
  }

  std::optional<kafka_error> flush(std::chrono::milliseconds timeout) override {
    rd_kafka_resp_err_t err = rd_kafka_flush(rk_.get(), static_cast<int>(timeout.count()));
    std::optional<kafka_error> result;
    result.swap(first_error_);
    if (!result && err)
      result = kafka_error{"_TIMED_OUT", std::to_string(rd_kafka_outq_len(rk_.get())) +
                                             " checkpoint record(s) not delivered yet"};
    return result;
  }

  // Delivery reports (served from produce/flush on the owner's thread; opaque = this).
  static void on_report(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<rdkafka_state_producer*>(opaque);
    if (m->err && !self->first_error_) self->first_error_ = rdk::to_error(m->err);
  }

 private:
  rdk::handle rk_;
  std::optional<kafka_error> first_error_;
};

}  // namespace

std::expected<std::unique_ptr<state_producer>, std::string> make_rdkafka_state_producer(
    const cluster_config& cluster, const client_options& options) {
  auto conf = rdk::make_conf(cluster, {
      {"client.id", options.client_id},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"linger.ms", "20"},
      // A checkpoint that cannot be delivered within a pass is superseded by the next pass.
      {"message.timeout.ms", "60000"},
  });
  if (!conf) return std::unexpected(conf.error());
  auto p = std::make_unique<rdkafka_state_producer>();
  rd_kafka_conf_set_opaque(*conf, p.get());
  rd_kafka_conf_set_dr_msg_cb(*conf, &rdkafka_state_producer::on_report);
  auto rk = rdk::make_handle(RD_KAFKA_PRODUCER, *conf);
  if (!rk) return std::unexpected(rk.error());
  p->attach(std::move(*rk));
  return p;
}

}  // namespace tandem::engine
