// Acceptance, prefix naming on real Kafka: a consumer group returns from region b to region a
// (failback), and never moves backwards.
//
//   a: T (3 partitions) ── tandem b (flow a->b) ──> b: a.T        tandem b publishes the runs of
//                                                                  {a,b} to b's tandem.offsets;
//   tandem a (flow b->a) learns them, checkpoints b's groups on a.T (b's mirror of a) as
//   positions on a's T                          (engine/groups/checkpointer.h "Failback")
//
// failback: G consumes part of T on a, fails over to a.T on b (tandemctl --config b --from a),
//   consumes a further part there, commits, closes; tandemctl --config a --from b moves it back
//   to T on a: consuming T from there reads every record not consumed yet, none twice;
//   ConsumerGroupCommand on a shows tandemctl's offsets.
// already ahead: G is further on a than its checkpoint from b says (someone committed an old
//   position on b): neither tandem a's group sync nor tandemctl moves it backwards.
//
// Stop points are random (seeded, printed).
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <cstdio>
#include <map>
#include <random>
#include <set>

#include "tests/integration/engine_scenario.h"
#include "tests/integration/failover_support.h"
#include "tests/integration/json_output.h"

namespace tandem::testing {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr int k_partitions = 3;
constexpr int k_per_partition = 1000;

// T on a, replicated to a.T on b; a process in each region; G selected by both.
struct pair_setup {
  std::vector<region_endpoint> eps;
  std::string topic, copy, group;
  std::set<std::string> all_values;
  std::unique_ptr<tandem_process> proc_a, proc_b;
  std::mt19937 rng;

