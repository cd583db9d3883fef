// `tandemctl groups translate` and `groups failover` over a real offset store and a fake
// cluster (fake_group_admin.h). Region west's config; the group moves from east.
//
// Prefix naming: east's `orders` is `east.orders` on west. Map (tools_fixture.h standard_map):
//   east->west orders/0: source 10..14 -> 100..104, 20..24 -> 110..114
//   east->west orders/1: source 0..2 -> 0..2;   orders/2: no runs
// Checkpoints of "billing" from east: orders/0 at 13, orders/1 at 2, orders/2 at 3.
#include <gtest/gtest.h>

#include "tests/fakes/fake_group_admin.h"
#include "json_check.h"
#include "tools_fixture.h"

namespace tandem::tools::testing {
namespace {

constexpr int64_t k_checkpoint_time = 1'700'000'000'000;
constexpr int64_t k_now = k_checkpoint_time + 65'000;

bool contains(const std::string& text, std::string_view what) { return text.find(what) != std::string::npos; }

class test_groups : public tools_test {
 protected:
  void SetUp() override {
    cluster_ = std::make_shared<fake_cluster_state>();
    cluster_->log_starts = {{{"east.orders", 0}, 0}, {{"east.orders", 1}, 0}, {{"east.orders", 2}, 4}};
    env_ = fake_environment(cluster_, k_now);
  }

  std::string prefix_setup() {
    commit(east_west, "orders", 0, {{{10}, {100}, 5}, {{20}, {110}, 5}}, 25);
    commit(east_west, "orders", 1, {{{0}, {0}, 3}}, 3);
    commit(east_west, "orders", 2, {}, 7);
    checkpoint(east_west, "billing", "orders", 0, 13, 103, k_checkpoint_time);
    checkpoint(east_west, "billing", "orders", 1, 2, 2, k_checkpoint_time);
    checkpoint(east_west, "billing", "orders", 2, 3, 0, k_checkpoint_time);
    checkpoint(east_west, "shipping", "orders", 0, 11, 101, k_checkpoint_time);
    close();
    return write_config("prefix");
  }

  result groups(std::vector<std::string_view> args) {
    args.insert(args.begin(), "groups");
    return run(args, env_);
  }

