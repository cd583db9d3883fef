// Acceptance, issue #10 "Source topic deleted and recreated" on real Kafka: a new incarnation of
// a source topic is detected while tandem is stopped and while it runs, raises an alarm, is
// copied from its log start (no record of it skipped), and the old log's runs are never used to
// translate the new one.
//
//   a: T (1 partition) ── tandem b (prefix) ──> b: a.T        1,000 records "old-i" copied
//   stopped: b stopped, T deleted and created again with 1,500 records "new-i" (longer than
//            b's resume position 1,000, so the consumer never reports out of range), b started
//   running: T deleted, created again and refilled with 1,500 records "new-i" while b runs
//            (b's position 1,001 lies inside the new log)
//   checked: every "new-i" is on b; tandem_alarms_total{reason="source_recreated"} >= 1; the
//            offset map of T/0 is only the new log's run; a group that had read 800 of the old
//            copies on b, translated back to a (`offsets translate --reverse`), starts at 0 of
//            the new T: consuming from there reads every "new-i".
//
// The witness is the flow group's committed offset on a, which Kafka deletes with the topic
// (engine/flow/flow_incarnation.cc).
#include <gtest/gtest.h>

#include <cstdio>
#include <map>

#include "tests/integration/engine_scenario.h"
#include "tests/integration/failover_support.h"
#include "tests/integration/json_output.h"

