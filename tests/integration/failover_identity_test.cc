// Acceptance, identity naming on real Kafka: random failover trials of consumer groups from region
// a to region b while T interleaves a-local records and copies of b's (both processes run).
//
//   a: T (1 partition) <── tandem a ── b: T        concurrent producers on a and b
//   a: T ── tandem b (identity, checkpoint_interval 1s, no group sync) ──> b: T
//   trial i: group G_i on a reads T from the beginning up to a random (seeded, printed) X and
//            commits X; tandem b checkpoints G_i (translate polled until from_offset == X);
//            tandemctl groups failover ──> G_i on b; G_i on b reads from its offset to the end
//   per trial: every one of the records is read on a or on b (0 skipped); the records read on
//   both sides (re-reads) stay within the records between the two frontiers (docs/design.md
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
#include "tests/integration/failover_support.h"

namespace tandem::testing {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr int k_partitions = 1;
constexpr int64_t k_per_region = 1500;
constexpr int64_t k_chunk = 10;   // records per produce() call: the two regions interleave finely
constexpr int k_trials = 20;

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