  std::shared_ptr<fake_cluster_state> cluster_;
  environment env_;
};

TEST_F(test_groups, test_translate_table_shows_both_sides_kind_reread_and_age) {
  const std::string config = prefix_setup();
  const auto r = groups({"translate", "--config", config, "--group", "billing", "--from", "east"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "Group billing: checkpoints from east (flow east->west), translated for west\n"
            "\n"
            "TOPIC@east  PARTITION  FROM  TOPIC@west    TO  KIND   REREAD   AGE\n"
            "orders              0    13  east.orders  103  exact       0  1m5s\n"
            "orders              1     2  east.orders    2  exact       0  1m5s\n"
            "orders              2     3  east.orders    4  empty       ?  1m5s\n"
            "\n"
            "3 partitions; nothing was changed (groups failover commits these offsets).\n");
  EXPECT_TRUE(cluster_->altered.empty());
}

// Issue #10 regression: east.orders/0 on west was deleted and recreated (or truncated) after
// the map was built: it now ends at 50, while the map puts the group's 13 at 103. The failover
// starts at the log start (clamped), never past the end, and says so.
TEST_F(test_groups, test_a_map_past_the_end_of_the_destination_fails_over_from_the_log_start) {
  const std::string config = prefix_setup();
  cluster_->log_ends = {{{"east.orders", 0}, 50}, {{"east.orders", 1}, 3}};
  const auto r = groups({"failover", "--config", config, "--group", "billing", "--from", "east", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = parse_json(r.out);
  ASSERT_TRUE(j) << r.out;
  const json& p = (*j)["partitions"];
  ASSERT_EQ(p.items.size(), 3u);
  EXPECT_EQ(p[0]["to_offset"].num, 0);
  EXPECT_EQ(p[0]["kind"].str, "clamped");
  EXPECT_EQ(p[1]["to_offset"].num, 2);  // within the end: exact as before
  EXPECT_EQ(p[1]["kind"].str, "exact");
  ASSERT_EQ(cluster_->altered.size(), 1u);
  EXPECT_EQ((cluster_->committed["billing"][{"east.orders", 0}]), 0);
}

// Issue #10: a stored checkpoint beyond the end the map knows of east's partition (orders/0:
// copied up to 24, read up to 25) is a group ahead of the copies (the checkpointer checked it
// against east's high watermark; restore keeps only plausible ones): noted in the table and in
// --json, translated and clamped like any other (the end of the copies: no copy skipped, no
// partition re-read from its start).
TEST_F(test_groups, test_a_checkpoint_beyond_the_sources_known_end_is_noted_and_clamped) {
  commit(east_west, "orders", 0, {{{10}, {100}, 5}, {{20}, {110}, 5}}, 25);
  commit(east_west, "orders", 1, {{{0}, {0}, 3}}, 3);
  checkpoint(east_west, "billing", "orders", 0, 5'000'000, 114, k_checkpoint_time);
  checkpoint(east_west, "billing", "orders", 1, 3, 3, k_checkpoint_time);  // at the end: plausible
  close();
  const std::string config = write_config("prefix");
  const auto table = groups({"translate", "--config", config, "--group", "billing", "--from", "east"});
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_TRUE(contains(table.out, "note: orders/0: the checkpoint at 5000000 is beyond the end the offset "
                                  "map knows of that partition on east (25): the group consumed records there "
                                  "that are not known to be copied here\n"))
      << table.out;
  EXPECT_FALSE(contains(table.out, "note: orders/1")) << table.out;

  const auto r = groups({"failover", "--config", config, "--group", "billing", "--from", "east", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = parse_json(r.out);
  ASSERT_TRUE(j) << r.out;
  EXPECT_EQ((*j)["beyond_known_end"].num, 1);
  const json& p = (*j)["partitions"];
  ASSERT_EQ(p.items.size(), 2u);
  EXPECT_EQ(p[0]["from_offset"].num, 5'000'000);
  EXPECT_EQ(p[0]["beyond_known_end"]["known_end"].num, 25);
  EXPECT_EQ(p[0]["to_offset"].num, 115);  // after the last copy (110..114): rounded, as the map ends
  EXPECT_EQ(p[0]["kind"].str, "rounded");
  EXPECT_TRUE(p[1]["beyond_known_end"].is_null());
  EXPECT_EQ(p[1]["to_offset"].num, 3);
  EXPECT_EQ(p[1]["kind"].str, "exact");
  EXPECT_EQ((cluster_->committed["billing"][{"east.orders", 0}]), 115);
  EXPECT_EQ((cluster_->committed["billing"][{"east.orders", 1}]), 3);
}

TEST_F(test_groups, test_translate_json) {
  const std::string config = prefix_setup();
  const auto r = groups({"translate", "--config", config, "--group", "billing", "--from", "east", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = parse_json(r.out);
  ASSERT_TRUE(j) << r.out;
  EXPECT_EQ((*j)["group"].str, "billing");
  EXPECT_EQ((*j)["flow"].str, "east->west");
  const json& p = (*j)["partitions"];
  ASSERT_EQ(p.items.size(), 3u);
  EXPECT_EQ(p[0]["topic"].str, "orders");
  EXPECT_EQ(p[0]["to_topic"].str, "east.orders");
  EXPECT_EQ(p[0]["from_offset"].num, 13);
  EXPECT_EQ(p[0]["to_offset"].num, 103);
  EXPECT_EQ(p[0]["kind"].str, "exact");
  EXPECT_EQ(p[0]["reread"].num, 0);
  EXPECT_EQ(p[0]["checkpoint_time_ms"].num, k_checkpoint_time);
  EXPECT_TRUE(p[0]["error"].is_null());
  EXPECT_EQ(p[2]["kind"].str, "empty");
  EXPECT_EQ(p[2]["to_offset"].num, 4);  // the log start on west
  EXPECT_TRUE(p[2]["reread"].is_null());
  EXPECT_FALSE(p[0].has("action"));
}

TEST_F(test_groups, test_failover_commits_into_an_empty_group_and_never_moves_backwards) {
  const std::string config = prefix_setup();
  cluster_->states["billing"] = engine::group_state::empty;
  cluster_->committed["billing"] = {{{"east.orders", 1}, 5}, {{"east.orders", 2}, 1}};
  const auto r = groups({"failover", "--config", config, "--group", "billing", "--from", "east"});
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(cluster_->altered.size(), 1u);
  const auto& [group, offsets] = cluster_->altered[0];
  EXPECT_EQ(group, "billing");
  ASSERT_EQ(offsets.size(), 2u);
  EXPECT_EQ(offsets[0].topic, "east.orders");
  EXPECT_EQ(offsets[0].partition, 0);
  EXPECT_EQ(offsets[0].offset, 103);
  EXPECT_EQ(offsets[0].leader_epoch, std::nullopt);
  EXPECT_EQ(offsets[0].metadata, "tandem-sync;v1;o=east");  // the peer's checkpointer skips it
  EXPECT_EQ(offsets[1].partition, 2);
  EXPECT_EQ(offsets[1].offset, 4);
  EXPECT_TRUE(contains(r.out, "CURRENT  ACTION")) << r.out;
  EXPECT_TRUE(contains(r.out, "      -  committed")) << r.out;
  EXPECT_TRUE(contains(r.out, "      5  kept, already ahead")) << r.out;
  EXPECT_TRUE(contains(r.out, "Group billing is empty on west. Committed 2, kept 1.\n")) << r.out;

  // Again: everything is where it should be, nothing is committed.
  const auto again = groups({"failover", "--config", config, "--group", "billing", "--from", "east", "--json"});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(cluster_->altered.size(), 1u);
  const auto j = parse_json(again.out);
  ASSERT_TRUE(j) << again.out;
  EXPECT_EQ((*j)["committed"].num, 0);
  EXPECT_EQ((*j)["kept"].num, 3);
  EXPECT_EQ((*j)["group_state"].str, "empty");
  EXPECT_EQ((*j)["partitions"][0]["action"].str, "kept_equal");
  EXPECT_EQ((*j)["partitions"][1]["action"].str, "kept_ahead");
  EXPECT_EQ((*j)["partitions"][1]["current_offset"].num, 5);
}

TEST_F(test_groups, test_failover_into_an_absent_group_commits_everything) {
  const std::string config = prefix_setup();
  cluster_->not_coordinator = 2;  // a fresh cluster: the group coordinator is still loading
  const auto r = groups({"failover", "--config", config, "--group", "billing", "--from", "east", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(cluster_->altered.size(), 1u);
  EXPECT_EQ(cluster_->altered[0].second.size(), 3u);
  const auto j = parse_json(r.out);
  ASSERT_TRUE(j) << r.out;
  EXPECT_EQ((*j)["group_state"].str, "absent");
  EXPECT_EQ((*j)["committed"].num, 3);
  EXPECT_FALSE((*j)["dry_run"].b);
  EXPECT_EQ(cluster_->describes, 3);
}

TEST_F(test_groups, test_failover_refuses_an_active_group_and_commits_nothing) {
  const std::string config = prefix_setup();
  cluster_->states["billing"] = engine::group_state::stable;
  const auto r = groups({"failover", "--config", config, "--group", "billing", "--from", "east"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_TRUE(contains(r.err, "refusing to fail over group \"billing\": it is stable on west (it has members)"))
      << r.err;
  EXPECT_TRUE(contains(r.err, "Nothing was committed.")) << r.err;
  EXPECT_TRUE(cluster_->altered.empty());
}

TEST_F(test_groups, test_dry_run_commits_nothing_and_reports_an_active_group) {
  const std::string config = prefix_setup();
  cluster_->states["billing"] = engine::group_state::preparing_rebalance;
  const auto r = groups({"failover", "--config", config, "--group", "billing", "--from", "east", "--dry-run"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(cluster_->altered.empty());
  EXPECT_TRUE(contains(r.out, "would commit")) << r.out;
  EXPECT_TRUE(contains(r.out, "Dry run: would commit 3, keep 0; nothing was changed.")) << r.out;
  EXPECT_TRUE(contains(r.out, "A failover now would be refused: the group has members on west.")) << r.out;
}

TEST_F(test_groups, test_a_partition_that_cannot_be_translated_blocks_the_whole_failover) {
  const std::string config = prefix_setup();
  cluster_->log_starts.erase({"east.orders", 2});  // the topic lacks a partition on west
  const auto t = groups({"translate", "--config", config, "--group", "billing", "--from", "east"});
  EXPECT_EQ(t.code, 1);
  EXPECT_TRUE(contains(t.out, "error: orders/2: log start of east.orders/2 on west: UNKNOWN_TOPIC_OR_PART")) << t.out;
  EXPECT_TRUE(contains(t.err, "1 of 3 partitions could not be translated")) << t.err;

  const auto f = groups({"failover", "--config", config, "--group", "billing", "--from", "east"});
  EXPECT_EQ(f.code, 1);
  EXPECT_TRUE(contains(f.err, "nothing was committed")) << f.err;
  EXPECT_TRUE(cluster_->altered.empty());
}

TEST_F(test_groups, test_unknown_group_region_and_unreachable_cluster) {
  const std::string config = prefix_setup();
  const auto group = groups({"translate", "--config", config, "--group", "biling", "--from", "east"});
  EXPECT_EQ(group.code, 1);
  EXPECT_TRUE(contains(group.err, "no checkpoint of group \"biling\" from east in the offset store at ")) << group.err;
  EXPECT_TRUE(contains(group.err, "(did you mean \"billing\"?); groups checkpointed from east: billing, shipping"))
      << group.err;

  const auto none = groups({"translate", "--config", config, "--group", "billing", "--from", "central"});
  EXPECT_EQ(none.code, 1);
  EXPECT_TRUE(contains(none.err, "no group from central has been checkpointed yet")) << none.err;

  const auto region = groups({"failover", "--config", config, "--group", "billing", "--from", "esat"});
  EXPECT_EQ(region.code, 2);
  EXPECT_TRUE(contains(region.err, "unknown region \"esat\" (did you mean \"east\"?)")) << region.err;

  const auto missing = groups({"failover", "--config", config, "--from", "east"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_TRUE(contains(missing.err, "missing --group GROUP")) << missing.err;

  cluster_->fail_all = engine::make_kafka_error(engine::kafka_errc::transport, "Connection refused");
  const auto down = groups({"failover", "--config", config, "--group", "billing", "--from", "east"});
  EXPECT_EQ(down.code, 1);
  EXPECT_TRUE(contains(down.err, "cannot describe group \"billing\" on west: _TRANSPORT: Connection refused"))
      << down.err;
}

TEST_F(test_groups, test_identity_naming_reports_both_frontiers) {
  // east's orders/0: records 10..14 copied to west 100..104. West's records 0..4 were copied
  // into east's orders/0 at 5..9 (learned from echoes). A group at 13 on east has consumed
  // west's 0..4 (copies at 5..9 < 13), so west's own records resume at 5; east's copies at 103.
  commit(east_west, "orders", 0, {{{10}, {100}, 5}}, 15);
  commit(west_east, "orders", 0, {{{0}, {5}, 5}});
  // The config's third region central (mesh): its records 0..4 are at east 0..4 (consumed by
  // the group) and at west 95..99, so its frontier on west is 100, above the start.
  commit({"central", "east"}, "orders", 0, {{{0}, {0}, 5}});
  commit({"central", "west"}, "orders", 0, {{{0}, {95}, 5}});
  checkpoint(east_west, "billing", "orders", 0, 13, 103, k_checkpoint_time);
  close();
  cluster_->log_starts = {{{"orders", 0}, 0}};
  const auto r = groups({"translate", "--config", write_config("identity"), "--group", "billing", "--from", "east",
                         "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = parse_json(r.out);
  ASSERT_TRUE(j) << r.out;
  const json& p = (*j)["partitions"][0];
  EXPECT_EQ(p["to_topic"].str, "orders");
  EXPECT_EQ(p["to_offset"].num, 5);
  EXPECT_EQ(p["identity"]["a_term"].num, 103);
  EXPECT_EQ(p["identity"]["a_kind"].str, "exact");
  EXPECT_EQ(p["identity"]["b_term"].num, 5);
  EXPECT_EQ(p["identity"]["c_term"].num, 100);
  EXPECT_EQ(p["identity"]["c_kind"].str, "exact");
  EXPECT_EQ(p["reread"].num, 98);
}

// Failback, prefix naming: west's own `orders` was copied into east's `west.orders` (flow
// west->east, runs learned from east's tandem.offsets); billing failed over to east, consumed
// there, and its checkpoints from east are on `west.orders`. They move back to west's `orders`
// by the inverse lookup:
//   west->east orders/0: src 0..9 -> dst 50..59, src 20..24 -> dst 62..66   (60, 61 unknown)
//   orders/0 at 58 on east: copies 50..57 consumed = west 0..7 → 8, exact
//   orders/0 at 62 (second group): the last known copy below is 59 = west 9 → 10, rounded:
//     62 is west 20, so west 10..19 may be read again (reread 10)
//   orders/1: no runs → west's log start (3)
TEST_F(test_groups, test_failback_moves_a_mirror_checkpoint_back_to_the_upstream_topic) {
  commit(west_east, "orders", 0, {{{0}, {50}, 10}, {{20}, {62}, 5}});
  checkpoint(east_west, "billing", "west.orders", 0, 58, 8, k_checkpoint_time);
  checkpoint(east_west, "billing", "west.orders", 1, 9, 3, k_checkpoint_time);
  checkpoint(east_west, "shipping", "west.orders", 0, 62, 10, k_checkpoint_time);
  close();
  cluster_->log_starts = {{{"orders", 0}, 0}, {{"orders", 1}, 3}};
  const std::string config = write_config("prefix");

  const auto t = groups({"translate", "--config", config, "--group", "billing", "--from", "east"});
  ASSERT_EQ(t.code, 0) << t.err;
  EXPECT_TRUE(contains(t.out, "TOPIC@east   PARTITION  FROM  TOPIC@west  TO  KIND   REREAD   AGE\n"
                              "west.orders          0    58  orders       8  exact       0  1m5s\n"
                              "west.orders          1     9  orders       3  empty       ?  1m5s\n"))
      << t.out;
  const auto rounded = groups({"translate", "--config", config, "--group", "shipping", "--from", "east", "--json"});
  ASSERT_EQ(rounded.code, 0) << rounded.err;
  const auto rj = parse_json(rounded.out);
  ASSERT_TRUE(rj) << rounded.out;
  const json& r0 = (*rj)["partitions"][0];
  EXPECT_EQ(r0["topic"].str, "west.orders");
  EXPECT_EQ(r0["to_topic"].str, "orders");
  EXPECT_EQ(r0["from_offset"].num, 62);
  EXPECT_EQ(r0["to_offset"].num, 10);
  EXPECT_EQ(r0["kind"].str, "rounded");
  EXPECT_EQ(r0["reread"].num, 10);

  // billing consumed west's orders/0 up to 15 before someone committed: kept, never backwards.
  cluster_->states["billing"] = engine::group_state::empty;
  cluster_->committed["billing"] = {{{"orders", 0}, 15}};
  const auto f = groups({"failover", "--config", config, "--group", "billing", "--from", "east", "--json"});
  ASSERT_EQ(f.code, 0) << f.err;
  ASSERT_EQ(cluster_->altered.size(), 1u);
  const auto& [group, offsets] = cluster_->altered[0];
  EXPECT_EQ(group, "billing");
  ASSERT_EQ(offsets.size(), 1u);
  EXPECT_EQ(offsets[0].topic, "orders");
  EXPECT_EQ(offsets[0].partition, 1);
  EXPECT_EQ(offsets[0].offset, 3);
  EXPECT_EQ(offsets[0].metadata, "tandem-sync;v1;o=east");
  const auto j = parse_json(f.out);
  ASSERT_TRUE(j) << f.out;
  EXPECT_EQ((*j)["committed"].num, 1);
  EXPECT_EQ((*j)["kept"].num, 1);
  const json& p0 = (*j)["partitions"][0];
  EXPECT_EQ(p0["to_topic"].str, "orders");
  EXPECT_EQ(p0["to_offset"].num, 8);
  EXPECT_EQ(p0["current_offset"].num, 15);
  EXPECT_EQ(p0["action"].str, "kept_ahead");
  EXPECT_EQ((*j)["partitions"][1]["action"].str, "commit");
}

TEST_F(test_groups, test_help) {
  for (std::string_view sub : {"translate", "failover"}) {
    const auto r = groups({sub, "--help"});
    EXPECT_EQ(r.code, 0);
    const std::string usage = "Usage: tandemctl groups " + std::string(sub) + " --config FILE --group GROUP";
    EXPECT_TRUE(contains(r.out, usage)) << r.out;
    EXPECT_TRUE(contains(r.out, "Exit codes:")) << r.out;
  }
  const auto top = run({"--help"});
  EXPECT_TRUE(contains(top.out, "groups")) << top.out;
  const auto sub = run({"groups"});
  EXPECT_EQ(sub.code, 2);
  EXPECT_TRUE(contains(sub.err, "Usage: tandemctl groups <command>")) << sub.err;
}

}  // namespace
}  // namespace tandem::tools::testing
