// Acceptance, issue #10 "Out of range" on real Kafka: a resume position above the source
// partition's end is an alarm that names the records that vanished, and the flow continues
// where the log is, copying nothing twice and skipping nothing.
//
//   a: T (1 partition) ── tandem b (prefix) ──> b: a.T
//   1,000 records copied; b stopped (SIGTERM); T deleted on a and created again with 300
//   records (Kafka's TopicCommand); b restarted: its resume position 1,000 is above the new
//   end 300.
//   checked: an alarm (the flow group's offset is gone, so b sees the new incarnation at its
//   start, before the consumer would report the position out of range:
//   reason="source_recreated", engine/flow/flow_incarnation.cc); a.T holds exactly 1,000 + 300
//   records, the new log's 300 once; the offset map of T/0 is exactly src 0..299 -> dst
//   1000..1299 (the old log's runs are invalidated by source offset).
//
// Recreated vs truncated: the new log's records 0..299 were never copied, so continuing at the
// new end (300) would skip them. The flow tells a recreated topic from a truncated one by the
// flow group's committed offset on the source, which Kafka deletes with the topic
// (engine/flow/flow_out_of_range.cc). A true truncation (the end going back under the same
// topic) needs an unclean leader election, which the single-broker test clusters cannot
// produce; the unit tests cover it (tests/unit/engine/flow_test.cc, flow_out_of_range), and
// the second test here drives the same path on real Kafka by making the recreated topic look
// truncated (its flow-group offset set again).
#include <gtest/gtest.h>

#include <cstdio>

#include "tests/integration/engine_scenario.h"
#include "tests/integration/failover_support.h"
#include "tests/integration/json_output.h"

namespace tandem::testing {
namespace {

using namespace std::chrono_literals;

// a's topic `topic` copied to b (1,000 records "old-i"), b's process stopped, the topic deleted
// on a and created again with 300 records "new-i": b's resume position 1,000 is above the end.
// Returns b's stopped process; failures are fatal ones (ASSERT_NO_FATAL_FAILURE).
void copy_then_recreate_below(const std::vector<region_endpoint>& eps, const std::string& topic,
                              std::unique_ptr<tandem_process>& proc) {
  const auto& a = eps[0];
  proc = start_prefix_copy(a, eps[1], eps, topic, numbered_records("old", 0, 1000));
  ASSERT_FALSE(::testing::Test::HasFailure());
  auto st = proc->terminate(10s);
  ASSERT_TRUE(st.exited && st.code == 0) << st.describe();
  ASSERT_NO_FATAL_FAILURE(recreate_topic(a.bootstrap, topic));
  ASSERT_EQ(produce(a.bootstrap, topic, numbered_records("new", 0, 300)), "");
  ASSERT_EQ(offsets_probe(a.bootstrap).records(topic), 300);
}

TEST(engine_source_out_of_range, a_recreated_source_below_the_position_alarms_and_copies_once) {
  auto eps = region_endpoints(2);
  ASSERT_EQ(eps.size(), 2u);
  const auto& a = eps[0];
  const auto& b = eps[1];
  const std::string topic = unique_topic("eng-source-oor");
  const std::string copy = a.alias + "." + topic;
  std::unique_ptr<tandem_process> proc;
  ASSERT_NO_FATAL_FAILURE(copy_then_recreate_below(eps, topic, proc));
  offsets_probe probe_b(b.bootstrap);

  ASSERT_EQ(proc->start(), "");
  ASSERT_TRUE(proc->wait_ready(60s)) << proc->get("/readyz").body;
  int64_t copied = wait_settled(probe_b, copy, 1300, 60s);
  EXPECT_EQ(copied, 1300) << "1,000 old copies plus the new log's 300 once\n" << proc->log_tail();

  double alarms = wait_for_alarm(*proc, topic, "source_recreated");
  EXPECT_GE(alarms, 1) << proc->log_tail();

  auto all = read_topic(b.bootstrap, copy);
  std::map<std::string, int> seen;
  for (const auto& r : all) ++seen[r.value.value_or("<null>")];
  int new_once = 0;
  for (int i = 0; i < 300; ++i) new_once += seen["new-" + std::to_string(i)] == 1;
  EXPECT_EQ(new_once, 300) << "every record of the new log copied exactly once";

  auto map = wait_for_runs(*proc, a.alias, topic, [](const std::vector<run_triple>& runs) {
    return runs.size() == 1 && runs[0] == run_triple{0, 1000, 300};
  });
  const std::string& last = map.output;
  EXPECT_TRUE(map.met) << "the map of T/0 should be exactly src 0..299 -> dst 1000..1299:\n"
                       << last;
  std::printf("[figures] source recreated below the position: %s holds %lld records "
              "(1000 + 300), %d new records copied once, alarms %.0f, runs:",
              copy.c_str(), static_cast<long long>(copied), new_once, alarms);
  for (auto [s, d, n] : runs_of(last))
    std::printf(" (%lld -> %lld, %lld)", static_cast<long long>(s), static_cast<long long>(d),
                static_cast<long long>(n));
  std::printf("\n");
  expect_clean_stop({proc.get()});
}

// The truncation path on real Kafka. A log end that goes back under the same topic needs an
// unclean leader election (several brokers); here the recreated topic is made to look
// truncated: the flow group's committed offset of the partition is set again (Kafka's
// ConsumerGroupCommand clamps 1000 to the new end 300), as it survives a truncation. The flow
// continues at the end: the 300 records below it count as the surviving prefix of the log
// (not copied again), the records produced afterwards are copied once.
TEST(engine_source_out_of_range, a_truncated_source_alarms_and_continues_at_its_end) {
  auto eps = region_endpoints(2);
  ASSERT_EQ(eps.size(), 2u);
  const auto& a = eps[0];
  const auto& b = eps[1];
  const std::string topic = unique_topic("eng-source-trunc");
  const std::string copy = a.alias + "." + topic;
  std::unique_ptr<tandem_process> proc;
  ASSERT_NO_FATAL_FAILURE(copy_then_recreate_below(eps, topic, proc));
  auto reset = run_command(
      k_local_kafka + " run-class org.apache.kafka.tools.consumer.group.ConsumerGroupCommand "
      "--bootstrap-server " + a.bootstrap + " --group tandem." + a.alias + "-to-" + b.alias +
      " --topic " + topic + ":0 --reset-offsets --to-offset 1000 --execute 2>&1");
  ASSERT_EQ(reset.exit_code, 0) << reset.output;

  ASSERT_EQ(proc->start(), "");
  ASSERT_TRUE(proc->wait_ready(60s)) << proc->get("/readyz").body;
  double alarms = wait_for_alarm(*proc, topic, "source_truncated");
  EXPECT_GE(alarms, 1) << proc->log_tail();
  ASSERT_EQ(produce(a.bootstrap, topic, numbered_records("after", 0, 50)), "");
  offsets_probe probe_b(b.bootstrap);
  int64_t copied = wait_settled(probe_b, copy, 1050, 60s);
  EXPECT_EQ(copied, 1050) << "1,000 old copies plus the 50 records after the truncation\n"
                          << proc->log_tail();
  EXPECT_NE(proc->log().find("records [300, 1000) are gone from the source; truncated"),
            std::string::npos)
      << proc->log_tail();
  std::printf("[figures] source truncated below the position: %s holds %lld records "
              "(1000 + 50 after the truncation), alarms %.0f\n",
              copy.c_str(), static_cast<long long>(copied), alarms);
  expect_clean_stop({proc.get()});
}

}  // namespace
}  // namespace tandem::testing
