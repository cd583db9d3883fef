// record_sink over an idempotent librdkafka producer; admin requests on the same handle.
#include <atomic>
#include <unordered_map>

#include "engine/kafka/rdkafka/client.h"
#include "engine/kafka/rdkafka/common.h"
#include "loopguard/origin_header.h"

namespace tandem::engine {
namespace {

// Transparent hashing: look up cached topic handles by string_view without building a string.
struct string_hash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class rdkafka_sink final : public record_sink {
 public:
  explicit rdkafka_sink(delivery_handler on_delivery) : on_delivery_(std::move(on_delivery)) {}
  void attach(rdk::handle rk) { rk_ = std::move(rk); }

  ~rdkafka_sink() override {
    // Hand every outstanding source message back through the delivery callback (as purged)
    // so none outlives its consumer.
    if (!rk_) return;  // the client could not be made
    rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(rk_.get(), 5000);
    for (auto& [name, rkt] : topics_) rd_kafka_topic_destroy(rkt);
  }

  kafka_result<std::vector<topic_info>> list_topics(std::chrono::milliseconds timeout) override {
    return rdk::list_topics(rk_.get(), timeout);
  }

  kafka_result<void> create_topic(const std::string& topic, int32_t partitions,
                                  const topic_configs& configs,
                                  std::chrono::milliseconds timeout) override {
    return rdk::create_topic(rk_.get(), topic, partitions, configs, timeout);
  }
  kafka_result<void> create_partitions(const std::string& topic, int32_t total,
                                       std::chrono::milliseconds timeout) override {
    return rdk::create_partitions(rk_.get(), topic, total, timeout);
  }

  kafka_result<void> forward(const record_ref& r, const std::string& topic, int32_t partition,
                             std::string_view origin_header) override;

  kafka_result<watermarks> partition_bounds(const std::string& topic, int32_t partition,
                                            std::chrono::milliseconds timeout) override {
    return rdk::query_watermarks(rk_.get(), topic, partition, timeout);
  }

  int poll(std::chrono::milliseconds timeout) override {
    return rd_kafka_poll(rk_.get(), static_cast<int>(timeout.count()));
  }
  int flush(std::chrono::milliseconds timeout) override {
    rd_kafka_flush(rk_.get(), static_cast<int>(timeout.count()));
    return outstanding_;
  }
  int outstanding() override { return outstanding_; }

  std::optional<kafka_error> fatal_error() override {
    char buf[512];
    rd_kafka_resp_err_t err = rd_kafka_fatal_error(rk_.get(), buf, sizeof buf);
    if (!err) return std::nullopt;
    kafka_error e = rdk::to_error(err, buf);
    e.kind = error_kind::fatal;
    return e;
  }

  // librdkafka's delivery report callback (set on the conf, opaque = this sink).
  static void on_report(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque);
  static record_ref delivered_ref(rd_kafka_message_t* src, const rd_kafka_message_t* sent);

 private:
  rd_kafka_topic_t* topic_handle(const std::string& topic);

