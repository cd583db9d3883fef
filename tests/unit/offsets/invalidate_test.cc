// Invalidating runs after a truncated or recreated partition (docs/design.md "Safety rules"): the
// plans (canonical.h) and the store's invalidate, which must leave lookups that never point
// past what the partition still holds.
#include <gtest/gtest.h>

#include "offsets/canonical.h"
#include "offsets/store.h"
#include "tests/fakes/temp_dir.h"

namespace tandem::offsets {
namespace {

using tandem::testing::temp_dir;

TEST(plan_invalidate_source, erases_from_the_offset_and_cuts_every_copy_of_a_straddling_group) {
  // 0..9 copied twice (replay), 10..14 once.
  const std::vector<run> all{{{0}, {100}, 10}, {{0}, {300}, 10}, {{10}, {110}, 5}};
  auto plan = plan_invalidate_source(all, {4});
  EXPECT_EQ(plan.erase, all);
  EXPECT_EQ(plan.put, (std::vector<run>{{{0}, {100}, 4}, {{0}, {300}, 4}}));
}

TEST(plan_invalidate_source, nothing_at_or_above_the_offset_changes_nothing) {
  const std::vector<run> all{{{0}, {100}, 10}};
  auto plan = plan_invalidate_source(all, {10});
  EXPECT_TRUE(plan.erase.empty());
  EXPECT_TRUE(plan.put.empty());
}

TEST(plan_invalidate_destination, cutting_one_copy_splits_the_others_to_stay_canonical) {
  // Source 0..9 landed at 100..109 and again at 300..309; the target was truncated at 304.
  const std::vector<run> all{{{0}, {100}, 10}, {{0}, {300}, 10}, {{10}, {310}, 5}};
  auto plan = plan_invalidate_destination(all, {304});
  EXPECT_EQ(plan.erase, all);
  EXPECT_EQ(plan.put, (std::vector<run>{{{0}, {100}, 4}, {{0}, {300}, 4}, {{4}, {104}, 6}}));
}

TEST(plan_invalidate_destination, a_recreated_target_forgets_everything) {
  const std::vector<run> all{{{0}, {0}, 10}, {{10}, {12}, 5}};
  auto plan = plan_invalidate_destination(all, {0});
  EXPECT_EQ(plan.erase, all);
  EXPECT_TRUE(plan.put.empty());
}

TEST(offset_store_invalidate, a_recreated_target_accepts_new_runs_at_reused_offsets) {
  temp_dir dir;
  auto store = offset_store::open(dir.path()).value();
  const partition_ref p{{"west", "east"}, "orders", 0};
  partition_batch first{p, {{{0}, {0}, 1000}}, source_offset{1000}};
  ASSERT_TRUE(store.commit_batch({&first, 1}));
  // The target was deleted and recreated: source 1000.. now lands at 0.. again.
  partition_batch again{p, {{{1000}, {0}, 50}}, source_offset{1050}};
  auto conflict = store.commit_batch({&again, 1});
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().code, errc::destination_conflict);

