#include "tests/integration/kafka_test_env.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <sys/wait.h>

namespace tandem::testing {
namespace {

using clock = std::chrono::steady_clock;

struct kafka_deleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using kafka_ptr = std::unique_ptr<rd_kafka_t, kafka_deleter>;

kafka_ptr make_client(rd_kafka_type_t type, const std::string& bootstrap,
                      const std::vector<std::pair<std::string, std::string>>& extra = {}) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const std::string& k, const std::string& v) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
      ADD_FAILURE() << "conf " << k << ": " << err;
  };
  set("bootstrap.servers", bootstrap);
  for (const auto& [k, v] : extra) set(k, v);
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (!rk) ADD_FAILURE() << "rd_kafka_new: " << err;
  return kafka_ptr(rk);
}

int partition_count(rd_kafka_t* rk, const std::string& topic) {
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  int n = -1;
  if (rd_kafka_metadata(rk, 0, t, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const auto& tm = md->topics[0];
    bool all_led = tm.err == RD_KAFKA_RESP_ERR_NO_ERROR && tm.partition_cnt > 0;
    for (int i = 0; i < tm.partition_cnt; ++i) all_led = all_led && tm.partitions[i].leader >= 0;
    if (all_led) n = tm.partition_cnt;
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_topic_destroy(t);
  return n;
}

// Waits for the answer of a CreateTopics or DeleteTopics request on `q`: its error text, empty
// when the request and every topic in it succeeded.
std::string topics_result(rd_kafka_queue_t* q, const std::string& request) {
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  if (!ev) return request + " timed out";
  std::string error;
  size_t n = 0;
  const rd_kafka_topic_result_t** res = nullptr;
  if (const auto* c = rd_kafka_event_CreateTopics_result(ev))
    res = rd_kafka_CreateTopics_result_topics(c, &n);
  else if (const auto* d = rd_kafka_event_DeleteTopics_result(ev))
    res = rd_kafka_DeleteTopics_result_topics(d, &n);
  if (rd_kafka_event_error(ev)) error = rd_kafka_event_error_string(ev);
  for (size_t i = 0; i < n; ++i)
    if (rd_kafka_topic_result_error(res[i])) error = rd_kafka_topic_result_error_string(res[i]);
  rd_kafka_event_destroy(ev);
  return error;
}

std::optional<std::string> opt_bytes(const void* p, size_t n) {
  if (!p) return std::nullopt;
  return std::string(static_cast<const char*>(p), n);
}

record to_record(const rd_kafka_message_t* m) {
  record r;
  r.partition = m->partition;
  r.offset = m->offset;
  r.key = opt_bytes(m->key, m->key_len);
  r.value = opt_bytes(m->payload, m->len);
  rd_kafka_timestamp_type_t tstype;
  r.timestamp_ms = rd_kafka_message_timestamp(m, &tstype);
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name;
    const void* val;
    size_t size;
    for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == 0; ++i)
      r.headers.push_back({name, opt_bytes(val, size)});
  }
  return r;
}

}  // namespace

std::vector<cluster> clusters() {
  const char* dir = std::getenv("TANDEM_KAFKA_DIR");
  std::vector<cluster> out;
  if (!dir) {
    ADD_FAILURE() << "TANDEM_KAFKA_DIR is not set: run integration tests through ctest";
    return out;
  }
  std::ifstream in(std::string(dir) + "/clusters.txt");
  cluster c;
  while (in >> c.name >> c.bootstrap >> c.pid) out.push_back(c);
  if (out.empty()) ADD_FAILURE() << "no clusters listed in " << dir << "/clusters.txt";
  return out;
}

std::string unique_topic(const std::string& stem) {
  static std::atomic<int> counter{0};
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return stem + "-" + std::to_string(getpid()) + "-" +
         std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count() %
                        100000000) +
         "-" + std::to_string(counter++);
}

std::string create_topic(const std::string& bootstrap, const std::string& topic, int partitions,
                         const std::vector<std::pair<std::string, std::string>>& configs) {
  auto rk = make_client(RD_KAFKA_PRODUCER, bootstrap);
  if (!rk) return "no client";
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, err, sizeof err);
  if (!nt) return err;
  for (const auto& [k, v] : configs) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk.get());
  rd_kafka_CreateTopics(rk.get(), &nt, 1, nullptr, q);
  std::string error = topics_result(q, "CreateTopics");
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(nt);
  if (!error.empty()) return error;
  auto deadline = clock::now() + std::chrono::seconds(30);
  while (partition_count(rk.get(), topic) != partitions) {
    if (clock::now() > deadline) return "topic " + topic + " has no leaders after 30 s";
    usleep(100 * 1000);
  }
  return "";
}

