// Acceptance, the durable copy of the offset map on real Kafka (docs/design.md "Offset map": RocksDB is
// the local index, Kafka the durable store), prefix naming, two regions both ways:
//
//   a: T ── tandem b ──> b: a.T      b's runs of flow a->b ──> b: tandem.offsets
//   b: T ── tandem a ──> a: b.T      a's runs of flow b->a ──> a: tandem.offsets
//
//   (a) each cluster's tandem.offsets, read with a plain librdkafka consumer, holds exactly the
//       runs of its process's own flow (as (src, dst) pairs) that `tandemctl offsets dump` shows;
//   (b) the process of a has learned flow a->b from b's topic: equal to b's own map;
//   (c) b stopped, its answers captured (dump of both flows, `offsets translate` both ways for a
//       spread of offsets, `groups translate` of a group G of a that b checkpointed), its state
//       directory deleted, b restarted: it logs restored runs and checkpoints, and once it is
//       ready and has re-learned, gives the same answers; no record replicated twice.
// Process b is restarted once mid-way, so the maps span several processes' runs.
//
// Maps are compared as sets of (src, dst) pairs of coalesced runs (adjacent runs merged), since
// run boundaries may differ between a store and what it restores. tandem.offsets is shared by
// every test on the cluster: records are filtered by this test's unique topic.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <tuple>

#include "tests/integration/engine_scenario.h"
#include "tests/integration/failover_support.h"
#include "tests/integration/json_output.h"

