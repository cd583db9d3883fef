// Acceptance, observability on real Kafka (identity naming, two regions): a live scrape of each
// process passes `promtool check metrics`, and its counters equal what the test measured in the
// clusters: tandem_records_replicated_total per flow == records that arrived from that source,
// tandem_loop_drops_total{reason="echo"} == echoes the flow read (copies of the target's own
// records in the source), tandem_bytes_replicated_total == key + value + header bytes of the
// records replicated.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "tests/integration/engine_scenario.h"

namespace tandem::testing {
namespace {

using namespace std::chrono_literals;

constexpr int k_partitions = 4;
constexpr int64_t k_per_region = 3'000;

// promtool reads the exposition on stdin; its verdict and output.
command_result promtool_check(const tandem_process& p, const std::string& text) {
  auto file = p.dir() / "scrape.txt";
  std::ofstream(file) << text;
  return run_command("/usr/bin/promtool check metrics < '" + file.string() + "' 2>&1");
}

int64_t record_bytes(const record& r) {
  int64_t n = static_cast<int64_t>(r.key.value_or("").size() + r.value.value_or("").size());
  for (const auto& h : r.headers) n += static_cast<int64_t>(h.key.size() + h.value.value_or("").size());
  return n;
}

TEST(engine_metrics, a_live_scrape_passes_promtool_and_its_counters_equal_what_arrived) {
  auto eps = region_endpoints(2);
  ASSERT_EQ(eps.size(), 2u);
  const std::string topic = unique_topic("eng-metrics");
  for (const auto& e : eps) ASSERT_EQ(create_topic(e.bootstrap, topic, k_partitions), "");
  std::vector<std::unique_ptr<tandem_process>> procs;
  for (const auto& e : eps) procs.push_back(start_tandem(e.alias, eps, {topic + ".*"}));
  if (HasFailure()) return;

  std::map<std::string, workload> workloads;
  for (const auto& e : eps) workloads[e.alias] = workload{e.alias, k_partitions, wall_clock_ms()};
  {
    std::vector<std::unique_ptr<paced_producer>> producers;
    for (const auto& e : eps)
      producers.push_back(
          std::make_unique<paced_producer>(e.bootstrap, topic, workloads[e.alias], k_per_region));
    for (auto& p : producers) ASSERT_EQ(p->wait(), "");
  }
  std::map<std::string, std::vector<record>> read;
  for (const auto& e : eps) {
    offsets_probe probe(e.bootstrap);
    int64_t n = wait_settled(probe, topic, 2 * k_per_region, 120s, 3s);
    EXPECT_EQ(n, 2 * k_per_region) << e.alias;
    read[e.alias] = read_topic(e.bootstrap, topic);
  }

  for (size_t i = 0; i < eps.size(); ++i) {
    const auto& here = eps[i];   // the process's region: flow peer -> here
    const auto& peer = eps[1 - i];
    auto& p = *procs[i];
    ASSERT_TRUE(p.running());
    // Measured: arrivals from the peer in `here`, echoes in the peer (copies of here's records),
    // bytes of the peer's local records as read at the source.
    int64_t arrived = 0, echoes = 0, bytes = 0;
    for (const auto& r : read[here.alias]) {
      auto id = workload_id(r);
      if (id && id->first == peer.alias) ++arrived;
    }
    for (const auto& r : read[peer.alias]) {
      auto id = workload_id(r);
      if (id && id->first == here.alias) ++echoes;
      if (id && id->first == peer.alias) bytes += record_bytes(r);
    }

    std::string text = p.metrics_text();
    ASSERT_FALSE(text.empty()) << "scrape of " << here.alias << " failed";
    auto verdict = promtool_check(p, text);
    std::printf("[figures] promtool check metrics (%s, %zu bytes scraped): exit %d%s%s\n",
                here.alias.c_str(), text.size(), verdict.exit_code,
                verdict.output.empty() ? "" : ", output:\n", verdict.output.c_str());
    EXPECT_EQ(verdict.exit_code, 0) << verdict.output;

    auto samples = parse_metrics(text);
    std::map<std::string, std::string> flow{{"source", peer.alias}, {"target", here.alias},
                                            {"topic", topic}};
    auto echo = flow;
    echo["reason"] = "echo";
    auto third = flow;
    third["reason"] = "third_party";
    double m_records = metric_sum(samples, "tandem_records_replicated_total", flow);
    double m_echo = metric_sum(samples, "tandem_loop_drops_total", echo);
    double m_third = metric_sum(samples, "tandem_loop_drops_total", third);
    double m_bytes = metric_sum(samples, "tandem_bytes_replicated_total", flow);
    double m_latency_count = metric_sum(samples, "tandem_replication_latency_seconds_count",
                                        {{"source", peer.alias}, {"target", here.alias}});
    double m_lag = metric_sum(samples, "tandem_lag_records", flow);
    std::printf("[figures] flow %s->%s: replicated %.0f (arrived %lld), echo drops %.0f (echoes "
                "%lld), third-party drops %.0f, bytes %.0f (measured %lld), latency count %.0f, "
                "lag %.0f\n",
                peer.alias.c_str(), here.alias.c_str(), m_records, static_cast<long long>(arrived),
                m_echo, static_cast<long long>(echoes), m_third, m_bytes,
                static_cast<long long>(bytes), m_latency_count, m_lag);
    EXPECT_EQ(arrived, k_per_region);
    EXPECT_EQ(echoes, k_per_region);
    EXPECT_EQ(m_records, static_cast<double>(arrived));
    EXPECT_EQ(m_echo, static_cast<double>(echoes));
    EXPECT_EQ(m_third, 0);
    EXPECT_EQ(m_bytes, static_cast<double>(bytes));
    EXPECT_EQ(m_latency_count, static_cast<double>(arrived));
    EXPECT_EQ(m_lag, 0);
    EXPECT_EQ(metric_sum(samples, "tandem_build_info"), 1);
  }
  for (auto& p : procs) {
    auto s = p->terminate();
    EXPECT_TRUE(s.exited && s.code == 0 && !s.needed_kill) << s.describe();
  }
}

}  // namespace
}  // namespace tandem::testing
