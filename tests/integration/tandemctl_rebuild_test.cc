// `tandemctl rebuild` (the built binary) on real Kafka: the offset maps rebuilt from the origin
// headers equal the maps the daemons built from delivery reports and echoes.
//
//   a: T <── tandem a ──> b: T     (identity: both ways, producers on a and b all along, so every
//                                  partition interleaves local records and copies; b SIGTERMed
//                                  and restarted, a SIGKILLed and restarted: replays)
//   stop both; per region R: `offsets dump --json` of R's state_dir (the original)
//              `rebuild --config R --state-dir NEW --json`, `offsets dump --json` of NEW
//   per (flow, topic, partition), as sets of (src, dst) pairs (run boundaries differ: the daemon
//   closes a run at every commit, the rebuild sees one long run):
//     a flow whose writer stopped cleanly: rebuilt == original;
//     the flow of the SIGKILLed writer: original ⊆ rebuilt, and every extra pair is a copy of a
//       replayed record (its source offset has another copy): copies delivered before the kill
//       whose runs were not committed yet;
//     the peer direction of each store equals the other region's own map.
//   `offsets translate` answers of original and rebuilt agree; one partition's map equals what
//   kcat shows in the headers.
// The prefix test does the same with a.T / b.T and a SIGTERM restart.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "offsets/store.h"
#include "tests/fakes/temp_dir.h"
#include "tests/integration/engine_scenario.h"
#include "tests/integration/failover_support.h"
#include "tests/integration/json_output.h"

namespace tandem::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr int k_partitions = 3;
constexpr int64_t k_per_region = 4'000;
constexpr double k_rate = 800;  // records per second and region: ~5 s of traffic

// (flow, source topic, partition) -> the (src, dst) pairs of its runs.
using pair_set = std::set<std::pair<int64_t, int64_t>>;
using map_key = std::tuple<std::string, std::string, int>;
using offset_map = std::map<map_key, pair_set>;

// The runs of `offsets dump --json`, expanded to record pairs.
offset_map parse_dump(const std::string& output) {
  offset_map out;
  for (const auto& runs : values_named(json_document(output), "runs"))
    for (const auto& r : runs) {
      const int64_t p = integer_of(r, "partition"), src = integer_of(r, "src_start"),
                    dst = integer_of(r, "dst_start"), n = integer_of(r, "length");
      if (text_of(r, "flow").empty() || text_of(r, "topic").empty() || p < 0 || src < 0 ||
          dst < 0 || n < 0)
        continue;
      pair_set& s = out[{text_of(r, "flow"), text_of(r, "topic"), static_cast<int>(p)}];
      for (int64_t i = 0; i < n; ++i) s.emplace(src + i, dst + i);
    }
  return out;
}

std::string key_text(const map_key& k) {
  return std::get<0>(k) + " " + std::get<1>(k) + "/" + std::to_string(std::get<2>(k));
}

size_t pairs(const offset_map& m) {
  size_t n = 0;
  for (const auto& [k, s] : m) n += s.size();
  return n;
}

// The pairs of one flow and source topic (the clusters are shared by tests, and the daemons
// restore runs of every topic from tandem.offsets).
offset_map flow_of(const offset_map& m, const std::string& flow, const std::string& topic) {
  offset_map out;
  for (const auto& [k, s] : m)
    if (std::get<0>(k) == flow && std::get<1>(k) == topic) out[k] = s;
  return out;
}

