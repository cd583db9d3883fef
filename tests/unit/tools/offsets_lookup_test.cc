// `tandemctl offsets lookup`, `translate` and `dump` over the standard map (tools_fixture.h):
//
//   east->west orders/0:  source 10..14 -> target 100..104,  source 20..24 -> target 110..114
#include <gtest/gtest.h>

#include "json_check.h"
#include "tools_fixture.h"

namespace tandem::tools::testing {
namespace {

using test_offsets_commands = tools_test;

bool contains(const std::string& text, std::string_view what) { return text.find(what) != std::string::npos; }

// ---- translate -----------------------------------------------------------------------------

struct translate_case {
  const char* what;
  const char* partition;
  const char* offset;
  bool reverse;
  const char* kind;
  std::optional<int64_t> answer;  // nullopt: null (kind empty)
};

TEST_F(test_offsets_commands, test_translate_reports_each_kind_and_offset) {
  standard_map();
  const std::string config = write_config();
  const translate_case cases[] = {
      {"record 12 is at 102", "0", "13", false, "exact", 103},
      {"record 24 is at 114", "0", "25", false, "exact", 115},
      {"15..19 not in the map: after 14 at 104", "0", "17", false, "rounded", 105},
      {"nothing below 5: the first copy", "0", "5", false, "below_coverage", 100},
      {"no runs at all", "2", "3", false, "empty", std::nullopt},
      {"copy 102 is record 12", "0", "103", true, "exact", 13},
      {"105..109 are no copies: after 104 = record 14", "0", "107", true, "rounded", 15},
      {"nothing below target 50", "0", "50", true, "below_coverage", 10},
      {"reverse over no runs", "2", "3", true, "empty", std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    std::vector<std::string_view> args{"offsets", "translate", "--config", config, "--from", "east", "--topic",
                                       "orders", "--partition", c.partition, "--offset", c.offset, "--json"};
    if (c.reverse) args.push_back("--reverse");
    const auto r = run(args);
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = parse_json(r.out);
    ASSERT_TRUE(j) << r.out;
    EXPECT_EQ((*j)["kind"].str, c.kind);
    EXPECT_EQ((*j)["flow"].str, "east->west");
    EXPECT_EQ((*j)["direction"].str, c.reverse ? "to_source" : "to_target");
    const json& given = (*j)[c.reverse ? "target_offset" : "source_offset"];
    const json& answer = (*j)[c.reverse ? "source_offset" : "target_offset"];
    EXPECT_EQ(given.num, std::stoll(c.offset));
    if (c.answer) {
      EXPECT_EQ(answer.num, *c.answer) << r.out;
    } else {
      EXPECT_TRUE(answer.is_null()) << r.out;
    }
  }
}

TEST_F(test_offsets_commands, test_translate_table_names_both_sides) {
  standard_map();
  const auto r = run({"offsets", "translate", "--config", write_config(), "--from", "east", "--topic", "orders",
                      "--partition", "0", "--offset", "17"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "flow  east->west\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "from  offset 17 of orders/0 on east\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "to    offset 105 of orders/0 on west\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "kind  rounded (")) << r.out;

  const auto empty = run({"offsets", "translate", "--config", write_config(), "--from", "east", "--topic", "orders",
                          "--partition", "2", "--offset", "3"});
  ASSERT_EQ(empty.code, 0) << empty.err;
  EXPECT_TRUE(contains(empty.out, "to    log start of orders/2 on west\n")) << empty.out;
}

TEST_F(test_offsets_commands, test_prefix_naming_accepts_the_target_topic_name) {
  standard_map();
  const auto r = run({"offsets", "translate", "--config", write_config("prefix"), "--from", "east", "--topic",
                      "east.orders", "--partition", "0", "--offset", "13", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = parse_json(r.out);
  ASSERT_TRUE(j) << r.out;
  EXPECT_EQ((*j)["topic"].str, "orders");
  EXPECT_EQ((*j)["target_topic"].str, "east.orders");
  EXPECT_EQ((*j)["target_offset"].num, 103);
}

// ---- argument and lookup errors -------------------------------------------------------------

TEST_F(test_offsets_commands, test_errors_name_the_problem_with_the_right_exit_code) {
  standard_map();
  const std::string config = write_config();
  struct bad {
    std::vector<std::string_view> args;  // after "offsets translate --config F"
    int code;
    std::string_view message;
  };
  const bad cases[] = {
      {{"--from", "south", "--topic", "orders", "--partition", "0", "--offset", "1"}, 2,
       "unknown region \"south\""},
      {{"--from", "esat", "--topic", "orders", "--partition", "0", "--offset", "1"}, 2,
       "(did you mean \"east\"?); " },
      {{"--from", "esat", "--topic", "orders", "--partition", "0", "--offset", "1"}, 2,
       "knows the remote regions: central, east"},
      {{"--from", "west", "--topic", "orders", "--partition", "0", "--offset", "1"}, 2,
       "--from names a remote region, and west is the region of"},
      {{"--topic", "orders", "--partition", "0", "--offset", "1"}, 2, "missing --from REGION"},
      {{"--from", "east", "--topic", "orders", "--partition", "-1", "--offset", "1"}, 2,
       "bad partition \"-1\" for --partition: expected a number from 0 to 2147483647"},
      {{"--from", "east", "--topic", "orders", "--partition", "one", "--offset", "1"}, 2, "bad partition \"one\""},
      {{"--from", "east", "--topic", "orders", "--partition", "0", "--offset", "1x"}, 2, "bad offset \"1x\""},
      {{"--from", "east", "--topic", "orderz", "--partition", "0", "--offset", "1"}, 1,
       "topic \"orderz\" is not in the map of flow east->west (did you mean \"orders\"?)"},
      {{"--from", "east", "--topic", "orders", "--partition", "9", "--offset", "1"}, 1,
       "topic orders has no partition 9 in the map of flow east->west (partitions: 0-2)"},
      {{"--from", "central", "--topic", "orders", "--partition", "0", "--offset", "1"}, 1,
       "has no map for flow central->west (has it replicated anything yet?)"},
  };
  for (const auto& c : cases) {
    std::vector<std::string_view> args{"offsets", "translate", "--config", config};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const auto r = run(args);
    EXPECT_EQ(r.code, c.code) << c.message << "\n" << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_TRUE(contains(r.err, "tandemctl offsets translate: ")) << r.err;
    EXPECT_TRUE(contains(r.err, c.message)) << r.err;
  }
}

TEST_F(test_offsets_commands, test_usage_errors_win_over_a_missing_store) {
  const std::string config = write_config();  // no store in state_dir
  const auto r = run({"offsets", "lookup", "--config", config, "--from", "south", "--topic", "orders",
                      "--partition", "0", "--source-offset", "1"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "unknown region \"south\"")) << r.err;
  const auto missing = run({"offsets", "lookup", "--config", config, "--from", "east", "--topic", "orders",
                            "--partition", "0", "--source-offset", "1"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_TRUE(contains(missing.err, "(has tandem run in this region?)")) << missing.err;
}

// ---- lookup --------------------------------------------------------------------------------

TEST_F(test_offsets_commands, test_lookup_by_source_finds_the_covering_run) {
  standard_map();
  const auto r = run({"offsets", "lookup", "--config", write_config(), "--from", "east", "--topic", "orders",
                      "--partition", "0", "--source-offset", "12", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = parse_json(r.out);
  ASSERT_TRUE(j) << r.out;
  EXPECT_EQ((*j)["flow"].str, "east->west");
  EXPECT_EQ((*j)["role"].str, "own");
  EXPECT_TRUE((*j)["covered"].b);
  EXPECT_EQ((*j)["source_offset"].num, 12);
  EXPECT_EQ((*j)["target_offset"].num, 102);
  EXPECT_EQ((*j)["run"]["src_start"].num, 10);
  EXPECT_EQ((*j)["run"]["dst_start"].num, 100);
  EXPECT_EQ((*j)["run"]["length"].num, 5);
  EXPECT_EQ((*j)["run"]["src_end"].num, 15);
}

TEST_F(test_offsets_commands, test_lookup_reports_the_preceding_run_or_where_the_map_begins) {
  standard_map();
  const std::string config = write_config();
  const auto gap = run({"offsets", "lookup", "--config", config, "--from", "east", "--topic", "orders",
                        "--partition", "0", "--source-offset", "17"});
  ASSERT_EQ(gap.code, 0) << gap.err;
  EXPECT_TRUE(contains(gap.out, "run            src_start 10, dst_start 100, length 5: source 10..14 -> "
                                "target 100..104\n")) << gap.out;
  EXPECT_TRUE(contains(gap.out, "result         not in the map: the run before it ends at source offset 14"))
      << gap.out;

  const auto before = run({"offsets", "lookup", "--config", config, "--from", "east", "--topic", "orders",
                           "--partition", "0", "--source-offset", "5", "--json"});
  ASSERT_EQ(before.code, 0) << before.err;
  const auto j = parse_json(before.out);
  ASSERT_TRUE(j) << before.out;
  EXPECT_TRUE((*j)["run"].is_null());
  EXPECT_FALSE((*j)["covered"].b);
  EXPECT_TRUE((*j)["target_offset"].is_null());
  EXPECT_EQ((*j)["map_start"].num, 10);
}

TEST_F(test_offsets_commands, test_lookup_by_target_and_in_the_peer_map) {
  standard_map();
  const std::string config = write_config();
  const auto r = run({"offsets", "lookup", "--config", config, "--from", "east", "--topic", "orders",
                      "--partition", "0", "--target-offset", "112"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "flow           east->west (own map: records of east copied into west)\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "target offset  112\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "result         covered: target offset 112 <-> source offset 22\n")) << r.out;

  const auto peer = run({"offsets", "lookup", "--config", config, "--flow", "west->east", "--topic", "orders",
                         "--partition", "0", "--target-offset", "51", "--json"});
  ASSERT_EQ(peer.code, 0) << peer.err;
  const auto j = parse_json(peer.out);
  ASSERT_TRUE(j) << peer.out;
  EXPECT_EQ((*j)["role"].str, "peer");
  EXPECT_EQ((*j)["source_offset"].num, 1);

  const auto both = run({"offsets", "lookup", "--config", config, "--from", "east", "--topic", "orders",
                         "--partition", "0", "--target-offset", "1", "--source-offset", "1"});
  EXPECT_EQ(both.code, 2);
  EXPECT_TRUE(contains(both.err, "give exactly one of --source-offset X and --target-offset Y")) << both.err;
  const auto no_local = run({"offsets", "lookup", "--config", config, "--flow", "east->central", "--topic", "orders",
                             "--partition", "0", "--target-offset", "1"});
  EXPECT_EQ(no_local.code, 2);
  EXPECT_TRUE(contains(no_local.err, "does not connect region west")) << no_local.err;
}

// ---- dump ----------------------------------------------------------------------------------

TEST_F(test_offsets_commands, test_dump_table_lists_runs_with_ranges) {
  standard_map();
  const auto r = run({"offsets", "dump", "--config", write_config(), "--from", "east", "--partition", "0"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "FLOW        TOPIC   PARTITION  SRC_START  DST_START  LENGTH  SOURCE    TARGET\n"
            "east->west  orders          0         10        100       5  10..14  100..104\n"
            "east->west  orders          0         20        110       5  20..24  110..114\n"
            "\n"
            "2 runs in 1 partition\n");
}

TEST_F(test_offsets_commands, test_dump_json_covers_every_flow_by_default) {
  standard_map();
  const auto r = run({"offsets", "dump", "--config", write_config(), "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = parse_json(r.out);
  ASSERT_TRUE(j) << r.out;
  const json& runs = (*j)["runs"];
  ASSERT_EQ(runs.items.size(), 4u) << r.out;
  EXPECT_EQ(runs[0]["flow"].str, "east->west");
  EXPECT_EQ(runs[2]["partition"].num, 1);
  EXPECT_EQ(runs[3]["flow"].str, "west->east");
  EXPECT_EQ(runs[3]["dst_start"].num, 50);
  EXPECT_EQ(runs[3]["dst_end"].num, 52);
}

TEST_F(test_offsets_commands, test_dump_selection_errors) {
  standard_map();
  const std::string config = write_config();
  const auto topic = run({"offsets", "dump", "--config", config, "--topic", "payments"});
  EXPECT_EQ(topic.code, 1);
  EXPECT_TRUE(contains(topic.err, "topic \"payments\" is not in the map of any flow (topics: orders)")) << topic.err;
  const auto part = run({"offsets", "dump", "--config", config, "--flow", "west->east", "--partition", "4"});
  EXPECT_EQ(part.code, 1);
  EXPECT_TRUE(contains(part.err, "the map of flow west->east has no partition 4 (partitions: 0)")) << part.err;
  const auto both = run({"offsets", "dump", "--config", config, "--flow", "east->west", "--from", "east"});
  EXPECT_EQ(both.code, 2);
  const auto malformed = run({"offsets", "dump", "--config", config, "--flow", "east"});
  EXPECT_EQ(malformed.code, 2);
  EXPECT_TRUE(contains(malformed.err, "malformed flow \"east\": expected SOURCE->TARGET")) << malformed.err;
}

}  // namespace
}  // namespace tandem::tools::testing
