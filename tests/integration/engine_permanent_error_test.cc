// Acceptance (issue #10 "Honest health"), prefix naming on real Kafka: a permanent produce error
// pauses only its topic, with the reason, and the rest flows; nothing of the paused topic is
// skipped (its position stays before the refused record).
//
//   a: T, U (1 partition each) ── tandem b (prefix) ──> b: a.T (created by hand with a config
//   that refuses one record: max.message.bytes=2000 / message.timestamp.before.max.ms=1h), a.U
//   T gets 20 small records, the refused one (10,000 bytes / a day old), 20 small ones; U gets
//   50 small records.
//   checked: b's broker refuses the copy (MSG_SIZE_TOO_LARGE / INVALID_TIMESTAMP: permanent):
//   tandem_topic_paused{topic=T} = 1, tandem_produce_errors_total{code} >= 1,
//   a.T holds a prefix of the 20 records before the large one (never the large one or a later
//   one), a.U all 50 (also the ones produced after the pause), the process never restarted its flow (one "replicating topic" line per
//   topic) and stops cleanly.
#include <gtest/gtest.h>

#include <cstdio>

#include "tests/integration/engine_scenario.h"

namespace tandem::testing {
namespace {

using namespace std::chrono_literals;

// One refused record in T (`bad`, refused by b's broker because of `target_config` on a.T):
// the checks of the file comment, with `code` the produce error expected.
void refused_record_pauses_only_its_topic(const std::pair<std::string, std::string>& target_config,
                                          const record& bad, const std::string& code) {
  auto eps = region_endpoints(2);
  ASSERT_EQ(eps.size(), 2u);
  const auto& a = eps[0];
  const auto& b = eps[1];
  const std::string t = unique_topic("eng-perm-t"), u = unique_topic("eng-perm-u");
  const std::string copy_t = a.alias + "." + t, copy_u = a.alias + "." + u;
  ASSERT_EQ(create_topic(a.bootstrap, t, 1), "");
  ASSERT_EQ(create_topic(a.bootstrap, u, 1), "");
  ASSERT_EQ(create_topic(b.bootstrap, copy_t, 1, {target_config}), "");
  auto records = numbered_records("small", 0, 20);
  records.push_back(bad);
  auto after = numbered_records("after", 0, 20);
  records.insert(records.end(), after.begin(), after.end());
  ASSERT_EQ(produce(a.bootstrap, t, records), "");
  ASSERT_EQ(produce(a.bootstrap, u, numbered_records("u", 0, 25)), "");

  auto proc = start_tandem(b.alias, eps, {t, u}, "prefix", "1s");
  if (::testing::Test::HasFailure()) return;
  const std::map<std::string, std::string> paused{{"topic", t}};
  ASSERT_TRUE(wait_until([&] {
    return metric_sum(parse_metrics(proc->metrics_text()), "tandem_topic_paused", paused) == 1;
  }, 60s)) << proc->log_tail();
  ASSERT_EQ(produce(a.bootstrap, u, numbered_records("u", 25, 50)), "");
  offsets_probe probe_b(b.bootstrap);
  EXPECT_EQ(wait_settled(probe_b, copy_u, 50, 60s), 50) << "the other topic flows\n" << proc->log_tail();
  // a.T holds a prefix of the records before the refused one: those the broker took. The small
  // records batched with it are refused with it (the broker judges a whole record batch), so
  // the prefix may be shorter than 20, even empty; the topic's position stays at its first
  // refused record, so none of them is skipped when it resumes.
  auto copied = read_topic(b.bootstrap, copy_t);
  ASSERT_LE(copied.size(), 20u);
  for (size_t i = 0; i < copied.size(); ++i)
    EXPECT_EQ(copied[i].value, "small-" + std::to_string(i));

  auto m = parse_metrics(proc->metrics_text());
  EXPECT_GE(metric_sum(m, "tandem_produce_errors_total", {{"code", code}}), 1) << proc->metrics_text();
  EXPECT_EQ(metric_sum(m, "tandem_topic_paused", {{"topic", u}}), 0);
  // No restart loop: each topic was assigned once (a restarted flow assigns it again).
  const std::string log = proc->log();
  size_t assigned = 0;
  for (size_t at = 0; (at = log.find("replicating topic=" + t + " ", at)) != std::string::npos; ++at)
    ++assigned;
  EXPECT_EQ(assigned, 1u) << proc->log_tail();
  std::printf("[figures] %s: %s paused, %zu of its 20 records before the refused one copied, "
              "%s complete\n", code.c_str(), t.c_str(), copied.size(), copy_u.c_str());
  expect_clean_stop({proc.get()});
}

TEST(engine_permanent_error, a_record_too_large_for_the_target_pauses_its_topic_only) {
  record large;
  large.value = std::string(10'000, 'x');
  refused_record_pauses_only_its_topic({"max.message.bytes", "2000"}, large, "MSG_SIZE_TOO_LARGE");
}

TEST(engine_permanent_error, a_timestamp_the_target_refuses_pauses_its_topic_only) {
  record old;
  old.value = "a day old";
  old.timestamp_ms = wall_clock_ms() - 24 * 3'600'000LL;
  refused_record_pauses_only_its_topic({"message.timestamp.before.max.ms", "3600000"}, old,
                                       "INVALID_TIMESTAMP");
}

}  // namespace
}  // namespace tandem::testing
