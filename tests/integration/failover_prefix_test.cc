// Acceptance, prefix naming on real Kafka: a consumer group G consuming topic T on region a moves
// to `a.T` on region b with `tandemctl groups failover` (from the checkpoints the b process took),
// and continues there with 0 records skipped and 0 re-read (replication had caught up).
//
//   a: T (3 partitions) ── tandem b (prefix, checkpoint_interval 1s, no group sync) ──> b: a.T
//   G on a: per partition a random (seeded, printed) number of records, committed, closed
//   tandemctl groups translate (poll until the checkpoints show G's commits)
//   tandemctl groups failover  ──> G's offsets on b == tandemctl's to-offsets (Kafka's own CLI)
//   G on b: from its committed offsets to the end; consumed(a) ∪ consumed(b) == all, ∩ == ∅
//   a member of G on b: a second failover is refused, offsets unchanged
// Disaster: a killed; a lost while b lost its state directory and a forged checkpoint sits in
// b's tandem.checkpoints after G's real one (rejected at restore: nothing skipped).
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "tests/integration/engine_scenario.h"
#include "tests/integration/failover_support.h"
#include "tests/integration/json_output.h"

namespace tandem::testing {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;


constexpr int k_partitions = 3;
constexpr int k_per_partition = 1000;

// Topic T on a replicated to a.T on b by the b process, and group G on a committed at random
// (seeded, printed) stop points, checkpointed by tandem b.
struct scenario {
  std::vector<region_endpoint> eps;
  std::string topic, copy, group;
  std::set<std::string> all_values;
  std::vector<int64_t> stops;
  std::vector<std::string> read_on_a;
  std::unique_ptr<tandem_process> proc;
  std::string args;  // tandemctl: --config B --group G --from a
};

// Fills `s`; check HasFatalFailure() after it. `fixed_stops`: G's stop points (default random).
void prepare(scenario& s, std::vector<int64_t> fixed_stops = {}) {
  s.eps = region_endpoints(2);
  ASSERT_EQ(s.eps.size(), 2u);
  const auto& a = s.eps[0];
  const auto& b = s.eps[1];
  s.topic = unique_topic("fo-prefix");
  s.copy = a.alias + "." + s.topic;
  s.group = unique_topic("fo-group");
  ASSERT_EQ(create_topic(a.bootstrap, s.topic, k_partitions), "");

  // Keyed records with unique values, k_per_partition on each partition.
  std::vector<record> records;
  for (int i = 0; i < k_partitions * k_per_partition; ++i) {
    record r;
    r.partition = i % k_partitions;
    r.key = "k" + std::to_string(i);
    r.value = "v-" + std::to_string(i);
    s.all_values.insert(*r.value);
    records.push_back(std::move(r));
  }
  ASSERT_EQ(produce(a.bootstrap, s.topic, records), "");

  // Only the b process: flow a -> b, checkpoints every second, no group sync.
  tandem_options o;
  o.region = b.alias;
  o.clusters = s.eps;
  o.naming = "prefix";
  o.topics = {s.topic};
  o.topic_refresh = "1s";
  s.proc = std::make_unique<tandem_process>(o);
  append_replication_keys(*s.proc, s.group);
  ASSERT_EQ(s.proc->start(), "");
  ASSERT_TRUE(s.proc->wait_ready(60s)) << s.proc->log_tail();

  offsets_probe probe_b(b.bootstrap);
  const int64_t total = k_partitions * k_per_partition;
  const auto rep_t0 = steady::now();
  ASSERT_TRUE(wait_until([&] { return probe_b.records(s.copy) == total; }, 90s))
      << s.copy << " on b holds " << probe_b.records(s.copy) << " of " << total;
  std::printf("[figures] %s on b complete (%lld records) %s s after start\n", s.copy.c_str(),
              static_cast<long long>(total), seconds_text(steady::now() - rep_t0).c_str());

  // G on a: a random number of records per partition, committed, closed.
  const unsigned seed = static_cast<unsigned>(std::random_device{}());
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> stop_dist(0, k_per_partition);
  s.stops.resize(k_partitions);
  for (auto& x : s.stops) x = stop_dist(rng);
  if (!fixed_stops.empty()) s.stops = fixed_stops;
  std::printf("[figures] seed %u, stop points on a:", seed);
  for (int p = 0; p < k_partitions; ++p)
    std::printf(" p%d=%lld", p, static_cast<long long>(s.stops[p]));
  std::printf("\n");
  {
    auto rk = group_consumer(a.bootstrap, s.group);
    ASSERT_TRUE(rk);
    auto* commit = rd_kafka_topic_partition_list_new(k_partitions);
    for (int p = 0; p < k_partitions; ++p) {
      int64_t next = s.stops[p] == 0 ? 0
                                     : read_partition(rk.get(), s.topic, p,
                                                      RD_KAFKA_OFFSET_BEGINNING, s.stops[p],
                                                      s.read_on_a);
      ASSERT_EQ(next, s.stops[p]) << "partition " << p;
      rd_kafka_topic_partition_list_add(commit, s.topic.c_str(), p)->offset = next;
    }
    auto e = rd_kafka_commit(rk.get(), commit, 0 /* synchronous */);
    rd_kafka_topic_partition_list_destroy(commit);
    ASSERT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
    EXPECT_EQ(committed(rk.get(), s.topic, k_partitions), s.stops);
    rd_kafka_consumer_close(rk.get());
  }

  // Wait until tandem b has checkpointed every partition at G's commits.
  s.args = " --config " + s.proc->config_path().string() + " --group " + s.group + " --from " +
           a.alias;
  std::string last;
  const auto ckpt_t0 = steady::now();
  bool checkpointed = wait_until(
      [&] {
        auto r = run_command(k_tandemctl + " groups translate" + s.args + " --json 2>&1");
        last = r.output;
        if (r.exit_code != 0) return false;
        auto rows = parse_partitions(r.output, s.topic);
        if (static_cast<int>(rows.size()) != k_partitions) return false;
        for (int p = 0; p < k_partitions; ++p)
          if (rows[p].from_offset != s.stops[p]) return false;
        return true;
      },
      30s, 500ms);
  ASSERT_TRUE(checkpointed) << "no checkpoint of " << s.group
                            << " at the commits; last translate:\n" << last;
  std::printf("[figures] checkpointed %s s after the commit\n",
              seconds_text(steady::now() - ckpt_t0).c_str());
}

// Fails over (expects exit 0) and returns partition -> to-offset; checks Kafka's own view of G.
std::map<int, int64_t> fail_over(const scenario& s) {
  std::map<int, int64_t> to_offsets;
  auto fo = run_command(k_tandemctl + " groups failover" + s.args + " --json 2>&1");
  EXPECT_EQ(fo.exit_code, 0) << fo.output;
  if (fo.exit_code != 0) return to_offsets;
  std::printf("[figures] failover: %s", fo.output.c_str());
  auto rows = parse_partitions(fo.output, s.topic);
  EXPECT_EQ(static_cast<int>(rows.size()), k_partitions) << fo.output;
  for (auto& [p, r] : rows) {
    EXPECT_EQ(r.to_topic, s.copy);
    EXPECT_GE(r.to_offset, 0) << "partition " << p << ": " << fo.output;
    EXPECT_EQ(r.reread, 0) << "partition " << p;
    to_offsets[p] = r.to_offset;
  }
  std::string raw;
  auto cli = kafka_cli_offsets(s.eps[1].bootstrap, s.group, s.copy, raw);
  EXPECT_EQ(cli, to_offsets) << "ConsumerGroupCommand --describe:\n" << raw;
  return to_offsets;
}

// G on b: from its committed offsets to the end (no commits, the group stays EMPTY); then the
// skipped / re-read figures against what G read on a.
void continue_on_b(const scenario& s, const std::map<int, int64_t>& to_offsets) {
  std::vector<std::string> read_on_b;
  {
    offsets_probe probe_b(s.eps[1].bootstrap);
    auto rk = group_consumer(s.eps[1].bootstrap, s.group);
    ASSERT_TRUE(rk);
    auto from = committed(rk.get(), s.copy, k_partitions);
    auto hw = probe_b.high_watermarks(s.copy);
    ASSERT_EQ(static_cast<int>(hw.size()), k_partitions);
    for (int p = 0; p < k_partitions; ++p) {
      ASSERT_GE(from[p], 0) << "no committed offset of " << s.group << " on " << s.copy << "/" << p;
      EXPECT_EQ(from[p], to_offsets.at(p));
      if (hw[p] > from[p]) {
        ASSERT_EQ(read_partition(rk.get(), s.copy, p, from[p], hw[p] - from[p], read_on_b), hw[p]);
      }
    }
    rd_kafka_consumer_close(rk.get());
  }
  std::set<std::string> on_a(s.read_on_a.begin(), s.read_on_a.end());
  std::set<std::string> on_b(read_on_b.begin(), read_on_b.end());
  EXPECT_EQ(on_a.size(), s.read_on_a.size()) << "duplicates read on a";
  EXPECT_EQ(on_b.size(), read_on_b.size()) << "duplicates read on b";
  int64_t skipped = 0, reread = 0, unexpected = 0;
  for (const auto& v : s.all_values)
    if (!on_a.count(v) && !on_b.count(v)) ++skipped;
  for (const auto& v : on_b) {
    if (on_a.count(v)) ++reread;
    if (!s.all_values.count(v)) ++unexpected;
  }
  std::printf("[figures] consumed on a %zu, on b %zu, of %zu: skipped %lld, re-read %lld, "
              "unexpected %lld\n",
              s.read_on_a.size(), read_on_b.size(), s.all_values.size(),
              static_cast<long long>(skipped), static_cast<long long>(reread),
              static_cast<long long>(unexpected));
  EXPECT_EQ(skipped, 0);
  EXPECT_EQ(reread, 0);
  EXPECT_EQ(unexpected, 0);
}

TEST(failover_prefix, group_moves_from_a_to_b_with_nothing_skipped_and_nothing_reread) {
  const auto t0 = steady::now();
  scenario s;
  prepare(s);
  if (HasFatalFailure()) return;
  const auto& b = s.eps[1];
  const std::string& group = s.group;
  const std::string& copy = s.copy;
  const std::string& args = s.args;
  auto to_offsets = fail_over(s);
  if (HasFailure()) return;
  continue_on_b(s, to_offsets);
  std::string raw;
  // A member of G on b: a second failover is refused, the offsets stay.
  {
    auto rk = group_consumer(b.bootstrap, group);
    ASSERT_TRUE(rk);
    auto* sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, copy.c_str(), RD_KAFKA_PARTITION_UA);
    auto e = rd_kafka_subscribe(rk.get(), sub);
    rd_kafka_topic_partition_list_destroy(sub);
    ASSERT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
    std::atomic<bool> stop{false};
    std::thread poller([&] {
      while (!stop) {
        if (auto* m = rd_kafka_consumer_poll(rk.get(), 100)) rd_kafka_message_destroy(m);
      }
    });
    bool stable = wait_until(
        [&] {
          auto dry = run_command(k_tandemctl + " groups failover" + args + " --dry-run --json 2>&1");
          return has_fields(dry.output, {{"group_state", "stable"}});
        },
        30s, 500ms);
    EXPECT_TRUE(stable) << "the subscribing consumer never joined " << group;
    auto refused = run_command(k_tandemctl + " groups failover" + args + " 2>&1");
    EXPECT_NE(refused.exit_code, 0) << refused.output;
    EXPECT_TRUE(contains(refused.output, "refusing to fail over group \"" + group + "\""))
        << refused.output;
    std::printf("[figures] refused (exit %d): %s", refused.exit_code, refused.output.c_str());
    auto after = kafka_cli_offsets(b.bootstrap, group, copy, raw);
    EXPECT_EQ(after, to_offsets) << "ConsumerGroupCommand --describe:\n" << raw;
    stop = true;
    poller.join();
    rd_kafka_consumer_close(rk.get());
  }
  expect_clean_stop({s.proc.get()});
  std::printf("[figures] runtime %s s\n", seconds_text(steady::now() - t0).c_str());
}

