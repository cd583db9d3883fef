// Acceptance, topic upkeep on real Kafka (identity naming, two regions, topic_refresh = 1s):
//   - a topic created mid-run that matches the regex is replicated within 10 s;
//   - partitions added at the source are followed: the target grows, records written to the new
//     partitions arrive on the same partitions, in both directions.
#include <gtest/gtest.h>

#include <cstdio>

#include "tests/integration/engine_scenario.h"

namespace tandem::testing {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

double secs(steady::duration d) { return std::chrono::duration<double>(d).count(); }

TEST(engine_topics, a_topic_created_mid_run_is_replicated_within_10_seconds) {
  auto eps = region_endpoints(2);
  ASSERT_EQ(eps.size(), 2u);
  const auto& a = eps[0];
  const auto& b = eps[1];
  const std::string stem = unique_topic("eng-newtopic");
  auto pa = start_tandem(a.alias, eps, {stem + ".*"}, "identity", "1s");
  auto pb = start_tandem(b.alias, eps, {stem + ".*"}, "identity", "1s");
  if (HasFailure()) return;

  // The processes are up and have refreshed at least once with no topic of the stem.
  const std::string topic = stem + "-late";
  const int64_t n = 300;
  workload w{a.alias, 3, wall_clock_ms()};
  offsets_probe probe_b(b.bootstrap);
  ASSERT_EQ(probe_b.partitions(topic), -1);

  auto t0 = steady::now();
  ASSERT_EQ(create_topic(a.bootstrap, topic, 3), "");
  auto created = steady::now();
  paced_producer prod(a.bootstrap, topic, w, n);
  ASSERT_EQ(prod.wait(), "");
  auto produced = steady::now();

  steady::time_point exists_at{}, all_at{};
  bool ok = wait_until(
      [&] {
        if (exists_at == steady::time_point{} && probe_b.partitions(topic) == 3)
          exists_at = steady::now();
        if (exists_at != steady::time_point{} && probe_b.records(topic) >= n) {
          all_at = steady::now();
          return true;
        }
        return false;
      },
      30s, 50ms);
  std::printf("[figures] topic created on %s in %.2f s, %lld records produced %.2f s after "
              "the create call\n",
              a.alias.c_str(), secs(created - t0), static_cast<long long>(n), secs(produced - t0));
  if (exists_at != steady::time_point{})
    std::printf("[figures] topic present on %s %.2f s after the create call\n", b.alias.c_str(),
                secs(exists_at - t0));
  if (ok)
    std::printf("[figures] all %lld records on %s %.2f s after the create call\n",
                static_cast<long long>(n), b.alias.c_str(), secs(all_at - t0));
  ASSERT_TRUE(ok) << "topic on " << b.alias << ": partitions " << probe_b.partitions(topic)
                  << ", records " << probe_b.records(topic);
  EXPECT_LE(all_at - t0, 10s) << "time to replicate a new topic: " << secs(all_at - t0) << " s";

  int64_t nb = wait_settled(probe_b, topic, n, 30s, 2s);
  EXPECT_EQ(nb, n);
  offsets_probe probe_a(a.bootstrap);
  EXPECT_EQ(probe_a.records(topic), n) << "no echo back into " << a.alias;
  auto read_a = read_topic(a.bootstrap, topic);
  auto rep = analyze(read_topic(b.bootstrap, topic),
                     {b.alias, topic, topic, {{a.alias, w}}, {{a.alias, n}},
                      {{a.alias, local_offsets(read_a, a.alias)}}});
  std::printf("[figures] %s/%s: %s\n", b.alias.c_str(), topic.c_str(), rep.summary().c_str());
  EXPECT_EQ(rep.total, n);
  EXPECT_EQ(rep.duplicates() + rep.missing() + rep.out_of_order() + rep.mismatched() +
                rep.unexpected,
            0);
  for (const auto& p : rep.problems) ADD_FAILURE() << p;
  expect_clean_stop({pa.get(), pb.get()});
}

TEST(engine_topics, partitions_added_at_the_source_are_followed_in_both_directions) {
  auto eps = region_endpoints(2);
  ASSERT_EQ(eps.size(), 2u);
  const auto& a = eps[0];
  const auto& b = eps[1];
  const std::string topic = unique_topic("eng-grow");
  for (const auto& e : eps) ASSERT_EQ(create_topic(e.bootstrap, topic, 3), "");
  auto pa = start_tandem(a.alias, eps, {topic + ".*"}, "identity", "1s");
  auto pb = start_tandem(b.alias, eps, {topic + ".*"}, "identity", "1s");
  if (HasFailure()) return;

  const int64_t before = 300, after_a = 500, after_b = 500;
  const int64_t base_ts = wall_clock_ms();
  // a's records from seq `before` on use 5 partitions; b writes only after the growth.
  workload wa{a.alias, 3, base_ts, before, 5};
  workload wb{b.alias, 5, base_ts};
  offsets_probe probe_a(a.bootstrap), probe_b(b.bootstrap);

  {
    paced_producer p(a.bootstrap, topic, wa, before);
    ASSERT_EQ(p.wait(), "");
  }
  ASSERT_TRUE(wait_until([&] { return probe_b.records(topic) >= before; }, 30s))
      << "before the growth: " << probe_b.records(topic) << " of " << before << " on " << b.alias;

  auto t0 = steady::now();
  ASSERT_EQ(create_partitions(a.bootstrap, topic, 5), "");
  std::printf("[figures] %s grown to 5 partitions in %.2f s\n", a.alias.c_str(),
              secs(steady::now() - t0));
  bool grown = wait_until([&] { return probe_b.partitions(topic) == 5; }, 30s, 50ms);
  std::printf("[figures] %s followed to %d partitions %.2f s after the CreatePartitions call\n",
              b.alias.c_str(), probe_b.partitions(topic), secs(steady::now() - t0));
  ASSERT_TRUE(grown);

  // Records on every partition, new ones included, from both sides.
  {
    paced_producer pa_prod(a.bootstrap, topic, wa, after_a, 0, before);
    paced_producer pb_prod(b.bootstrap, topic, wb, after_b);
    ASSERT_EQ(pa_prod.wait(), "");
    ASSERT_EQ(pb_prod.wait(), "");
  }
  const int64_t total = before + after_a + after_b;
  int64_t na = wait_settled(probe_a, topic, total, 30s, 2s);
  int64_t nb = wait_settled(probe_b, topic, total, 30s, 2s);
  std::printf("[figures] %s holds %lld, %s holds %lld of %lld\n", a.alias.c_str(),
              static_cast<long long>(na), b.alias.c_str(), static_cast<long long>(nb),
              static_cast<long long>(total));
  EXPECT_EQ(na, total);
  EXPECT_EQ(nb, total);

  auto read_a = read_topic(a.bootstrap, topic);
  auto read_b = read_topic(b.bootstrap, topic);
  std::map<std::string, workload> ws{{a.alias, wa}, {b.alias, wb}};
  std::map<std::string, int64_t> expected{{a.alias, before + after_a}, {b.alias, after_b}};
  std::map<std::string, std::map<int64_t, int64_t>> offsets{
      {a.alias, local_offsets(read_a, a.alias)}, {b.alias, local_offsets(read_b, b.alias)}};
  for (auto& [region, got] : {std::pair{a.alias, &read_a}, std::pair{b.alias, &read_b}}) {
    auto rep = analyze(*got, {region, topic, topic, ws, expected, offsets});
    std::printf("[figures] %s/%s: %s\n", region.c_str(), topic.c_str(), rep.summary().c_str());
    EXPECT_EQ(rep.duplicates() + rep.missing() + rep.out_of_order() + rep.mismatched() +
                  rep.unexpected,
              0)
        << region;
    for (const auto& p : rep.problems) ADD_FAILURE() << region << ": " << p;
    std::map<int32_t, int64_t> per_partition;
    for (const auto& r : *got) ++per_partition[r.partition];
    std::string dist;
    for (auto [p, c] : per_partition) dist += " p" + std::to_string(p) + "=" + std::to_string(c);
    std::printf("[figures] %s per partition:%s\n", region.c_str(), dist.c_str());
    EXPECT_GT(per_partition[3], 0) << region;
    EXPECT_GT(per_partition[4], 0) << region;
  }
  for (auto* p : {pa.get(), pb.get()}) {
    auto samples = parse_metrics(p->metrics_text());
    std::printf("[figures] tandem %s: tandem_topic_paused %.0f\n", p->region().c_str(),
                metric_sum(samples, "tandem_topic_paused", {{"topic", topic}}));
  }
  expect_clean_stop({pa.get(), pb.get()});
}

// Active-active: partitions added in a while b's process is down. Meanwhile the flow b->a sees
// its target (a) with more partitions than its source (b): a transient state that b's process
// fixes when it returns, so it must not stop b->a for good.
TEST(engine_topics, partitions_added_while_the_peer_process_is_down_are_followed_once_it_returns) {
  auto eps = region_endpoints(2);
  ASSERT_EQ(eps.size(), 2u);
  const auto& a = eps[0];
  const auto& b = eps[1];
  const std::string topic = unique_topic("eng-grow-down");
  for (const auto& e : eps) ASSERT_EQ(create_topic(e.bootstrap, topic, 3), "");
  auto pa = start_tandem(a.alias, eps, {topic + ".*"}, "identity", "1s");
  auto pb = start_tandem(b.alias, eps, {topic + ".*"}, "identity", "1s");
  if (HasFailure()) return;

  auto st = pb->terminate();
  ASSERT_TRUE(st.exited && st.code == 0) << st.describe();
  ASSERT_EQ(create_partitions(a.bootstrap, topic, 5), "");
  // Three refresh periods of the flow b->a with a at 5 and b at 3 partitions (an observation
  // window: whatever b->a decides there, it must recover).
  double paused = 0;
  wait_until(
      [&] {
        paused = metric_sum(parse_metrics(pa->metrics_text()), "tandem_topic_paused",
                            {{"topic", topic}});
        return false;
      },
      3s, 250ms);
  std::printf("[figures] b->a with target 5 / source 3 partitions: tandem_topic_paused %.0f\n",
              paused);

  auto t0 = steady::now();
  ASSERT_EQ(pb->start(), "");
  ASSERT_TRUE(pb->wait_ready(60s));
  offsets_probe probe_a(a.bootstrap), probe_b(b.bootstrap);
  bool grown = wait_until([&] { return probe_b.partitions(topic) == 5; }, 30s, 50ms);
  std::printf("[figures] %s grown to 5 partitions %.2f s after its process restarted\n",
              b.alias.c_str(), secs(steady::now() - t0));
  ASSERT_TRUE(grown);

  const int64_t n = 500;
  workload wa{a.alias, 5, wall_clock_ms()};
  workload wb{b.alias, 5, wall_clock_ms()};
  {
    paced_producer p1(a.bootstrap, topic, wa, n);
    paced_producer p2(b.bootstrap, topic, wb, n);
    ASSERT_EQ(p1.wait(), "");
    ASSERT_EQ(p2.wait(), "");
  }
  int64_t na = wait_settled(probe_a, topic, 2 * n, 30s, 2s);
  int64_t nb = wait_settled(probe_b, topic, 2 * n, 30s, 2s);
  std::printf("[figures] %s holds %lld, %s holds %lld of %lld\n", a.alias.c_str(),
              static_cast<long long>(na), b.alias.c_str(), static_cast<long long>(nb),
              static_cast<long long>(2 * n));
  EXPECT_EQ(na, 2 * n) << "b's records must reach a";
  EXPECT_EQ(nb, 2 * n) << "a's records must reach b";
  for (auto* p : {pa.get(), pb.get()}) {
    auto samples = parse_metrics(p->metrics_text());
    std::printf("[figures] tandem %s: tandem_topic_paused %.0f\n", p->region().c_str(),
                metric_sum(samples, "tandem_topic_paused", {{"topic", topic}}));
  }
  expect_clean_stop({pa.get(), pb.get()});
}

}  // namespace
}  // namespace tandem::testing