// original ⊆ rebuilt; every pair only in rebuilt is a copy of a source record copied twice.
// Returns the number of extra pairs.
size_t expect_superset_by_replays(const offset_map& original, const offset_map& rebuilt, const std::string& what) {
  size_t extra = 0;
  for (const auto& [k, s] : original) {
    auto it = rebuilt.find(k);
    const pair_set empty;
    const pair_set& r = it == rebuilt.end() ? empty : it->second;
    size_t missing = 0;
    for (const auto& p : s) missing += !r.contains(p);
    EXPECT_EQ(missing, 0u) << what << ": " << key_text(k) << " lost pairs in the rebuild";
  }
  for (const auto& [k, r] : rebuilt) {
    auto it = original.find(k);
    std::map<int64_t, int> copies;
    for (const auto& p : r) ++copies[p.first];
    for (const auto& p : r) {
      if (it != original.end() && it->second.contains(p)) continue;
      ++extra;
      EXPECT_GE(copies[p.first], 2) << what << ": " << key_text(k) << " pair (" << p.first << ", " << p.second
                                    << ") only in the rebuild, and not a replayed copy";
    }
  }
  return extra;
}

struct region_maps {
  offset_map original;
  offset_map rebuilt;
  std::string rebuild_json;
};

// Dumps p's store, rebuilds into a new directory, dumps that. Failures are ADD_FAILUREs.
region_maps rebuild_and_dump(const tandem_process& p, const fs::path& new_dir) {
  region_maps out;
  const std::string cfg = p.config_path().string();
  auto dump = run_command(k_tandemctl + " offsets dump --config " + cfg + " --json 2>/dev/null");
  EXPECT_EQ(dump.exit_code, 0) << dump.output;
  out.original = parse_dump(dump.output);

  auto rb = run_command(k_tandemctl + " rebuild --config " + cfg + " --state-dir " + new_dir.string() +
                        " --json 2>" + (new_dir.string() + ".stderr"));
  EXPECT_EQ(rb.exit_code, 0) << rb.output;
  out.rebuild_json = rb.output;
  std::ifstream err(new_dir.string() + ".stderr");
  std::stringstream progress;
  progress << err.rdbuf();
  std::printf("[figures] rebuild of %s:\n%s", p.region().c_str(), progress.str().c_str());

  const fs::path new_cfg = new_dir.string() + ".toml";
  std::ofstream(new_cfg) << tandem_config_text(p.options(), new_dir, p.port());
  auto dump2 = run_command(k_tandemctl + " offsets dump --config " + new_cfg.string() + " --json 2>/dev/null");
  EXPECT_EQ(dump2.exit_code, 0) << dump2.output;
  out.rebuilt = parse_dump(dump2.output);
  return out;
}

// `offsets translate ... --json` of `cfg`, the "target_offset" field ("null" when none).
std::string translate(const std::string& cfg, const std::string& from, const std::string& topic, int p, int64_t x) {
  auto r = run_command(k_tandemctl + " offsets translate --config " + cfg + " --from " + from + " --topic " + topic +
                       " --partition " + std::to_string(p) + " --offset " + std::to_string(x) +
                       " --json 2>&1");
  const auto answers = values_named(json_document(r.output), "target_offset");
  if (r.exit_code != 0 || answers.empty() ||
      !(answers[0].is_null() || (answers[0].is_number_integer() && answers[0].get<int64_t>() >= 0)))
    return "error: " + r.output;
  return answers[0].dump();
}

// Kept when the test failed, for a look at the stores.
struct temp_area : tandem::testing::temp_dir {
  temp_area() : temp_dir("tandemctl-rebuild-it", /*keep_on_failure=*/true) {}
};

// Stops both daemons (SIGTERM, expecting a clean exit), then rebuild_and_dump for each.
std::pair<region_maps, region_maps> stop_rebuild_and_dump(tandem_process& pa, tandem_process& pb,
                                                          const temp_area& area) {
  expect_clean_stop({&pa, &pb}, 15s);
  return {rebuild_and_dump(pa, area.path() / "a-rebuilt"), rebuild_and_dump(pb, area.path() / "b-rebuilt")};
}

