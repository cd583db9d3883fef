// offset_journal over a real store: replays keep every copy, a target that went back
// (truncated, or deleted and recreated) invalidates the stale part of the map instead of
// blocking every later commit with a destination conflict (docs/design.md "Safety rules").
#include "engine/state/offset_journal.h"

#include <gtest/gtest.h>

#include "tests/fakes/temp_dir.h"

namespace tandem::engine {
namespace {

using offsets::run;

const offsets::partition_ref k_orders0{{"west", "east"}, "orders", 0};

TEST(offset_journal, a_recreated_target_invalidates_the_stale_runs_and_commits_go_on) {
  tandem::testing::temp_dir dir;
  auto store = open_state(dir.path()).value();
  auto j = make_offset_journal(store, "west", "east", nullptr);
  for (int64_t i = 0; i < 10; ++i) j->delivered("orders", 0, i, i);
  ASSERT_TRUE(j->commit(std::vector<partition_position>{{"orders", 0, 10}}));
  // The target topic was deleted and recreated: the next records land at 0 again.
  for (int64_t i = 10; i < 15; ++i) j->delivered("orders", 0, i, i - 10);
  auto ok = j->commit(std::vector<partition_position>{{"orders", 0, 15}});
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_EQ(store->runs(k_orders0).value(), (std::vector<run>{{{10}, {0}, 5}}));
  EXPECT_EQ(store->resume_position(k_orders0).value()->v, 15);
  // A group at 5 on the source: its records' copies are gone; it resumes at the first copy
  // the map knows (re-reads), never at the stale 5.
  auto t = store->translate_to_target(k_orders0, {5}).value();
  EXPECT_EQ(t.offset.v, 0);
  // And the map keeps learning.
  j->delivered("orders", 0, 15, 5);
  ASSERT_TRUE(j->commit(std::vector<partition_position>{{"orders", 0, 16}}));
  EXPECT_EQ(store->runs(k_orders0).value(), (std::vector<run>{{{10}, {0}, 5}, {{15}, {5}, 1}}));
}

TEST(offset_journal, a_truncated_target_keeps_the_runs_below_the_truncation) {
  tandem::testing::temp_dir dir;
  auto store = open_state(dir.path()).value();
  auto j = make_offset_journal(store, "west", "east", nullptr);
  for (int64_t i = 0; i < 10; ++i) j->delivered("orders", 0, i, 100 + i);
  ASSERT_TRUE(j->commit(std::vector<partition_position>{{"orders", 0, 10}}));
  for (int64_t i = 10; i < 12; ++i) j->delivered("orders", 0, i, 106 + (i - 10));
  ASSERT_TRUE(j->commit(std::vector<partition_position>{{"orders", 0, 12}}));
  EXPECT_EQ(store->runs(k_orders0).value(),
            (std::vector<run>{{{0}, {100}, 6}, {{10}, {106}, 2}}));
}

// Issue #10 "Out of range": the source log ended below the flow's position (truncated at 6,
// or recreated and read again from 0). The runs of source offsets from there describe records
// that no longer exist: they are invalidated before the new log's runs are added.
TEST(offset_journal, a_source_that_went_back_invalidates_its_runs_from_there) {
  tandem::testing::temp_dir dir;
  auto store = open_state(dir.path()).value();
  auto j = make_offset_journal(store, "west", "east", nullptr);
  for (int64_t i = 0; i < 10; ++i) j->delivered("orders", 0, i, 100 + i);
  ASSERT_TRUE(j->commit(std::vector<partition_position>{{"orders", 0, 10}}));
  j->source_went_back("orders", 0, 6);  // truncated: records [6, 10) are gone
  ASSERT_TRUE(j->commit(std::vector<partition_position>{{"orders", 0, 6}}));
  EXPECT_EQ(store->runs(k_orders0).value(), (std::vector<run>{{{0}, {100}, 6}}));
  j->source_went_back("orders", 0, 0);  // recreated: a new log from 0
  for (int64_t i = 0; i < 3; ++i) j->delivered("orders", 0, i, 110 + i);
  auto ok = j->commit(std::vector<partition_position>{{"orders", 0, 3}});
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_EQ(store->runs(k_orders0).value(), (std::vector<run>{{{0}, {110}, 3}}));
  EXPECT_EQ(store->resume_position(k_orders0).value()->v, 3);
}

TEST(offset_journal, a_replay_keeps_both_copies) {
  tandem::testing::temp_dir dir;
  auto store = open_state(dir.path()).value();
  auto j = make_offset_journal(store, "west", "east", nullptr);
  for (int64_t i = 0; i < 5; ++i) j->delivered("orders", 0, i, i);
  // The flow restarted from source 2 after a failed delivery; the copies land after the first.
  for (int64_t i = 2; i < 5; ++i) j->delivered("orders", 0, i, 3 + i);
  ASSERT_TRUE(j->commit(std::vector<partition_position>{{"orders", 0, 5}}));
  EXPECT_EQ(store->runs(k_orders0).value(),
            (std::vector<run>{{{0}, {0}, 2}, {{2}, {2}, 3}, {{2}, {5}, 3}}));
  // The earliest copy counts: a group at 3 resumes at 3 (not 6).
  EXPECT_EQ(store->translate_to_target(k_orders0, {3}).value().offset.v, 3);
}

TEST(offset_journal, trims_its_own_runs_below_the_source_log_start) {
  tandem::testing::temp_dir dir;
  auto store = open_state(dir.path()).value();
  auto j = make_offset_journal(store, "west", "east", nullptr);
  for (int64_t i = 0; i < 10; ++i) j->delivered("orders", 0, i, 100 + i);
  j->echo("orders", 0, 50, "orders", 2);  // a peer run: not the own flow's, never trimmed here
  ASSERT_TRUE(j->commit(std::vector<partition_position>{{"orders", 0, 10}}));
  j->trim_below("orders", 0, 4);
  EXPECT_EQ(store->runs(k_orders0).value(), (std::vector<run>{{{4}, {104}, 6}}));
  EXPECT_EQ(store->runs({{"east", "west"}, "orders", 0}).value().size(), 1u);
}

// Issue #10 regression: runs learned from echoes are claims of the records carrying them. One
// that conflicts with the map (a crafted or copied header) is dropped; the flow's own positions
// and runs are committed all the same, and the other peer partitions too.
TEST(offset_journal, a_conflicting_learned_run_never_fails_the_commit_of_the_flows_own) {
  tandem::testing::temp_dir dir;
  auto store = open_state(dir.path()).value();
  const offsets::partition_ref peer0{{"east", "west"}, "orders", 0};
  const offsets::partition_ref peer1{{"east", "west"}, "orders", 1};
  // The peer direction already maps east 0..4 to west 0..4.
  std::vector<offsets::partition_batch> known{{peer0, {{{0}, {0}, 5}}, std::nullopt}};
  ASSERT_TRUE(store->commit_batch(known));
  auto j = make_offset_journal(store, "west", "east", nullptr);
  for (int64_t i = 0; i < 3; ++i) j->delivered("orders", 0, i, i);
  j->echo("orders", 0, 2, "orders", 7);  // claims west 2 is east 7's copy: west 2 is east 2's
  j->echo("orders", 1, 0, "orders", 0);  // another partition, consistent
  auto ok = j->commit(std::vector<partition_position>{{"orders", 0, 3}});
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_EQ(store->runs(k_orders0).value(), (std::vector<run>{{{0}, {0}, 3}}));
  EXPECT_EQ(store->resume_position(k_orders0).value()->v, 3);
  EXPECT_EQ(store->runs(peer0).value(), (std::vector<run>{{{0}, {0}, 5}}));
  EXPECT_EQ(store->runs(peer1).value(), (std::vector<run>{{{0}, {0}, 1}}));
  // And the next commits go on.
  j->delivered("orders", 0, 3, 3);
  ASSERT_TRUE(j->commit(std::vector<partition_position>{{"orders", 0, 4}}));
  EXPECT_EQ(store->resume_position(k_orders0).value()->v, 4);
}

// Issue #10 regression (identity naming, a topic recreated in one region): the peer's copies of
// its records in our source partition start again at offset 0. The runs learned from the old
// log are invalidated from there, the new copies are learned, and commits go on.
TEST(offset_journal, learned_runs_follow_a_source_partition_that_went_back) {
  tandem::testing::temp_dir dir;
  auto store = open_state(dir.path()).value();
  const offsets::partition_ref peer0{{"east", "west"}, "orders", 0};
  auto j = make_offset_journal(store, "west", "east", nullptr);
  for (int64_t i = 0; i < 10; ++i) j->echo("orders", 0, i, "orders", 100 + i);
  ASSERT_TRUE(j->commit(std::vector<partition_position>{}));
  EXPECT_EQ(store->runs(peer0).value(), (std::vector<run>{{{100}, {0}, 10}}));
  // west's orders was deleted and recreated: east's next copies land at 0 again.
  for (int64_t i = 0; i < 4; ++i) j->echo("orders", 0, i, "orders", 110 + i);
  j->delivered("orders", 0, 0, 0);
  auto ok = j->commit(std::vector<partition_position>{{"orders", 0, 1}});
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_EQ(store->runs(peer0).value(), (std::vector<run>{{{110}, {0}, 4}}));
  EXPECT_EQ(store->resume_position(k_orders0).value()->v, 1);
}

// Identity naming, the source topic recreated (a new incarnation seen by the flow): the peer's
// copies in the old log are gone with it, even when no new echo shows it yet (the learned runs
// were committed by an earlier process).
TEST(offset_journal, the_peers_copies_go_with_a_recreated_source_partition) {
  tandem::testing::temp_dir dir;
  auto store = open_state(dir.path()).value();
  const offsets::partition_ref peer0{{"east", "west"}, "orders", 0};
  const offsets::partition_ref peer1{{"east", "west"}, "orders", 1};
  auto j = make_offset_journal(store, "west", "east", nullptr);
  for (int64_t i = 0; i < 10; ++i) j->echo("orders", 0, i, "orders", 100 + i);
  j->echo("orders", 1, 3, "orders", 7);
  ASSERT_TRUE(j->commit(std::vector<partition_position>{}));
  j->peer_copies_gone("orders", 0, 0);
  j->source_went_back("orders", 0, 0);
  ASSERT_TRUE(j->commit(std::vector<partition_position>{{"orders", 0, 0}}));
  EXPECT_TRUE(store->runs(peer0).value().empty());
  EXPECT_EQ(store->runs(peer1).value(), (std::vector<run>{{{7}, {3}, 1}})) << "other partitions stay";
}

// Issue #10 regression: the target was deleted and recreated (or truncated) while tandem was
// stopped. At restart the flow asks where the target partition ends; the map's copies beyond it
// are invalidated and the source offset to copy again from is returned.
TEST(offset_journal, a_target_that_lost_copies_while_stopped_is_copied_again_from_the_first_lost) {
  tandem::testing::temp_dir dir;
  auto store = open_state(dir.path()).value();
  auto j = make_offset_journal(store, "west", "east", nullptr);
  for (int64_t i = 0; i < 10; ++i) j->delivered("orders", 0, 100 + i, i);
  ASSERT_TRUE(j->commit(std::vector<partition_position>{{"orders", 0, 110}}));
  EXPECT_EQ(j->target_ends_at("orders", 0, 10), std::nullopt);  // every copy is there
  EXPECT_EQ(j->target_ends_at("orders", 0, 6), 106);             // truncated: 6..9 are gone
  EXPECT_EQ(j->target_ends_at("orders", 0, 0), offset_beginning);  // recreated: all gone
  ASSERT_TRUE(j->commit(std::vector<partition_position>{{"orders", 0, 110}}));
  EXPECT_TRUE(store->runs(k_orders0).value().empty());
  EXPECT_EQ(j->target_ends_at("orders", 0, 0), std::nullopt);
}

}  // namespace
}  // namespace tandem::engine
