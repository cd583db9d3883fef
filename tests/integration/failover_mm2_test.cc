// The same prefix failover through tandem and through MirrorMaker 2, side by side on the same
// clusters, records and consumer-group positions (issue #4: "its re-read count beside tandem's").
//
//   a: T (3 partitions × 1000) ──tandem b (prefix)──────────────> b: a.T
//                              └─MM2 dedicated mode (mmA->mmB)──> b: mmA.T
//   G on a: per partition a random (seeded, printed) number of records in 1..1000, committed
//   tandem: `tandemctl groups failover` moves G to a.T
//   MM2:    sync.group.offsets (every second) moves G to mmA.T (waits until it settled)
//   G on b, from each committed position to the end of each copy: skipped and re-read records
//   against what G read on a.
//
// Asserted: tandem skips 0 and re-reads 0 (replication had caught up); MM2 translated every
// partition. MM2's own figures are printed, not asserted (they measure MM2, not tandem):
// MirrorMaker 2 translates through offset syncs, which it emits about every offset.lag.max
// (default 100) records, so it is expected to re-read up to that many records per partition.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "tests/integration/engine_scenario.h"
#include "tests/integration/failover_support.h"

extern char** environ;

namespace tandem::testing {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr int k_partitions = 3;
constexpr int k_per_partition = 1000;

// MirrorMaker 2 in dedicated mode (`local-kafka run-class … MirrorMaker`) as a child process:
// killed with the test binary (setpriv --pdeathsig survives run-class's exec of java), stopped by
// PID with SIGTERM (SIGKILL after 15 s) when it goes out of scope.
class mm2_process {
 public:
  mm2_process(const std::filesystem::path& dir, const std::string& properties) : dir_(dir) {
    std::ofstream(dir_ / "mm2.properties") << properties;
  }
  ~mm2_process() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (auto until = steady::now() + 15s; steady::now() < until;) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(50ms);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  mm2_process(const mm2_process&) = delete;
  mm2_process& operator=(const mm2_process&) = delete;

