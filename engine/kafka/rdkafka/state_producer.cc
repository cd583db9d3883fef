// state_producer over an idempotent librdkafka producer (acks=all): tandem.checkpoints and
// tandem.offsets (whose tombstones are records with a null value).
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

  kafka_result<void> ensure_topic(const std::string& topic, int32_t partitions,
                                  const topic_configs& configs,
                                  std::chrono::milliseconds timeout) override {
    auto created = rdk::create_topic(rk_.get(), topic, partitions, configs, timeout);
    if (!created && created.error().is(kafka_errc::topic_already_exists)) return {};
    return created;
  }

  kafka_result<void> produce(const std::string& topic, std::string_view key,
                             std::optional<std::string_view> value) override {
    // RD_KAFKA_MSG_F_COPY: librdkafka copies both buffers (its API takes them non-const).
    // A null payload pointer is a null value (a tombstone), not an empty one.
    char* payload = value ? const_cast<char*>(value->data() ? value->data() : "") : nullptr;
    const size_t size = value ? value->size() : 0;
    auto send = [&] {
      return rd_kafka_producev(
          rk_.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
          RD_KAFKA_V_KEY(key.data(), key.size()), RD_KAFKA_V_VALUE(payload, size),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    };
    rd_kafka_resp_err_t err = send();
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(rk_.get(), 100);
      err = send();
    }
    if (err) return std::unexpected(rdk::to_error(err));
    rd_kafka_poll(rk_.get(), 0);  // serve delivery reports as we go
    return {};
  }

  kafka_result<void> flush(std::chrono::milliseconds timeout) override {
    rd_kafka_resp_err_t err = rd_kafka_flush(rk_.get(), static_cast<int>(timeout.count()));
    std::optional<kafka_error> failed;
    failed.swap(first_error_);
    if (failed) return std::unexpected(std::move(*failed));
    if (err)
      return std::unexpected(make_kafka_error(
          kafka_errc::timed_out, std::to_string(rd_kafka_outq_len(rk_.get())) +
                                     " checkpoint record(s) not delivered yet"));
    return {};
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
  auto p = std::make_unique<rdkafka_state_producer>();
  auto rk = rdk::make_client(RD_KAFKA_PRODUCER, cluster,
                             rdk::idempotent_producer(options.client_id, {
      {"linger.ms", "20"},
      // A checkpoint that cannot be delivered within a pass is superseded by the next pass.
      {"message.timeout.ms", "60000"},
  }), {p.get(), &rdkafka_state_producer::on_report});
  if (!rk) return std::unexpected(rk.error());
  p->attach(std::move(*rk));
  return p;
}

}  // namespace tandem::engine