std::string delete_topic(const std::string& bootstrap, const std::string& topic) {
  auto rk = make_client(RD_KAFKA_PRODUCER, bootstrap);
  if (!rk) return "no client";
  rd_kafka_DeleteTopic_t* dt = rd_kafka_DeleteTopic_new(topic.c_str());
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk.get());
  rd_kafka_DeleteTopics(rk.get(), &dt, 1, nullptr, q);
  std::string error = topics_result(q, "DeleteTopics");
  rd_kafka_queue_destroy(q);
  rd_kafka_DeleteTopic_destroy(dt);
  if (!error.empty()) return error;
  auto deadline = clock::now() + std::chrono::seconds(30);
  while (partition_count(rk.get(), topic) != -1) {
    if (clock::now() > deadline) return "topic " + topic + " still listed 30 s after its deletion";
    usleep(100 * 1000);
  }
  return "";
}

std::string produce(const std::string& bootstrap, const std::string& topic,
                    const std::vector<record>& records) {
  struct tally {
    std::atomic<size_t> ok{0};
    std::string first_error;
  } t;
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "enable.idempotence", "true", err, sizeof err);
  rd_kafka_conf_set(conf, "linger.ms", "5", err, sizeof err);
  rd_kafka_conf_set_opaque(conf, &t);
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* t = static_cast<tally*>(opaque);
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) ++t->ok;
    else if (t->first_error.empty()) t->first_error = rd_kafka_err2str(m->err);
  });
  kafka_ptr rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err));
  if (!rk) return err;
  for (const auto& r : records) {
    rd_kafka_headers_t* hdrs = rd_kafka_headers_new(r.headers.size());
    for (const auto& h : r.headers)
      rd_kafka_header_add(hdrs, h.key.data(), h.key.size(), h.value ? h.value->data() : nullptr,
                          h.value ? h.value->size() : 0);
    rd_kafka_resp_err_t e;
    while ((e = rd_kafka_producev(
                rk.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(r.partition),
                // Parenthesised: the librdkafka macros cast their arguments unbracketed.
                RD_KAFKA_V_KEY((r.key ? r.key->data() : nullptr), (r.key ? r.key->size() : 0)),
                RD_KAFKA_V_VALUE((r.value ? const_cast<char*>(r.value->data()) : nullptr),
                                 (r.value ? r.value->size() : 0)),
                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_TIMESTAMP(r.timestamp_ms),
                RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END)) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
      rd_kafka_poll(rk.get(), 50);
    if (e) {
      rd_kafka_headers_destroy(hdrs);
      return std::string("producev: ") + rd_kafka_err2str(e);
    }
  }
  rd_kafka_flush(rk.get(), 60000);
  if (!t.first_error.empty()) return t.first_error;
  if (t.ok != records.size())
    return "only " + std::to_string(t.ok.load()) + " of " + std::to_string(records.size()) +
           " records acknowledged";
  return "";
}

std::vector<record> consume(const std::string& bootstrap, const std::string& topic,
                            size_t expected, std::chrono::seconds deadline) {
  std::vector<record> out;
  auto rk = make_client(RD_KAFKA_CONSUMER, bootstrap,
                        {{"group.id", "tandem-test-reader"}, {"enable.auto.commit", "false"}});
  if (!rk) return out;
  int n = partition_count(rk.get(), topic);
  if (n <= 0) {
    ADD_FAILURE() << "topic " << topic << " not found on " << bootstrap;
    return out;
  }
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(n);
  for (int p = 0; p < n; ++p)
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(rk.get(), parts);
  rd_kafka_topic_partition_list_destroy(parts);
  auto until = clock::now() + deadline;
  while (out.size() < expected && clock::now() < until) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk.get(), 200);
    if (!m) continue;
    if (!m->err) out.push_back(to_record(m));
    rd_kafka_message_destroy(m);
  }
  rd_kafka_assign(rk.get(), nullptr);
  std::stable_sort(out.begin(), out.end(), [](const record& a, const record& b) {
    return std::pair(a.partition, a.offset) < std::pair(b.partition, b.offset);
  });
  return out;
}

command_result run_command(const std::string& command_line) {
  command_result r;
  FILE* p = popen(command_line.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace tandem::testing
