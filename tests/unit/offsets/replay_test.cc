// Copies of the same source records (replays after a crash, maps rebuilt from origin headers),
// destination conflicts and trimming, on every backend (backends.h).
#include <gtest/gtest.h>

#include "backends.h"

namespace tandem::offsets {
namespace {

using testing::make_backend;

class replay_test : public ::testing::TestWithParam<const char*> {};

// A replay re-wrote 10..14 after a crash; both copies stay:
//
//   source          10  11  12  13  14
//   target copy 1  100 101 102 103 104
//   target copy 2  250 251 252 253 254
TEST_P(replay_test, a_replay_with_the_same_src_start_keeps_both_copies) {
  auto b = make_backend(GetParam());
  ASSERT_TRUE(b->insert({{{10}, {100}, 5}}));
  ASSERT_TRUE(b->insert({{{10}, {250}, 5}}));
  EXPECT_EQ(b->runs(), (std::vector<run>{{{10}, {100}, 5}, {{10}, {250}, 5}}));
}

TEST_P(replay_test, translate_to_target_uses_the_earliest_copy) {
  auto b = make_backend(GetParam());
  ASSERT_TRUE(b->insert({{{10}, {250}, 5}, {{10}, {100}, 5}}));  // any insertion order
  EXPECT_EQ(b->to_target(13).offset.v, 103);  // record 12 at 102 (and 252): 102 + 1
  EXPECT_EQ(b->to_target(15).offset.v, 105);
  EXPECT_EQ(b->to_target(10).offset.v, 100);  // below coverage: the earliest copy in the target
}

TEST_P(replay_test, translate_to_source_finds_either_copy) {
  auto b = make_backend(GetParam());
  ASSERT_TRUE(b->insert({{{10}, {100}, 5}, {{10}, {250}, 5}}));
  EXPECT_EQ(b->to_source(103).offset.v, 13);  // consumed 100..102 = records 10..12
  EXPECT_EQ(b->to_source(252).offset.v, 12);  // consumed the replay up to 251 = record 11
  EXPECT_EQ(b->to_source(200).offset.v, 15);  // between the copies: consumed all of copy 1
}

// A replay that starts inside an earlier run and dies again (learned from the target log):
//
//   source         10 .. 14 | 15 .. 18 | 19
//   target copy 1  100..104 | 105..108 | 109
//   target copy 2           | 250..253 |
//
// X = 17: record 16 is at 106 and 251; 252 would skip 19 (only at 109): the answer is 107.
TEST_P(replay_test, a_replay_starting_inside_a_run_never_hides_the_longer_copy) {
  auto b = make_backend(GetParam());
  ASSERT_TRUE(b->insert({{{10}, {100}, 10}}));
  ASSERT_TRUE(b->insert({{{15}, {250}, 4}}));
  EXPECT_EQ(b->runs(), (std::vector<run>{{{10}, {100}, 5},
                                         {{15}, {105}, 4},
                                         {{15}, {250}, 4},
                                         {{19}, {109}, 1}}));
  EXPECT_EQ(b->to_target(17).offset.v, 107);
  EXPECT_EQ(b->to_target(20).offset.v, 110);  // record 19 exists once, at 109
  EXPECT_EQ(b->to_source(252).offset.v, 17);
}

TEST_P(replay_test, inserting_a_shorter_run_with_the_same_key_overwrites_nothing) {
  auto b = make_backend(GetParam());
  ASSERT_TRUE(b->insert({{{10}, {100}, 10}}));
  ASSERT_TRUE(b->insert({{{10}, {100}, 4}}));
  EXPECT_EQ(b->to_target(20).offset.v, 110);
  EXPECT_EQ(b->runs(), (std::vector<run>{{{10}, {100}, 4}, {{14}, {104}, 6}}));
}

TEST_P(replay_test, inserting_a_run_twice_changes_nothing) {
  auto b = make_backend(GetParam());
  ASSERT_TRUE(b->insert({{{10}, {100}, 5}}));
  ASSERT_TRUE(b->insert({{{10}, {100}, 5}, {{10}, {100}, 5}}));
  EXPECT_EQ(b->runs(), (std::vector<run>{{{10}, {100}, 5}}));
}

// The target was truncated or recreated: its offsets are reused by other source records.
TEST_P(replay_test, two_records_on_one_target_offset_are_rejected_and_nothing_changes) {
  auto b = make_backend(GetParam());
  ASSERT_TRUE(b->insert({{{10}, {100}, 5}}));
  auto res = b->insert({{{50}, {60}, 1}, {{51}, {102}, 3}});
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().code, errc::destination_conflict);
  EXPECT_NE(res.error().message.find("102"), std::string::npos) << res.error().message;
  EXPECT_EQ(b->runs(), (std::vector<run>{{{10}, {100}, 5}}));
}

TEST_P(replay_test, invalid_runs_are_rejected) {
  auto b = make_backend(GetParam());
  for (run r : {run{{10}, {100}, 0}, run{{-1}, {100}, 1}, run{{1}, {-5}, 1},
                run{{max_offset}, {0}, 1}}) {
    auto res = b->insert({r});
    ASSERT_FALSE(res) << to_string(r);
    EXPECT_EQ(res.error().code, errc::invalid_argument);
  }
  EXPECT_TRUE(b->runs().empty());
}

// Source log start moved to 13: runs below go, a straddling group is cut (all its copies).
TEST_P(replay_test, trim_below_drops_coverage_below_the_source_log_start) {
  auto b = make_backend(GetParam());
  ASSERT_TRUE(b->insert({{{0}, {50}, 5}, {{10}, {100}, 5}, {{10}, {250}, 5}, {{20}, {300}, 5}}));
  EXPECT_EQ(b->trim_below({13}), 3u);
  EXPECT_EQ(b->runs(), (std::vector<run>{{{13}, {103}, 2}, {{13}, {253}, 2}, {{20}, {300}, 5}}));
  EXPECT_EQ(b->to_target(13).kind, translation::below_coverage);
  EXPECT_EQ(b->to_target(13).offset.v, 103);
  EXPECT_EQ(b->to_source(60).offset.v, 13);  // below coverage now: the first recorded record
  EXPECT_EQ(b->trim_below({13}), 0u);
  EXPECT_EQ(b->trim_below({100}), 3u);
  EXPECT_EQ(b->to_target(100).kind, translation::empty);
}

TANDEM_ALL_BACKENDS(replay_test);

}  // namespace
}  // namespace tandem::offsets