  // Returns an error text, empty when the JVM was started (run-class execs java: the PID is
  // the JVM's).
  std::string start() {
    std::vector<std::string> args = {"/usr/bin/setpriv", "--pdeathsig", "KILL", "--", k_local_kafka,
                                     "run-class", "-Xmx512m",
                                     "org.apache.kafka.connect.mirror.MirrorMaker",
                                     (dir_ / "mm2.properties").string()};
    std::vector<char*> argv;
    for (auto& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    const std::string log = (dir_ / "mm2.log").string();
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    int rc = ::posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
      pid_ = -1;
      return std::string("posix_spawn setpriv: ") + std::strerror(rc);
    }
    return "";
  }
  bool running() { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }
  std::string log_tail() const {
    std::ifstream in(dir_ / "mm2.log");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    return text.size() > 4000 ? text.substr(text.size() - 4000) : text;
  }

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
};

// docs/kafka-local.md's dedicated-mode settings, every interval at 1 s (tandem checkpoints every 1 s
// here too), only `topic` and `group`, mmA -> mmB only.
std::string mm2_properties(const std::string& a, const std::string& b, const std::string& topic,
                           const std::string& group) {
  std::string p = "clusters=mmA,mmB\nmmA.bootstrap.servers=" + a + "\nmmB.bootstrap.servers=" + b +
                  "\nmmA->mmB.enabled=true\nmmA->mmB.topics=" + topic + "\nmmA->mmB.groups=" +
                  group + "\nmmB->mmA.enabled=false\nmmB->mmA.emit.heartbeats.enabled=false\n";
  for (const char* k : {"replication.factor", "checkpoints.topic.replication.factor",
                        "heartbeats.topic.replication.factor",
                        "offset-syncs.topic.replication.factor", "offset.storage.replication.factor",
                        "status.storage.replication.factor", "config.storage.replication.factor"})
    p += std::string(k) + "=1\n";
  p += "tasks.max=2\nsync.topic.acls.enabled=false\nrefresh.topics.interval.seconds=1\n"
       "refresh.groups.interval.seconds=1\nemit.checkpoints.interval.seconds=1\n"
       "sync.group.offsets.enabled=true\nsync.group.offsets.interval.seconds=1\n"
       "mmA.consumer.auto.offset.reset=earliest\n";
  return p;
}

struct outcome {
  int64_t skipped = 0, reread = 0, unexpected = 0;
};

// G on b reads `copy` from `from` (partition -> offset) to the end; counts against `read_on_a`.
outcome continue_on(const std::string& bootstrap, const std::string& group,
                    const std::string& copy, const std::map<int, int64_t>& from,
                    const std::vector<std::string>& read_on_a, const std::set<std::string>& all) {
  std::vector<std::string> read_on_b;
  offsets_probe probe(bootstrap);
  auto hw = probe.high_watermarks(copy);
  EXPECT_EQ(static_cast<int>(hw.size()), k_partitions) << copy;
  auto rk = group_consumer(bootstrap, group + "-reader");
  for (int p = 0; rk && p < static_cast<int>(hw.size()); ++p) {
    int64_t start = from.at(p);
    if (hw[p] > start) read_partition(rk.get(), copy, p, start, hw[p] - start, read_on_b);
  }
  if (rk) rd_kafka_consumer_close(rk.get());
  std::set<std::string> on_a(read_on_a.begin(), read_on_a.end());
  std::set<std::string> on_b(read_on_b.begin(), read_on_b.end());
  outcome o;
  for (const auto& v : all)
    if (!on_a.count(v) && !on_b.count(v)) ++o.skipped;
  for (const auto& v : read_on_b) {  // every read counts: a record read twice on b too
    if (on_a.count(v)) ++o.reread;
    if (!all.count(v)) ++o.unexpected;
  }
  o.reread += static_cast<int64_t>(read_on_b.size() - on_b.size());
  return o;
}

TEST(failover_mm2, prefix_failover_rereads_beside_mirrormaker2) {
  const auto t0 = steady::now();
  auto eps = region_endpoints(2);
  ASSERT_EQ(eps.size(), 2u);
  const auto& a = eps[0];
  const auto& b = eps[1];
  const std::string topic = unique_topic("fo-mm2");
  const std::string group = unique_topic("fo-mm2-group");
  const std::string tandem_copy = a.alias + "." + topic;
  const std::string mm2_copy = "mmA." + topic;
  ASSERT_EQ(create_topic(a.bootstrap, topic, k_partitions), "");
  std::vector<record> records;
  std::set<std::string> all;
  for (int i = 0; i < k_partitions * k_per_partition; ++i) {
    record r;
    r.partition = i % k_partitions;
    r.value = "v-" + std::to_string(i);
    all.insert(*r.value);
    records.push_back(std::move(r));
  }
  ASSERT_EQ(produce(a.bootstrap, topic, records), "");

  tandem_options o;
  o.region = b.alias;
  o.clusters = eps;
  o.naming = "prefix";
  o.topics = {topic};
  o.topic_refresh = "1s";
  tandem_process proc(o);
  append_replication_keys(proc, group);
  ASSERT_EQ(proc.start(), "");
  mm2_process mm2(proc.dir(), mm2_properties(a.bootstrap, b.bootstrap, topic, group));
  ASSERT_EQ(mm2.start(), "");
  ASSERT_TRUE(proc.wait_ready(60s)) << proc.log_tail();

  offsets_probe probe_b(b.bootstrap);
  const int64_t total = k_partitions * k_per_partition;
  ASSERT_TRUE(wait_until([&] { return probe_b.records(tandem_copy) == total; }, 90s))
      << proc.log_tail();
  ASSERT_TRUE(wait_until([&] { return probe_b.records(mm2_copy) == total; }, 180s, 500ms))
      << mm2_copy << " holds " << probe_b.records(mm2_copy) << " of " << total << "\n"
      << mm2.log_tail();
  std::printf("[figures] both copies complete %s s after start\n",
              seconds_text(steady::now() - t0).c_str());

  // G on a: 1..1000 records per partition (0 would leave MM2 nothing to translate).
  const unsigned seed = static_cast<unsigned>(std::random_device{}());
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> stop_dist(1, k_per_partition);
  std::vector<int64_t> stops(k_partitions);
  for (auto& x : stops) x = stop_dist(rng);
  std::printf("[figures] seed %u, stop points on a: %lld %lld %lld\n", seed,
              static_cast<long long>(stops[0]), static_cast<long long>(stops[1]),
              static_cast<long long>(stops[2]));
  std::vector<std::string> read_on_a;
  {
    auto rk = group_consumer(a.bootstrap, group);
    ASSERT_TRUE(rk);
    auto* commit = rd_kafka_topic_partition_list_new(k_partitions);
    for (int p = 0; p < k_partitions; ++p) {
      int64_t next = read_partition(rk.get(), topic, p, RD_KAFKA_OFFSET_BEGINNING, stops[p], read_on_a);
      ASSERT_EQ(next, stops[p]);
      rd_kafka_topic_partition_list_add(commit, topic.c_str(), p)->offset = next;
    }
    auto e = rd_kafka_commit(rk.get(), commit, 0);
    rd_kafka_topic_partition_list_destroy(commit);
    ASSERT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
    rd_kafka_consumer_close(rk.get());
  }

  // tandem: wait for the checkpoints at G's commits, then fail over.
  const std::string args =
      " --config " + proc.config_path().string() + " --group " + group + " --from " + a.alias;
  std::string last;
  ASSERT_TRUE(wait_until(
      [&] {
        auto r = run_command(k_tandemctl + " groups translate" + args + " --json 2>&1");
        last = r.output;
        auto rows = parse_partitions(r.output, topic);
        if (r.exit_code != 0 || static_cast<int>(rows.size()) != k_partitions) return false;
        for (int p = 0; p < k_partitions; ++p)
          if (rows[p].from_offset != stops[p]) return false;
        return true;
      },
      30s, 500ms))
      << last;
  auto fo = run_command(k_tandemctl + " groups failover" + args + " --json 2>&1");
  ASSERT_EQ(fo.exit_code, 0) << fo.output;
  std::map<int, int64_t> tandem_to;
  for (auto& [p, r] : parse_partitions(fo.output, topic)) tandem_to[p] = r.to_offset;
  ASSERT_EQ(static_cast<int>(tandem_to.size()), k_partitions) << fo.output;

  // MM2: wait until its group sync committed every partition and the offsets settled (the same
  // on two reads 3 s apart: three sync intervals).
  std::map<int, int64_t> mm2_to, previous;
  std::string raw;
  const auto sync_t0 = steady::now();
  bool synced = wait_until(
      [&] {
        previous = mm2_to;
        mm2_to = kafka_cli_offsets(b.bootstrap, group, mm2_copy, raw);
        if (static_cast<int>(mm2_to.size()) != k_partitions) return false;
        for (auto& [p, off] : mm2_to)
          if (off < 0) return false;
        return mm2_to == previous;
      },
      120s, 3s);
  ASSERT_TRUE(synced) << "MM2 never synced " << group << " to " << mm2_copy << ":\n" << raw
                      << "\n" << mm2.log_tail();
  std::printf("[figures] MM2 group offsets settled %s s after tandem's failover\n",
              seconds_text(steady::now() - sync_t0).c_str());

  auto t = continue_on(b.bootstrap, group, tandem_copy, tandem_to, read_on_a, all);
  auto m = continue_on(b.bootstrap, group, mm2_copy, mm2_to, read_on_a, all);
  for (int p = 0; p < k_partitions; ++p)
    std::printf("[figures] partition %d: consumed on a %lld; tandem resumes at %lld, MM2 at %lld\n",
                p, static_cast<long long>(stops[p]), static_cast<long long>(tandem_to[p]),
                static_cast<long long>(mm2_to[p]));
  std::printf("[figures] prefix failover of %lld consumed records: tandem skipped %lld re-read "
              "%lld | MirrorMaker 2 skipped %lld re-read %lld\n",
              static_cast<long long>(read_on_a.size()), static_cast<long long>(t.skipped),
              static_cast<long long>(t.reread), static_cast<long long>(m.skipped),
              static_cast<long long>(m.reread));
  EXPECT_EQ(t.skipped, 0);
  EXPECT_EQ(t.reread, 0);
  EXPECT_EQ(t.unexpected, 0);
  EXPECT_EQ(m.unexpected, 0);
  EXPECT_TRUE(mm2.running()) << mm2.log_tail();
  expect_clean_stop({&proc});
  std::printf("[figures] runtime %s s\n", seconds_text(steady::now() - t0).c_str());
}

}  // namespace
}  // namespace tandem::testing
