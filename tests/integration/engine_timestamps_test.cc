// Acceptance, docs/design.md "Records" on real Kafka: a copy keeps its source record's timestamp,
// also when the source topic is set to message.timestamp.type=LogAppendTime. Copying that
// setting to the target (as tandem did before) makes the target broker overwrite every copied
// timestamp with its own append time; MirrorMaker 2 never copies the key either.
//
//   a: T (LogAppendTime, 2 partitions) ── tandem b (prefix) ──> b: a.T
//   40 records produced on a before tandem starts (so a's append times are seconds older than
//   anything b could append), 40 more while it runs.
//   checked: every copy's timestamp equals its source record's; a.T is CreateTime on b.
#include <gtest/gtest.h>

#include "tests/integration/engine_scenario.h"
#include "tests/integration/failover_support.h"

namespace tandem::testing {
namespace {

using namespace std::chrono_literals;

std::vector<record> values(int from, int to) {
  std::vector<record> out;
  for (int i = from; i < to; ++i) {
    record r;
    r.partition = i % 2;
    r.key = "k-" + std::to_string(i);
    r.value = "v-" + std::to_string(i);
    r.timestamp_ms = 1'000'000'000'000 + i;  // replaced by a's append time
    out.push_back(std::move(r));
  }
  return out;
}

TEST(engine_timestamps, copies_keep_the_source_timestamps_even_from_a_log_append_time_topic) {
  auto eps = region_endpoints(2);
  ASSERT_EQ(eps.size(), 2u);
  const auto& a = eps[0];
  const auto& b = eps[1];
  const std::string topic = unique_topic("eng-logappend");
  const std::string copy = a.alias + "." + topic;
  ASSERT_EQ(create_topic(a.bootstrap, topic, 2, {{"message.timestamp.type", "LogAppendTime"}}), "");
  ASSERT_EQ(produce(a.bootstrap, topic, values(0, 40)), "");

  auto proc = start_tandem(b.alias, eps, {topic}, "prefix", "1s");
  if (HasFailure()) return;
  ASSERT_EQ(produce(a.bootstrap, topic, values(40, 80)), "");
  offsets_probe probe_b(b.bootstrap);
  ASSERT_TRUE(wait_until([&] { return probe_b.records(copy) == 80; }, 60s)) << proc->log_tail();

  auto src = read_topic(a.bootstrap, topic);
  auto dst = read_topic(b.bootstrap, copy);
  ASSERT_EQ(src.size(), 80u);
  ASSERT_EQ(dst.size(), 80u);
  int differ = 0;
  for (size_t i = 0; i < src.size(); ++i) {
    ASSERT_EQ(dst[i].value, src[i].value) << "record " << i;
    EXPECT_NE(src[i].timestamp_ms, 1'000'000'000'000 + i) << "a did not use LogAppendTime";
    if (dst[i].timestamp_ms != src[i].timestamp_ms) ++differ;
  }
  EXPECT_EQ(differ, 0) << "copies whose timestamp differs from the source record's";

  auto cfg = run_command(k_local_kafka + " run-class kafka.admin.ConfigCommand --bootstrap-server " +
                         b.bootstrap + " --entity-type topics --entity-name " + copy +
                         " --describe --all 2>&1");
  ASSERT_EQ(cfg.exit_code, 0) << cfg.output;
  EXPECT_TRUE(contains(cfg.output, "message.timestamp.type=CreateTime")) << cfg.output;
  expect_clean_stop({proc.get()});
}

}  // namespace
}  // namespace tandem::testing
