// offset_store: what the DB path adds to the shared rules (translate_test, replay_test run on it
// too): key-prefix isolation, persistence, atomic commits, checkpoints, stats.
#include "offsets/store.h"

#include <gtest/gtest.h>

#include "tests/fakes/temp_dir.h"

namespace tandem::offsets {
namespace {

using tandem::testing::temp_dir;

const flow_id west_east{"west", "east"};

std::expected<void, error> commit(offset_store& s, const partition_ref& p, std::vector<run> runs,
                                  std::optional<source_offset> resume = {}) {
  partition_batch b{p, std::move(runs), resume};
  return s.commit_batch({&b, 1});
}

// Regression guard for the RocksDB SeekForPrev trap (docs/toolchain.md): when a partition has no key
// at or below the target, SeekForPrev lands on the last key of whatever sorts before it. Each
// `before` sorts right before `after` in key order and covers everything; `after` starts at 500.
TEST(offset_store, lookups_never_answer_from_the_neighbour_before_in_key_order) {
  struct neighbours {
    const char* what;
    partition_ref before, after;
  };
  const neighbours cases[] = {
    {"partitions", {west_east, "orders", 2}, {west_east, "orders", 3}},
    {"topics", {west_east, "orders", 3}, {west_east, "orders2", 0}},
    {"flows", {{"west", "east"}, "orders", 3}, {{"west", "east2"}, "orders", 0}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    temp_dir dir;
    auto store = offset_store::open(dir.path()).value();
    ASSERT_TRUE(commit(store, c.before, {{{0}, {0}, 10'000}}));
    EXPECT_EQ(store.lookup_by_source(c.after, {100}).value(), std::nullopt);
    EXPECT_EQ(store.lookup_by_destination(c.after, {100}).value(), std::nullopt);
    EXPECT_EQ(store.translate_to_target(c.after, {100})->kind, translation::empty);

    ASSERT_TRUE(commit(store, c.after, {{{500}, {5000}, 10}}));
    EXPECT_EQ(store.lookup_by_source(c.after, {100}).value(), std::nullopt);
    EXPECT_EQ(store.lookup_by_destination(c.after, {100}).value(), std::nullopt);
    auto t = store.translate_to_target(c.after, {100}).value();
    EXPECT_EQ(t.kind, translation::below_coverage);
    EXPECT_EQ(t.offset.v, 5000);
    auto s = store.translate_to_source(c.after, {100}).value();
    EXPECT_EQ(s.kind, translation::below_coverage);
    EXPECT_EQ(s.offset.v, 500);
    EXPECT_EQ(store.runs(c.after).value(), (std::vector<run>{{{500}, {5000}, 10}}));
  }
}

TEST(offset_store, runs_resume_positions_and_checkpoints_survive_close_and_reopen) {
  temp_dir dir;
  const partition_ref p{west_east, "orders", 3};
  const checkpoint c{"billing", "orders", 3, {12}, {102}, 1'700'000'000'000};
  {
    auto store = offset_store::open(dir.path()).value();
    ASSERT_TRUE(commit(store, p, {{{10}, {100}, 5}, {{20}, {105}, 5}}, source_offset{25}));
    ASSERT_TRUE(store.put_checkpoint(west_east, c));
  }
  auto store = offset_store::open(dir.path()).value();
  EXPECT_EQ(store.runs(p).value(), (std::vector<run>{{{10}, {100}, 5}, {{20}, {105}, 5}}));
  EXPECT_EQ(store.resume_position(p).value(), source_offset{25});
  EXPECT_EQ(store.translate_to_target(p, {22})->offset.v, 107);
  EXPECT_EQ(store.get_checkpoints(west_east, "billing").value(), std::vector<checkpoint>{c});
}

// A commit skips reading its neighbourhood when its runs start beyond everything stored; after a
// reopen that frontier comes from the store, so a replay still meets the runs it overlaps.
TEST(offset_store, a_replay_after_reopen_still_meets_the_stored_runs) {
  temp_dir dir;
  const partition_ref p{west_east, "orders", 3};
  {
    auto store = offset_store::open(dir.path()).value();
    ASSERT_TRUE(commit(store, p, {{{10}, {100}, 10}}, source_offset{20}));
  }
  auto store = offset_store::open(dir.path()).value();
  ASSERT_TRUE(commit(store, p, {{{15}, {250}, 4}}));
  EXPECT_EQ(store.runs(p).value(), (std::vector<run>{{{10}, {100}, 5},
                                                     {{15}, {105}, 4},
                                                     {{15}, {250}, 4},
                                                     {{19}, {109}, 1}}));
  EXPECT_EQ(store.translate_to_target(p, {17})->offset.v, 107);
  auto conflict = commit(store, p, {{{50}, {108}, 1}});
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().code, errc::destination_conflict);
}

// Runs and resume positions of a batch land together or not at all: here the second partition
// conflicts, so the first partition's runs and resume position are not written either.
TEST(offset_store, a_batch_is_written_whole_or_not_at_all) {
  temp_dir dir;
  auto store = offset_store::open(dir.path()).value();
  const partition_ref p0{west_east, "orders", 0}, p1{west_east, "orders", 1};
  ASSERT_TRUE(commit(store, p1, {{{0}, {0}, 10}}, source_offset{10}));
  std::vector<partition_batch> batch{{p0, {{{0}, {0}, 5}}, source_offset{5}},
                                     {p1, {{{50}, {3}, 2}}, source_offset{52}}};
  auto res = store.commit_batch(batch);
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code, errc::destination_conflict);
  EXPECT_NE(res.error().message.find("west->east orders/1"), std::string::npos);
  EXPECT_EQ(store.runs(p0).value(), std::vector<run>{});
  EXPECT_EQ(store.resume_position(p0).value(), std::nullopt);
  EXPECT_EQ(store.resume_position(p1).value(), source_offset{10});

  batch[1].runs = {{{10}, {10}, 42}};
  ASSERT_TRUE(store.commit_batch(batch));
  EXPECT_EQ(store.resume_position(p0).value(), source_offset{5});
  EXPECT_EQ(store.resume_position(p1).value(), source_offset{52});
}

TEST(offset_store, a_resume_position_can_be_committed_without_runs) {
  temp_dir dir;
  auto store = offset_store::open(dir.path()).value();
  const partition_ref p{west_east, "orders", 0};
  ASSERT_TRUE(commit(store, p, {}, source_offset{77}));  // e.g. a batch of echoes only
  EXPECT_EQ(store.resume_position(p).value(), source_offset{77});
  EXPECT_EQ(store.runs(p).value(), std::vector<run>{});
}

TEST(offset_store, commit_rejects_bad_input_before_writing_anything) {
  temp_dir dir;
  auto store = offset_store::open(dir.path()).value();
  const partition_ref p{west_east, "orders", 0};
  const std::vector<std::vector<partition_batch>> bad{
      {{p, {}, {}}, {p, {}, {}}},                                    // listed twice
      {{{west_east, "orders", -1}, {}, {}}},                         // negative partition
      {{{west_east, "", 0}, {}, {}}},                                // no topic
      {{{{"", "east"}, "orders", 0}, {}, {}}},                       // no source region
      {{p, {}, source_offset{-1}}},                                  // negative resume
      {{p, {{{1}, {1}, 0}}, {}}},                                    // empty run
      {{p, {{{0}, {0}, 1}}, {}}, {{west_east, std::string("t\0x", 3), 0}, {}, {}}},  // NUL
  };
  for (const auto& batch : bad) {
    auto res = store.commit_batch(batch);
    ASSERT_FALSE(res);
    EXPECT_EQ(res.error().code, errc::invalid_argument) << res.error().message;
  }
  EXPECT_EQ(store.stats()->keys, 1);  // the format key only
}

TEST(offset_store, checkpoints_are_replaced_and_listed_per_group) {
  temp_dir dir;
  auto store = offset_store::open(dir.path()).value();
  const checkpoint g0{"g", "orders", 0, {10}, {100}, 1};
  const checkpoint g1{"g", "orders", 1, {20}, {200}, 1};
  const checkpoint g2{"g2", "orders", 0, {30}, {300}, 1};  // sorts right after group "g"
  for (const auto& c : {g0, g1, g2}) ASSERT_TRUE(store.put_checkpoint(west_east, c));
  checkpoint moved = g1;
  moved.source = {25};
  moved.target = {205};
  moved.time_ms = 2;
  ASSERT_TRUE(store.put_checkpoint(west_east, moved));
  EXPECT_EQ(store.get_checkpoints(west_east, "g").value(), (std::vector<checkpoint>{g0, moved}));
  EXPECT_EQ(store.get_checkpoints(west_east, "").value(),
            (std::vector<checkpoint>{g0, moved, g2}));
  EXPECT_EQ(store.get_checkpoints({"east", "west"}, "g").value(), std::vector<checkpoint>{});
  EXPECT_EQ(store.put_checkpoint(west_east, {"", "orders", 0, {}, {}, 0}).error().code,
            errc::invalid_argument);
}

TEST(offset_store, stats_count_runs_per_partition_and_keys) {
  temp_dir dir;
  auto store = offset_store::open(dir.path()).value();
  const partition_ref p0{west_east, "orders", 0}, p1{{"east", "west"}, "orders", 1};
  ASSERT_TRUE(commit(store, p0, {{{0}, {0}, 5}, {{10}, {5}, 5}}, source_offset{15}));
  ASSERT_TRUE(commit(store, p1, {{{0}, {7}, 3}}));
  ASSERT_TRUE(store.put_checkpoint(west_east, {"g", "orders", 0, {3}, {3}, 1}));
  auto st = store.stats().value();
  ASSERT_EQ(st.partitions.size(), 2u);
  EXPECT_EQ(st.partitions[0].partition, p1);  // "east->west" sorts before "west->east"
  EXPECT_EQ(st.partitions[0].runs, 1);
  EXPECT_EQ(st.partitions[0].copied_records, 3);
  EXPECT_EQ(st.partitions[0].resume, std::nullopt);
  EXPECT_EQ(st.partitions[1].partition, p0);
  EXPECT_EQ(st.partitions[1].runs, 2);
  EXPECT_EQ(st.partitions[1].copied_records, 10);
  EXPECT_EQ(st.partitions[1].resume, source_offset{15});
  EXPECT_EQ(st.keys, 1 + 2 * 3 + 1 + 1);  // format, runs (S and D), resume, checkpoint
  EXPECT_EQ(st.checkpoints, 1);
  EXPECT_GT(st.dir_bytes, 0u);
}

TEST(offset_store, run_count_follows_commits_trims_and_invalidations) {
  temp_dir dir;
  auto store = offset_store::open(dir.path()).value();
  const flow_id east_west{"east", "west"};
  const partition_ref p0{west_east, "orders", 0}, p1{west_east, "orders", 1},
      q{east_west, "orders", 0};
  auto scanned = [&](const flow_id& f) { return runs_per_flow(store.stats().value())[f]; };
  ASSERT_TRUE(commit(store, p0, {{{0}, {0}, 5}, {{10}, {5}, 5}}));
  EXPECT_EQ(store.run_count(west_east).value(), 2);  // counted from stats() on first use
  EXPECT_EQ(store.run_count(east_west).value(), 0);
  ASSERT_TRUE(commit(store, p1, {{{0}, {0}, 10}}));
  ASSERT_TRUE(commit(store, p0, {{{15}, {10}, 5}}));  // extends the last run: merged
  ASSERT_TRUE(commit(store, q, {{{0}, {7}, 3}}));
  EXPECT_EQ(store.run_count(west_east).value(), scanned(west_east));
  EXPECT_EQ(store.run_count(east_west).value(), 1);
  ASSERT_TRUE(store.trim_below(p0, {12}));  // erases one run, cuts another
  EXPECT_EQ(store.run_count(west_east).value(), scanned(west_east));
  ASSERT_TRUE(store.invalidate(p1, offset_store::side::source, 4));
  ASSERT_TRUE(store.invalidate(p0, offset_store::side::destination, 0));
  EXPECT_EQ(store.run_count(west_east).value(), scanned(west_east));
  EXPECT_EQ(store.run_count(west_east).value(), 1);  // p1's first 4 records only
  EXPECT_EQ(store.run_count(east_west).value(), 1);
}

TEST(offset_store, trim_below_only_touches_its_partition) {
  temp_dir dir;
  auto store = offset_store::open(dir.path()).value();
  const partition_ref p0{west_east, "orders", 0}, p1{west_east, "orders", 1};
  ASSERT_TRUE(commit(store, p0, {{{0}, {0}, 10}}));
  ASSERT_TRUE(commit(store, p1, {{{0}, {0}, 10}}));
  auto cut = store.trim_below(p1, {4}).value();  // a head cut: a new key in place of the old
  EXPECT_EQ(cut.erase, (std::vector<run>{{{0}, {0}, 10}}));
  EXPECT_EQ(cut.put, (std::vector<run>{{{4}, {4}, 6}}));
  EXPECT_EQ(store.runs(p0).value(), (std::vector<run>{{{0}, {0}, 10}}));
  EXPECT_EQ(store.runs(p1).value(), (std::vector<run>{{{4}, {4}, 6}}));
  EXPECT_EQ(store.lookup_by_destination(p1, {3}).value(), std::nullopt);
}

}  // namespace
}  // namespace tandem::offsets
