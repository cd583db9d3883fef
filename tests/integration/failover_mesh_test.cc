// Acceptance, identity naming, three regions on real Kafka (issue #10 "Mesh failover is exact"):
// a consumer group moving from a to b starts at the minimum of one frontier per origin region
// (docs/design.md "Incarnations, invalidation, clamps", mesh), so copies on b of c's records that
// reached b before a (flow c->a lagging) are never skipped.
//
//   phase 0  processes a, b, c; every region writes 20 records; every cluster holds all 60
//   phase 1  process a stopped; c writes 30 (c1: copied to b by process b, not to a);
//            then b writes 30 (b1, after the c1 copies on b)
//   phase 2  c's broker frozen (SIGSTOP on its PID): c->a cannot catch up; process a started
//            again copies b1 into a; a writes 30 (a1, copied to b after b1)
//
//   b:  phase 0 ... | c1' x30 | b1 x30 | a1' x30          a:  phase 0 ... | b1' x30 | a1 x30
//
//   G on a reads all of a (X = 120) and commits: it has read every b and a record, but no c1.
//   With only the a and b frontiers G would start on b after b1 (a = end, b = after b1),
//   skipping every c1' copy; the c frontier (c->a learned by process b from a's tandem.offsets,
//   c->b its own flow) starts it at or before the first c1' copy.
//
// Checked: process b checkpoints G at X with both pair frontiers exact; `tandemctl groups
// failover` (dry run, then for real) and a consumer of G on b reading to the end: no record of
// any region is read neither on a nor on b, and every c1' copy is at or after the start.
// Printed: the start, the frontiers, the re-reads (measured, reported) and skips.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <cstdio>
#include <set>

#include "tests/integration/engine_scenario.h"
#include "tests/integration/failover_support.h"

namespace tandem::testing {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr int64_t k_base = 20;   // per region, phase 0
constexpr int64_t k_later = 30;  // c1, b1, a1

// Writes `n` records "<region>-<phase>-<i>" into partition 0. Returns an error text.
std::string write_records(const region_endpoint& e, const std::string& topic, int phase,
                          int64_t n) {
  std::vector<record> rs;
  for (int64_t i = 0; i < n; ++i) {
    record r;
    r.key = "k" + std::to_string(i);
    r.value = e.alias + "-" + std::to_string(phase) + "-" + std::to_string(i);
    rs.push_back(std::move(r));
  }
  return produce(e.bootstrap, topic, rs);
}

// Waits until `e`'s topic holds exactly `n` records (settled); a failure names the region.
void expect_settled(const region_endpoint& e, const std::string& topic, int64_t n) {
  offsets_probe probe(e.bootstrap);
  EXPECT_EQ(wait_settled(probe, topic, n, 90s, 2s), n) << "records in " << topic << " on "
                                                       << e.alias;
}

// Where each origin's records sit on b (by value: "<origin>-<phase>-<i>").
struct layout {
  int64_t last_a = -1, last_b = -1;  // offsets of the last a-copy and the last b-local record
  int64_t first_c1 = -1;             // offset of the first c1 copy
  std::vector<record> records;
};

layout layout_on(const region_endpoint& b, const std::string& topic) {
  layout l;
  l.records = read_topic(b.bootstrap, topic);
  for (const auto& r : l.records) {
    const std::string& v = r.value.value_or("");
    if (v.starts_with("a-")) l.last_a = r.offset;
    if (v.starts_with("b-")) l.last_b = r.offset;
    if (v.starts_with("c-1-") && l.first_c1 < 0) l.first_c1 = r.offset;
  }
  return l;
}

}  // namespace

