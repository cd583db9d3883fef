// `tandemctl groups failover` (the built binary) against a real cluster: the checkpoints of an
// offset store written here are committed into the local cluster through librdkafka's admin API
// once, kept on a second run (never backwards), and refused while the group has a member.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "offsets/store.h"
#include "tests/fakes/temp_dir.h"
#include "tests/integration/json_output.h"
#include "tests/integration/kafka_test_env.h"

namespace tandem::testing {
namespace {

namespace fs = std::filesystem;

const std::string k_tandemctl = std::string(TANDEM_BINARY_DIR) + "/tools/tandemctl";

TEST(tandemctl_groups, failover_commits_once_keeps_on_rerun_and_refuses_an_active_group) {
  const auto cs = clusters();
  ASSERT_FALSE(cs.empty());
  const std::string bootstrap = cs[0].bootstrap;  // plays region "west"
  const std::string topic = unique_topic("orders");  // east's topic; prefix naming
  const std::string copy = "east." + topic;
  const std::string group = unique_topic("billing");
  ASSERT_EQ(create_topic(bootstrap, copy, 2), "");
  std::vector<record> records(10);
  for (auto& r : records) r.value = "v";
  ASSERT_EQ(produce(bootstrap, copy, records), "");  // partition 0: offsets 0..9

  tandem::testing::temp_dir dir("tandemctl-it");
  {
    auto store = offsets::offset_store::open(dir.path() / "state").value();
    const offsets::flow_id east_west{"east", "west"};
    std::vector<offsets::partition_batch> batch{
        {{east_west, topic, 0}, {{{0}, {0}, 10}}, offsets::source_offset{10}},
        {{east_west, topic, 1}, {}, offsets::source_offset{0}},
    };
    ASSERT_TRUE(store.commit_batch(batch));
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    ASSERT_TRUE(store.put_checkpoint(east_west, {group, topic, 0, {6}, {6}, now}));
    ASSERT_TRUE(store.put_checkpoint(east_west, {group, topic, 1, {0}, {0}, now}));
  }
  const fs::path config = dir.path() / "west.toml";
  std::ofstream(config) << "region = \"west\"\nstate_dir = \"state\"\n"
                        << "[clusters.west]\nbootstrap = \"" << bootstrap << "\"\n"
                        << "[clusters.east]\nbootstrap = \"127.0.0.1:1\"\n"
                        << "[replication]\nnaming = \"prefix\"\ntopics = [\".*\"]\n";
  const std::string args = " --config " + config.string() + " --group " + group + " --from east";

  auto first = run_command(k_tandemctl + " groups failover" + args + " --json 2>&1");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_TRUE(has_fields(first.output, {{"group_state", "absent"}})) << first.output;
  EXPECT_TRUE(has_fields(first.output, {{"committed", 2}})) << first.output;
  EXPECT_TRUE(has_fields(first.output, {{"to_offset", 6}, {"kind", "exact"}})) << first.output;

  auto again = run_command(k_tandemctl + " groups failover" + args + " --json 2>&1");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_TRUE(has_fields(again.output, {{"group_state", "empty"}})) << again.output;
  EXPECT_TRUE(has_fields(again.output, {{"committed", 0}, {"kept", 2}})) << again.output;
  EXPECT_TRUE(has_fields(again.output, {{"current_offset", 6}, {"action", "kept_equal"}}))
      << again.output;

  // A member joins the group (kcat's balanced consumer): failover is refused, a dry run reports.
  auto started = run_command("timeout 90 kcat -q -b " + bootstrap + " -G " + group + " " + copy +
                             " >/dev/null 2>&1 & echo $!");
  const int consumer = std::atoi(started.output.c_str());
  ASSERT_GT(consumer, 0) << started.output;
  bool stable = false;
  for (int i = 0; i < 60 && !stable; ++i) {
    auto dry = run_command(k_tandemctl + " groups failover" + args + " --dry-run --json 2>&1");
    stable = has_fields(dry.output, {{"group_state", "stable"}});
    if (!stable) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  EXPECT_TRUE(stable) << "the kcat consumer never joined " << group;
  auto refused = run_command(k_tandemctl + " groups failover" + args + " 2>&1");
  kill(consumer, SIGTERM);
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_TRUE(contains(refused.output, "refusing to fail over group \"" + group + "\": it is stable on west"))
      << refused.output;
}

}  // namespace
}  // namespace tandem::testing
