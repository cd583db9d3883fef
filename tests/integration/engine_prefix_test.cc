// Acceptance, prefix naming on real Kafka, two regions both ways: `a.<topic>` on b holds exactly
// a's records and `b.<topic>` on a exactly b's; a prefixed copy is never replicated onward
// (no `b.a.<topic>`, `a.b.<topic>`, ...), although the test's topic regex would select it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include "tests/integration/engine_scenario.h"

namespace tandem::testing {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr int k_partitions = 6;
constexpr int64_t k_per_region = 50'000;

std::set<std::string> topics_containing(offsets_probe& probe, const std::string& stem) {
  std::set<std::string> out;
  for (const auto& t : probe.topics())
    if (t.find(stem) != std::string::npos) out.insert(t);
  return out;
}

std::string join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
  return out;
}

TEST(engine_prefix, two_regions_each_prefixed_copy_holds_exactly_the_peers_records_and_none_goes_onward) {
  auto eps = region_endpoints(2);
  ASSERT_EQ(eps.size(), 2u);
  const std::string topic = unique_topic("eng-prefix");
  const std::string sep = ".";
  for (const auto& e : eps) ASSERT_EQ(create_topic(e.bootstrap, topic, k_partitions), "");

  // ".*<topic>.*" also matches "a.<topic>" and "b.a.<topic>": only the prefix policy keeps the
  // copies from travelling on.
  std::vector<std::unique_ptr<tandem_process>> procs;
  for (const auto& e : eps)
    procs.push_back(start_tandem(e.alias, eps, {".*" + topic + ".*"}, "prefix", "1s"));
  if (HasFailure()) return;

  std::map<std::string, workload> workloads;
  const int64_t base_ts = wall_clock_ms() - 3'600'000;
  for (const auto& e : eps) workloads[e.alias] = workload{e.alias, k_partitions, base_ts};
  {
    std::vector<std::unique_ptr<paced_producer>> producers;
    for (const auto& e : eps)
      producers.push_back(
          std::make_unique<paced_producer>(e.bootstrap, topic, workloads[e.alias], k_per_region));
    for (size_t i = 0; i < eps.size(); ++i) {
      EXPECT_EQ(producers[i]->wait(), "") << eps[i].alias;
      std::printf("[figures] producer %s: %lld records in %.1f s\n", eps[i].alias.c_str(),
                  static_cast<long long>(producers[i]->acked()),
                  producers[i]->duration().count() / 1000.0);
    }
  }

  // Each side: its own topic and the peer's prefixed copy.
  std::map<std::string, std::vector<record>> local;
  for (size_t i = 0; i < eps.size(); ++i) {
    const auto& here = eps[i];
    const auto& peer = eps[1 - i];
    const std::string copy = peer.alias + sep + topic;
    offsets_probe probe(here.bootstrap);
    int64_t n = wait_settled(probe, copy, k_per_region, 180s);
    std::printf("[figures] %s/%s: %lld records (expected %lld)\n", here.alias.c_str(),
                copy.c_str(), static_cast<long long>(n), static_cast<long long>(k_per_region));
    EXPECT_EQ(n, k_per_region) << copy << " on " << here.alias;
    EXPECT_EQ(probe.partitions(copy), k_partitions) << copy << " on " << here.alias;
    EXPECT_EQ(probe.records(topic), k_per_region) << topic << " on " << here.alias
                                                  << " must hold only local records";
  }
  if (HasFailure()) return;

  for (const auto& e : eps) local[e.alias] = read_topic(e.bootstrap, topic);
  for (size_t i = 0; i < eps.size(); ++i) {
    const auto& here = eps[i];
    const auto& peer = eps[1 - i];
    // The local topic: the region's own records only, untouched.
    {
      analysis_context ctx{here.alias, topic, topic, workloads, {{here.alias, k_per_region}}, {}};
      auto rep = analyze(local[here.alias], ctx);
      std::printf("[figures] %s/%s: %s\n", here.alias.c_str(), topic.c_str(),
                  rep.summary().c_str());
      EXPECT_EQ(rep.total, k_per_region);
      EXPECT_EQ(rep.unexpected + rep.duplicates() + rep.missing() + rep.mismatched(), 0);
    }
    // The copy: exactly the peer's records, once, in order, fields kept.
    const std::string copy = peer.alias + sep + topic;
    analysis_context ctx{here.alias, copy, topic, workloads, {{peer.alias, k_per_region}},
                         {{peer.alias, local_offsets(local[peer.alias], peer.alias)}}};
    auto rep = analyze(read_topic(here.bootstrap, copy), ctx);
    std::printf("[figures] %s/%s: %s\n", here.alias.c_str(), copy.c_str(), rep.summary().c_str());
    EXPECT_EQ(rep.total, k_per_region);
    EXPECT_EQ(rep.duplicates(), 0);
    EXPECT_EQ(rep.missing(), 0);
    EXPECT_EQ(rep.out_of_order(), 0);
    EXPECT_EQ(rep.mismatched(), 0);
    EXPECT_EQ(rep.unexpected, 0);
    for (const auto& p : rep.problems) ADD_FAILURE() << here.alias << ": " << p;
  }

  // Several refresh periods (1 s) have passed since the copies appeared; list every topic of
  // both clusters: only the two originals and the two first-hop copies exist.
  for (size_t i = 0; i < eps.size(); ++i) {
    offsets_probe probe(eps[i].bootstrap);
    std::set<std::string> want{topic, eps[1 - i].alias + sep + topic};
    auto have = topics_containing(probe, topic);
    std::printf("[figures] topics on %s containing the stem: %s\n", eps[i].alias.c_str(),
                join(have).c_str());
    EXPECT_EQ(have, want) << "on " << eps[i].alias;
  }
  for (auto& p : procs) {
    auto samples = parse_metrics(p->metrics_text());
    std::printf("[figures] tandem %s: tandem_topics_replicated %.0f, replicated %.0f\n",
                p->region().c_str(), metric_sum(samples, "tandem_topics_replicated"),
                metric_sum(samples, "tandem_records_replicated_total"));
    EXPECT_EQ(metric_sum(samples, "tandem_topics_replicated"), 1) << p->region();
    auto st = p->terminate();
    EXPECT_TRUE(st.exited && st.code == 0 && !st.needed_kill) << st.describe();
  }
}

}  // namespace
}  // namespace tandem::testing
