#include "engine/kafka/rdkafka/common.h"

#include "engine/kafka/rdkafka/properties.h"
#include "engine/obs/log.h"
#include "loopguard/origin_header.h"

namespace tandem::engine::rdk {
namespace {

// librdkafka's own log lines, in tandem's format, scoped by the client's name
// ("tandem-east-from-west#producer-2"). Syslog levels: 0-3 error, 4 warning, 5-6 info, 7 debug.
void log_line(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
  log_level l = level <= 3 ? log_level::error
                : level == 4 ? log_level::warn
                : level <= 6 ? log_level::info
                             : log_level::debug;
  if (!log::enabled(l)) return;
  std::string text = std::string("librdkafka ") + facility + ": " + message;
  log::write(l, rd_kafka_name(rk), text);
}

// The outcome of a CreateTopics / CreatePartitions request (nullptr: it timed out).
kafka_result<void> topic_admin_result(event_ptr ev, const std::string& what) {
  if (!ev) return std::unexpected(make_kafka_error(kafka_errc::timed_out, what + " timed out"));
  if (rd_kafka_event_error(ev.get()))
    return std::unexpected(to_error(rd_kafka_event_error(ev.get()),
                                    what + ": " + rd_kafka_event_error_string(ev.get())));
  size_t n = 0;
  const rd_kafka_topic_result_t** rs = nullptr;
  if (rd_kafka_event_type(ev.get()) == RD_KAFKA_EVENT_CREATETOPICS_RESULT)
    rs = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev.get()), &n);
  else
    rs = rd_kafka_CreatePartitions_result_topics(
        rd_kafka_event_CreatePartitions_result(ev.get()), &n);
  kafka_result<void> result;
  for (size_t i = 0; i < n; ++i)
    if (auto e = rd_kafka_topic_result_error(rs[i]))
      result = std::unexpected(
          to_error(e, what + ": " + rd_kafka_topic_result_error_string(rs[i])));
  return result;
}

event_ptr wait_event(rd_kafka_queue_t* q, std::chrono::milliseconds timeout) {
  return event_ptr(rd_kafka_queue_poll(q, static_cast<int>(timeout.count())));
}

}  // namespace

// Whether a property of [clusters.X.librdkafka] goes to a client of `type`: those of one client
// kind only go to that kind; unknown names go everywhere (librdkafka refuses them by name).
static bool applies_to(rd_kafka_type_t type, const std::string& name) {
  auto s = scope_of(name);
  if (!s || *s == property_scope::both) return true;
  return (*s == property_scope::producer) == (type == RD_KAFKA_PRODUCER);
}

// A conf with bootstrap.servers, then `settings`, then the cluster's passthrough (which wins):
// [librdkafka] (the properties that apply to `type`), then [producer] or [consumer].
std::expected<rd_kafka_conf_t*, std::string> make_conf(rd_kafka_type_t type,
                                                       const cluster_config& cluster,
                                                       const properties& settings,
                                                       log_fn logger) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, logger);
  char err[512];
  auto set = [&](const std::string& section, const std::string& k,
                 const std::string& v) -> std::optional<std::string> {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK)
      return std::nullopt;
    // librdkafka's reason may quote the value: never for a secret property.
    std::string why = is_secret_property(k) ? std::string("invalid value") : std::string(err);
    return "clusters." + cluster.alias + section + ": property \"" + k + "\" rejected: " + why;
  };
  std::optional<std::string> problem = set("", "bootstrap.servers", cluster.bootstrap);
  for (auto it = settings.begin(); !problem && it != settings.end(); ++it)
    problem = set("", it->first, it->second);
  for (const auto& [k, v] : cluster.librdkafka)
    if (!problem && applies_to(type, k)) problem = set(".librdkafka", k, v);
  bool producer = type == RD_KAFKA_PRODUCER;
  for (const auto& [k, v] : producer ? cluster.producer : cluster.consumer)
    if (!problem) problem = set(producer ? ".producer" : ".consumer", k, v);
  if (problem) {
    rd_kafka_conf_destroy(conf);
    return std::unexpected(*problem);
  }
  return conf;
}

properties manual_consumer(const std::string& client_id, const std::string& group_id,
                           std::initializer_list<property> more) {
  properties p{{"client.id", client_id},
               {"group.id", group_id},
               {"enable.auto.commit", "false"},
               {"enable.auto.offset.store", "false"},
               {"auto.offset.reset", "earliest"}};
  p.insert(p.end(), more.begin(), more.end());
  return p;
}

