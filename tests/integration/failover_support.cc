// Shared by the failover integration tests (failover_prefix_test.cc, failover_identity_test.cc):
// group consumers, tandemctl JSON parsing and Kafka's own view of a group's offsets.
#include "tests/integration/failover_support.h"

#include <gtest/gtest.h>

#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/integration/json_output.h"

namespace tandem::testing {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

const std::string k_tandemctl = std::string(TANDEM_BINARY_DIR) + "/tools/tandemctl";
const std::string k_local_kafka = std::string(TANDEM_SOURCE_DIR) + "/tests/kafka/local-kafka";

// A consumer of group `group` (no auto commit); nullptr and an ADD_FAILURE on error.
rk_ptr group_consumer(const std::string& bootstrap, const std::string& group) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (auto [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"bootstrap.servers", bootstrap},
           {"group.id", group},
           {"enable.auto.commit", "false"},
           {"enable.auto.offset.store", "false"},
           {"auto.offset.reset", "error"},
           {"session.timeout.ms", "10000"},
           {"client.id", "failover-it"}}) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      ADD_FAILURE() << "conf " << k << ": " << err;
      rd_kafka_conf_destroy(conf);
      return nullptr;
    }
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) {
    ADD_FAILURE() << "rd_kafka_new: " << err;
    return nullptr;
  }
  rd_kafka_poll_set_consumer(rk);
  return rk_ptr(rk);
}

// Reads partition `p` of `topic` from `from` until `n` records arrived; appends their values.
// Returns the offset after the last one read (the offset to commit), or -1 on a timeout.
int64_t read_partition(rd_kafka_t* rk, const std::string& topic, int32_t p, int64_t from, int64_t n,
                       std::vector<std::string>& values, std::chrono::seconds deadline) {
  auto* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset = from;
  rd_kafka_resp_err_t e = rd_kafka_assign(rk, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  if (e) {
    ADD_FAILURE() << "assign " << topic << "/" << p << ": " << rd_kafka_err2str(e);
    return -1;
  }
  int64_t next = from, got = 0;
  auto until = steady::now() + deadline;
  while (got < n && steady::now() < until) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->partition == p) {
      values.emplace_back(static_cast<const char*>(m->payload), m->len);
      next = m->offset + 1;
      ++got;
    } else if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      ADD_FAILURE() << "consume " << topic << "/" << p << ": " << rd_kafka_message_errstr(m);
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_assign(rk, nullptr);
  if (got < n) {
    ADD_FAILURE() << topic << "/" << p << ": read " << got << " of " << n << " records from "
                  << from;
    return -1;
  }
  return next;
}

// The committed offsets of the consumer's group for `topic` (partitions 0..n-1); -1: none.
std::vector<int64_t> committed(rd_kafka_t* rk, const std::string& topic, int n) {
  auto* parts = rd_kafka_topic_partition_list_new(n);
  for (int p = 0; p < n; ++p) rd_kafka_topic_partition_list_add(parts, topic.c_str(), p);
  std::vector<int64_t> out(n, -1);
  if (auto e = rd_kafka_committed(rk, parts, 10000)) {
    ADD_FAILURE() << "committed " << topic << ": " << rd_kafka_err2str(e);
  } else {
    for (int i = 0; i < parts->cnt; ++i)
      if (parts->elems[i].err == 0 && parts->elems[i].offset >= 0)
        out[parts->elems[i].partition] = parts->elems[i].offset;
  }
  rd_kafka_topic_partition_list_destroy(parts);
  return out;
}


// partition -> row, from the `--json` output of `groups translate` / `groups failover`.
std::map<int, partition_row> parse_partitions(const std::string& output, const std::string& topic) {
  std::map<int, partition_row> out;
  for (const auto& rows : values_named(json_document(output), "partitions")) {
    if (!rows.is_array()) continue;
    for (const auto& row : rows) {
      if (text_of(row, "topic") != topic || integer_of(row, "partition") < 0) continue;
      partition_row r;
      r.from_offset = integer_of(row, "from_offset");
      r.to_topic = text_of(row, "to_topic");
      r.to_offset = integer_of(row, "to_offset");
      r.kind = text_of(row, "kind");
      r.reread = integer_of(row, "reread");
      if (row.contains("identity") && row["identity"].is_object()) {
        const auto& id = row["identity"];
        r.has_identity = true;
        r.a_term = integer_of(id, "a_term");
        r.a_kind = text_of(id, "a_kind");
        r.b_term = integer_of(id, "b_term");
        r.b_kind = text_of(id, "b_kind");
        r.c_term = integer_of(id, "c_term");  // mesh only
        r.c_kind = text_of(id, "c_kind");
      }
      out[static_cast<int>(integer_of(row, "partition"))] = r;
    }
  }
  return out;
}

