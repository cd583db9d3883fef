#include "engine/obs/metrics.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "engine/flow/flow_metrics.h"
#include "engine/groups/checkpoint_metrics.h"
#include "engine/obs/http_endpoint.h"
#include "engine/state/map_metrics.h"
#include "tests/fakes/temp_dir.h"

namespace tandem::engine {
namespace {

// Every family tandem exports, with its type. A rename here is a user-visible change:
// dashboards and alerts use these names.
const std::map<std::string, prometheus::MetricType> expected_families = {
    {"tandem_records_replicated_total", prometheus::MetricType::Counter},
    {"tandem_bytes_replicated_total", prometheus::MetricType::Counter},
    {"tandem_loop_drops_total", prometheus::MetricType::Counter},
    {"tandem_malformed_origin_headers_total", prometheus::MetricType::Counter},
    {"tandem_rejected_origin_headers_total", prometheus::MetricType::Counter},
    {"tandem_commit_failures_total", prometheus::MetricType::Counter},
    {"tandem_replication_latency_seconds", prometheus::MetricType::Histogram},
    {"tandem_lag_records", prometheus::MetricType::Gauge},
    {"tandem_checkpoint_age_seconds", prometheus::MetricType::Gauge},
    {"tandem_group_syncs_total", prometheus::MetricType::Counter},
    {"tandem_checkpoints_rejected_total", prometheus::MetricType::Counter},
    {"tandem_produce_errors_total", prometheus::MetricType::Counter},
    {"tandem_offset_map_runs", prometheus::MetricType::Gauge},
    {"tandem_topic_paused", prometheus::MetricType::Gauge},
    {"tandem_topics_replicated", prometheus::MetricType::Gauge},
    {"tandem_commit_failures_total", prometheus::MetricType::Counter},
    {"tandem_http_rejected_connections_total", prometheus::MetricType::Counter},
    {"tandem_build_info", prometheus::MetricType::Gauge},
};

// Touches every accessor so each family has at least one sample.
void populate(metrics& m) {
  auto& f = m.probe<flow_metrics>("west", "east");
  auto& c = m.probe<checkpoint_metrics>("west", "east");
  auto& t = f.topic("orders");
  t.records.Increment(3);
  t.bytes.Increment(120);
  t.malformed.Increment();
  t.drops_echo.Increment(2);
  t.drops_third_party.Increment();
  f.latency().Observe(0.02);
  f.lag("orders", 0).Set(5);
  f.lag("orders", 1).Set(0);
  c.checkpoint_age().Set(1.5);
  c.group_sync("synced").Increment();
  c.group_sync("skipped_active").Increment();
  c.checkpoint_rejected("beyond_high_watermark").Increment();
  f.produce_error("_MSG_TIMED_OUT").Increment();
  m.probe<offset_map_metrics>("west", "east").runs().Set(7);
  f.topic_paused("orders").Set(0);
  f.topics_replicated().Set(1);
  boost::asio::io_context io;
  http_endpoint endpoint(io, m, {});  // registers its family; never started
}

// The sample of `family` with exactly `labels`, nullopt if none.
std::optional<prometheus::ClientMetric> find_sample(const metrics& m, const std::string& family,
                                                    const prometheus::Labels& labels) {
  for (const auto& fam : m.registry()->Collect()) {
    if (fam.name != family) continue;
    for (const auto& metric : fam.metric) {
      prometheus::Labels have;
      for (const auto& l : metric.label) have[l.name] = l.value;
      if (have == labels) return metric;
    }
  }
  return std::nullopt;
}

TEST(metrics, every_family_is_registered_with_type_and_help) {
  metrics m("1.2.3");
  populate(m);  // prometheus-cpp leaves families without samples out of Collect()
  std::map<std::string, prometheus::MetricType> seen;
  for (const auto& fam : m.registry()->Collect()) {
    EXPECT_FALSE(fam.help.empty()) << fam.name;
    seen[fam.name] = fam.type;
  }
  EXPECT_EQ(seen, expected_families);
}

TEST(metrics, a_fresh_registry_exposes_only_build_info) {
  metrics m("1.2.3");
  auto families = m.registry()->Collect();
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].name, "tandem_build_info");
}

TEST(metrics, build_info_is_one_with_the_version) {
  metrics m("1.2.3");
  auto s = find_sample(m, "tandem_build_info", {{"version", "1.2.3"}});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->gauge.value, 1);
}

TEST(metrics, flow_and_topic_handles_are_cached) {
  metrics m("test");
  auto& f = m.probe<flow_metrics>("west", "east");
  auto& c = m.probe<checkpoint_metrics>("west", "east");
  EXPECT_EQ(&f, &m.probe<flow_metrics>("west", "east"));
  EXPECT_NE(&f, &m.probe<flow_metrics>("east", "west"));
  EXPECT_EQ(&c, &m.probe<checkpoint_metrics>("west", "east"));
  EXPECT_EQ(&f.topic("orders"), &f.topic("orders"));
  EXPECT_EQ(&f.topic("orders").records, &f.topic(std::string("orders")).records);
  EXPECT_NE(&f.topic("orders").records, &f.topic("payments").records);
  EXPECT_EQ(&f.lag("orders", 3), &f.lag("orders", 3));
  EXPECT_NE(&f.lag("orders", 3), &f.lag("orders", 4));
  EXPECT_EQ(&f.produce_error("_MSG_TIMED_OUT"), &f.produce_error("_MSG_TIMED_OUT"));
  EXPECT_EQ(&c.group_sync("synced"), &c.group_sync("synced"));
  EXPECT_EQ(&f.topic_paused("orders"), &f.topic_paused("orders"));
  EXPECT_EQ(&f.latency(), &f.latency());
}