// Stops cluster `name` of the fixture with SIGKILL ("disaster") and starts it again (on its old
// ports and data, waiting until it is ready) when it goes out of scope, on every path: the
// clusters are shared by the tests that run later.
class cluster_outage {
 public:
  explicit cluster_outage(std::string name) : name_(std::move(name)) {
    const char* d = std::getenv("TANDEM_KAFKA_DIR");
    dir_ = d ? d : "";
  }
  ~cluster_outage() {
    if (!killed_) return;
    const auto t0 = steady::now();
    auto r = run_command(k_local_kafka + " start --dir " + dir_ + " " + name_ + " 2>&1");
    if (r.exit_code != 0) ADD_FAILURE() << "restarting cluster " << name_ << ": " << r.output;
    else
      std::printf("[figures] cluster %s restarted in %s s\n", name_.c_str(),
                  seconds_text(steady::now() - t0).c_str());
  }
  cluster_outage(const cluster_outage&) = delete;
  cluster_outage& operator=(const cluster_outage&) = delete;

  // Returns an error text, empty when the broker was killed.
  std::string kill() {
    if (dir_.empty()) return "TANDEM_KAFKA_DIR is not set";
    killed_ = true;  // restart on every path from here on (start refuses a running cluster)
    auto r = run_command(k_local_kafka + " stop --dir " + dir_ + " " + name_ + " --kill 2>&1");
    if (r.exit_code != 0) return "stop --kill: " + r.output;
    return "";
  }

