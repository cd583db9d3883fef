// Acceptance, issue #10 deliverable 2 on real Kafka: "the durable map is the truth, invalidations
// included" (docs/design.md "Incarnations, invalidation, clamps": a restore into an empty state
// directory rebuilds exactly the current map).
//
//   a: T (1 partition) ── tandem b (prefix) ──> b: a.T        b's runs ──> b: tandem.offsets
//                                   tandem a <── tails b's tandem.offsets (peer direction a->b)
//   100 records copied; a.T deleted on b, recreated by tandem and filled again from T's start
//   (the old run invalidated: tombstoned, then published again as the refill grows it); 50
//   more records. b's map is then src 0..149 -> dst 0..149; tandem.offsets must say so too,
//   and a's learned copy of a->b too. b stopped, its state
//   directory wiped, b restarted: restored from tandem.offsets only.
//   checked: the restored map equals the live one (as `tandemctl offsets dump --json` shows
//   them); every translation of a source offset lands within the new a.T (<= its high
//   watermark), and a consumer positioned there reads every record of T at or above that
//   source offset that a.T holds (record level).
// Before the fix the stale run (0 -> 0, 100) came back and the live one was refused ("target
// offset 0 is claimed by two source records"): translations pointed past a.T's end.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <regex>
#include <set>

#include "tests/integration/engine_scenario.h"
#include "tests/integration/failover_support.h"
#include "tests/integration/json_output.h"