  delivery_handler on_delivery_;
  rdk::handle rk_;
  std::unordered_map<std::string, rd_kafka_topic_t*, string_hash, std::equal_to<>> topics_;
  int outstanding_ = 0;
};

void rdkafka_sink::on_report(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* self = static_cast<rdkafka_sink*>(opaque);
  auto* src = static_cast<rd_kafka_message_t*>(m->_private);
  --self->outstanding_;
  record_ref ref = delivered_ref(src, m);
  if (m->err) {
    kafka_error e = rdk::to_error(m->err);
    self->on_delivery_(ref, -1, &e);
  } else {
    self->on_delivery_(ref, m->offset, nullptr);
  }
  rd_kafka_message_destroy(src);
}

// The source record of a delivery report, without parsing its headers again: they were moved
// to (or copied into) the produced message `sent`, whose header list is already parsed and
// ends with tandem's origin header. bytes = key + value + the source's own headers.
record_ref rdkafka_sink::delivered_ref(rd_kafka_message_t* src, const rd_kafka_message_t* sent) {
  record_ref r = rdk::to_ref_without_headers(src);
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(sent, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name;
    const void* val;
    size_t size = 0, last = 0;
    size_t i = 0;
    for (; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == 0; ++i) {
      last = size + std::char_traits<char>::length(name);
      r.bytes += last;
    }
    if (i > 0) r.bytes -= last;  // tandem's own header, added last by forward()
  }
  return r;
}

rd_kafka_topic_t* rdkafka_sink::topic_handle(const std::string& topic) {
  auto it = topics_.find(topic);
  if (it != topics_.end()) return it->second;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_.get(), topic.c_str(), nullptr);
  topics_.emplace(topic, rkt);
  return rkt;
}

kafka_result<void> rdkafka_sink::forward(const record_ref& r, const std::string& topic,
                                         int32_t partition, std::string_view origin_header) {
  auto* m = static_cast<rd_kafka_message_t*>(r.impl);
  // The produced message takes the source's header list plus the origin header. If producev
  // fails the source message must be as it was, so that a retry forwards it unchanged:
  //  - no header at all (the usual case): a new list with the origin header only;
  //  - headers but no tandem-origin one: MOVE the list (no copy); on failure remove the
  //    (only) tandem-origin header again and give the list back;
  //  - a record already carrying one (copied by an application, or malformed): COPY the list,
  //    since removing by name would also remove the record's own.
  // has_headers (from to_ref) spares the header-less record a second parse in librdkafka.
  rd_kafka_headers_t* hdrs = nullptr;
  bool moved = false;
  if (!r.has_headers) {
    // nothing to carry over
  } else if (!r.origin_header) {
    moved = rd_kafka_message_detach_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs;
  } else {
    rd_kafka_headers_t* src_hdrs = nullptr;
    if (rd_kafka_message_headers(m, &src_hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR)
      hdrs = rd_kafka_headers_copy(src_hdrs);
  }
  if (!hdrs) hdrs = rd_kafka_headers_new(1);
  rd_kafka_header_add(hdrs, loopguard::origin_header_key.data(),
                      static_cast<ssize_t>(loopguard::origin_header_key.size()),
                      origin_header.data(), static_cast<ssize_t>(origin_header.size()));
  rd_kafka_topic_t* rkt = topic_handle(topic);
  auto produce = [&] {
    return rd_kafka_producev(
        rk_.get(), RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_KEY(m->key, m->key_len), RD_KAFKA_V_VALUE(m->payload, m->len),
        RD_KAFKA_V_MSGFLAGS(0), RD_KAFKA_V_TIMESTAMP(r.timestamp_ms), RD_KAFKA_V_HEADERS(hdrs),
        RD_KAFKA_V_OPAQUE(m), RD_KAFKA_V_END);
  };
  rd_kafka_resp_err_t err = produce();
  if (err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION) {
    // The target just grew (create_partitions) and the producer's metadata is older: refresh
    // it once, then try again; still unknown → retriable, the flow retries at its next step.
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(rk_.get(), 0, rkt, &md, 3000) == RD_KAFKA_RESP_ERR_NO_ERROR)
      rd_kafka_metadata_destroy(md);
    err = produce();
  }
  if (err) {
    if (moved) {
      rd_kafka_header_remove(hdrs, loopguard::origin_header_key.data());
      rd_kafka_message_set_headers(m, hdrs);
    } else {
      rd_kafka_headers_destroy(hdrs);
    }
    kafka_error e = rdk::to_error(err);
    if (err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION) e.kind = error_kind::retriable;
    return std::unexpected(std::move(e));
  }
  ++outstanding_;
  return {};
}

}  // namespace

std::expected<std::unique_ptr<record_sink>, std::string> make_rdkafka_sink(
    const cluster_config& cluster, const client_options& options, delivery_handler on_delivery) {
  auto sink = std::make_unique<rdkafka_sink>(std::move(on_delivery));
  auto rk = rdk::make_client(RD_KAFKA_PRODUCER, cluster,
                             rdk::idempotent_producer(options.client_id, {
      // Short: records come in bursts (one fetch response at a time), so a burst is a batch
      // already and lingering only delays it (5 ms cost +2 ms p50 at 20,000 records/s and no
      // less CPU in a bulk copy, where the in-flight limit makes batches grow anyway).
      {"linger.ms", "1"},
      {"batch.size", "1000000"},
      // Retry until delivered: a record is never given up on while the flow runs; permanent
      // errors (too large, not authorized) still fail at once and pause the topic.
      {"message.timeout.ms", "0"},
      // Bounded memory under backpressure: a full queue makes the flow poll and wait.
      {"queue.buffering.max.messages", "100000"},
      {"queue.buffering.max.kbytes", "65536"},
  }), {sink.get(), &rdkafka_sink::on_report});
  if (!rk) return std::unexpected(rk.error());
  sink->attach(std::move(*rk));
  return sink;
}

}  // namespace tandem::engine