  const region_endpoint& a() const { return eps[0]; }
  const region_endpoint& b() const { return eps[1]; }
  // tandemctl arguments: the group moves to `to` from the other region.
  std::string args_to(const tandem_process& to, const std::string& from) const {
    return " --config " + to.config_path().string() + " --group " + group + " --from " + from;
  }
};

std::unique_ptr<tandem_process> make_process(const pair_setup& s, const std::string& region,
                                             bool sync) {
  tandem_options o;
  o.region = region;
  o.clusters = s.eps;
  o.naming = "prefix";
  o.topics = {s.topic};
  o.topic_refresh = "1s";
  auto p = std::make_unique<tandem_process>(o);
  append_replication_keys(*p, s.group, sync);
  return p;
}

// Fills `s`; check HasFatalFailure() after it. `sync_on_a`: group sync of tandem a.
void prepare(pair_setup& s, bool sync_on_a) {
  s.eps = region_endpoints(2);
  ASSERT_EQ(s.eps.size(), 2u);
  s.topic = unique_topic("fb-prefix");
  s.copy = s.a().alias + "." + s.topic;
  s.group = unique_topic("fb-group");
  const unsigned seed = static_cast<unsigned>(std::random_device{}());
  s.rng.seed(seed);
  std::printf("[figures] seed %u\n", seed);
  ASSERT_EQ(create_topic(s.a().bootstrap, s.topic, k_partitions), "");
  std::vector<record> records;
  for (int i = 0; i < k_partitions * k_per_partition; ++i) {
    record r;
    r.partition = i % k_partitions;
    r.key = "k" + std::to_string(i);
    r.value = "v-" + std::to_string(i);
    s.all_values.insert(*r.value);
    records.push_back(std::move(r));
  }
  ASSERT_EQ(produce(s.a().bootstrap, s.topic, records), "");

  // Group sync stays off in b: it would move G's a.T on b forward to G's position on a.
  s.proc_b = make_process(s, s.b().alias, false);
  s.proc_a = make_process(s, s.a().alias, sync_on_a);
  ASSERT_EQ(s.proc_b->start(), "");
  ASSERT_EQ(s.proc_a->start(), "");
  ASSERT_TRUE(s.proc_b->wait_ready(60s)) << s.proc_b->log_tail();
  ASSERT_TRUE(s.proc_a->wait_ready(60s)) << s.proc_a->log_tail();

  offsets_probe probe_b(s.b().bootstrap);
  const int64_t total = k_partitions * k_per_partition;
  const auto t0 = steady::now();
  ASSERT_TRUE(wait_until([&] { return probe_b.records(s.copy) == total; }, 90s))
      << s.copy << " on b holds " << probe_b.records(s.copy) << " of " << total;
  std::printf("[figures] %s on b complete (%lld records) %s s after start\n", s.copy.c_str(),
              static_cast<long long>(total), seconds_text(steady::now() - t0).c_str());
}

// Reads T (or a.T) partition by partition from `from[p]` up to `to[p]` as G, commits `to`,
// closes. Appends the values read.
void consume_and_commit(const std::string& bootstrap, const std::string& group,
                        const std::string& topic, const std::vector<int64_t>& from,
                        const std::vector<int64_t>& to, std::vector<std::string>& values) {
  auto rk = group_consumer(bootstrap, group);
  ASSERT_TRUE(rk);
  for (int p = 0; p < k_partitions; ++p) {
    if (to[p] == from[p]) continue;
    ASSERT_EQ(read_partition(rk.get(), topic, p, from[p], to[p] - from[p], values), to[p])
        << topic << "/" << p;
  }
  auto e = commit_offsets(rk.get(), topic, to);
  ASSERT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
  EXPECT_EQ(committed(rk.get(), topic, k_partitions), to);
  rd_kafka_consumer_close(rk.get());
}

// Polls `tandemctl groups translate ARGS --json` until every partition of `topic` shows the
// checkpoint at `positions` with an exact translation (the runs it needs are known).
std::map<int, partition_row> wait_checkpointed(const std::string& args, const std::string& topic,
                                               const std::vector<int64_t>& positions,
                                               const char* what) {
  std::string last;
  std::map<int, partition_row> rows;
  const auto t0 = steady::now();
  bool ok = wait_until(
      [&] {
        auto r = run_command(k_tandemctl + " groups translate" + args + " --json 2>&1");
        last = r.output;
        if (r.exit_code != 0) return false;
        rows = parse_partitions(r.output, topic);
        if (static_cast<int>(rows.size()) != k_partitions) return false;
        for (int p = 0; p < k_partitions; ++p)
          if (rows[p].from_offset != positions[p] || rows[p].kind != "exact") return false;
        return true;
      },
      60s, 500ms);
  EXPECT_TRUE(ok) << what << ": no exact checkpoint at the commits; last translate:\n" << last;
  std::printf("[figures] %s: checkpointed %s s after the commit\n", what,
              seconds_text(steady::now() - t0).c_str());
  return rows;
}

// `tandemctl groups failover ARGS --json` (expects exit 0): partition -> row of `topic`.
std::map<int, partition_row> fail_over(const std::string& args, const std::string& topic) {
  auto fo = run_command(k_tandemctl + " groups failover" + args + " --json 2>&1");
  EXPECT_EQ(fo.exit_code, 0) << fo.output;
  std::printf("[figures] failover%s:\n%s", args.c_str(), fo.output.c_str());
  auto rows = parse_partitions(fo.output, topic);
  EXPECT_EQ(static_cast<int>(rows.size()), k_partitions) << fo.output;
  return rows;
}

std::vector<int64_t> random_stops(std::mt19937& rng, const std::vector<int64_t>& from,
                                  int64_t end) {
  std::vector<int64_t> out;
  for (int64_t f : from) out.push_back(std::uniform_int_distribution<int64_t>(f, end)(rng));
  return out;
}

std::string offsets_text(const std::vector<int64_t>& v) {
  std::string s;
  for (size_t p = 0; p < v.size(); ++p) s += " p" + std::to_string(p) + "=" + std::to_string(v[p]);
  return s;
}

TEST(failback_prefix, group_returns_from_b_to_a_with_nothing_skipped_and_nothing_reread) {
  const auto t0 = steady::now();
  pair_setup s;
  prepare(s, /*sync_on_a=*/false);
  if (HasFatalFailure()) return;

  // 1. G on a: a random part of T, at least one record per partition (at 0 the translation is
  //    "below_coverage", the log start: right, but the figures want every position exact).
  std::vector<std::string> read_a1, read_b, read_a2;
  const std::vector<int64_t> zero(k_partitions, 0), one(k_partitions, 1);
  auto stops_a = random_stops(s.rng, one, k_per_partition);
  std::printf("[figures] stop points on a:%s\n", offsets_text(stops_a).c_str());
  consume_and_commit(s.a().bootstrap, s.group, s.topic, zero, stops_a, read_a1);
  if (HasFatalFailure()) return;

  // 2. Failover to b (tandem b's checkpoints), then a further random part of a.T there.
  const std::string to_b = s.args_to(*s.proc_b, s.a().alias);
  wait_checkpointed(to_b, s.topic, stops_a, "a->b");
  if (HasFailure()) return;
  auto fo = fail_over(to_b, s.topic);
  if (HasFailure()) return;
  std::vector<int64_t> at_b(k_partitions);
  for (auto& [p, r] : fo) {
    EXPECT_EQ(r.to_topic, s.copy);
    EXPECT_EQ(r.reread, 0) << "partition " << p;
    at_b[p] = r.to_offset;
  }
  offsets_probe probe_b(s.b().bootstrap);
  auto hw_b = probe_b.high_watermarks(s.copy);
  ASSERT_EQ(static_cast<int>(hw_b.size()), k_partitions);
  std::vector<int64_t> stops_b;
  for (int p = 0; p < k_partitions; ++p)
    stops_b.push_back(std::uniform_int_distribution<int64_t>(at_b[p], hw_b[p])(s.rng));
  std::printf("[figures] failed over to b at%s; stop points on b:%s\n",
              offsets_text(at_b).c_str(), offsets_text(stops_b).c_str());
  consume_and_commit(s.b().bootstrap, s.group, s.copy, at_b, stops_b, read_b);
  if (HasFatalFailure()) return;

  // 3. Failback: tandem a checkpointed G on b's a.T (over the runs of {a,b} it learned).
  const std::string to_a = s.args_to(*s.proc_a, s.b().alias);
  wait_checkpointed(to_a, s.copy, stops_b, "b->a");
  if (HasFailure()) return;
  auto back = fail_over(to_a, s.copy);
  if (HasFailure()) return;
  std::map<int, int64_t> to_offsets;
  for (auto& [p, r] : back) {
    EXPECT_EQ(r.to_topic, s.topic);
    EXPECT_EQ(r.reread, 0) << "partition " << p;
    to_offsets[p] = r.to_offset;
  }
  std::string raw;
  auto cli = kafka_cli_offsets(s.a().bootstrap, s.group, s.topic, raw);
  EXPECT_EQ(cli, to_offsets) << "ConsumerGroupCommand --describe on a:\n" << raw;

  // 4. G on a from its committed offsets to the end.
  {
    offsets_probe probe_a(s.a().bootstrap);
    auto hw_a = probe_a.high_watermarks(s.topic);
    ASSERT_EQ(static_cast<int>(hw_a.size()), k_partitions);
    auto rk = group_consumer(s.a().bootstrap, s.group);
    ASSERT_TRUE(rk);
    auto from = committed(rk.get(), s.topic, k_partitions);
    for (int p = 0; p < k_partitions; ++p) {
      ASSERT_GE(from[p], 0) << "no committed offset of " << s.group << " on " << s.topic << "/" << p;
      EXPECT_EQ(from[p], to_offsets[p]);
      if (hw_a[p] > from[p]) {
        ASSERT_EQ(read_partition(rk.get(), s.topic, p, from[p], hw_a[p] - from[p], read_a2), hw_a[p]);
      }
    }
    rd_kafka_consumer_close(rk.get());
  }
  std::multiset<std::string> seen(read_a1.begin(), read_a1.end());
  seen.insert(read_b.begin(), read_b.end());
  seen.insert(read_a2.begin(), read_a2.end());
  int64_t skipped = 0, reread = 0, unexpected = 0;
  for (const auto& v : s.all_values)
    if (!seen.count(v)) ++skipped;
  for (auto it = seen.begin(); it != seen.end(); it = seen.upper_bound(*it)) {
    reread += static_cast<int64_t>(seen.count(*it)) - 1;
    if (!s.all_values.count(*it)) ++unexpected;
  }
  std::printf("[figures] consumed on a %zu, on b %zu, on a again %zu, of %zu: skipped %lld, "
              "re-read %lld, unexpected %lld\n",
              read_a1.size(), read_b.size(), read_a2.size(), s.all_values.size(),
              static_cast<long long>(skipped), static_cast<long long>(reread),
              static_cast<long long>(unexpected));
  EXPECT_EQ(skipped, 0);
  EXPECT_EQ(reread, 0);
  EXPECT_EQ(unexpected, 0);

  expect_clean_stop({s.proc_a.get(), s.proc_b.get()});
  std::printf("[figures] runtime %s s\n", seconds_text(steady::now() - t0).c_str());
}

TEST(failback_prefix, a_group_already_ahead_on_a_is_never_moved_backwards) {
  const auto t0 = steady::now();
  pair_setup s;
  prepare(s, /*sync_on_a=*/true);
  if (HasFatalFailure()) return;

  // G on a: far into T (at least 2 records per partition).
  std::vector<std::string> read_a;
  const std::vector<int64_t> zero(k_partitions, 0), two(k_partitions, 2);
  auto ahead = random_stops(s.rng, two, k_per_partition);
  consume_and_commit(s.a().bootstrap, s.group, s.topic, zero, ahead, read_a);
  if (HasFatalFailure()) return;
  // Someone commits an older position for G on b's a.T (a consumer's own commit).
  std::vector<int64_t> old_b;
  for (int64_t x : ahead) old_b.push_back(std::uniform_int_distribution<int64_t>(1, x - 1)(s.rng));
  std::printf("[figures] G on a at%s; committed on b at%s\n", offsets_text(ahead).c_str(),
              offsets_text(old_b).c_str());
  {
    auto rk = group_consumer(s.b().bootstrap, s.group);
    ASSERT_TRUE(rk);
    auto e = commit_offsets(rk.get(), s.copy, old_b);
    ASSERT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
    rd_kafka_consumer_close(rk.get());
  }

  const std::string to_a = s.args_to(*s.proc_a, s.b().alias);
  auto rows = wait_checkpointed(to_a, s.copy, old_b, "b->a");
  if (HasFailure()) return;
  for (int p = 0; p < k_partitions; ++p) EXPECT_LT(rows[p].to_offset, ahead[p]) << "partition " << p;

  // Group sync of tandem a: G is EMPTY on a and further than the checkpoint: skipped_ahead.
  const std::map<std::string, std::string> ahead_label{
      {"source", s.b().alias}, {"target", s.a().alias}, {"result", "skipped_ahead"}};
  double skipped = 0;
  EXPECT_TRUE(wait_until(
      [&] {
        skipped = metric_sum(parse_metrics(s.proc_a->metrics_text()), "tandem_group_syncs_total",
                             ahead_label);
        return skipped >= k_partitions;
      },
      30s, 500ms))
      << "tandem_group_syncs_total{result=\"skipped_ahead\"} = " << skipped << "\n"
      << s.proc_a->metrics_text();
  const double synced = metric_sum(parse_metrics(s.proc_a->metrics_text()),
                                   "tandem_group_syncs_total",
                                   {{"source", s.b().alias}, {"result", "synced"}});
  EXPECT_EQ(synced, 0);
  std::printf("[figures] group sync on a: skipped_ahead %.0f, synced %.0f\n", skipped, synced);

  std::map<int, int64_t> expected;
  for (int p = 0; p < k_partitions; ++p) expected[p] = ahead[p];
  std::string raw;
  auto before = kafka_cli_offsets(s.a().bootstrap, s.group, s.topic, raw);
  EXPECT_EQ(before, expected) << "ConsumerGroupCommand --describe on a:\n" << raw;

  // tandemctl: every partition kept, said per partition; nothing committed.
  auto table = run_command(k_tandemctl + " groups failover" + to_a + " 2>&1");
  EXPECT_EQ(table.exit_code, 0) << table.output;
  std::printf("[figures] failback with G ahead:\n%s", table.output.c_str());
  auto json = run_command(k_tandemctl + " groups failover" + to_a + " --json 2>&1");
  EXPECT_EQ(json.exit_code, 0) << json.output;
  EXPECT_TRUE(has_fields(json.output, {{"committed", 0}, {"kept", k_partitions}})) << json.output;
  std::vector<int64_t> currents;  // of the rows of s.topic kept because G is ahead there
  for (const auto& rows : values_named(json_document(json.output), "partitions"))
    for (const auto& row : rows)
      if (text_of(row, "to_topic") == s.topic && integer_of(row, "to_offset") >= 0 &&
          text_of(row, "action") == "kept_ahead")
        currents.push_back(integer_of(row, "current_offset"));
  EXPECT_EQ(currents, ahead) << json.output;
  size_t said = 0;
  for (size_t at = 0; (at = table.output.find("kept, already ahead", at)) != std::string::npos; ++at)
    ++said;
  EXPECT_EQ(said, static_cast<size_t>(k_partitions)) << table.output;

  auto after = kafka_cli_offsets(s.a().bootstrap, s.group, s.topic, raw);
  EXPECT_EQ(after, expected) << "ConsumerGroupCommand --describe on a:\n" << raw;

  expect_clean_stop({s.proc_a.get(), s.proc_b.get()});
  std::printf("[figures] runtime %s s\n", seconds_text(steady::now() - t0).c_str());
}

}  // namespace
}  // namespace tandem::testing
