// Where a consumer group continues when it moves between S ("west") and T ("east"):
// engine/groups/group_translation.h over in-memory maps (partition_map) and the RocksDB store.
//
// The prefix map used throughout (flow west->east, topic "orders" → "west.orders"):
//
//   west orders       10  11  12 | 13  14 | 15  16  17
//   east west.orders  40  41  42 | 43  44 | 45  46  47     13, 14 never recorded (a map hole:
//                                                          their copies are at 43, 44)
#include "engine/groups/group_translation.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "offsets/partition_map.h"
#include "offsets/run_builder.h"
#include "offsets/store.h"
#include "policy/naming.h"
#include "tests/fakes/temp_dir.h"

namespace tandem::engine {
namespace {

using offsets::partition_map;
using offsets::run;
using offsets::translation;

const std::vector<std::string> k_regions{"east", "west"};

policy::naming_policy prefix() { return policy::naming_policy::prefix(k_regions, ".").value(); }
policy::naming_policy identity() { return policy::naming_policy::identity(); }

std::vector<run> runs_of(const std::map<int64_t, int64_t>& copies) {
  offsets::run_builder b;
  for (auto [s, d] : copies) EXPECT_TRUE(b.add({s}, {d}));
  return b.take();
}

const std::map<int64_t, int64_t> prefix_copies{{10, 40}, {11, 41}, {12, 42},
                                               {15, 45}, {16, 46}, {17, 47}};

partition_map map_of(const std::map<int64_t, int64_t>& copies) {
  partition_map m;
  EXPECT_TRUE(m.insert(runs_of(copies)));
  return m;
}

struct prefix_case {
  int64_t x;
  int64_t log_start;
  int64_t offset;
  translation kind;
  std::optional<int64_t> reread;
};

TEST(group_translation, prefix_failover_is_exact_or_rounds_toward_rereading) {
  partition_map s_to_t = map_of(prefix_copies), none;
  const prefix_case cases[] = {
      {12, 0, 42, translation::exact, 0},            // record 11 at 41
      {13, 0, 43, translation::exact, 0},            // record 12 at 42: exact, nothing re-read
      {15, 0, 43, translation::rounded, 2},          // 14 unknown: from 43, re-reads 43 44
      {14, 0, 43, translation::rounded, std::nullopt},  // 14's own copy unknown: distance too
      {18, 0, 48, translation::exact, 0},            // past the last recorded record
      {10, 0, 0, translation::below_coverage, std::nullopt},  // nothing below: the log start
      {5, 30, 30, translation::below_coverage, std::nullopt},
      {12, 44, 44, translation::exact, 0},           // clamped to the log start
  };
  for (const auto& c : cases) {
    SCOPED_TRACE("X=" + std::to_string(c.x) + " log start " + std::to_string(c.log_start));
    auto t = translate_group_to_target(prefix(), "west", "east", "orders", 3, {c.x},
                                       {c.log_start}, {s_to_t, none})
                 .value();
    EXPECT_EQ(t.topic, "west.orders");
    EXPECT_EQ(t.partition, 3);
    EXPECT_EQ(t.offset, c.offset);
    EXPECT_EQ(t.kind, c.kind);
    EXPECT_EQ(t.reread, c.reread);
    EXPECT_FALSE(t.identity.has_value());
  }
}

TEST(group_translation, prefix_with_an_empty_map_starts_at_the_log_start) {
  partition_map none;
  auto t = translate_group_to_target(prefix(), "west", "east", "orders", 0, {500}, {7},
                                     {none, none})
               .value();
  EXPECT_EQ(t.kind, translation::empty);
  EXPECT_EQ(t.offset, 7);
  EXPECT_EQ(t.reread, std::nullopt);
}

// For every position, no copy of a record the group has not consumed lies below the result.
TEST(group_translation, prefix_failover_never_skips_an_unconsumed_copy) {
  partition_map s_to_t = map_of(prefix_copies), none;
  // All copies, including the two the map does not know.
  std::map<int64_t, int64_t> all = prefix_copies;
  all[13] = 43;
  all[14] = 44;
  for (int64_t x = 0; x <= 19; ++x) {
    int64_t start = translate_group_to_target(prefix(), "west", "east", "orders", 0, {x}, {40},
                                              {s_to_t, none})
                        ->offset;
    for (auto [src, dst] : all) {
      if (src >= x) {
        EXPECT_GE(dst, start) << "X=" << x << " skips record " << src;
      }
    }
  }
}

TEST(group_translation, prefix_failback_reads_the_map_by_destination) {
  partition_map s_to_t = map_of(prefix_copies), none;
  struct {
    int64_t y;
    int64_t offset;
    translation kind;
    std::optional<int64_t> reread;
  } cases[] = {
      {42, 12, translation::exact, 0},    // copy 41 is record 11
      {45, 13, translation::rounded, 2},  // last known copy below 45 is 42 (12); 45 is 15
      {40, 0, translation::below_coverage, std::nullopt},  // S's log start (0)
  };
  for (const auto& c : cases) {
    SCOPED_TRACE("Y=" + std::to_string(c.y));
    auto t = translate_group_to_source(prefix(), "west", "east", "west.orders", 3, {c.y}, {0},
                                       {s_to_t, none})
                 .value();
    EXPECT_EQ(t.topic, "orders");
    EXPECT_EQ(t.offset, c.offset);
    EXPECT_EQ(t.kind, c.kind);
    EXPECT_EQ(t.reread, c.reread);
  }
}

TEST(group_translation, prefix_failback_refuses_a_topic_that_is_not_a_mirror_of_the_source) {
  partition_map none;
  for (const char* topic : {"orders", "east.orders"}) {
    auto t = translate_group_to_source(prefix(), "west", "east", topic, 0, {5}, {0},
                                       {none, none});
    ASSERT_FALSE(t.has_value()) << topic;
    EXPECT_EQ(t.error().code, offsets::errc::invalid_argument);
  }
}

// The interleaving of tests/unit/offsets/identity_test.cc, A = west (S), B = east (T):
//
//   offset on west:  0   1   2   3   4   5   6   7   8   9   10
//   record:          a0  a1  b0' b2' a4  a5  b3' a7  b6' a9  b8'
//   offset on east:  0   1   2   3   4   5   6   7   8   9   10
//   record:          b0  a0' b2  b3  a1' a4' b6  a5' b8  a7' a9'
const std::map<int64_t, int64_t> west_to_east{{0, 1}, {1, 4}, {4, 5}, {5, 7}, {7, 9}, {9, 10}};
const std::map<int64_t, int64_t> east_to_west{{0, 2}, {2, 3}, {3, 6}, {6, 8}, {8, 10}};

struct identity_case {
  int64_t x;
  int64_t log_start;
  int64_t a_term, b_term, offset;
};
// Worked out by hand from the picture: offset = max(log start, min(a, b)).
const identity_case identity_cases[] = {
    {6, 0, 8, 3, 3},    // consumed a0 a1 a4 a5 b0 b2: from b3, re-reads a1' a4' a5'
    {3, 0, 5, 1, 1},
    {10, 0, 11, 7, 7},
    {11, 0, 11, 9, 9},
    {0, 2, 1, 0, 2},    // clamped to east's log start
};

void check_identity(const offsets::offset_store* store, const offsets::run_index& s_to_t,
                    const offsets::run_index& t_to_s) {
  for (const auto& c : identity_cases) {
    SCOPED_TRACE("X=" + std::to_string(c.x) + " log start " + std::to_string(c.log_start));
    auto t = store ? translate_group_to_target(*store, identity(), "west", "east", "orders", 0,
                                               {c.x}, {c.log_start})
                   : translate_group_to_target(identity(), "west", "east", "orders", 0, {c.x},
                                               {c.log_start}, {s_to_t, t_to_s});
    ASSERT_TRUE(t.has_value()) << t.error().message;
    EXPECT_EQ(t->topic, "orders");
    EXPECT_EQ(t->offset, c.offset);
    ASSERT_TRUE(t->identity.has_value());
    EXPECT_EQ(t->identity->a_term.v, c.a_term);
    EXPECT_EQ(t->identity->b_term.v, c.b_term);
    // Re-reads: the offsets between the two frontiers (above the start).
    EXPECT_EQ(t->reread, std::max<int64_t>(0, std::max(c.a_term, c.b_term) - c.offset));
  }
}

TEST(group_translation, identity_starts_at_the_lower_frontier) {
  partition_map s_to_t = map_of(west_to_east), t_to_s = map_of(east_to_west);
  check_identity(nullptr, s_to_t, t_to_s);
}

TEST(group_translation, identity_reads_both_flows_of_the_pair_from_the_store) {
  tandem::testing::temp_dir dir;
  auto store = offsets::offset_store::open(dir.path()).value();
  // As the process of east commits them: its own flow's runs and the peer's from echoes.
  std::vector<offsets::partition_batch> batch{
      {{{"west", "east"}, "orders", 0}, runs_of(west_to_east), {}},
      {{{"east", "west"}, "orders", 0}, runs_of(east_to_west), {}}};
  ASSERT_TRUE(store.commit_batch(batch));
  partition_map unused;
  check_identity(&store, unused, unused);
}

// Failback under identity is the same rule with the roles swapped: a group at Y = 5 on east
// (consumed b0 a0' b2 b3 a1') moves to west.
//   a-term: east-local records consumed up to b3, whose copy is at west 6 → 7
//   b-term: west-local copies consumed up to a1' (record a1) → 2; west 2, 3 hold b0' b2',
//           which the map west->east does not cover: re-read, never skipped
TEST(group_translation, identity_failback_swaps_the_roles_of_the_two_flows) {
  partition_map s_to_t = map_of(west_to_east), t_to_s = map_of(east_to_west);
  auto t = translate_group_to_source(identity(), "west", "east", "orders", 0, {5}, {0},
                                     {s_to_t, t_to_s})
               .value();
  EXPECT_EQ(t.topic, "orders");
  EXPECT_EQ(t.offset, 2);
  EXPECT_EQ(t.identity->a_term.v, 7);
  EXPECT_EQ(t.identity->b_term.v, 2);
  EXPECT_EQ(t.reread, 5);
}

TEST(group_translation, a_move_picks_failover_or_failback_from_the_topic_name) {
  tandem::testing::temp_dir dir;
  auto store = offsets::offset_store::open(dir.path()).value();
  std::vector<offsets::partition_batch> batch{
      {{{"west", "east"}, "orders", 0}, runs_of(prefix_copies), {}}};
  ASSERT_TRUE(store.commit_batch(batch));

  // west's "orders" at 15 moves to east: forward over flow west->east.
  auto fwd = translate_group_move(store, prefix(), "west", "east", "orders", 0, 15, 0).value();
  EXPECT_EQ(fwd.topic, "west.orders");
  EXPECT_EQ(fwd.offset, 43);
  EXPECT_EQ(fwd.kind, translation::rounded);

  // east's "west.orders" at 45 moves back to west: by destination over the same flow.
  auto back = translate_group_move(store, prefix(), "east", "west", "west.orders", 0, 45, 0)
                  .value();
  EXPECT_EQ(back.topic, "orders");
  EXPECT_EQ(back.offset, 13);
  EXPECT_EQ(back.reread, 2);
}

// The checkpointer and tandemctl name the destination topic before translating (to read its
// log start): the same choice as translate_group_move.
TEST(group_translation, the_destination_topic_follows_the_direction_of_the_move) {
  EXPECT_FALSE(is_failback(prefix(), "east", "orders"));
  EXPECT_TRUE(is_failback(prefix(), "east", "east.orders"));
  EXPECT_FALSE(is_failback(prefix(), "east", "west.orders"));  // a mirror of the other side
  EXPECT_TRUE(is_failback(prefix(), "east", "east.west.orders"));  // (filters reject it)
  EXPECT_FALSE(is_failback(identity(), "east", "east.orders"));

  EXPECT_EQ(destination_topic(prefix(), "west", "east", "orders"), "west.orders");
  EXPECT_EQ(destination_topic(prefix(), "west", "east", "east.orders"), "orders");
  EXPECT_EQ(destination_topic(prefix(), "west", "east", "orders.v2"), "west.orders.v2");
  EXPECT_EQ(destination_topic(identity(), "west", "east", "east.orders"), "east.orders");
  EXPECT_EQ(destination_topic(identity(), "west", "east", "orders"), "orders");
}

// Before the runs of the failback flow are known the move is the log start of the destination
// (re-reads, never skips), whatever the group's position.
TEST(group_translation, a_failback_without_runs_starts_at_the_destination_log_start) {
  tandem::testing::temp_dir dir;
  auto store = offsets::offset_store::open(dir.path()).value();
  auto back = translate_group_move(store, prefix(), "east", "west", "west.orders", 0, 45, 7)
                  .value();
  EXPECT_EQ(back.topic, "orders");
  EXPECT_EQ(back.offset, 7);
  EXPECT_EQ(back.kind, translation::empty);
  EXPECT_EQ(back.reread, std::nullopt);
}

// Issue #10 regression: east's west.orders was deleted and recreated (or truncated) after the
// map was built; it now ends at 20 while the map puts west's 15 at 43. The translation never
// points past the destination's end: it starts at the log start, kind clamped (everything the
// new log holds is read; nothing it holds is skipped).
TEST(group_translation, a_map_pointing_past_the_destination_end_starts_at_the_log_start) {
  partition_map s_to_t = map_of(prefix_copies), none;
  auto fwd = translate_group_to_target(prefix(), "west", "east", "orders", 0, {15}, {0},
                                       {s_to_t, none}, 20)
                 .value();
  EXPECT_EQ(fwd.offset, 0);
  EXPECT_EQ(fwd.kind, translation::clamped);
  EXPECT_EQ(fwd.reread, std::nullopt);
  // At the end exactly is no clamp: the record before it is the one the map knows.
  auto at_end = translate_group_to_target(prefix(), "west", "east", "orders", 0, {15}, {0},
                                          {s_to_t, none}, 43)
                    .value();
  EXPECT_EQ(at_end.offset, 43);
  EXPECT_EQ(at_end.kind, translation::rounded);
  // Failback: west's orders ends at 12 (recreated), the map puts east's 45 at 13.
  auto back = translate_group_to_source(prefix(), "west", "east", "west.orders", 0, {45}, {0},
                                        {s_to_t, none}, 12)
                  .value();
  EXPECT_EQ(back.offset, 0);
  EXPECT_EQ(back.kind, translation::clamped);
}

TEST(group_translation, identity_is_clamped_to_the_destination_end_too) {
  tandem::testing::temp_dir dir;
  auto store = offsets::offset_store::open(dir.path()).value();
  std::vector<offsets::partition_batch> batch{
      {{{"west", "east"}, "orders", 0}, runs_of(west_to_east), {}},
      {{{"east", "west"}, "orders", 0}, runs_of(east_to_west), {}}};
  ASSERT_TRUE(store.commit_batch(batch));
  // X = 6 starts at 3 (see identity_cases); east now ends at 2.
  auto t = translate_group_move(store, identity(), "west", "east", "orders", 0, 6, 1, 2).value();
  EXPECT_EQ(t.offset, 1);
  EXPECT_EQ(t.kind, translation::clamped);
  auto fine = translate_group_move(store, identity(), "west", "east", "orders", 0, 6, 0, 11);
  EXPECT_EQ(fine.value().offset, 3);
}

TEST(group_translation, every_kind_has_a_name) {
  EXPECT_EQ(offsets::to_string(translation::exact), "exact");
  EXPECT_EQ(offsets::to_string(translation::rounded), "rounded");
  EXPECT_EQ(offsets::to_string(translation::below_coverage), "below_coverage");
  EXPECT_EQ(offsets::to_string(translation::empty), "empty");
  EXPECT_EQ(offsets::to_string(translation::clamped), "clamped");
}

}  // namespace
}  // namespace tandem::engine