namespace tandem::testing {
namespace {

using namespace std::chrono_literals;

constexpr int k_partitions = 3;
constexpr int k_per_partition = 2000;  // per region and partition, in two halves

// Coalesced runs: (flow, partition) -> [(src_start, dst_start, length)] with adjacent runs
// (s, d, n), (s + n, d + n, m) merged.
using run_t = std::tuple<int64_t, int64_t, int64_t>;
using run_map = std::map<int, std::vector<run_t>>;

run_map coalesce(std::map<int, std::set<run_t>> raw) {
  run_map out;
  for (auto& [p, runs] : raw) {
    auto& v = out[p];
    for (auto [s, d, n] : runs) {
      if (!v.empty()) {
        auto& [ls, ld, ln] = v.back();
        if (ls + ln == s && ld + ln == d) {
          ln += n;
          continue;
        }
      }
      v.push_back({s, d, n});
    }
  }
  return out;
}

std::string describe(const run_map& m) {
  std::string out;
  for (const auto& [p, runs] : m) {
    out += "  p" + std::to_string(p) + ":";
    for (auto [s, d, n] : runs)
      out += " (" + std::to_string(s) + "->" + std::to_string(d) + " x" + std::to_string(n) + ")";
    out += "\n";
  }
  return out.empty() ? "  (empty)\n" : out;
}

// `tandemctl offsets dump --json` of one flow and topic of `config`, coalesced; nullopt when the
// command failed (its output in `raw`).
std::optional<run_map> dump(const std::filesystem::path& config, const std::string& flow,
                            const std::string& topic, std::string& raw) {
  auto r = run_command(k_tandemctl + " offsets dump --config " + config.string() + " --flow '" +
                       flow + "' --topic " + topic + " --json 2>&1");
  raw = r.output;
  // Exit 1 "not in the map" while nothing is known yet: an empty map.
  if (r.exit_code != 0) return r.exit_code == 1 ? std::optional<run_map>(run_map{}) : std::nullopt;
  std::map<int, std::set<run_t>> raw_runs;
  for (const auto& runs : values_named(json_document(r.output), "runs"))
    for (const auto& o : runs) {
      if (text_of(o, "flow") != flow) continue;
      raw_runs[static_cast<int>(integer_of(o, "partition"))].insert(
          {integer_of(o, "src_start"), integer_of(o, "dst_start"), integer_of(o, "length")});
    }
  return coalesce(std::move(raw_runs));
}

// The runs of flow `source`->`target` and `topic` in the tandem.offsets topic of `bootstrap`,
// read from the beginning with a plain consumer; tombstones remove their run.
run_map published(const std::string& bootstrap, const std::string& source,
                  const std::string& target, const std::string& topic) {
  auto records = read_topic(bootstrap, "tandem.offsets");
  const std::string prefix = source + "|" + target + "|" + topic + "|";
  std::map<std::tuple<int, int64_t, int64_t>, int64_t> by_key;  // (p, src, dst) -> length
  for (const auto& r : records) {
    if (!r.key || r.key->rfind(prefix, 0) != 0) continue;
    std::string rest = r.key->substr(prefix.size());  // "<partition>|<src>|<dst>"
    std::smatch m;
    if (!std::regex_match(rest, m, std::regex("(\\d+)\\|(\\d+)\\|(\\d+)"))) {
      ADD_FAILURE() << "malformed key " << *r.key;
      continue;
    }
    std::tuple<int, int64_t, int64_t> k{std::stoi(m[1]), std::stoll(m[2]), std::stoll(m[3])};
    if (!r.value) {
      by_key.erase(k);
      continue;
    }
    const json value = json_document(*r.value);
    EXPECT_EQ(integer_of(value, "v"), 1) << *r.value;
    EXPECT_EQ(text_of(value, "topic"), topic) << *r.value;
    EXPECT_EQ(integer_of(value, "src_start"), std::get<1>(k)) << *r.value;
    by_key[k] = integer_of(value, "length");
  }
  std::map<int, std::set<run_t>> raw;
  for (auto& [k, n] : by_key) raw[std::get<0>(k)].insert({std::get<1>(k), std::get<2>(k), n});
  return coalesce(std::move(raw));
}

// Keyed records of `region` for every partition, values unique per region and sequence.
std::vector<record> batch_of(const std::string& region, int from, int count) {
  std::vector<record> out;
  for (int i = from; i < from + count; ++i)
    for (int p = 0; p < k_partitions; ++p) {
      record r;
      r.partition = p;
      r.key = "k" + std::to_string(i);
      r.value = region + "-" + std::to_string(p) + "-" + std::to_string(i);
      out.push_back(std::move(r));
    }
  return out;
}

// `offsets translate` answers of process `config` for flow from->local, both directions, for a
// spread of offsets per partition (the text of each --json answer).
std::vector<std::string> translations(const std::filesystem::path& config, const std::string& from,
                                      const std::string& topic, int64_t end) {
  std::vector<std::string> out;
  for (int p = 0; p < k_partitions; ++p)
    for (int64_t x : {int64_t{0}, int64_t{1}, end / 3, end / 2 + 7, end - 1, end, end + 5})
      for (const char* dir : {"", " --reverse"}) {
        auto r = run_command(k_tandemctl + " offsets translate --config " + config.string() +
                             " --from " + from + " --topic " + topic + " --partition " +
                             std::to_string(p) + " --offset " + std::to_string(x) + dir +
                             " --json 2>&1");
        out.push_back("exit " + std::to_string(r.exit_code) + ": " + r.output);
      }
  return out;
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The whole scenario under `naming` ("prefix" or "identity"). Check HasFailure() after it.
void publish_learn_restore(const std::string& naming) {
  const bool prefix = naming == "prefix";
  auto eps = region_endpoints(2);
  ASSERT_EQ(eps.size(), 2u);
  const auto& a = eps[0];
  const auto& b = eps[1];
  const std::string topic = unique_topic("state-restore");
  for (const auto& e : eps) ASSERT_EQ(create_topic(e.bootstrap, topic, k_partitions), "");
  // Prefix: the copies have topics of their own. Identity: they join the topic, whose record
  // count then doubles.
  const std::string copy_on_a = prefix ? b.alias + "." + topic : topic;  // b's records in a
  const std::string copy_on_b = prefix ? a.alias + "." + topic : topic;  // a's records in b
  const int64_t half = k_partitions * (k_per_partition / 2) * (prefix ? 1 : 2);

  auto pa = start_tandem(a.alias, eps, {topic}, naming, "1s");
  // b also checkpoints group G of a every second (no group sync): tandem.checkpoints of b.
  const std::string group = unique_topic("state-restore-group");
  tandem_options ob;
  ob.region = b.alias;
  ob.clusters = eps;
  ob.naming = naming;
  ob.topics = {topic};
  ob.topic_refresh = "1s";
  auto pb = std::make_unique<tandem_process>(ob);
  std::ofstream(pb->config_path(), std::ios::app)  // the generated config ends in [replication]
      << "checkpoint_interval = \"1s\"\nsync_group_offsets = false\ngroups = [\"" << group
      << "\"]\n";
  ASSERT_EQ(pb->start(), "");
  ASSERT_TRUE(pb->wait_ready(60s)) << pb->log_tail();
  if (::testing::Test::HasFailure()) return;
  offsets_probe probe_a(a.bootstrap), probe_b(b.bootstrap);

  // First half both ways; then b restarts; then the second half.
  ASSERT_EQ(produce(a.bootstrap, topic, batch_of(a.alias, 0, k_per_partition / 2)), "");
  ASSERT_EQ(produce(b.bootstrap, topic, batch_of(b.alias, 0, k_per_partition / 2)), "");
  ASSERT_TRUE(wait_until([&] { return probe_b.records(copy_on_b) == half; }, 90s))
      << probe_b.records(copy_on_b);
  ASSERT_TRUE(wait_until([&] { return probe_a.records(copy_on_a) == half; }, 90s));
  auto st = pb->terminate(10s);
  EXPECT_TRUE(st.exited && st.code == 0) << st.describe();
  ASSERT_EQ(pb->start(), "");
  ASSERT_TRUE(pb->wait_ready(60s)) << pb->log_tail();
  const int second = k_per_partition / 2;
  ASSERT_EQ(produce(a.bootstrap, topic, batch_of(a.alias, second, second)), "");
  ASSERT_EQ(produce(b.bootstrap, topic, batch_of(b.alias, second, second)), "");
  ASSERT_TRUE(wait_until([&] { return probe_b.records(copy_on_b) == 2 * half; }, 90s))
      << probe_b.records(copy_on_b);
  ASSERT_TRUE(wait_until([&] { return probe_a.records(copy_on_a) == 2 * half; }, 90s));

  const std::string ab = a.alias + "->" + b.alias, ba = b.alias + "->" + a.alias;
  std::string raw;

  // G on a: commits 500, 1000, 1500 on partitions 0..2; wait until b has checkpointed them.
  const std::vector<int64_t> stops = {500, 1000, 1500};
  {
    auto rk = group_consumer(a.bootstrap, group);
    ASSERT_TRUE(rk);
    auto* commit = rd_kafka_topic_partition_list_new(k_partitions);
    for (int p = 0; p < k_partitions; ++p)
      rd_kafka_topic_partition_list_add(commit, topic.c_str(), p)->offset = stops[p];
    auto e = rd_kafka_commit(rk.get(), commit, 0 /* synchronous */);
    rd_kafka_topic_partition_list_destroy(commit);
    ASSERT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
    rd_kafka_consumer_close(rk.get());
  }
  const std::string group_args = " --config " + pb->config_path().string() + " --group " +
                                 group + " --from " + a.alias + " --json 2>&1";
  ASSERT_TRUE(wait_until(
      [&] {
        auto r = run_command(k_tandemctl + " groups translate" + group_args);
        raw = r.output;
        // Prefix: a fresh copy holds a's records at the same offsets, exact once the map
        // covers them.
        return r.exit_code == 0 && numbers_of(r.output, "from_offset") == stops &&
               (!prefix || numbers_of(r.output, "to_offset") == stops);
      },
      30s, 500ms))
      << "no exact checkpoints of " << group << " at the commits; last translate:\n" << raw;

  // (a) Each cluster's tandem.offsets holds its process's own flow, as the process's store does.
  struct own_case {
    const tandem_process& proc;
    const region_endpoint& local;
    const region_endpoint& remote;
  };
  for (const own_case& c : {own_case{*pb, b, a}, own_case{*pa, a, b}}) {
    const std::string flow = c.remote.alias + "->" + c.local.alias;
    std::optional<run_map> in_store;
    run_map in_kafka;
    bool equal = wait_until(
        [&] {
          in_store = dump(c.proc.config_path(), flow, topic, raw);
          if (!in_store || in_store->empty()) return false;
          in_kafka = published(c.local.bootstrap, c.remote.alias, c.local.alias, topic);
          return in_kafka == *in_store;
        },
        30s, 500ms);
    ASSERT_TRUE(in_store) << raw;
    EXPECT_TRUE(equal) << flow << " in " << c.local.alias << "'s tandem.offsets:\n"
                       << describe(in_kafka) << "in the store:\n" << describe(*in_store);
    size_t runs = 0;
    for (auto& [p, v] : *in_store) runs += v.size();
    std::printf("[figures] flow %s: %zu coalesced runs over %zu partitions, equal in Kafka\n",
                flow.c_str(), runs, in_store->size());
    EXPECT_EQ(in_store->size(), static_cast<size_t>(k_partitions));
  }

  // (b) a has learned flow a->b from b's topic: equal to b's own map.
  {
    std::optional<run_map> learned, own;
    bool equal = wait_until(
        [&] {
          own = dump(pb->config_path(), ab, topic, raw);
          learned = dump(pa->config_path(), ab, topic, raw);
          return own && learned && !own->empty() && *own == *learned;
        },
        30s, 500ms);
    ASSERT_TRUE(own && learned) << raw;
    EXPECT_TRUE(equal) << "a's copy of " << ab << ":\n"
                       << describe(*learned) << "b's own:\n" << describe(*own);
  }

  // (c) b loses its state directory; the restart restores it from Kafka. First one more
  // checkpoint pass, over the complete maps.
  const int64_t maps_complete_ms = wall_ms();
  ASSERT_TRUE(wait_until(
      [&] {
        auto r = run_command(k_tandemctl + " groups translate" + group_args);
        raw = r.output;
        auto times = numbers_of(r.output, "checkpoint_time_ms");
        return times.size() == stops.size() &&
               std::ranges::all_of(times, [&](int64_t t) { return t > maps_complete_ms; });
      },
      30s, 500ms))
      << raw;
  st = pb->terminate(10s);
  EXPECT_TRUE(st.exited && st.code == 0) << st.describe();
  auto own_before = dump(pb->config_path(), ab, topic, raw);
  ASSERT_TRUE(own_before && !own_before->empty()) << raw;
  auto peer_before = dump(pb->config_path(), ba, topic, raw);
  ASSERT_TRUE(peer_before && !peer_before->empty()) << raw;
  const int64_t end = k_per_partition;
  auto translated_before = translations(pb->config_path(), a.alias, topic, end);
  const int64_t copies_before = probe_b.records(copy_on_b);
  auto group_before = run_command(k_tandemctl + " groups translate" + group_args);
  ASSERT_EQ(group_before.exit_code, 0) << group_before.output;

  std::filesystem::path state = pb->dir() / "state";
  ASSERT_TRUE(std::filesystem::exists(state)) << state;
  std::filesystem::remove_all(state);
  ASSERT_EQ(pb->start(), "");
  ASSERT_TRUE(pb->wait_ready(60s)) << pb->log_tail();
  std::optional<run_map> own_after, peer_after;
  bool restored = wait_until(
      [&] {
        own_after = dump(pb->config_path(), ab, topic, raw);
        peer_after = dump(pb->config_path(), ba, topic, raw);
        return own_after == own_before && peer_after == peer_before;
      },
      30s, 500ms);
  st = pb->terminate(10s);
  EXPECT_TRUE(st.exited && st.code == 0) << st.describe();
  ASSERT_TRUE(own_after && peer_after) << raw;
  EXPECT_TRUE(restored) << "own " << ab << " before:\n" << describe(*own_before) << "after:\n"
                        << describe(*own_after) << "peer " << ba << " before:\n"
                        << describe(*peer_before) << "after:\n" << describe(*peer_after)
                        << pb->log_tail();
  {
    // The last start's summary line: it restored runs (the store was empty).
    std::string log = pb->log();
    auto at = log.rfind("restored ");
    ASSERT_NE(at, std::string::npos) << pb->log_tail();
    std::string line = log.substr(at, log.find('\n', at) - at);
    std::printf("[figures] b: %s\n", line.c_str());
    std::smatch m;
    ASSERT_TRUE(std::regex_search(
        line, m, std::regex("^restored (\\d+) runs of \\d+ partitions and (\\d+) checkpoints")))
        << line;
    EXPECT_GT(std::stoll(m[1]), 0) << line;
    EXPECT_GE(std::stoll(m[2]), k_partitions) << line;  // G's, from tandem.checkpoints
  }
  EXPECT_EQ(translations(pb->config_path(), a.alias, topic, end), translated_before);
  auto group_after = run_command(k_tandemctl + " groups translate" + group_args);
  for (const char* name : {"from_offset", "to_offset"})
    EXPECT_EQ(numbers_of(group_after.output, name), numbers_of(group_before.output, name))
        << name << " before:\n" << group_before.output << "after:\n" << group_after.output;
  if (prefix) {
    EXPECT_EQ(numbers_of(group_after.output, "to_offset"), stops) << group_after.output;
  }
  EXPECT_EQ(probe_b.records(copy_on_b), copies_before) << "records replicated again";
  std::printf("[figures] %s: after deleting b's state: %zu translations identical\n",
              naming.c_str(), translated_before.size());
}

TEST(state_restore, prefix_runs_are_published_learned_by_the_peer_and_restored_after_state_loss) {
  publish_learn_restore("prefix");
}

TEST(state_restore, identity_runs_are_published_learned_by_the_peer_and_restored_after_state_loss) {
  publish_learn_restore("identity");
}

}  // namespace
}  // namespace tandem::testing