properties idempotent_producer(const std::string& client_id, std::initializer_list<property> more) {
  properties p{{"client.id", client_id}, {"enable.idempotence", "true"}, {"acks", "all"}};
  p.insert(p.end(), more.begin(), more.end());
  return p;
}

std::expected<handle, std::string> make_client(rd_kafka_type_t type, const cluster_config& cluster,
                                               const properties& settings, delivery_hook hook) {
  auto conf = make_conf(type, cluster, settings, &log_line);
  if (!conf) return std::unexpected(conf.error());
  if (hook.on_report) {
    rd_kafka_conf_set_opaque(*conf, hook.opaque);
    rd_kafka_conf_set_dr_msg_cb(*conf, hook.on_report);
  }
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, *conf, err, sizeof err);
  if (!rk) {
    rd_kafka_conf_destroy(*conf);
    return std::unexpected(std::string("cannot create Kafka client: ") + err);
  }
  return handle(rk);
}

kafka_result<watermarks> query_watermarks(rd_kafka_t* rk, const std::string& topic,
                                          int32_t partition, std::chrono::milliseconds timeout) {
  watermarks w;
  rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
      rk, topic.c_str(), partition, &w.low, &w.high, static_cast<int>(timeout.count()));
  if (err)
    return std::unexpected(to_error(err, "watermarks of " + topic + "/" +
                                             std::to_string(partition) + ": " +
                                             rd_kafka_err2str(err)));
  return w;
}

kafka_result<std::vector<topic_info>> list_topics(rd_kafka_t* rk,
                                                  std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &md, static_cast<int>(timeout.count()));
  if (err)
    return std::unexpected(
        to_error(err, std::string("metadata request failed: ") + rd_kafka_err2str(err)));
  std::vector<topic_info> out;
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    if (t.err) continue;  // being created or deleted: seen at the next refresh
    out.push_back({t.topic, t.partition_cnt});
  }
  rd_kafka_metadata_destroy(md);
  return out;
}

kafka_result<void> create_topic(rd_kafka_t* rk, const std::string& topic, int32_t partitions,
                                const topic_configs& configs, std::chrono::milliseconds timeout) {
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, -1, err, sizeof err);
  if (!nt)
    return std::unexpected(make_kafka_error(kafka_errc::invalid_arg,
                                            "create topic " + topic + ": " + err,
                                            error_kind::permanent));
  for (const auto& [k, v] : configs) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
  queue_ptr q(rd_kafka_queue_new(rk));
  rd_kafka_CreateTopics(rk, &nt, 1, nullptr, q.get());
  rd_kafka_NewTopic_destroy(nt);
  return topic_admin_result(wait_event(q.get(), timeout), "create topic " + topic);
}

kafka_result<void> create_partitions(rd_kafka_t* rk, const std::string& topic, int32_t total,
                                     std::chrono::milliseconds timeout) {
  char err[512];
  rd_kafka_NewPartitions_t* np = rd_kafka_NewPartitions_new(topic.c_str(), total, err, sizeof err);
  if (!np)
    return std::unexpected(make_kafka_error(kafka_errc::invalid_arg,
                                            "add partitions to " + topic + ": " + err,
                                            error_kind::permanent));
  queue_ptr q(rd_kafka_queue_new(rk));
  rd_kafka_CreatePartitions(rk, &np, 1, nullptr, q.get());
  rd_kafka_NewPartitions_destroy(np);
  return topic_admin_result(wait_event(q.get(), timeout), "add partitions to " + topic);
}

record_ref to_ref_without_headers(rd_kafka_message_t* m) {
  record_ref r;
  r.impl = m;
  r.topic = rd_kafka_topic_name(m->rkt);
  r.partition = m->partition;
  r.offset = m->offset;
  r.timestamp_ms = rd_kafka_message_timestamp(m, nullptr);
  r.bytes = m->len + m->key_len;
  return r;
}

record_ref to_ref(rd_kafka_message_t* m) {
  record_ref r = to_ref_without_headers(m);
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    r.has_headers = true;
    const char* name;
    const void* val;
    size_t size;
    for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == 0; ++i)
      r.bytes += size + std::char_traits<char>::length(name);
    if (rd_kafka_header_get_last(hdrs, loopguard::origin_header_key.data(), &val, &size) == 0)
      r.origin_header = loopguard::header_bytes(val, size);
  }
  return r;
}

}  // namespace tandem::engine::rdk
