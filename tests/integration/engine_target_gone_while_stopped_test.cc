// Acceptance (issue #10), prefix naming on real Kafka: a target topic deleted while tandem is
// stopped. Before, the resume position won over the empty new target: the records copied before
// were never copied again, no alarm was raised, and the map kept runs into the deleted log.
//
//   a: T (100 records) ── tandem b ──> b: a.T; b stopped; a.T deleted on b; b restarted
//   checked: a.T on b holds the 100 records again, in order; tandem_alarms_total{reason=
//   "target_truncated"} counts it; the map of T/0 is exactly (0 -> 0, 100).
#include <gtest/gtest.h>

#include "tests/integration/engine_scenario.h"
#include "tests/integration/failover_support.h"
#include "tests/integration/json_output.h"

namespace tandem::testing {
namespace {

using namespace std::chrono_literals;

TEST(engine_target_gone_while_stopped, a_target_deleted_while_tandem_is_stopped_is_copied_again) {
  auto eps = region_endpoints(2);
  ASSERT_EQ(eps.size(), 2u);
  const auto& a = eps[0];
  const auto& b = eps[1];
  const std::string topic = unique_topic("eng-gone-stopped");
  const std::string copy = a.alias + "." + topic;
  auto proc = start_prefix_copy(a, b, eps, topic, numbered_records("v", 0, 100));
  ASSERT_FALSE(HasFailure());
  expect_clean_stop({proc.get()});

  ASSERT_EQ(request_topic_deletion(b.bootstrap, copy), "");
  offsets_probe probe_b(b.bootstrap);
  ASSERT_TRUE(wait_until([&] { return probe_b.partitions(copy) == -1; }, 60s, 200ms));

  ASSERT_EQ(proc->start(), "");
  ASSERT_TRUE(proc->wait_ready(60s)) << proc->log_tail();
  ASSERT_TRUE(wait_until([&] { return probe_b.records(copy) == 100; }, 60s))
      << copy << " holds " << probe_b.records(copy) << " of 100 after the restart\n"
      << proc->log_tail();
  auto src = read_topic(a.bootstrap, topic);
  auto dst = read_topic(b.bootstrap, copy);
  ASSERT_EQ(dst.size(), src.size());
  for (size_t i = 0; i < src.size(); ++i) EXPECT_EQ(dst[i].value, src[i].value) << "record " << i;
  const std::map<std::string, std::string> alarm{{"topic", topic}, {"reason", "target_truncated"}};
  EXPECT_GE(metric_sum(parse_metrics(proc->metrics_text()), "tandem_alarms_total", alarm), 1);
  std::string dump;
  bool mapped = wait_until(
      [&] {
        dump = run_command(k_tandemctl + " offsets dump --config " + proc->config_path().string() +
                           " --from " + a.alias + " --topic " + topic + " --json 2>&1")
                   .output;
        return runs_of(dump) == std::vector<std::tuple<int64_t, int64_t, int64_t>>{{0, 0, 100}};
      },
      30s, 500ms);
  EXPECT_TRUE(mapped) << dump;
  std::printf("[figures] target deleted while stopped: %zu of 100 copied again, alarm counted\n",
              dst.size());
  expect_clean_stop({proc.get()});
}

}  // namespace
}  // namespace tandem::testing
