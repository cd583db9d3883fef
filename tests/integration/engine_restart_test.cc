// Acceptance, restarts on real Kafka (identity naming, two regions, producers running all along):
//   1. SIGTERM the process of region b mid-stream, start it again: it exits 0 within 10 s and
//      b ends with every record of a exactly once (the drain and the committed positions lose
//      nothing and replay nothing);
//   2. SIGKILL the process of region a mid-stream, start it again: a ends with every record of b
//      (nothing lost); duplicates, if any, are counted and printed (at-least-once allows them).
#include <gtest/gtest.h>

#include <cstdio>

#include "tests/integration/engine_scenario.h"

namespace tandem::testing {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr int k_partitions = 6;
constexpr int64_t k_per_region = 20'000;
constexpr double k_rate = 1'000;  // records per second and region: the run lasts ~20 s

// Sum of tandem_lag_records of `topic` over every flow of `p`, or -1 when not every partition
// reports one yet.
double lag_of(tandem_process& p, const std::string& topic, size_t flows) {
  auto samples = parse_metrics(p.metrics_text());
  if (metric_count(samples, "tandem_lag_records", {{"topic", topic}}) < k_partitions * flows)
    return -1;
  return metric_sum(samples, "tandem_lag_records", {{"topic", topic}});
}

TEST(engine_restart, sigterm_loses_and_duplicates_nothing_and_sigkill_loses_nothing) {
  auto eps = region_endpoints(2);
  ASSERT_EQ(eps.size(), 2u);
  const auto& a = eps[0];
  const auto& b = eps[1];
  const std::string topic = unique_topic("eng-restart");
  for (const auto& e : eps) ASSERT_EQ(create_topic(e.bootstrap, topic, k_partitions), "");

  auto pa = start_tandem(a.alias, eps, {topic + ".*"});
  auto pb = start_tandem(b.alias, eps, {topic + ".*"});
  if (HasFailure()) return;

  const int64_t base_ts = wall_clock_ms() - 3'600'000;
  std::map<std::string, workload> workloads{{a.alias, {a.alias, k_partitions, base_ts}},
                                            {b.alias, {b.alias, k_partitions, base_ts}}};
  paced_producer prod_a(a.bootstrap, topic, workloads[a.alias], k_per_region, k_rate);
  paced_producer prod_b(b.bootstrap, topic, workloads[b.alias], k_per_region, k_rate);

  // 1. SIGTERM b's process (flow a->b) mid-stream; restart it once a has moved on.
  ASSERT_TRUE(wait_until([&] { return prod_a.acked() >= 4'000; }, 60s, 20ms));
  int64_t at_stop = prod_a.acked();
  auto st = pb->terminate(10s);
  std::printf("[figures] SIGTERM %s at %lld records of a produced: %s\n", b.alias.c_str(),
              static_cast<long long>(at_stop), st.describe().c_str());
  EXPECT_TRUE(st.exited) << st.describe();
  EXPECT_EQ(st.code, 0) << st.describe();
  EXPECT_FALSE(st.needed_kill) << st.describe();
  EXPECT_LE(st.elapsed, 10s);
  ASSERT_TRUE(wait_until([&] { return prod_a.acked() >= at_stop + 2'000; }, 60s, 20ms));
  ASSERT_EQ(pb->start(), "");
  ASSERT_TRUE(pb->wait_ready(60s)) << pb->get("/readyz").body;
  std::printf("[figures] %s restarted at %lld records of a produced\n", b.alias.c_str(),
              static_cast<long long>(prod_a.acked()));

  // 2. SIGKILL a's process (flow b->a) mid-stream; restart it once b has moved on.
  ASSERT_TRUE(wait_until([&] { return prod_b.acked() >= 12'000; }, 60s, 20ms));
  int64_t at_kill = prod_b.acked();
  auto kt = pa->kill();
  std::printf("[figures] SIGKILL %s at %lld records of b produced: %s\n", a.alias.c_str(),
              static_cast<long long>(at_kill), kt.describe().c_str());
  ASSERT_TRUE(wait_until([&] { return prod_b.acked() >= at_kill + 2'000; }, 60s, 20ms));
  ASSERT_EQ(pa->start(), "");
  ASSERT_TRUE(pa->wait_ready(60s)) << pa->get("/readyz").body;
  std::printf("[figures] %s restarted at %lld records of b produced\n", a.alias.c_str(),
              static_cast<long long>(prod_b.acked()));

  EXPECT_EQ(prod_a.wait(), "");
  EXPECT_EQ(prod_b.wait(), "");

  // Caught up: both flows report zero lag on every partition, counts settled.
  auto t0 = steady::now();
  EXPECT_TRUE(wait_until([&] { return lag_of(*pa, topic, 1) == 0 && lag_of(*pb, topic, 1) == 0; },
                         120s, 250ms))
      << "lag a " << lag_of(*pa, topic, 1) << ", lag b " << lag_of(*pb, topic, 1);
  offsets_probe probe_a(a.bootstrap), probe_b(b.bootstrap);
  int64_t na = wait_settled(probe_a, topic, 2 * k_per_region, 60s);
  int64_t nb = wait_settled(probe_b, topic, 2 * k_per_region, 60s);
  std::printf("[figures] settled %.1f s after the producers ended: %s holds %lld, %s holds %lld\n",
              std::chrono::duration<double>(steady::now() - t0).count(), a.alias.c_str(),
              static_cast<long long>(na), b.alias.c_str(), static_cast<long long>(nb));

  auto read_a = read_topic(a.bootstrap, topic);
  auto read_b = read_topic(b.bootstrap, topic);
  std::map<std::string, std::map<int64_t, int64_t>> offsets{
      {a.alias, local_offsets(read_a, a.alias)}, {b.alias, local_offsets(read_b, b.alias)}};
  std::map<std::string, int64_t> expected{{a.alias, k_per_region}, {b.alias, k_per_region}};

  // b: its process was stopped cleanly: exactly once.
  auto rep_b = analyze(read_b, {b.alias, topic, topic, workloads, expected, offsets});
  std::printf("[figures] after SIGTERM+restart, %s: %s\n", b.alias.c_str(),
              rep_b.summary().c_str());
  EXPECT_EQ(rep_b.total, 2 * k_per_region);
  EXPECT_EQ(rep_b.duplicates(), 0);
  EXPECT_EQ(rep_b.missing(), 0);
  EXPECT_EQ(rep_b.out_of_order(), 0);
  EXPECT_EQ(rep_b.mismatched(), 0);
  EXPECT_EQ(rep_b.unexpected, 0);
  for (const auto& p : rep_b.problems) ADD_FAILURE() << b.alias << ": " << p;

  // a: its process was killed: nothing lost, its own records untouched, duplicates counted.
  auto rep_a = analyze(read_a, {a.alias, topic, topic, workloads, expected, offsets});
  std::printf("[figures] after SIGKILL+restart, %s: %s\n", a.alias.c_str(),
              rep_a.summary().c_str());
  std::printf("[figures] duplicates after SIGKILL: %lld\n",
              static_cast<long long>(rep_a.duplicates()));
  EXPECT_EQ(rep_a.missing(), 0);
  EXPECT_EQ(rep_a.origins[a.alias].duplicates, 0);
  EXPECT_EQ(rep_a.origins[a.alias].records, k_per_region);
  EXPECT_EQ(rep_a.out_of_order(), 0) << "first occurrences must keep per-partition order";
  EXPECT_EQ(rep_a.mismatched(), 0);
  EXPECT_EQ(rep_a.unexpected, 0);
  EXPECT_EQ(rep_a.total, 2 * k_per_region + rep_a.duplicates());
  for (const auto& p : rep_a.problems)
    if (!p.starts_with("out of order")) ADD_FAILURE() << a.alias << ": " << p;

  expect_clean_stop({pa.get(), pb.get()});
}

}  // namespace
}  // namespace tandem::testing
