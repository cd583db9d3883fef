// Acceptance, docs/design.md "Safety rules" on real Kafka: a target topic deleted while tandem runs
// (an operator's mistake, or a cluster rebuilt) is an alarm, the runs that point into the old
// log are invalidated, and replication and the offset map carry on into the recreated topic.
//
//   a: T (1 partition) ── tandem b (prefix) ──> b: a.T
//   100 records copied; a.T deleted on b (Kafka's TopicCommand); tandem's topic refresh creates
//   it again; 50 more records on a land at a.T offsets 0..49
//   checked: tandem_alarms_total{reason="target_truncated"} >= 1, the map of T/0 is exactly
//   src 100..149 -> dst 0..49 (no run into the deleted log), the resume position reached 150.
#include <gtest/gtest.h>

#include <cstdio>

#include "tests/integration/engine_scenario.h"
#include "tests/integration/failover_support.h"
#include "tests/integration/json_output.h"

namespace tandem::testing {
namespace {

using namespace std::chrono_literals;

TEST(engine_target_recreated, a_deleted_target_raises_an_alarm_and_the_map_follows_the_new_log) {
  auto eps = region_endpoints(2);
  ASSERT_EQ(eps.size(), 2u);
  const auto& a = eps[0];
  const auto& b = eps[1];
  const std::string topic = unique_topic("eng-target-gone");
  const std::string copy = a.alias + "." + topic;
  auto proc = start_prefix_copy(a, b, eps, topic, numbered_records("v", 0, 100));
  ASSERT_FALSE(HasFailure());
  offsets_probe probe_b(b.bootstrap);

  ASSERT_EQ(request_topic_deletion(b.bootstrap, copy), "");
  // Recreated by tandem's topic refresh (empty: it starts at offset 0 again).
  ASSERT_TRUE(wait_until([&] { return probe_b.partitions(copy) == 1 && probe_b.records(copy) == 0; },
                         60s, 200ms))
      << proc->log_tail();
  ASSERT_EQ(produce(a.bootstrap, topic, numbered_records("v", 100, 150)), "");
  ASSERT_TRUE(wait_until([&] { return probe_b.records(copy) == 50; }, 60s)) << proc->log_tail();

  const std::map<std::string, std::string> alarm{{"topic", topic}, {"reason", "target_truncated"}};
  ASSERT_TRUE(wait_until(
      [&] { return metric_sum(parse_metrics(proc->metrics_text()), "tandem_alarms_total", alarm) >= 1; },
      30s))
      << proc->log_tail();

  const std::string cfg = proc->config_path().string();
  auto map = wait_for_runs(*proc, a.alias, topic, [](const std::vector<run_triple>& runs) {
    int64_t copied = 0;
    for (auto [s, d, n] : runs) copied += n;
    return copied == 50;
  });
  std::string last = map.output;
  EXPECT_TRUE(map.met) << last;
  std::printf("[figures] runs of %s/0 after the recreation:", topic.c_str());
  for (auto [s, d, n] : runs_of(last)) std::printf(" (%lld -> %lld, %lld)", static_cast<long long>(s),
                                                   static_cast<long long>(d), static_cast<long long>(n));
  std::printf("\n");
  for (auto [s, d, n] : runs_of(last)) {
    EXPECT_GE(s, 100) << "a run of a record whose copy was deleted: " << last;
    EXPECT_EQ(d, s - 100) << last;
    EXPECT_LE(d + n, 50) << "a run pointing past the recreated log: " << last;
  }
  bool resumed = wait_until(
      [&] {
        auto r = run_command(k_tandemctl + " offsets stats --config " + cfg + " --json 2>&1");
        last = r.output;
        return has_fields(r.output, {{"topic", topic}, {"resume", 150}});
      },
      30s, 500ms);
  EXPECT_TRUE(resumed) << "the resume position never reached 150:\n" << last;
  std::printf("[figures] target deleted and recreated: alarm counted, resume position 150\n");
  expect_clean_stop({proc.get()});
}

}  // namespace
}  // namespace tandem::testing
