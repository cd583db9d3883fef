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

}  // namespace
}  // namespace tandem::engine
