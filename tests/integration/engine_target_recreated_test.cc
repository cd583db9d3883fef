// Acceptance, docs/design.md "Safety rules" on real Kafka: a target topic deleted while tandem runs
// (an operator's mistake, or a cluster rebuilt) is an alarm, the runs that point into the old
// log are invalidated, and replication and the offset map carry on into the recreated topic.
//
//   a: T (1 partition) ── tandem b (prefix) ──> b: a.T
//   100 records copied; a.T deleted on b (Kafka's TopicCommand); tandem's topic refresh creates
//   it again and fills it again from T's start (issue #10: a new target incarnation is copied
//   from its source's log start); then 50 more records on a
//   checked: tandem_alarms_total{reason="target_truncated"} >= 1, a.T holds v-0..v-149 in
//   order, the map of T/0 is exactly src 0..149 -> dst 0..149 (no run into the deleted log),
//   the resume position reached 150.
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
  // Created again by tandem's topic refresh (empty), which sees that the flow had copies in it:
  // alarm, then the partition is read again from the start and the new log filled.
  ASSERT_GE(wait_for_alarm(*proc, topic, "target_truncated"), 1)
      << proc->log_tail();
  EXPECT_EQ(wait_settled(probe_b, copy, 100, 60s), 100) << "the new log filled again\n" << proc->log_tail();
  ASSERT_EQ(produce(a.bootstrap, topic, numbered_records("v", 100, 150)), "");
  EXPECT_EQ(wait_settled(probe_b, copy, 150, 60s), 150) << proc->log_tail();
  auto copied = read_topic(b.bootstrap, copy);
  ASSERT_EQ(copied.size(), 150u);
  for (size_t i = 0; i < copied.size(); ++i)
    EXPECT_EQ(copied[i].value, "v-" + std::to_string(i)) << "offset " << i;

  const std::string cfg = proc->config_path().string();
  auto map = wait_for_runs(*proc, a.alias, topic, [](const std::vector<run_triple>& runs) {
    return joined(runs) == std::vector<run_triple>{{0, 0, 150}};
  });
  std::string last = map.output;
  EXPECT_TRUE(map.met) << "the map of T/0 should be exactly src 0..149 -> dst 0..149:\n" << last;
  bool resumed = wait_until(
      [&] {
        auto r = run_command(k_tandemctl + " offsets stats --config " + cfg + " --json 2>&1");
        last = r.output;
        return has_fields(r.output, {{"topic", topic}, {"resume", 150}});
      },
      30s, 500ms);
  EXPECT_TRUE(resumed) << "the resume position never reached 150:\n" << last;
  std::printf("[figures] target deleted and recreated while running: alarm counted, the new log "
              "filled again (150 records in order), resume position 150\n");
  expect_clean_stop({proc.get()});
}

}  // namespace
}  // namespace tandem::testing
