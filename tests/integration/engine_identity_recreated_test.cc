// Acceptance (issue #10), identity naming, a topic deleted and recreated in one region while both
// processes run. Before, the other region's process kept the runs it had learned from the old
// log's echoes and refused those of the new one ("target offset 0 is claimed by two source
// records", a failed journal commit of the whole flow): its map of the peer direction described
// records that were gone, and a failback translated through it.
//
//   a: T1, T2  <── identity, both processes, topic_refresh 1s ──>  b: T1, T2
//   1. 100 a-records on T1, copied to b's T1 (process a learns them from the echoes);
//   2. T1 deleted on b (Kafka's TopicCommand), recreated by b's topic refresh and filled again
//      from a's start (a new target incarnation); 50 more a-records: for process a, its
//      source was recreated;
//   3. 125 b-records on T2, copied to a.
//   checked: process a's map of flow a->b for T1 is exactly a's 0..149 -> b's 0..149 (no run
//   into the deleted log); flow b->a's group tandem.b-to-a on b reaches 125 on T2 (its
//   positions are saved); after a SIGTERM and a restart of process a, a's T2 holds every
//   record of b's T2 once.
#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "tests/integration/engine_scenario.h"
#include "tests/integration/failover_support.h"
#include "tests/integration/json_output.h"

namespace tandem::testing {
namespace {

using namespace std::chrono_literals;

TEST(engine_identity_recreated, the_learned_map_follows_a_topic_recreated_in_the_peer_region) {
  auto eps = region_endpoints(2);
  ASSERT_EQ(eps.size(), 2u);
  const auto& a = eps[0];
  const auto& b = eps[1];
  const std::string stem = unique_topic("eng-idrec");
  const std::string t1 = stem + "-1", t2 = stem + "-2";
  for (const auto& t : {t1, t2}) {
    ASSERT_EQ(create_topic(a.bootstrap, t, 1), "");
    ASSERT_EQ(create_topic(b.bootstrap, t, 1), "");
  }
  auto pa = start_tandem(a.alias, eps, {stem + ".*"}, "identity", "1s");
  auto pb = start_tandem(b.alias, eps, {stem + ".*"}, "identity", "1s");
  if (HasFailure()) return;
  offsets_probe probe_a(a.bootstrap), probe_b(b.bootstrap);

  ASSERT_EQ(produce(a.bootstrap, t1, numbered_records("a", 0, 100)), "");
  ASSERT_TRUE(wait_until([&] { return probe_b.records(t1) == 100; }, 60s)) << pb->log_tail();

  ASSERT_EQ(request_topic_deletion(b.bootstrap, t1), "");
  // b's process creates it again and fills it again from a's start (a new target incarnation).
  ASSERT_GE(wait_for_alarm(*pb, t1, "target_truncated"), 1)
      << pb->log_tail();
  ASSERT_EQ(wait_settled(probe_b, t1, 100, 60s), 100) << pb->log_tail();
  ASSERT_EQ(produce(a.bootstrap, t1, numbered_records("a", 100, 150)), "");
  ASSERT_EQ(wait_settled(probe_b, t1, 150, 60s), 150) << pb->log_tail();

  // Process a's map of the peer direction follows the new log.
  std::string dump;
  bool follows = wait_until(
      [&] {
        dump = run_command(k_tandemctl + " offsets dump --config " + pa->config_path().string() +
                           " --flow 'a->b' --topic " + t1 + " --json 2>&1")
                   .output;
        return joined(runs_of(dump)) == std::vector<run_triple>{{0, 0, 150}};
      },
      30s, 500ms);
  EXPECT_TRUE(follows) << "flow a->b of " << t1 << " on process a, expected only (0 -> 0, 150): "
                       << dump;

  ASSERT_EQ(produce(b.bootstrap, t2, numbered_records("b", 0, 125)), "");
  ASSERT_TRUE(wait_until([&] { return probe_a.records(t2) == 125; }, 60s)) << pa->log_tail();
  auto group = group_consumer(b.bootstrap, "tandem.b-to-a");
  ASSERT_TRUE(group);
  int64_t saved = -1;
  bool committed_all = wait_until(
      [&] {
        saved = committed(group.get(), t2, 1)[0];
        return saved == 125;
      },
      30s, 500ms);
  EXPECT_TRUE(committed_all) << "flow b->a saved its T2 position at " << saved
                             << " of 125:\n" << pa->log_tail();

  expect_clean_stop({pa.get()});
  ASSERT_EQ(pa->start(), "");
  ASSERT_TRUE(pa->wait_ready(60s)) << pa->log_tail();
  ASSERT_EQ(produce(b.bootstrap, t2, numbered_records("b", 125, 130)), "");
  int64_t settled = wait_settled(probe_a, t2, 130, 60s);
  EXPECT_EQ(settled, 130) << "records of b's T2 on a after a's restart (duplicates: copied again)";
  auto copies = read_topic(a.bootstrap, t2);
  std::set<std::string> distinct;
  for (const auto& r : copies) distinct.insert(r.value.value_or(""));
  EXPECT_EQ(distinct.size(), copies.size()) << "a record of b's T2 copied twice to a";
  std::printf("[figures] T1 recreated on b: flow b->a saved T2 at %lld; after a's restart a's T2 "
              "holds %zu records (%zu distinct)\n",
              static_cast<long long>(saved), copies.size(), distinct.size());
  expect_clean_stop({pa.get(), pb.get()});
}

}  // namespace
}  // namespace tandem::testing