namespace tandem::testing {
namespace {

using namespace std::chrono_literals;

std::vector<run_triple> sorted(std::vector<run_triple> v) { return joined(std::move(v)); }

std::string describe(const std::vector<run_triple>& runs) {
  std::string out;
  for (auto [s, d, n] : runs)
    out += " (" + std::to_string(s) + " -> " + std::to_string(d) + " x" + std::to_string(n) + ")";
  return out.empty() ? " (none)" : out;
}

// The live runs of flow `from`->`to`, topic `topic`, partition 0 in `bootstrap`'s tandem.offsets:
// per key the last record, a tombstone removing its key.
std::vector<run_triple> published(const std::string& bootstrap, const std::string& from,
                                  const std::string& to, const std::string& topic) {
  const std::string prefix = from + "|" + to + "|" + topic + "|0|";
  std::map<std::pair<int64_t, int64_t>, int64_t> live;
  for (const auto& r : read_topic(bootstrap, "tandem.offsets")) {
    std::smatch m;
    if (!r.key || r.key->rfind(prefix, 0) != 0) continue;
    const std::string rest = r.key->substr(prefix.size());
    if (!std::regex_match(rest, m, std::regex("(\\d+)\\|(\\d+)"))) continue;
    std::pair<int64_t, int64_t> k{std::stoll(m[1]), std::stoll(m[2])};
    if (r.value) live[k] = integer_of(json_document(*r.value), "length");
    else live.erase(k);
  }
  std::vector<run_triple> out;
  for (auto [k, n] : live) out.push_back({k.first, k.second, n});
  return sorted(out);
}

// The runs of `flow` ("a->b") and `topic` in the state of `proc` (tandemctl offsets dump).
std::vector<run_triple> dump(const tandem_process& proc, const std::string& flow,
                             const std::string& topic) {
  auto r = run_command(k_tandemctl + " offsets dump --config " + proc.config_path().string() +
                       " --flow '" + flow + "' --topic " + topic + " --json 2>&1");
  return sorted(runs_of(r.output));
}

// `tandemctl offsets translate` of source offset x: the target offset (-1: the log start).
int64_t translate(const tandem_process& proc, const std::string& from, const std::string& topic,
                  int64_t x) {
  auto r = run_command(k_tandemctl + " offsets translate --config " + proc.config_path().string() +
                       " --from " + from + " --topic " + topic + " --partition 0 --offset " +
                       std::to_string(x) + " --json 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  auto v = numbers_of(r.output, "target_offset");
  return v.empty() ? -1 : v.front();
}

TEST(engine_durable_map, a_target_recreated_while_running_is_restored_exactly_after_state_loss) {
  auto eps = region_endpoints(2);
  ASSERT_EQ(eps.size(), 2u);
  const auto& a = eps[0];
  const auto& b = eps[1];
  const std::string topic = unique_topic("durable-map");
  const std::string copy = a.alias + "." + topic;
  const std::string flow = a.alias + "->" + b.alias;
  auto proc = start_prefix_copy(a, b, eps, topic, numbered_records("v", 0, 100));
  ASSERT_FALSE(HasFailure());
  offsets_probe probe_b(b.bootstrap);
  // a's process learns b's map of a->b from b's tandem.offsets: the old run first.
  auto peer = start_tandem(a.alias, eps, {topic}, "prefix", "1s");
  ASSERT_FALSE(HasFailure());
  std::vector<run_triple> learned;
  ASSERT_TRUE(wait_until([&] { return !(learned = dump(*peer, flow, topic)).empty(); }, 30s, 500ms))
      << peer->log_tail();

  ASSERT_EQ(request_topic_deletion(b.bootstrap, copy), "");
  // Created again by b's topic refresh, which finds the copies gone: alarm, the old run
  // invalidated (tombstoned), the new log filled again from T's start.
  ASSERT_GE(wait_for_alarm(*proc, topic, "target_truncated"), 1)
      << proc->log_tail();
  ASSERT_EQ(wait_settled(probe_b, copy, 100, 60s), 100) << proc->log_tail();
  ASSERT_EQ(produce(a.bootstrap, topic, numbered_records("v", 100, 150)), "");
  ASSERT_EQ(wait_settled(probe_b, copy, 150, 60s), 150) << proc->log_tail();
  const std::vector<run_triple> want{{0, 0, 150}};
  auto live = wait_for_runs(*proc, a.alias, topic,
                            [&](const std::vector<run_triple>& runs) { return sorted(runs) == want; });
  ASSERT_TRUE(live.met) << "b's live map: " << live.output << proc->log_tail();

  // b's tandem.offsets catches up with the live map: the old run is tombstoned.
  std::vector<run_triple> in_kafka;
  bool caught_up = wait_until(
      [&] { return (in_kafka = published(b.bootstrap, a.alias, b.alias, topic)) == want; }, 30s,
      500ms);
  EXPECT_TRUE(caught_up) << "live runs in b's tandem.offsets:" << describe(in_kafka);
  // The peer erased the tombstoned run and learned the new one.
  bool peer_follows =
      wait_until([&] { return (learned = dump(*peer, flow, topic)) == want; }, 30s, 500ms);
  EXPECT_TRUE(peer_follows) << "a's learned copy of " << flow << ":" << describe(learned);

  auto st = proc->terminate(10s);
  EXPECT_TRUE(st.exited && st.code == 0) << st.describe();
  const auto live_map = dump(*proc, flow, topic);
  ASSERT_EQ(live_map, want);
  const std::filesystem::path state = proc->dir() / "state";
  ASSERT_TRUE(std::filesystem::exists(state)) << state;
  std::filesystem::remove_all(state);
  ASSERT_EQ(proc->start(), "");
  ASSERT_TRUE(proc->wait_ready(60s)) << proc->log_tail();
  std::vector<run_triple> restored;
  bool equal = wait_until([&] { return (restored = dump(*proc, flow, topic)) == live_map; },
                          30s, 500ms);
  EXPECT_TRUE(equal) << "restored:" << describe(restored) << "\nlive:" << describe(live_map)
                     << "\n" << proc->log_tail();

  // Translations land within the new a.T, and a consumer positioned there misses nothing a.T
  // holds at or above the source offset.
  const auto hwm = probe_b.high_watermarks(copy);
  ASSERT_EQ(hwm.size(), 1u);
  ASSERT_EQ(hwm[0], 150);
  auto rk = group_consumer(b.bootstrap, unique_topic("durable-map-reader"));
  ASSERT_TRUE(rk);
  for (int64_t x : {0, 1, 50, 99, 100, 101, 125, 149, 150}) {
    SCOPED_TRACE("source offset " + std::to_string(x));
    const int64_t t = std::max<int64_t>(translate(*proc, a.alias, topic, x), 0);
    EXPECT_LE(t, hwm[0]) << "a translation past the end of the recreated " << copy;
    if (t > hwm[0]) continue;
    std::vector<std::string> values;
    if (t < hwm[0]) read_partition(rk.get(), copy, 0, t, hwm[0] - t, values);
    std::set<std::string> read(values.begin(), values.end());
    for (int64_t i = x; i < 150; ++i)
      EXPECT_TRUE(read.count("v-" + std::to_string(i))) << "skipped v-" << i << " (from " << t << ")";
  }
  rd_kafka_consumer_close(rk.get());
  std::printf("[figures] target recreated, state wiped: restored%s, live%s\n",
              describe(restored).c_str(), describe(live_map).c_str());
  expect_clean_stop({proc.get(), peer.get()});
}

}  // namespace
}  // namespace tandem::testing