 private:
  std::string name_, dir_;
  bool killed_ = false;
};

TEST(failover_prefix, disaster_group_fails_over_from_checkpoints_alone_with_nothing_skipped) {
  const auto t0 = steady::now();
  scenario s;
  prepare(s);
  if (HasFatalFailure()) return;
  const auto& a = s.eps[0];
  cluster_outage outage(a.alias);  // destroyed before s: a is back before s.proc is killed
  ASSERT_EQ(outage.kill(), "");
  // a answers no more (a metadata request fails).
  offsets_probe probe_a(a.bootstrap);
  EXPECT_TRUE(wait_until([&] { return probe_a.partitions(s.topic) < 0; }, 30s, 500ms))
      << "cluster a still answers after the kill";
  std::printf("[figures] cluster %s killed\n", a.alias.c_str());

  auto to_offsets = fail_over(s);
  if (HasFailure()) return;
  // Every record was replicated before the kill: none skipped, none re-read.
  continue_on_b(s, to_offsets);
  auto st = s.proc->terminate();
  std::printf("[figures] tandem b stopped: %s\n", st.describe().c_str());
  std::printf("[figures] runtime %s s (before the restart of %s)\n",
              seconds_text(steady::now() - t0).c_str(), a.alias.c_str());
}

// Issue #10: a checkpoint beyond the source's known end is rejected. b's state directory is lost
// while a is gone (b's config points a at a dead address: b cannot reach it, as in a disaster);
// b's tandem.checkpoints holds G's real checkpoint of partition 0 and, appended after it, a
// forged one at a source offset a never had. The restore keeps the real one (the last plausible
// record), so the failover commits G's own position: nothing skipped, nothing re-read.
TEST(failover_prefix, forged_checkpoint_after_state_loss_is_rejected_and_nothing_is_skipped) {
  scenario s;
  prepare(s, {400, 1000, 1});  // p0 mid-way: a skip to the end would lose 600 records
  if (HasFatalFailure()) return;
  const auto& a = s.eps[0];
  const auto& b = s.eps[1];
  // The restore reads the map from b's tandem.offsets: wait until it covers every copy.
  const std::string prefix = a.alias + "|" + b.alias + "|" + s.topic + "|";
  ASSERT_TRUE(wait_until(
      [&] {
        std::map<int, int64_t> copied;
        for (const auto& r : read_topic(b.bootstrap, "tandem.offsets"))
          if (r.key && r.value && r.key->rfind(prefix, 0) == 0)
            copied[std::stoi(r.key->substr(prefix.size()))] +=
                integer_of(json_document(*r.value), "length");
        for (int p = 0; p < k_partitions; ++p)
          if (copied[p] < k_per_partition) return false;
        return true;
      },
      30s, 500ms))
      << "b's tandem.offsets does not cover " << s.copy;
  auto st = s.proc->terminate(10s);
  EXPECT_TRUE(st.exited && st.code == 0) << st.describe();

  record forged;
  forged.key = a.alias + "|" + b.alias + "|" + s.group + "|" + s.topic + "|0";
  forged.value = "{\"v\":1,\"source\":\"" + a.alias + "\",\"target\":\"" + b.alias +
                 "\",\"group\":\"" + s.group + "\",\"topic\":\"" + s.topic +
                 "\",\"partition\":0,\"source_offset\":5000000,\"target_topic\":\"" + s.copy +
                 "\",\"target_offset\":1000,\"kind\":\"exact\",\"time_ms\":1}";
  ASSERT_EQ(produce(b.bootstrap, "tandem.checkpoints", {forged}), "");

  std::filesystem::remove_all(s.proc->dir() / "state");
  std::string config;
  {
    std::ifstream in(s.proc->config_path());
    config.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto at = config.find(a.bootstrap);
  ASSERT_NE(at, std::string::npos) << config;
  config.replace(at, a.bootstrap.size(), "127.0.0.1:1");
  std::ofstream(s.proc->config_path(), std::ios::trunc) << config;
  ASSERT_EQ(s.proc->start(), "");
  std::string last;
  ASSERT_TRUE(wait_until(  // restored: every partition of G has a checkpoint again
      [&] {
        auto r = run_command(k_tandemctl + " groups translate" + s.args + " --json 2>&1");
        last = r.output;
        return r.exit_code == 0 &&
               static_cast<int>(parse_partitions(r.output, s.topic).size()) == k_partitions;
      },
      60s, 500ms))
      << last << s.proc->log_tail();
  auto dry = run_command(k_tandemctl + " groups failover" + s.args + " --dry-run --json 2>&1");
  auto rows = parse_partitions(dry.output, s.topic);
  EXPECT_EQ(rows[0].from_offset, s.stops[0]) << dry.output;  // the real one, not 5000000
  EXPECT_TRUE(has_fields(dry.output, {{"beyond_known_end", 0}})) << dry.output;  // restore dropped it
  const double rejected =
      metric_sum(parse_metrics(s.proc->metrics_text()), "tandem_checkpoints_rejected_total",
                 {{"source", a.alias}, {"target", b.alias}, {"reason", "beyond_map_end"}});
  // At least the forged record. The restore judges every record of b's tandem.checkpoints, and
  // the fixture's clusters are shared: checkpoints of other tests' groups (identity topics, judged
  // with this config's prefix naming) may be rejected too. That the forged one was rejected
  // shows in the dry run (from_offset 400, the real checkpoint) and in the records consumed.
  EXPECT_GE(rejected, 1) << s.proc->metrics_text();

  auto to_offsets = fail_over(s);
  if (static_cast<int>(to_offsets.size()) != k_partitions) return;
  continue_on_b(s, to_offsets);  // record by record: G on a and G on b together read everything
  st = s.proc->terminate();
  std::printf("[figures] tandem b stopped: %s\n", st.describe().c_str());
}

}  // namespace
}  // namespace tandem::testing
