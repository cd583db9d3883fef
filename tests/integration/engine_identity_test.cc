// Acceptance, identity naming on real Kafka: two regions both ways, and a three-region mesh.
// Every region's processes run while every region's producers write concurrently; afterwards
// each region's topic holds every region's records exactly once, in per-origin per-partition
// order, with key, value, headers (plus tandem-origin), timestamp and partition kept.
#include <gtest/gtest.h>

#include <cstdio>

#include "tests/integration/engine_scenario.h"

namespace tandem::testing {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr int k_partitions = 6;

// Runs the identity scenario over `eps` (one process per region) and checks the end state.
// `stability` > 0: after convergence, the counts must stay unchanged for that long.
void run_identity_scenario(const std::vector<region_endpoint>& eps, int64_t per_region,
                           std::chrono::seconds stability) {
  const std::string topic = unique_topic("eng-identity");
  for (const auto& e : eps) ASSERT_EQ(create_topic(e.bootstrap, topic, k_partitions), "") << e.alias;

  std::vector<std::unique_ptr<tandem_process>> procs;
  for (const auto& e : eps) procs.push_back(start_tandem(e.alias, eps, {topic + ".*"}));
  for (auto& p : procs) ASSERT_TRUE(p->running()) << p->region();
  if (::testing::Test::HasFailure()) return;

  std::map<std::string, workload> workloads;
  const int64_t base_ts = wall_clock_ms() - 3'600'000;  // explicit, an hour old: proves it is kept
  for (const auto& e : eps) workloads[e.alias] = workload{e.alias, k_partitions, base_ts};

  auto t0 = steady::now();
  {
    std::vector<std::unique_ptr<paced_producer>> producers;
    for (const auto& e : eps)
      producers.push_back(
          std::make_unique<paced_producer>(e.bootstrap, topic, workloads[e.alias], per_region));
    for (size_t i = 0; i < eps.size(); ++i) {
      EXPECT_EQ(producers[i]->wait(), "") << "producer " << eps[i].alias;
      std::printf("[figures] producer %s: %lld records in %.1f s\n", eps[i].alias.c_str(),
                  static_cast<long long>(producers[i]->acked()),
                  producers[i]->duration().count() / 1000.0);
    }
  }
  const int64_t total = per_region * static_cast<int64_t>(eps.size());

  // Convergence: every region reaches the total.
  std::vector<std::unique_ptr<offsets_probe>> probes;
  for (const auto& e : eps) probes.push_back(std::make_unique<offsets_probe>(e.bootstrap));
  for (size_t i = 0; i < eps.size(); ++i) {
    bool reached = wait_until([&] { return probes[i]->records(topic) >= total; }, 180s, 250ms);
    EXPECT_TRUE(reached) << eps[i].alias << " holds " << probes[i]->records(topic) << " of "
                         << total;
  }
  std::printf("[figures] all %zu regions hold >= %lld records %.1f s after producers started\n",
              eps.size(), static_cast<long long>(total),
              std::chrono::duration<double>(steady::now() - t0).count());
  if (::testing::Test::HasFailure()) return;

  // No loop: the counts stay exactly at the total for the whole window.
  if (stability.count() > 0) {
    auto until = steady::now() + stability;
    int polls = 0;
    std::vector<int64_t> seen_max(eps.size(), 0);
    while (steady::now() < until) {
      for (size_t i = 0; i < eps.size(); ++i) {
        int64_t n = probes[i]->records(topic);
        seen_max[i] = std::max(seen_max[i], n);
        ASSERT_EQ(n, total) << eps[i].alias << " changed during the stability window, poll "
                            << polls;
      }
      ++polls;
      std::this_thread::sleep_for(500ms);
    }
    for (size_t i = 0; i < eps.size(); ++i)
      std::printf("[figures] %s: %lld records, unchanged over %d polls in %lld s\n",
                  eps[i].alias.c_str(), static_cast<long long>(seen_max[i]), polls,
                  static_cast<long long>(stability.count()));
  }

  // Record by record.
  std::map<std::string, std::vector<record>> read;
  for (const auto& e : eps) read[e.alias] = read_topic(e.bootstrap, topic);
  std::map<std::string, std::map<int64_t, int64_t>> offsets;
  for (const auto& e : eps) offsets[e.alias] = local_offsets(read[e.alias], e.alias);
  for (const auto& e : eps) {
    analysis_context ctx{e.alias, topic, topic, workloads, {}, offsets};
    for (const auto& o : eps) ctx.expected[o.alias] = per_region;
    auto rep = analyze(read[e.alias], ctx);
    std::printf("[figures] %s/%s: %s\n", e.alias.c_str(), topic.c_str(), rep.summary().c_str());
    EXPECT_EQ(rep.total, total) << e.alias;
    EXPECT_EQ(rep.duplicates(), 0) << e.alias;
    EXPECT_EQ(rep.missing(), 0) << e.alias;
    EXPECT_EQ(rep.out_of_order(), 0) << e.alias;
    EXPECT_EQ(rep.mismatched(), 0) << e.alias;
    EXPECT_EQ(rep.unexpected, 0) << e.alias;
    for (const auto& p : rep.problems) ADD_FAILURE() << e.alias << ": " << p;
  }

  // What the processes counted (printed; exact equality is engine_metrics_test's subject).
  for (auto& p : procs) {
    auto samples = parse_metrics(p->metrics_text());
    for (const auto& e : eps) {
      if (e.alias == p->region()) continue;
      std::map<std::string, std::string> flow{{"source", e.alias}, {"target", p->region()}};
      auto echo = flow;
      echo["reason"] = "echo";
      auto third = flow;
      third["reason"] = "third_party";
      std::printf("[figures] flow %s->%s: replicated %.0f, echo drops %.0f, third-party drops "
                  "%.0f\n",
                  e.alias.c_str(), p->region().c_str(),
                  metric_sum(samples, "tandem_records_replicated_total", flow),
                  metric_sum(samples, "tandem_loop_drops_total", echo),
                  metric_sum(samples, "tandem_loop_drops_total", third));
    }
  }
  for (auto& p : procs) {
    auto st = p->terminate();
    std::printf("[figures] tandem %s stopped: %s\n", p->region().c_str(), st.describe().c_str());
    EXPECT_TRUE(st.exited && st.code == 0 && !st.needed_kill) << st.describe();
  }
}

TEST(engine_identity, two_regions_replicate_both_ways_each_record_once_in_order_with_fields_kept) {
  auto eps = region_endpoints(2);
  ASSERT_EQ(eps.size(), 2u);
  run_identity_scenario(eps, 50'000, 30s);
}

TEST(engine_identity, three_region_mesh_gives_every_region_every_record_exactly_once) {
  auto eps = region_endpoints(3);
  ASSERT_EQ(eps.size(), 3u);
  run_identity_scenario(eps, 10'000, 0s);
}

}  // namespace
}  // namespace tandem::testing
