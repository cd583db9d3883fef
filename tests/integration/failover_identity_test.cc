// Acceptance, identity naming on real Kafka: random failover trials of consumer groups from region
// a to region b while T interleaves a-local records and copies of b's (both processes run).
//
//   a: T (1 partition) <── tandem a ── b: T        concurrent producers on a and b
//   a: T ── tandem b (identity, checkpoint_interval 1s, no group sync) ──> b: T
//   trial i: group G_i on a reads T from the beginning up to a random (seeded, printed) X and
//            commits X; tandem b checkpoints G_i (translate polled until from_offset == X);
//            tandemctl groups failover ──> G_i on b; G_i on b reads from its offset to the end
//   per trial: every one of the records is read on a or on b (0 skipped); the records read on
//   both sides (re-reads) stay within the records between the two frontiers (DESIGN.md
//   "Translation": start = min(a_term, b_term)) and within tandemctl's reported `reread`.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "tests/integration/engine_scenario.h"

namespace tandem::testing {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

const std::string k_tandemctl = std::string(TANDEM_BINARY_DIR) + "/tools/tandemctl";
const std::string k_local_kafka = std::string(TANDEM_SOURCE_DIR) + "/tests/kafka/local-kafka";

constexpr int k_partitions = 1;
constexpr int64_t k_per_region = 1500;
constexpr int64_t k_chunk = 10;   // records per produce() call: the two regions interleave finely
constexpr int k_trials = 20;

struct rk_deleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using rk_ptr = std::unique_ptr<rd_kafka_t, rk_deleter>;

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
                       std::vector<std::string>& values, std::chrono::seconds deadline = 30s) {
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

struct partition_row {
  int64_t from_offset = -1;
  std::string to_topic;
  int64_t to_offset = -1;  // -1: null (an error)
  int64_t reread = -1;     // -1: null
  bool has_identity = false;
  int64_t a_term = -1, b_term = -1;
  std::string a_kind, b_kind;
};

// partition -> row, from the `--json` output of `groups translate` / `groups failover`.
std::map<int, partition_row> parse_partitions(const std::string& json, const std::string& topic) {
  static const std::regex row(
      R"re(\{"topic":"([^"]*)","partition":(\d+),"from_offset":(-?\d+),"checkpoint_time_ms":-?\d+,"to_topic":"([^"]*)","to_offset":(-?\d+|null),"kind":(?:"[a-z_]*"|null),"reread":(-?\d+|null)(?:,"identity":\{"a_term":(-?\d+),"a_kind":"([a-z_]*)","b_term":(-?\d+),"b_kind":"([a-z_]*)"\})?)re");
  std::map<int, partition_row> out;
  for (auto it = std::sregex_iterator(json.begin(), json.end(), row); it != std::sregex_iterator();
       ++it) {
    const auto& m = *it;
    if (m[1] != topic) continue;
    partition_row r;
    r.from_offset = std::stoll(m[3]);
    r.to_topic = m[4];
    r.to_offset = m[5] == "null" ? -1 : std::stoll(m[5]);
    r.reread = m[6] == "null" ? -1 : std::stoll(m[6]);
    if (m[7].matched) {
      r.has_identity = true;
      r.a_term = std::stoll(m[7]);
      r.a_kind = m[8];
      r.b_term = std::stoll(m[9]);
      r.b_kind = m[10];
    }
    out[std::stoi(m[2])] = r;
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
void append_replication_keys(const tandem_process& p, const std::string& group_regex) {
  std::ofstream(p.config_path(), std::ios::app)
      << "checkpoint_interval = \"1s\"\nsync_group_offsets = false\ngroups = [\"" << group_regex
      << "\"]\n";
}

struct trial {
  std::string group;
  std::vector<int64_t> x;              // per partition: committed on a
  std::vector<std::string> read_on_a;  // values
  std::map<int, partition_row> fo;     // failover rows
  std::vector<std::string> read_on_b;
  int64_t skipped = 0, reread = 0, unexpected = 0;
};

TEST(failover_identity, random_trials_skip_nothing_and_reread_within_the_interleaving_bound) {
  const auto t0 = steady::now();
  auto eps = region_endpoints(2);
  ASSERT_EQ(eps.size(), 2u);
  const auto& a = eps[0];
  const auto& b = eps[1];
  const std::string topic = unique_topic("fo-identity");
  const std::string group_prefix = unique_topic("fo-id-group");
  for (const auto& e : eps) ASSERT_EQ(create_topic(e.bootstrap, topic, k_partitions), "") << e.alias;

  // Both processes: a <-> b, identity naming; b's checkpoints the test's groups every second.
  std::vector<std::unique_ptr<tandem_process>> procs;
  for (const auto& e : eps) {
    tandem_options o;
    o.region = e.alias;
    o.clusters = eps;
    o.naming = "identity";
    o.topics = {topic};
    o.topic_refresh = "1s";
    procs.push_back(std::make_unique<tandem_process>(o));
    append_replication_keys(*procs.back(), group_prefix + ".*");
    ASSERT_EQ(procs.back()->start(), "") << e.alias;
  }
  for (auto& p : procs) ASSERT_TRUE(p->wait_ready(60s)) << p->region() << "\n" << p->log_tail();
  tandem_process& proc_b = *procs[1];

  // Concurrent writes in both regions: unique values "<region>-<seq>".
  std::set<std::string> all_values;
  for (const auto& e : eps)
    for (int64_t i = 0; i < k_per_region; ++i) all_values.insert(e.alias + "-" + std::to_string(i));
  const int64_t total = static_cast<int64_t>(all_values.size());
  {
    const auto p0 = steady::now();
    std::vector<std::string> errors(eps.size());
    std::vector<std::thread> producers;
    for (size_t r = 0; r < eps.size(); ++r) {
      producers.emplace_back([&, r] {
        for (int64_t first = 0; first < k_per_region && errors[r].empty(); first += k_chunk) {
          std::vector<record> chunk;
          for (int64_t i = first; i < std::min(first + k_chunk, k_per_region); ++i) {
            record rec;
            rec.partition = static_cast<int32_t>(i % k_partitions);
            rec.key = "k" + std::to_string(i);
            rec.value = eps[r].alias + "-" + std::to_string(i);
            chunk.push_back(std::move(rec));
          }
          errors[r] = produce(eps[r].bootstrap, topic, chunk);
        }
      });
    }
    for (auto& t : producers) t.join();
    for (size_t r = 0; r < eps.size(); ++r) ASSERT_EQ(errors[r], "") << "producer " << eps[r].alias;
    std::printf("[figures] producers: %lld records per region in %s s\n",
                static_cast<long long>(k_per_region), seconds_text(steady::now() - p0).c_str());
    for (const auto& e : eps) {
      offsets_probe probe(e.bootstrap);
      int64_t n = wait_settled(probe, topic, total, 60s, 2s);
      ASSERT_EQ(n, total) << e.alias << " holds " << n << " of " << total;
    }
    std::printf("[figures] both clusters hold %lld records (stable) %s s after the producers "
                "started\n",
                static_cast<long long>(total), seconds_text(steady::now() - p0).c_str());
  }

  // How a and b interleave (offset order of origins), for the figures.
  {
    auto on_b = read_topic(b.bootstrap, topic);
    ASSERT_EQ(static_cast<int64_t>(on_b.size()), total);
    int64_t switches = 0;
    for (size_t i = 1; i < on_b.size(); ++i)
      if (on_b[i].value->substr(0, 2) != on_b[i - 1].value->substr(0, 2)) ++switches;
    std::printf("[figures] T on b: %lld origin switches along the log\n",
                static_cast<long long>(switches));
  }

  // Phase 1: every trial's group on a reads up to its random X and commits X.
  const unsigned seed = static_cast<unsigned>(std::random_device{}());
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int64_t> x_dist(0, total / k_partitions);
  std::printf("[figures] seed %u, %d trials\n", seed, k_trials);
  std::vector<trial> trials(k_trials);
  for (int i = 0; i < k_trials; ++i) {
    auto& t = trials[i];
    t.group = group_prefix + "-" + std::to_string(i);
    t.x.resize(k_partitions);
    for (auto& x : t.x) x = x_dist(rng);
    auto rk = group_consumer(a.bootstrap, t.group);
    ASSERT_TRUE(rk);
    auto* commit = rd_kafka_topic_partition_list_new(k_partitions);
    for (int p = 0; p < k_partitions; ++p) {
      int64_t next = t.x[p] == 0 ? 0
                                 : read_partition(rk.get(), topic, p, RD_KAFKA_OFFSET_BEGINNING,
                                                  t.x[p], t.read_on_a);
      ASSERT_EQ(next, t.x[p]) << t.group << " partition " << p;
      rd_kafka_topic_partition_list_add(commit, topic.c_str(), p)->offset = next;
    }
    auto e = rd_kafka_commit(rk.get(), commit, 0 /* synchronous */);
    rd_kafka_topic_partition_list_destroy(commit);
    ASSERT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
    EXPECT_EQ(committed(rk.get(), topic, k_partitions), t.x);
    rd_kafka_consumer_close(rk.get());
  }

  // Phase 2: tandem b has checkpointed every group at its commits.
  auto args = [&](const trial& t) {
    return " --config " + proc_b.config_path().string() + " --group " + t.group + " --from " +
           a.alias;
  };
  {
    const auto c0 = steady::now();
    std::vector<bool> done(k_trials, false);
    std::string last;
    bool all = wait_until(
        [&] {
          for (int i = 0; i < k_trials; ++i) {
            if (done[i]) continue;
            auto r = run_command(k_tandemctl + " groups translate" + args(trials[i]) +
                                 " --json 2>&1");
            last = r.output;
            if (r.exit_code != 0) return false;
            auto rows = parse_partitions(r.output, topic);
            if (static_cast<int>(rows.size()) != k_partitions) return false;
            for (int p = 0; p < k_partitions; ++p)
              if (rows[p].from_offset != trials[i].x[p]) return false;
            done[i] = true;
          }
          return true;
        },
        45s, 500ms);
    ASSERT_TRUE(all) << "not every group checkpointed at its commit; last translate:\n" << last;
    std::printf("[figures] all %d groups checkpointed %s s after the commits\n", k_trials,
                seconds_text(steady::now() - c0).c_str());
  }

  // Phase 3: fail every group over to b and continue there to the end.
  offsets_probe probe_b(b.bootstrap);
  const auto hw = probe_b.high_watermarks(topic);
  ASSERT_EQ(static_cast<int>(hw.size()), k_partitions);
  int64_t sum_measured = 0, sum_reported = 0, sum_between = 0, sum_skipped = 0;
  int exact = 0;
  for (int i = 0; i < k_trials; ++i) {
    auto& t = trials[i];
    auto fo = run_command(k_tandemctl + " groups failover" + args(t) + " --json 2>&1");
    ASSERT_EQ(fo.exit_code, 0) << t.group << ": " << fo.output;
    t.fo = parse_partitions(fo.output, topic);
    ASSERT_EQ(static_cast<int>(t.fo.size()), k_partitions) << fo.output;
    std::map<int, int64_t> to_offsets;
    for (auto& [p, r] : t.fo) {
      EXPECT_EQ(r.to_topic, topic) << fo.output;
      EXPECT_GE(r.to_offset, 0) << fo.output;
      EXPECT_TRUE(r.has_identity) << "no identity frontiers in: " << fo.output;
      if (r.has_identity) {
        EXPECT_EQ(r.to_offset, std::min(r.a_term, r.b_term)) << fo.output;
      }
      to_offsets[p] = r.to_offset;
    }
    if (i == 0) {  // Kafka's own view of the group (once: the JVM tool is slow)
      std::string raw;
      auto cli = kafka_cli_offsets(b.bootstrap, t.group, topic, raw);
      EXPECT_EQ(cli, to_offsets) << "ConsumerGroupCommand --describe:\n" << raw;
    }
    {
      auto rk = group_consumer(b.bootstrap, t.group);
      ASSERT_TRUE(rk);
      auto from = committed(rk.get(), topic, k_partitions);
      for (int p = 0; p < k_partitions; ++p) {
        ASSERT_GE(from[p], 0) << "no committed offset of " << t.group << " on b";
        EXPECT_EQ(from[p], to_offsets.at(p)) << t.group;
        if (hw[p] > from[p]) {
          ASSERT_EQ(read_partition(rk.get(), topic, p, from[p], hw[p] - from[p], t.read_on_b),
                    hw[p]);
        }
      }
      rd_kafka_consumer_close(rk.get());
    }
    std::set<std::string> on_a(t.read_on_a.begin(), t.read_on_a.end());
    std::set<std::string> on_b(t.read_on_b.begin(), t.read_on_b.end());
    EXPECT_EQ(on_a.size(), t.read_on_a.size()) << t.group << ": duplicates read on a";
    EXPECT_EQ(on_b.size(), t.read_on_b.size()) << t.group << ": duplicates read on b";
    for (const auto& v : all_values)
      if (!on_a.count(v) && !on_b.count(v)) ++t.skipped;
    for (const auto& v : on_b) {
      if (on_a.count(v)) ++t.reread;
      if (!all_values.count(v)) ++t.unexpected;
    }
    int64_t reported = 0, between = 0;
    for (auto& [p, r] : t.fo) {
      reported += std::max<int64_t>(r.reread, 0);
      if (r.has_identity) between += std::max(r.a_term, r.b_term) - std::min(r.a_term, r.b_term);
    }
    const auto& r0 = t.fo.at(0);
    std::printf("[figures] trial %2d %s: X=%lld to_offset=%lld a_term=%lld(%s) b_term=%lld(%s) "
                "reread reported=%lld between-frontiers=%lld measured=%lld skipped=%lld "
                "(read a %zu, b %zu)\n",
                i, t.group.c_str(), static_cast<long long>(t.x[0]),
                static_cast<long long>(r0.to_offset), static_cast<long long>(r0.a_term),
                r0.a_kind.c_str(), static_cast<long long>(r0.b_term), r0.b_kind.c_str(),
                static_cast<long long>(reported), static_cast<long long>(between),
                static_cast<long long>(t.reread), static_cast<long long>(t.skipped),
                t.read_on_a.size(), t.read_on_b.size());
    EXPECT_EQ(t.skipped, 0) << t.group << " X=" << t.x[0] << " to_offset=" << r0.to_offset;
    EXPECT_EQ(t.unexpected, 0) << t.group;
    EXPECT_LE(t.reread, between) << t.group << ": re-reads beyond the records between the frontiers";
    EXPECT_LE(t.reread, reported) << t.group << ": re-reads beyond tandemctl's reported reread";
    sum_measured += t.reread;
    sum_reported += reported;
    sum_between += between;
    sum_skipped += t.skipped;
    if (t.reread == reported) ++exact;
  }
  std::printf("[figures] total over %d trials: skipped %lld, re-read measured %lld, reported "
              "%lld, between frontiers %lld; measured == reported in %d trials\n",
              k_trials, static_cast<long long>(sum_skipped), static_cast<long long>(sum_measured),
              static_cast<long long>(sum_reported), static_cast<long long>(sum_between), exact);
  for (auto& p : procs) {
    auto st = p->terminate();
    EXPECT_TRUE(st.exited && st.code == 0) << p->region() << ": " << st.describe();
  }
  std::printf("[figures] runtime %s s\n", seconds_text(steady::now() - t0).c_str());
}

}  // namespace
}  // namespace tandem::testing
