// `tandemctl offsets stats` and the command frame: help, usage errors, store access.
#include <gtest/gtest.h>

#include <cstdlib>

#include "json_check.h"
#include "tools_fixture.h"

namespace tandem::tools::testing {
namespace {

using test_offsets_stats = tools_test;

bool contains(const std::string& text, std::string_view what) { return text.find(what) != std::string::npos; }

TEST_F(test_offsets_stats, test_table_lists_own_and_peer_partitions_with_totals) {
  standard_map();
  const auto r = run({"offsets", "stats", "--config", write_config()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_TRUE(contains(r.out, "FLOW        ROLE  TOPIC   PARTITION  RUNS  COPIED  RESUME")) << r.out;
  EXPECT_TRUE(contains(r.out, "east->west  own   orders          0     2      10      25")) << r.out;
  EXPECT_TRUE(contains(r.out, "east->west  own   orders          2     0       0       7")) << r.out;
  EXPECT_TRUE(contains(r.out, "west->east  peer  orders          0     1       2       -")) << r.out;
  // Configured remotes without data are listed too.
  EXPECT_TRUE(contains(r.out, "central->west  own            0     0       0")) << r.out;
  EXPECT_TRUE(contains(r.out, "Total: 4 partitions, 4 runs, 15 records copied")) << r.out;
  EXPECT_TRUE(contains(r.out, "Store: ")) << r.out;
}

TEST_F(test_offsets_stats, test_json_has_flows_partitions_and_totals) {
  standard_map();
  const auto r = run({"offsets", "stats", "--config", write_config(), "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = parse_json(r.out);
  ASSERT_TRUE(j) << r.out;
  EXPECT_EQ((*j)["region"].str, "west");
  const json& flows = (*j)["flows"];
  ASSERT_EQ(flows.items.size(), 4u) << r.out;  // central->west, east->west, west->central, west->east
  const json& own = flows[1];
  EXPECT_EQ(own["flow"].str, "east->west");
  EXPECT_EQ(own["role"].str, "own");
  EXPECT_EQ(own["runs"].num, 3);
  EXPECT_EQ(own["copied_records"].num, 13);
  ASSERT_EQ(own["partitions"].items.size(), 3u);
  EXPECT_EQ(own["partitions"][0]["topic"].str, "orders");
  EXPECT_EQ(own["partitions"][0]["resume"].num, 25);
  EXPECT_EQ(own["partitions"][2]["runs"].num, 0);
  const json& peer = flows[3];
  EXPECT_EQ(peer["flow"].str, "west->east");
  EXPECT_EQ(peer["role"].str, "peer");
  EXPECT_TRUE(peer["partitions"][0]["resume"].is_null());
  const json& totals = (*j)["totals"];
  EXPECT_EQ(totals["partitions"].num, 4);
  EXPECT_EQ(totals["runs"].num, 4);
  EXPECT_EQ(totals["copied_records"].num, 15);
  EXPECT_EQ(totals["keys"].num, 1 + 4 * 2 + 3);  // format key, runs by S and D, resume positions
  EXPECT_GT(totals["dir_bytes"].num, 0);
}

TEST_F(test_offsets_stats, test_reads_the_store_while_the_daemon_holds_it) {
  commit(east_west, "orders", 0, {{{0}, {0}, 4}}, 4);
  const std::string config = write_config();
  auto first = run({"offsets", "stats", "--config", config, "--json"});
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_EQ((*parse_json(first.out))["totals"]["runs"].num, 1);
  commit(east_west, "orders", 0, {{{4}, {10}, 4}}, 8);  // the daemon keeps writing
  auto second = run({"offsets", "stats", "--config", config, "--json"});
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_EQ((*parse_json(second.out))["totals"]["runs"].num, 2);
  EXPECT_EQ((*parse_json(second.out))["flows"][1]["partitions"][0]["resume"].num, 8);
}

TEST_F(test_offsets_stats, test_prints_what_the_store_belongs_to) {
  primary();
  close();
  const std::string config = write_config();
  auto before = run({"offsets", "stats", "--config", config});
  ASSERT_EQ(before.code, 0) << before.err;
  EXPECT_TRUE(contains(before.out, "Belongs to: no identity recorded yet")) << before.out;
  EXPECT_TRUE((*parse_json(run({"offsets", "stats", "--config", config, "--json"}).out))["belongs_to"]
                  .is_null());
  ASSERT_TRUE(primary().put_identity({"west", {{"east", "id-E"}, {"west", "id-W"}}}));
  close();
  auto after = run({"offsets", "stats", "--config", config});
  ASSERT_EQ(after.code, 0) << after.err;
  EXPECT_TRUE(contains(after.out, "Belongs to: region west, cluster east = id-E, cluster west = id-W"))
      << after.out;
  auto j = parse_json(run({"offsets", "stats", "--config", config, "--json"}).out);
  ASSERT_TRUE(j);
  EXPECT_EQ((*j)["belongs_to"]["region"].str, "west");
  EXPECT_EQ((*j)["belongs_to"]["cluster_ids"]["east"].str, "id-E");
}

TEST_F(test_offsets_stats, test_an_empty_store_says_so) {
  primary();
  close();
  const auto r = run({"offsets", "stats", "--config", write_config()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "No partitions in the map yet.")) << r.out;
}

TEST_F(test_offsets_stats, test_missing_store_exits_1_and_asks_whether_tandem_ran) {
  const auto r = run({"offsets", "stats", "--config", write_config("identity", "never-ran")});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(r.out.empty());
  EXPECT_TRUE(contains(r.err, "no offset store at ")) << r.err;
  EXPECT_TRUE(contains(r.err, "never-ran (has tandem run in this region?)")) << r.err;
}

TEST_F(test_offsets_stats, test_a_directory_holding_something_else_exits_2) {
  fs::create_directories(state_dir());
  std::ofstream(state_dir() / "notes.txt") << "not a database";
  const auto r = run({"offsets", "stats", "--config", write_config()});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "is not a tandem offset store")) << r.err;
}

TEST_F(test_offsets_stats, test_secondary_files_are_removed_afterwards) {
  standard_map();
  const std::string config = write_config();
  temp_dir tmp;
  const char* old = std::getenv("TMPDIR");
  const std::string saved = old ? old : "";
  setenv("TMPDIR", tmp.path().c_str(), 1);
  const auto r = run({"offsets", "stats", "--config", config});
  const auto bad = run({"offsets", "lookup", "--config", config, "--from", "east", "--topic", "nope",
                        "--partition", "0", "--source-offset", "1"});
  if (old) setenv("TMPDIR", saved.c_str(), 1); else unsetenv("TMPDIR");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(bad.code, 1) << bad.err;
  EXPECT_TRUE(fs::is_empty(tmp.path()));
}

TEST_F(test_offsets_stats, test_help_documents_exit_codes_on_stdout) {
  for (std::vector<std::string_view> args : {std::vector<std::string_view>{"offsets", "stats", "--help"},
                                             {"offsets", "dump", "-h"},
                                             {"offsets", "lookup", "--help"},
                                             {"offsets", "translate", "--config", "x", "--help"}}) {
    const auto r = run(args);
    EXPECT_EQ(r.code, 0) << args[1];
    EXPECT_TRUE(r.err.empty());
    EXPECT_TRUE(contains(r.out, "Usage: tandemctl offsets " + std::string(args[1]))) << r.out;
    EXPECT_TRUE(contains(r.out, "Exit codes:")) << r.out;
    EXPECT_TRUE(contains(r.out, "  2  usage error, invalid config, unknown region")) << r.out;
  }
  const auto group = run({"offsets", "--help"});
  EXPECT_EQ(group.code, 0);
  EXPECT_TRUE(contains(group.out, "Usage: tandemctl offsets <command>")) << group.out;
  EXPECT_TRUE(contains(group.out, "translate")) << group.out;
}

TEST_F(test_offsets_stats, test_usage_errors_exit_2_with_usage_on_stderr) {
  const std::string config = write_config();
  struct bad {
    std::vector<std::string_view> args;
    std::string_view message;
  };
  const bad cases[] = {
      {{"offsets"}, "missing command"},
      {{"offsets", "stat"}, "did you mean \"stats\""},
      {{"offsets", "stats"}, "missing --config FILE"},
      {{"offsets", "stats", "--config", config, "--jsn"}, "unknown option \"--jsn\" (did you mean \"--json\"?)"},
      {{"offsets", "stats", "--config", config, "extra"}, "unexpected argument \"extra\""},
      {{"offsets", "stats", "--config", config, "--json=yes"}, "option --json takes no value"},
      {{"offsets", "stats", "--config", config, "--config", config}, "option --config given twice"},
      {{"offsets", "dump", "--config", config, "--topic"}, "option --topic needs a TOPIC"},
  };
  for (const auto& c : cases) {
    const auto r = run(c.args);
    EXPECT_EQ(r.code, 2) << c.message;
    EXPECT_TRUE(r.out.empty()) << c.message;
    EXPECT_TRUE(contains(r.err, c.message)) << r.err;
    EXPECT_TRUE(contains(r.err, "Usage: ")) << r.err;
  }
}

TEST_F(test_offsets_stats, test_invalid_config_exits_2_naming_the_problem) {
  const fs::path file = dir_.path() / "bad.toml";
  std::ofstream(file) << "region = \"west\"\nstate_dir = \"s\"\nbogus = 1\n";
  const auto r = run({"offsets", "stats", "--config", file.string()});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "bogus")) << r.err;
  EXPECT_TRUE(contains(r.err, "invalid config")) << r.err;
}

}  // namespace
}  // namespace tandem::tools::testing
