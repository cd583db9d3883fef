// Acceptance (issue #10, "headers cannot poison the map"), identity naming a <-> b, both
// processes. An echo's tandem-origin header is a claim (loopguard/echo_claim.h):
//
//   1. 100 a-records, copied to b (process a learns them from the echoes);
//   2. an application on b reads 10 of the copies with their headers and produces them again
//      into the same partition of b (new timestamps, as a producer gives them); a record with a
//      crafted header claiming a's offset 10^12; 5 b-local records;
//   checked on a: the 10 re-produced copies and the crafted record arrive as new records (a
//   holds 100 + 10 + 1 + 5), process a's map of flow a->b has no run into b's offsets of step 2
//   nor one claiming a's offset 10^12, and tandem_rejected_origin_headers_total counts them;
//   nothing loops back to b.
// Before this check every one of them was dropped as an echo and learned as a run of a->b.
#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "tests/integration/engine_scenario.h"
#include "tests/integration/failover_support.h"
#include "tests/integration/json_output.h"

namespace tandem::testing {
namespace {

using namespace std::chrono_literals;

constexpr int64_t k_copies = 100, k_reproduced = 10, k_local_b = 5;

// Step 2's records: 10 copies read on b produced again as they are, the crafted one, b-locals.
std::vector<record> step_two(const std::vector<record>& copies_on_b, const std::string& topic) {
  std::vector<record> out;
  const int64_t now = wall_clock_ms();
  for (int64_t i = 0; i < k_reproduced; ++i) {
    record r = copies_on_b[static_cast<size_t>(20 + i)];  // key, value, headers as read
    r.offset = -1;
    r.timestamp_ms = now;
    out.push_back(std::move(r));
  }
  record crafted;
  crafted.value = "crafted";
  crafted.headers = {{"tandem-origin", "v1;o=a;s=a/" + topic + "/0/1000000000000;d=b/" + topic + "/0"}};
  out.push_back(crafted);
  for (auto& r : numbered_records("b", 0, k_local_b)) out.push_back(std::move(r));
  return out;
}

TEST(engine_reproduced_copy, copied_headers_are_replicated_and_not_learned) {
  auto eps = region_endpoints(2);
  ASSERT_EQ(eps.size(), 2u);
  const auto& a = eps[0];
  const auto& b = eps[1];
  const std::string topic = unique_topic("eng-reproduced");
  for (const auto& e : eps) ASSERT_EQ(create_topic(e.bootstrap, topic, 1), "");
  auto pa = start_tandem(a.alias, eps, {topic + ".*"}, "identity", "1s");
  auto pb = start_tandem(b.alias, eps, {topic + ".*"}, "identity", "1s");
  if (HasFailure()) return;
  offsets_probe probe_a(a.bootstrap), probe_b(b.bootstrap);

  ASSERT_EQ(produce(a.bootstrap, topic, numbered_records("a", 0, k_copies)), "");
  ASSERT_TRUE(wait_until([&] { return probe_b.records(topic) == k_copies; }, 60s)) << pb->log_tail();
  const std::string dump_cmd = k_tandemctl + " offsets dump --config " +
                               pa->config_path().string() + " --flow 'a->b' --topic " + topic +
                               " --json 2>&1";
  std::string dump;
  ASSERT_TRUE(wait_until(
      [&] {
        dump = run_command(dump_cmd).output;
        int64_t covered = 0;
        for (auto [s, d, n] : runs_of(dump)) covered += n;
        return covered >= k_copies;
      },
      30s, 500ms))
      << "process a learned the 100 copies: " << dump;

  auto copies_on_b = read_topic(b.bootstrap, topic);
  ASSERT_EQ(static_cast<int64_t>(copies_on_b.size()), k_copies);
  ASSERT_EQ(produce(b.bootstrap, topic, step_two(copies_on_b, topic)), "");
  const int64_t want = k_copies + k_reproduced + 1 + k_local_b;
  int64_t on_a = wait_settled(probe_a, topic, want, 60s);
  int64_t on_b = wait_settled(probe_b, topic, want, 30s);

  auto read_a = read_topic(a.bootstrap, topic);
  int64_t reproduced_on_a = 0;
  for (const auto& r : read_a)
    if (r.headers.size() == 2 && r.value.value_or("").starts_with("a-")) ++reproduced_on_a;
  dump = run_command(dump_cmd).output;
  int64_t into_step_two = 0, beyond = 0;
  for (auto [s, d, n] : runs_of(dump)) {
    if (d + n > k_copies) ++into_step_two;  // b's offsets 100.. hold step 2's records
    if (s + n > k_copies) ++beyond;         // a has 100 records on this topic
  }
  auto sa = parse_metrics(pa->metrics_text());
  auto rejected = [&](const char* reason) {
    return metric_sum(sa, "tandem_rejected_origin_headers_total",
                      {{"source", b.alias}, {"target", a.alias}, {"topic", topic}, {"reason", reason}});
  };
  std::printf("[figures] a holds %lld (want %lld), b holds %lld; re-produced copies on a %lld of %lld; "
              "a's runs of a->b into b's step-2 offsets %lld, claiming beyond a's end %lld; "
              "rejected reproduced %.0f, beyond_source_end %.0f\n",
              static_cast<long long>(on_a), static_cast<long long>(want),
              static_cast<long long>(on_b), static_cast<long long>(reproduced_on_a),
              static_cast<long long>(k_reproduced), static_cast<long long>(into_step_two),
              static_cast<long long>(beyond), rejected("reproduced"), rejected("beyond_source_end"));
  EXPECT_EQ(on_a, want) << "the re-produced copies and the crafted record are new records of b";
  EXPECT_EQ(on_b, want) << "nothing loops back";
  EXPECT_EQ(reproduced_on_a, k_reproduced) << "each re-produced copy once, with both headers";
  EXPECT_EQ(into_step_two, 0) << "no run for the re-produced or crafted records: " << dump;
  EXPECT_EQ(beyond, 0) << dump;
  EXPECT_EQ(rejected("reproduced"), static_cast<double>(k_reproduced));
  EXPECT_EQ(rejected("beyond_source_end"), 1);
  expect_clean_stop({pa.get(), pb.get()});
}

}  // namespace
}  // namespace tandem::testing