// Produces both workloads while restarting: SIGTERM `clean` then SIGKILL `killed` (either may
// be null), then waits until both topics settled and every flow has no lag left to deliver.
void traffic_with_restarts(const std::vector<region_endpoint>& eps, const std::vector<std::string>& produce_topics,
                           tandem_process* clean, tandem_process* killed) {
  const int64_t base_ts = wall_clock_ms() - 3'600'000;
  paced_producer pa(eps[0].bootstrap, produce_topics[0], {eps[0].alias, k_partitions, base_ts}, k_per_region, k_rate);
  paced_producer pb(eps[1].bootstrap, produce_topics[1], {eps[1].alias, k_partitions, base_ts}, k_per_region, k_rate);
  if (clean) {
    ASSERT_TRUE(wait_until([&] { return pa.acked() >= k_per_region / 4; }, 60s, 20ms));
    auto st = clean->terminate(10s);
    EXPECT_TRUE(st.exited && st.code == 0) << st.describe();
    ASSERT_TRUE(wait_until([&] { return pa.acked() >= k_per_region / 2; }, 60s, 20ms));
    ASSERT_EQ(clean->start(), "");
    ASSERT_TRUE(clean->wait_ready(60s));
  }
  if (killed) {
    ASSERT_TRUE(wait_until([&] { return pb.acked() >= 2 * k_per_region / 3; }, 60s, 20ms));
    killed->kill();
    ASSERT_TRUE(wait_until([&] { return pb.acked() >= 5 * k_per_region / 6; }, 60s, 20ms));
    ASSERT_EQ(killed->start(), "");
    ASSERT_TRUE(killed->wait_ready(60s));
  }
  EXPECT_EQ(pa.wait(), "");
  EXPECT_EQ(pb.wait(), "");
}

// A deterministic replay: with p stopped, moves the resume position of each partition of its
// own flow from `remote` back to the start of the third-last run of the map (a run starts at a
// record the flow copied, not at an echo it drops), so that the restarted daemon copies those
// records again; the first copies' runs stay in the map. Returns the source offsets rewound.
int64_t rewind_resume_positions(const tandem_process& p, const std::string& remote, const std::string& topic) {
  auto store = offsets::offset_store::open(p.dir() / "state");
  if (!store) {
    ADD_FAILURE() << store.error().message;
    return 0;
  }
  int64_t rewound = 0;
  for (int part = 0; part < k_partitions; ++part) {
    offsets::partition_ref ref{{remote, p.region()}, topic, part};
    auto resume = store->resume_position(ref);
    auto runs = store->runs(ref);
    if (!resume || !*resume || !runs || runs->empty()) {
      ADD_FAILURE() << "no resume position or runs for " << offsets::to_string(ref);
      continue;
    }
    const int64_t to = (*runs)[runs->size() - std::min<size_t>(3, runs->size())].src_start.v;
    offsets::partition_batch b{ref, {}, offsets::source_offset{to}};
    EXPECT_TRUE(store->commit_batch({&b, 1}));
    rewound += (*resume)->v - to;
  }
  return rewound;
}