  auto gone = store.invalidate(p, offset_store::side::destination, 0).value();
  EXPECT_EQ(gone.erase, (std::vector<run>{{{0}, {0}, 1000}}));
  EXPECT_TRUE(gone.put.empty());
  ASSERT_TRUE(store.commit_batch({&again, 1}));
  EXPECT_EQ(store.runs(p).value(), (std::vector<run>{{{1000}, {0}, 50}}));
  // A group at 500 on the source: nothing recorded below it any more -> the first copy (a
  // re-read), never the stale 500.
  auto t = store.translate_to_target(p, {500}).value();
  EXPECT_EQ(t.kind, translation::below_coverage);
  EXPECT_EQ(t.offset.v, 0);
  EXPECT_EQ(store.translate_to_target(p, {1010}).value().offset.v, 10);
}

TEST(offset_store_invalidate, a_truncated_source_keeps_what_lies_below_and_survives_reopen) {
  temp_dir dir;
  const partition_ref p{{"west", "east"}, "orders", 2};
  {
    auto store = offset_store::open(dir.path()).value();
    partition_batch b{p, {{{0}, {0}, 100}, {{100}, {120}, 100}}, source_offset{200}};
    ASSERT_TRUE(store.commit_batch({&b, 1}));
    auto cut = store.invalidate(p, offset_store::side::source, 150).value();
    // A cut at the end keeps its key with a new length: erased and written.
    EXPECT_EQ(cut.erase, (std::vector<run>{{{100}, {120}, 100}}));
    EXPECT_EQ(cut.put, (std::vector<run>{{{100}, {120}, 50}}));
    // The source now holds other records from 150 on; their copies follow at 170..
    partition_batch c{p, {{{150}, {220}, 10}}, source_offset{160}};
    ASSERT_TRUE(store.commit_batch({&c, 1}));
  }
  auto store = offset_store::open(dir.path()).value();
  EXPECT_EQ(store.runs(p).value(),
            (std::vector<run>{{{0}, {0}, 100}, {{100}, {120}, 50}, {{150}, {220}, 10}}));
  EXPECT_EQ(store.translate_to_target(p, {155}).value().offset.v, 225);
}

// Issue #10 deliverable 2: the store reports what it changed, so that tandem.offsets can follow.
// Cutting one copy of a group splits the others: their old keys go, the pieces are new keys.
TEST(offset_store_invalidate, reports_a_split_as_erased_runs_and_the_pieces_written) {
  temp_dir dir;
  auto store = offset_store::open(dir.path()).value();
  const partition_ref p{{"west", "east"}, "orders", 0};
  partition_batch b{p, {{{10}, {100}, 10}, {{10}, {300}, 10}}, std::nullopt};
  std::vector<map_change> committed;
  ASSERT_TRUE(store.commit_batch({&b, 1}, &committed));
  ASSERT_EQ(committed.size(), 1u);
  EXPECT_TRUE(committed[0].erase.empty());
  EXPECT_EQ(committed[0].put, b.runs);
  auto change = store.invalidate(p, offset_store::side::destination, 305).value();
  EXPECT_EQ(change.erase, (std::vector<run>{{{10}, {100}, 10}, {{10}, {300}, 10}}));
  EXPECT_EQ(change.put,
            (std::vector<run>{{{10}, {100}, 5}, {{10}, {300}, 5}, {{15}, {105}, 5}}));
  EXPECT_EQ(store.runs(p).value(), change.put);
}

// A commit that meets stored copies reports the pieces the store now holds, not the runs given.
TEST(offset_store, commit_batch_reports_the_split_it_made) {
  temp_dir dir;
  auto store = offset_store::open(dir.path()).value();
  const partition_ref p{{"west", "east"}, "orders", 0};
  partition_batch first{p, {{{0}, {0}, 5}}, std::nullopt};
  partition_batch replay{p, {{{2}, {5}, 3}}, std::nullopt};
  partition_batch resume_only{p, {}, source_offset{5}};
  ASSERT_TRUE(store.commit_batch({&first, 1}));
  std::vector<map_change> changes;
  std::vector<partition_batch> both{replay};
  ASSERT_TRUE(store.commit_batch(both, &changes));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].erase, (std::vector<run>{{{0}, {0}, 5}}));
  EXPECT_EQ(changes[0].put, (std::vector<run>{{{0}, {0}, 2}, {{2}, {2}, 3}, {{2}, {5}, 3}}));
  ASSERT_TRUE(store.commit_batch({&resume_only, 1}, &changes));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_TRUE(changes[0].erase.empty() && changes[0].put.empty());
}

// replace_runs: erase by key (whatever the stored length), add, in one write; a conflict with
// what remains writes nothing.
TEST(offset_store, replace_runs_erases_keys_then_adds_and_is_all_or_nothing) {
  temp_dir dir;
  auto store = offset_store::open(dir.path()).value();
  const partition_ref p{{"west", "east"}, "orders", 0};
  partition_batch b{p, {{{0}, {0}, 10}, {{20}, {10}, 5}}, std::nullopt};
  ASSERT_TRUE(store.commit_batch({&b, 1}));
  // A newer run at target 0..4 conflicts with (0 -> 0, 10) unless that one is erased.
  const std::vector<run> newer{{{100}, {0}, 5}};
  auto refused = store.replace_runs(p, {}, newer);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, errc::destination_conflict);
  EXPECT_EQ(store.runs(p).value(), b.runs);
  // The key alone names the run to erase (length 0 here); unknown keys are ignored.
  const std::vector<run> keys{{{0}, {0}, 0}, {{7}, {7}, 0}};
  auto change = store.replace_runs(p, keys, newer).value();
  EXPECT_EQ(change.erase, (std::vector<run>{{{0}, {0}, 10}}));
  EXPECT_EQ(change.put, newer);
  EXPECT_EQ(store.runs(p).value(), (std::vector<run>{{{20}, {10}, 5}, {{100}, {0}, 5}}));
  // A known key with another length: replaced.
  const std::vector<run> shorter{{{20}, {10}, 2}};
  change = store.replace_runs(p, shorter, shorter).value();
  EXPECT_EQ(change.erase, (std::vector<run>{{{20}, {10}, 5}}));
  EXPECT_EQ(change.put, shorter);
  EXPECT_EQ(store.runs(p).value(), (std::vector<run>{{{20}, {10}, 2}, {{100}, {0}, 5}}));
  // Later commits still see the right frontier (the partition's frontier was recomputed).
  partition_batch next{p, {{{22}, {12}, 1}}, std::nullopt};
  ASSERT_TRUE(store.commit_batch({&next, 1}));
  EXPECT_EQ(store.translate_to_target(p, {23}).value().offset.v, 13);
}

TEST(offset_store_invalidate, rejects_a_negative_offset_and_a_read_only_store) {
  temp_dir dir;
  const partition_ref p{{"west", "east"}, "orders", 0};
  {
    auto store = offset_store::open(dir.path()).value();
    EXPECT_EQ(store.invalidate(p, offset_store::side::source, -1).error().code,
              errc::invalid_argument);
  }
  open_options ro;
  ro.mode = open_options::access::read_only;
  auto store = offset_store::open(dir.path(), ro).value();
  EXPECT_EQ(store.invalidate(p, offset_store::side::source, 0).error().code, errc::read_only);
}

}  // namespace
}  // namespace tandem::offsets
