#include "engine/kafka/rdkafka/common.h"

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

}  // namespace

std::expected<rd_kafka_conf_t*, std::string> make_conf(const cluster_config& cluster,
                                                       std::initializer_list<property> defaults) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, &log_line);
  char err[512];
  auto set = [&](const std::string& k, const std::string& v) -> std::optional<std::string> {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK)
      return std::nullopt;
    // librdkafka's reason may quote the value: never for a secret property.
    std::string why = is_secret_property(k) ? std::string("invalid value") : std::string(err);
    return "clusters." + cluster.alias + ".librdkafka: property \"" + k + "\" rejected: " + why;
  };
  std::optional<std::string> problem = set("bootstrap.servers", cluster.bootstrap);
  for (auto it = defaults.begin(); !problem && it != defaults.end(); ++it)
    problem = set(it->first, it->second);
  for (auto it = cluster.librdkafka.begin(); !problem && it != cluster.librdkafka.end(); ++it)
    problem = set(it->first, it->second);
  if (problem) {
    rd_kafka_conf_destroy(conf);
    return std::unexpected(*problem);
  }
  return conf;
}

std::expected<handle, std::string> make_handle(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    return std::unexpected(std::string("cannot create Kafka client: ") + err);
  }
  return handle(rk);
}

kafka_error to_error(rd_kafka_resp_err_t err, std::string message) {
  kafka_error e;
  e.code = rd_kafka_err2name(err);
  e.message = message.empty() ? rd_kafka_err2str(err) : std::move(message);
  switch (err) {
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR__FATAL:
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
      e.retriable = false;
      break;
    default:
      break;
  }
  return e;
}

kafka_error to_error(const rd_kafka_error_t* err) {
  return to_error(rd_kafka_error_code(err), rd_kafka_error_string(err));
}

std::optional<kafka_error> list_topics(rd_kafka_t* rk, std::vector<topic_info>& out,
                                       std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &md, static_cast<int>(timeout.count()));
  if (err) return to_error(err, std::string("metadata request failed: ") + rd_kafka_err2str(err));
  out.clear();
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    if (t.err) continue;  // being created or deleted: seen at the next refresh
    out.push_back({t.topic, t.partition_cnt});
  }
  rd_kafka_metadata_destroy(md);
  return std::nullopt;
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