TEST(tandemctl_rebuild, identity_rebuilt_maps_equal_the_daemons_maps) {
  auto eps = region_endpoints(2);
  ASSERT_EQ(eps.size(), 2u);
  const std::string topic = unique_topic("rebuild-id");
  for (const auto& e : eps) ASSERT_EQ(create_topic(e.bootstrap, topic, k_partitions), "");
  auto pa = start_tandem(eps[0].alias, eps, {topic}, "identity", "1s");
  auto pb = start_tandem(eps[1].alias, eps, {topic}, "identity", "1s");
  if (HasFailure()) return;

  traffic_with_restarts(eps, {topic, topic}, pb.get(), pa.get());
  if (HasFailure()) return;
  offsets_probe probe_a(eps[0].bootstrap), probe_b(eps[1].bootstrap);
  const int64_t in_a = wait_settled(probe_a, topic, 2 * k_per_region, 120s);
  wait_settled(probe_b, topic, 2 * k_per_region, 120s);

  // A replay on purpose: a copies the records of the last runs of each partition again.
  auto st = pa->terminate(15s);
  EXPECT_TRUE(st.exited && st.code == 0) << st.describe();
  const int64_t rewound = rewind_resume_positions(*pa, eps[1].alias, topic);
  ASSERT_EQ(pa->start(), "");
  ASSERT_TRUE(pa->wait_ready(60s));
  const int64_t replayed = wait_settled(probe_a, topic, in_a + 1, 120s) - in_a;
  EXPECT_GT(replayed, 0);
  std::printf("[figures] %s: %lld records before the rewind of %lld source offsets of %s, %lld copied again\n",
              eps[0].alias.c_str(), static_cast<long long>(in_a), static_cast<long long>(rewound),
              eps[1].alias.c_str(), static_cast<long long>(replayed));
  // Both flows have read their source to the end (b's learns a's re-copies as echoes).
  for (auto* p : {pa.get(), pb.get()}) {
    EXPECT_TRUE(wait_until([&] {
      auto s = parse_metrics(p->metrics_text());
      return metric_count(s, "tandem_lag_records", {{"topic", topic}}) == k_partitions &&
             metric_sum(s, "tandem_lag_records", {{"topic", topic}}) == 0;
    }, 60s)) << p->region();
  }
  temp_area area;
  auto [a, b] = stop_rebuild_and_dump(*pa, *pb, area);
  const std::string ab = eps[0].alias + "->" + eps[1].alias, ba = eps[1].alias + "->" + eps[0].alias;
  ASSERT_EQ(flow_of(a.original, ba, topic).size(), static_cast<size_t>(k_partitions)) << a.rebuild_json;
  ASSERT_EQ(flow_of(b.original, ab, topic).size(), static_cast<size_t>(k_partitions)) << b.rebuild_json;
  EXPECT_GE(pairs(flow_of(a.original, ba, topic)), static_cast<size_t>(k_per_region + replayed)) << "the replay is mapped";
  for (const auto& [who, m] : {std::pair{"a", &a}, std::pair{"b", &b}}) {
    for (const auto& f : {ab, ba}) {
      std::printf("[figures] %s's store, flow %s: original %zu pairs, rebuilt %zu pairs\n", who, f.c_str(),
                  pairs(flow_of(m->original, f, topic)), pairs(flow_of(m->rebuilt, f, topic)));
    }
  }
  const auto replays = numbers_of(a.rebuild_json, "replays");
  EXPECT_TRUE(std::any_of(replays.begin(), replays.end(), [](int64_t n) { return n >= 1; }))
      << "the rebuild saw the replay: " << a.rebuild_json;

  // b's own flow a->b: b stopped cleanly, nothing replayed.
  EXPECT_EQ(flow_of(b.rebuilt, ab, topic), flow_of(b.original, ab, topic));
  EXPECT_EQ(pairs(flow_of(b.rebuilt, ab, topic)), static_cast<size_t>(k_per_region));
  // b's peer flow b->a, learned from echoes in a (a was killed: replayed copies included).
  EXPECT_EQ(flow_of(b.rebuilt, ba, topic), flow_of(b.original, ba, topic));
  // a's own flow b->a: a was killed; extras only replayed copies.
  const size_t extra = expect_superset_by_replays(flow_of(a.original, ba, topic), flow_of(a.rebuilt, ba, topic), "a's own flow");
  std::printf("[figures] %s: %zu pairs only in the rebuilt map of flow %s (first copies of replayed records)\n",
              eps[0].alias.c_str(), extra, ba.c_str());
  // a's peer flow a->b equals b's own; both rebuilds read the same copies of b->a.
  EXPECT_EQ(flow_of(a.rebuilt, ab, topic), flow_of(b.original, ab, topic));
  EXPECT_EQ(flow_of(a.original, ab, topic), flow_of(b.original, ab, topic)) << "a learned every echo";
  EXPECT_EQ(flow_of(a.rebuilt, ba, topic), flow_of(b.rebuilt, ba, topic));

  // Translations agree where the maps are equal (b's own flow), at a few offsets.
  const std::string new_cfg_b = (area.path() / "b-rebuilt").string() + ".toml";
  for (int p = 0; p < k_partitions; ++p) {
    for (int64_t x : {int64_t{0}, int64_t{1}, int64_t{100}, k_per_region / k_partitions, int64_t{1'000'000}}) {
      const auto orig = translate(pb->config_path().string(), eps[0].alias, topic, p, x);
      EXPECT_FALSE(orig.starts_with("error")) << orig;
      EXPECT_EQ(translate(new_cfg_b, eps[0].alias, topic, p, x), orig) << "partition " << p << " offset " << x;
    }
  }

  // What a user sees: kcat's headers of b's partition 0 give the same pairs.
  auto kc = run_command("kcat -C -b " + eps[1].bootstrap + " -t " + topic +
                        " -p 0 -o beginning -e -q -f '%o %h\\n' 2>/dev/null");
  if (kc.exit_code == 0) {
    pair_set from_kcat;
    static const std::regex re(R"re((\d+) .*tandem-origin=v1;o=)re" + eps[0].alias + ";s=" + eps[0].alias + "/" +
                               topic + R"re(/0/(\d+);d=)re" + eps[1].alias + "/" + topic + "/0");
    std::istringstream lines(kc.output);
    for (std::string line; std::getline(lines, line);) {
      std::smatch m;
      if (std::regex_search(line, m, re)) from_kcat.emplace(std::stoll(m[2]), std::stoll(m[1]));
    }
    EXPECT_EQ((flow_of(b.rebuilt, ab, topic)[{ab, topic, 0}]), from_kcat);
  } else {
    std::printf("[figures] kcat not usable here, header cross-check skipped\n");
  }
}