TEST(metrics, counters_increase_through_handles_with_flow_and_topic_labels) {
  metrics m("test");
  populate(m);
  m.probe<flow_metrics>("west", "east").topic("orders").records.Increment(2);

  const prometheus::Labels topic_labels{{"source", "west"}, {"target", "east"}, {"topic", "orders"}};
  auto records = find_sample(m, "tandem_records_replicated_total", topic_labels);
  ASSERT_TRUE(records);
  EXPECT_EQ(records->counter.value, 5);

  auto echo_labels = topic_labels;
  echo_labels["reason"] = "echo";
  auto echo = find_sample(m, "tandem_loop_drops_total", echo_labels);
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->counter.value, 2);

  auto lag = find_sample(m, "tandem_lag_records",
                          {{"source", "west"}, {"target", "east"}, {"topic", "orders"},
                           {"partition", "0"}});
  ASSERT_TRUE(lag);
  EXPECT_EQ(lag->gauge.value, 5);

  auto err = find_sample(m, "tandem_produce_errors_total",
                          {{"source", "west"}, {"target", "east"}, {"code", "_MSG_TIMED_OUT"}});
  ASSERT_TRUE(err);
  EXPECT_EQ(err->counter.value, 1);
}

TEST(metrics, latency_histogram_spans_1ms_to_60s) {
  metrics m("test");
  auto& h = m.probe<flow_metrics>("west", "east").latency();
  h.Observe(0.0005);
  h.Observe(30);
  h.Observe(120);
  auto s = find_sample(m, "tandem_replication_latency_seconds",
                        {{"source", "west"}, {"target", "east"}});
  ASSERT_TRUE(s);
  const auto& buckets = s->histogram.bucket;
  ASSERT_EQ(buckets.size(), latency_buckets_seconds.size() + 1);  // + the +Inf bucket
  EXPECT_EQ(buckets.front().upper_bound, 0.001);
  EXPECT_EQ(buckets.front().cumulative_count, 1u);
  EXPECT_EQ(buckets[buckets.size() - 2].upper_bound, 60);
  EXPECT_EQ(buckets[buckets.size() - 2].cumulative_count, 2u);
  EXPECT_EQ(buckets.back().cumulative_count, 3u);
}

TEST(metrics, serialize_writes_text_exposition) {
  metrics m("test");
  populate(m);
  std::string text = m.serialize();
  EXPECT_NE(text.find("# TYPE tandem_records_replicated_total counter"), std::string::npos);
  EXPECT_NE(text.find("tandem_records_replicated_total{source=\"west\",target=\"east\","
                      "topic=\"orders\"} 3"),
            std::string::npos)
      << text;
}

// Runs `promtool check metrics` on `text`; returns its exit status and output.
std::pair<int, std::string> promtool_check(const std::string& text) {
  auto path = std::filesystem::temp_directory_path() /
              ("tandem_metrics_test_" + std::to_string(::getpid()) + ".prom");
  std::ofstream(path) << text;
  std::string cmd = "promtool check metrics < '" + path.string() + "' 2>&1";
  std::string output;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return {-1, "popen failed"};
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) output += buf;
  int status = ::pclose(p);
  std::filesystem::remove(path);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST(metrics, serialized_output_passes_promtool_lint) {
  if (!std::filesystem::exists("/usr/bin/promtool")) GTEST_SKIP() << "promtool not installed";
  metrics empty("test");
  auto [empty_rc, empty_out] = promtool_check(empty.serialize());
  EXPECT_EQ(empty_rc, 0) << empty_out;

  metrics m("test");
  populate(m);
  auto [rc, out] = promtool_check(m.serialize());
  EXPECT_EQ(rc, 0) << out;  // 1: parse error, 3: lint warnings (names, help, units)
}

// tandem_offset_map_runs is set from the store: the flow's runs, own and peer flows apart.
TEST(offset_map_metrics, reports_the_runs_the_store_holds_per_flow) {
  tandem::testing::temp_dir dir;
  auto store = offsets::offset_store::open(dir.path()).value();
  auto commit = [&](const offsets::flow_id& f, int32_t partition, std::vector<offsets::run> runs) {
    offsets::partition_batch b{{f, "orders", partition}, std::move(runs), {}};
    ASSERT_TRUE(store.commit_batch({&b, 1}));
  };
  commit({"west", "east"}, 0, {{{0}, {0}, 5}, {{10}, {5}, 5}});
  commit({"west", "east"}, 1, {{{0}, {0}, 3}});
  commit({"east", "west"}, 0, {{{0}, {7}, 3}});
  metrics m("test");
  auto& own = m.probe<offset_map_metrics>("west", "east");
  auto& peer = m.probe<offset_map_metrics>("east", "west");
  own.runs().Set(-1);  // not what the store says: update() must overwrite it
  ASSERT_TRUE(own.update(store));
  ASSERT_TRUE(peer.update(store));
  auto runs = [&](const char* source, const char* target) {
    auto s = find_sample(m, "tandem_offset_map_runs", {{"source", source}, {"target", target}});
    return s ? s->gauge.value : -100;
  };
  EXPECT_EQ(runs("west", "east"), 3);
  EXPECT_EQ(runs("east", "west"), 1);
  commit({"west", "east"}, 2, {{{0}, {0}, 1}});  // a commit after the first count
  ASSERT_TRUE(own.update(store));
  EXPECT_EQ(runs("west", "east"), 4);
}

}  // namespace
}  // namespace tandem::engine
