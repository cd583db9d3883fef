// Acceptance (issue #10), prefix naming on real Kafka: a target topic grown by hand beyond its
// source's partition count used to pause the topic. Records keep their partition number, so
// partition p still goes to p: the topic keeps flowing, the extra partitions stay empty.
//
//   a: T (2 partitions) ── tandem b (prefix) ──> b: a.T (created by hand with 3 partitions)
//   checked: every record of a's partition p is on b's partition p, in order; partition 2 of
//   a.T holds nothing; tandem_topic_paused{topic=T} is 0.
#include <gtest/gtest.h>

#include "tests/integration/engine_scenario.h"

namespace tandem::testing {
namespace {

using namespace std::chrono_literals;

TEST(engine_larger_target, a_target_grown_beyond_its_source_keeps_copying_partition_p_to_p) {
  auto eps = region_endpoints(2);
  ASSERT_EQ(eps.size(), 2u);
  const auto& a = eps[0];
  const auto& b = eps[1];
  const std::string topic = unique_topic("eng-larger");
  const std::string copy = a.alias + "." + topic;
  ASSERT_EQ(create_topic(a.bootstrap, topic, 2), "");
  ASSERT_EQ(create_topic(b.bootstrap, copy, 3), "");
  ASSERT_EQ(produce(a.bootstrap, topic, numbered_records("v", 0, 60, 2)), "");

  auto proc = start_tandem(b.alias, eps, {topic}, "prefix", "1s");
  if (HasFailure()) return;
  offsets_probe probe_b(b.bootstrap);
  ASSERT_TRUE(wait_until([&] { return probe_b.records(copy) == 60; }, 60s)) << proc->log_tail();

  auto src = read_topic(a.bootstrap, topic);
  auto dst = read_topic(b.bootstrap, copy);
  ASSERT_EQ(dst.size(), src.size());
  for (size_t i = 0; i < src.size(); ++i) {
    EXPECT_EQ(dst[i].partition, src[i].partition) << "record " << i;
    EXPECT_EQ(dst[i].value, src[i].value) << "record " << i;
  }
  auto highs = probe_b.high_watermarks(copy);
  ASSERT_EQ(highs.size(), 3u);
  EXPECT_EQ(highs[2], 0) << "the extra partition got records";
  EXPECT_EQ(metric_sum(parse_metrics(proc->metrics_text()), "tandem_topic_paused", {{"topic", topic}}),
            0);
  expect_clean_stop({proc.get()});
}

}  // namespace
}  // namespace tandem::testing