TEST(tandemctl_rebuild, prefix_rebuilt_maps_equal_the_daemons_maps) {
  auto eps = region_endpoints(2);
  ASSERT_EQ(eps.size(), 2u);
  const std::string topic = unique_topic("rebuild-px");
  for (const auto& e : eps) ASSERT_EQ(create_topic(e.bootstrap, topic, k_partitions), "");
  auto pa = start_tandem(eps[0].alias, eps, {topic}, "prefix", "1s");
  auto pb = start_tandem(eps[1].alias, eps, {topic}, "prefix", "1s");
  if (HasFailure()) return;

  traffic_with_restarts(eps, {topic, topic}, pb.get(), nullptr);
  if (HasFailure()) return;
  offsets_probe probe_a(eps[0].bootstrap), probe_b(eps[1].bootstrap);
  wait_settled(probe_b, eps[0].alias + "." + topic, k_per_region, 120s);
  wait_settled(probe_a, eps[1].alias + "." + topic, k_per_region, 120s);
  temp_area area;
  auto [a, b] = stop_rebuild_and_dump(*pa, *pb, area);
  const std::string ab = eps[0].alias + "->" + eps[1].alias, ba = eps[1].alias + "->" + eps[0].alias;
  ASSERT_EQ(flow_of(b.original, ab, topic).size(), static_cast<size_t>(k_partitions)) << b.rebuild_json;
  EXPECT_TRUE(has_fields(b.rebuild_json, {{"target_topic", eps[0].alias + "." + topic}}))
      << b.rebuild_json;

  for (const auto* r : {&a, &b}) {
    for (const auto& f : {ab, ba}) {
      // Own flows are the daemon's; peer flows the other region's own map.
      const auto truth = flow_of((f == ab ? b : a).original, f, topic);
      EXPECT_EQ(flow_of(r->rebuilt, f, topic), truth) << f;
      EXPECT_EQ(pairs(truth), static_cast<size_t>(k_per_region)) << f;
    }
  }
}

}  // namespace
}  // namespace tandem::testing