namespace tandem::testing {
namespace {

using namespace std::chrono_literals;

// How many times each value of stem "<stem>-i", i < n, is in `records`; the missing ones named.
struct census {
  int present = 0;
  std::string missing;
};
census count_values(const std::vector<record>& records, const std::string& stem, int n) {
  std::map<std::string, int> seen;
  for (const auto& r : records) ++seen[r.value.value_or("<null>")];
  census c;
  for (int i = 0; i < n; ++i) {
    if (seen[stem + "-" + std::to_string(i)] > 0) ++c.present;
    else if (c.missing.size() < 200) c.missing += " " + stem + "-" + std::to_string(i);
  }
  return c;
}

// The flow group's committed offset of T/0 on a, -1 when none (asked without joining it).
int64_t flow_group_offset(const region_endpoint& a, const region_endpoint& b, const std::string& topic) {
  auto rk = group_consumer(a.bootstrap, "tandem." + a.alias + "-to-" + b.alias);
  if (!rk) return -1;
  return committed(rk.get(), topic, 1).at(0);
}

// A group that had read `read` of the old copies on b, moved back to a: where it starts on the
// new T (`offsets translate --reverse` of b's map), then what it reads from there.
void expect_failback_reads_new_log(const tandem_process& proc, const region_endpoint& a,
                                   const std::string& topic, int64_t read, int new_records) {
  auto r = run_command(k_tandemctl + " offsets translate --config " + proc.config_path().string() +
                       " --from " + a.alias + " --topic " + topic + " --partition 0 --offset " +
                       std::to_string(read) + " --reverse --json 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto at = values_named(json_document(r.output), "source_offset");
  ASSERT_EQ(at.size(), 1u) << r.output;
  int64_t start = at[0].is_number_integer() ? at[0].get<int64_t>() : 0;  // null: log start
  EXPECT_EQ(start, 0) << "the group read none of the new log's records:\n" << r.output;
  auto rk = group_consumer(a.bootstrap, unique_topic("failback-probe"));
  ASSERT_TRUE(rk);
  std::vector<std::string> values;
  read_partition(rk.get(), topic, 0, start, new_records, values);
  std::vector<record> as_records;
  for (auto& v : values) as_records.push_back(record{.value = v});
  auto c = count_values(as_records, "new", new_records);
  EXPECT_EQ(c.present, new_records) << "skipped after failback:" << c.missing;
  std::printf("[figures] failback of a group at %lld of the old copies: starts at %lld of the "
              "new log, reads %d of its %d records\n", static_cast<long long>(read),
              static_cast<long long>(start), c.present, new_records);
}

TEST(engine_source_recreated, while_stopped_with_a_longer_log_is_copied_from_its_start) {
  auto eps = region_endpoints(2);
  ASSERT_EQ(eps.size(), 2u);
  const auto& a = eps[0];
  const auto& b = eps[1];
  const std::string topic = unique_topic("eng-src-recreated-stopped");
  const std::string copy = a.alias + "." + topic;
  auto proc = start_prefix_copy(a, b, eps, topic, numbered_records("old", 0, 1000));
  ASSERT_FALSE(HasFailure());
  auto st = proc->terminate(10s);
  ASSERT_TRUE(st.exited && st.code == 0) << st.describe();
  ASSERT_NO_FATAL_FAILURE(recreate_topic(a.bootstrap, topic));
  ASSERT_EQ(produce(a.bootstrap, topic, numbered_records("new", 0, 1500)), "");

  ASSERT_EQ(proc->start(), "");
  ASSERT_TRUE(proc->wait_ready(60s)) << proc->get("/readyz").body;
  offsets_probe probe_b(b.bootstrap);
  int64_t copied = wait_settled(probe_b, copy, 2500, 60s);
  auto c = count_values(read_topic(b.bootstrap, copy), "new", 1500);
  EXPECT_EQ(c.present, 1500) << "records of the new log not copied:" << c.missing << "\n"
                             << proc->log_tail();
  double alarms = wait_for_alarm(*proc, topic, "source_recreated");
  EXPECT_GE(alarms, 1) << proc->log_tail();
  auto map = wait_for_runs(*proc, a.alias, topic, [](const std::vector<run_triple>& runs) {
    return runs.size() == 1 && runs[0] == run_triple{0, 1000, 1500};
  });
  EXPECT_TRUE(map.met) << "the map of T/0 should be exactly src 0..1499 -> dst 1000..2499:\n"
                       << map.output;
  ASSERT_NO_FATAL_FAILURE(expect_failback_reads_new_log(*proc, a, topic, 800, 1500));
  std::printf("[figures] source recreated while stopped: %s holds %lld records (1000 + 1500), "
              "%d of 1500 new records copied, alarms %.0f\n",
              copy.c_str(), static_cast<long long>(copied), c.present, alarms);
  expect_clean_stop({proc.get()});
}

TEST(engine_source_recreated, while_running_and_refilled_at_once_is_copied_from_its_start) {
  auto eps = region_endpoints(2);
  ASSERT_EQ(eps.size(), 2u);
  const auto& a = eps[0];
  const auto& b = eps[1];
  const std::string topic = unique_topic("eng-src-recreated-running");
  const std::string copy = a.alias + "." + topic;
  auto proc = start_prefix_copy(a, b, eps, topic, numbered_records("old", 0, 1000));
  ASSERT_FALSE(HasFailure());
  // The witness: the flow's commit of 1,000 on a, seen by a later commit (one more record
  // copied and committed after it).
  ASSERT_TRUE(wait_until([&] { return flow_group_offset(a, b, topic) == 1000; }, 30s, 500ms));
  ASSERT_EQ(produce(a.bootstrap, topic, numbered_records("mid", 0, 1)), "");
  ASSERT_TRUE(wait_until([&] { return flow_group_offset(a, b, topic) == 1001; }, 30s, 500ms));

  ASSERT_NO_FATAL_FAILURE(recreate_topic(a.bootstrap, topic));
  ASSERT_EQ(produce(a.bootstrap, topic, numbered_records("new", 0, 1500)), "");
  offsets_probe probe_b(b.bootstrap);
  int64_t copied = wait_settled(probe_b, copy, 2501, 90s);
  auto c = count_values(read_topic(b.bootstrap, copy), "new", 1500);
  EXPECT_EQ(c.present, 1500) << "records of the new log not copied:" << c.missing << "\n"
                             << proc->log_tail();
  double alarms = wait_for_alarm(*proc, topic, "source_recreated");
  EXPECT_GE(alarms, 1) << proc->log_tail();
  ASSERT_NO_FATAL_FAILURE(expect_failback_reads_new_log(*proc, a, topic, 800, 1500));
  std::printf("[figures] source recreated and refilled while running: %s holds %lld records "
              "(1001 old + the new log's 1500, some of them twice), %d of 1500 new records "
              "copied, alarms %.0f\n",
              copy.c_str(), static_cast<long long>(copied), c.present, alarms);
  expect_clean_stop({proc.get()});
}

}  // namespace
}  // namespace tandem::testing