TEST(failover_mesh, a_group_moving_from_a_to_b_skips_no_third_region_copy_that_reached_b_first) {
  const auto t0 = steady::now();
  auto eps = region_endpoints(3);
  ASSERT_EQ(eps.size(), 3u);
  const auto &a = eps[0], &b = eps[1], &c = eps[2];
  const std::string topic = unique_topic("fo-mesh");
  const std::string group = unique_topic("fo-mesh-group");
  for (const auto& e : eps) ASSERT_EQ(create_topic(e.bootstrap, topic, 1), "") << e.alias;

  std::vector<std::unique_ptr<tandem_process>> procs;
  for (const auto& e : eps) {
    procs.push_back(std::make_unique<tandem_process>(
        tandem_options{e.alias, eps, "identity", {topic}, "1s", "info"}));
    append_replication_keys(*procs.back(), group);
    ASSERT_EQ(procs.back()->start(), "") << e.alias;
  }
  for (auto& p : procs) ASSERT_TRUE(p->wait_ready(60s)) << p->region() << "\n" << p->log_tail();
  tandem_process &proc_a = *procs[0], &proc_b = *procs[1];
  broker_freeze frozen_c(c.alias);  // destroyed first: c answers again before the processes stop

  // Phase 0: every map of the mesh has runs.
  for (const auto& e : eps) ASSERT_EQ(write_records(e, topic, 0, k_base), "") << e.alias;
  for (const auto& e : eps) expect_settled(e, topic, 3 * k_base);
  ASSERT_FALSE(HasFailure());

  // Phase 1: c1 reaches b (process b) but not a (process a stopped); then b1 on b.
  auto st = proc_a.terminate();
  ASSERT_TRUE(st.exited && st.code == 0) << st.describe();
  ASSERT_EQ(write_records(c, topic, 1, k_later), "");
  expect_settled(b, topic, 3 * k_base + k_later);
  ASSERT_EQ(write_records(b, topic, 1, k_later), "");
  expect_settled(b, topic, 3 * k_base + 2 * k_later);
  ASSERT_FALSE(HasFailure());

  // Phase 2: c frozen; process a copies b1 (not c1), then a1 goes to b.
  ASSERT_EQ(frozen_c.freeze(), "");
  std::printf("[figures] broker of %s frozen\n", c.alias.c_str());
  ASSERT_EQ(proc_a.start(), "");
  expect_settled(a, topic, 3 * k_base + k_later);
  ASSERT_EQ(write_records(a, topic, 1, k_later), "");
  const int64_t on_a = 3 * k_base + 2 * k_later;
  expect_settled(b, topic, 3 * k_base + 3 * k_later);
  ASSERT_FALSE(HasFailure());

  // G reads all of a and commits X.
  std::vector<std::string> read_on_a, read_on_b;
  {
    auto rk = group_consumer(a.bootstrap, group);
    ASSERT_TRUE(rk);
    ASSERT_EQ(read_partition(rk.get(), topic, 0, RD_KAFKA_OFFSET_BEGINNING, on_a, read_on_a), on_a);
    ASSERT_EQ(commit_offsets(rk.get(), topic, {on_a}), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_consumer_close(rk.get());
  }
  for (const auto& v : read_on_a) ASSERT_FALSE(v.starts_with("c-1-")) << "c1 reached a: " << v;

  // Process b checkpoints G at X, with the pair's frontiers exact (both maps learned).
  const layout l = layout_on(b, topic);
  ASSERT_GE(l.first_c1, 0);
  ASSERT_LT(l.first_c1, l.last_b) << "c1 must lie before b1 on b";
  const std::string args =
      " --config " + proc_b.config_path().string() + " --group " + group + " --from " + a.alias;
  std::string last;
  partition_row row;
  bool checkpointed = wait_until(
      [&] {
        auto r = run_command(k_tandemctl + " groups translate" + args + " --json 2>&1");
        last = r.output;
        auto rows = parse_partitions(r.output, topic);
        if (r.exit_code != 0 || rows.size() != 1) return false;
        row = rows[0];
        return row.from_offset == on_a && row.a_term == l.last_a + 1 &&
               row.b_term == l.last_b + 1;
      },
      60s, 500ms);
  ASSERT_TRUE(checkpointed) << "expected a_term " << l.last_a + 1 << ", b_term " << l.last_b + 1
                            << "; last translate:\n" << last;

  // Failover: dry run, then for real; G continues on b to the end.
  auto dry = run_command(k_tandemctl + " groups failover" + args + " --dry-run --json 2>&1");
  ASSERT_EQ(dry.exit_code, 0) << dry.output;
  auto fo = run_command(k_tandemctl + " groups failover" + args + " --json 2>&1");
  ASSERT_EQ(fo.exit_code, 0) << fo.output;
  auto dry_rows = parse_partitions(dry.output, topic), rows = parse_partitions(fo.output, topic);
  ASSERT_EQ(rows.size(), 1u) << fo.output;
  const partition_row r = rows[0];
  EXPECT_EQ(dry_rows[0].to_offset, r.to_offset) << dry.output;
  const int64_t end = l.records.empty() ? 0 : l.records.back().offset + 1;
  {
    auto rk = group_consumer(b.bootstrap, group);
    ASSERT_TRUE(rk);
    auto from = committed(rk.get(), topic, 1);
    ASSERT_EQ(from[0], r.to_offset) << fo.output;
    ASSERT_EQ(read_partition(rk.get(), topic, 0, from[0], end - from[0], read_on_b), end);
    rd_kafka_consumer_close(rk.get());
  }

  // Nothing of any region skipped: every record of b is read on a or on b.
  std::set<std::string> seen_a(read_on_a.begin(), read_on_a.end());
  std::set<std::string> seen_b(read_on_b.begin(), read_on_b.end());
  int64_t skipped = 0, skipped_c1 = 0, reread = 0;
  for (const auto& rec : l.records) {
    const std::string& v = rec.value.value_or("");
    if (!seen_a.count(v) && !seen_b.count(v)) {
      ++skipped;
      if (v.starts_with("c-")) ++skipped_c1;
      if (skipped <= 3) ADD_FAILURE() << "skipped " << v << " at " << rec.offset << " on b";
    }
  }
  for (const auto& v : seen_b) reread += seen_a.count(v);
  std::printf("[figures] X=%lld on a; b: c1 copies from %lld, last b1 %lld, last a1 copy %lld, "
              "end %lld\n",
              (long long)on_a, (long long)l.first_c1, (long long)l.last_b, (long long)l.last_a,
              (long long)end);
  std::printf("[figures] failover to_offset=%lld (%s) a_term=%lld(%s) b_term=%lld(%s) "
              "c_term=%lld(%s); reread reported=%lld measured=%lld; skipped %lld (c copies %lld)\n",
              (long long)r.to_offset, r.kind.c_str(), (long long)r.a_term, r.a_kind.c_str(),
              (long long)r.b_term, r.b_kind.c_str(), (long long)r.c_term, r.c_kind.c_str(),
              (long long)r.reread, (long long)reread, (long long)skipped, (long long)skipped_c1);
  EXPECT_EQ(skipped, 0);
  EXPECT_LE(r.to_offset, l.first_c1) << "c1 copies from " << l.first_c1 << " not read on a";
  EXPECT_GE(r.c_term, 0) << "no third-region frontier in: " << fo.output;
  EXPECT_LE(reread, r.reread) << "re-reads beyond tandemctl's reported reread";

  frozen_c.resume();
  for (auto& p : procs) {
    auto s = p->terminate();
    std::printf("[figures] tandem %s stopped: %s\n", p->region().c_str(), s.describe().c_str());
    EXPECT_TRUE(s.exited && s.code == 0) << p->region() << ": " << s.describe();
  }
  std::printf("[figures] runtime %s s\n", seconds_text(steady::now() - t0).c_str());
}

}  // namespace tandem::testing