// partition -> CURRENT-OFFSET of `group` on `topic`, from Kafka's ConsumerGroupCommand --describe
// ("-" counts as -1). Empty when the command failed (the output goes to `raw`).
std::map<int, int64_t> kafka_cli_offsets(const std::string& bootstrap, const std::string& group,
                                         const std::string& topic, std::string& raw) {
  auto r = run_command(k_local_kafka +
                       " run-class org.apache.kafka.tools.consumer.group.ConsumerGroupCommand"
                       " --bootstrap-server " + bootstrap + " --describe --group " + group +
                       " 2>&1");
  raw = r.output;
  std::map<int, int64_t> out;
  if (r.exit_code != 0) return out;
  std::istringstream lines(r.output);
  std::string line;
  int c_topic = -1, c_part = -1, c_cur = -1;
  while (std::getline(lines, line)) {
    std::istringstream ws(line);
    std::vector<std::string> cols;
    for (std::string w; ws >> w;) cols.push_back(w);
    if (cols.empty()) continue;
    if (cols[0] == "GROUP") {
      for (int i = 0; i < static_cast<int>(cols.size()); ++i) {
        if (cols[i] == "TOPIC") c_topic = i;
        if (cols[i] == "PARTITION") c_part = i;
        if (cols[i] == "CURRENT-OFFSET") c_cur = i;
      }
      continue;
    }
    if (c_cur < 0 || static_cast<int>(cols.size()) <= c_cur || cols[c_topic] != topic) continue;
    out[std::stoi(cols[c_part])] = cols[c_cur] == "-" ? -1 : std::stoll(cols[c_cur]);
  }
  return out;
}


// The config keys tandem_options has no field for (the generated config ends in [replication]).
void append_replication_keys(const tandem_process& p, const std::string& group_regex,
                             bool sync_group_offsets) {
  std::ofstream(p.config_path(), std::ios::app)
      << "checkpoint_interval = \"1s\"\nsync_group_offsets = "
      << (sync_group_offsets ? "true" : "false") << "\ngroups = [\"" << group_regex << "\"]\n";
}

// Commits `offsets[p]` for partitions p of `topic` (synchronously, no metadata: a consumer's
// own commit). Returns the error, NO_ERROR on success.
rd_kafka_resp_err_t commit_offsets(rd_kafka_t* rk, const std::string& topic,
                                   const std::vector<int64_t>& offsets) {
  auto* parts = rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
  for (int p = 0; p < static_cast<int>(offsets.size()); ++p)
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset = offsets[p];
  auto e = rd_kafka_commit(rk, parts, 0 /* synchronous */);
  rd_kafka_topic_partition_list_destroy(parts);
  return e;
}

broker_freeze::broker_freeze(const std::string& name) {
  const char* d = std::getenv("TANDEM_KAFKA_DIR");
  std::ifstream in(std::string(d ? d : "") + "/" + name + "/pid");
  in >> pid_;
}

std::string broker_freeze::freeze() {
  if (pid_ <= 0) return "no broker PID (TANDEM_KAFKA_DIR not set?)";
  if (::kill(pid_, SIGSTOP) != 0) return "SIGSTOP " + std::to_string(pid_) + " failed";
  frozen_ = true;
  bool stopped = wait_until([&] { return state() == 'T'; }, 10s, 50ms);
  return stopped ? "" : "broker " + std::to_string(pid_) + " not stopped";
}

void broker_freeze::resume() {
  if (frozen_) ::kill(pid_, SIGCONT);
  frozen_ = false;
}

char broker_freeze::state() const {
  std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
  std::string pid, comm;
  char s = '?';
  stat >> pid >> comm >> s;  // comm ("(java)") has no spaces
  return s;
}

}  // namespace tandem::testing
