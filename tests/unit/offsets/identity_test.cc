// identity_failover_position on a hand-built interleaving, in memory and through the store.
//
//   offset on A:  0   1   2   3   4   5   6   7   8   9   10
//   record:       a0  a1  b0' b2' a4  a5  b3' a7  b6' a9  b8'    aN: A-local record at A offset N
//                                                                bN': copy of B's record at B N
//   offset on B:  0   1   2   3   4   5   6   7   8   9   10
//   record:       b0  a0' b2  b3  a1' a4' b6  a5' b8  a7' a9'
//
// A group committed at X on A has consumed A offsets 0..X-1. Failing over to B it must start
// at or below every B record it has not consumed (never skip), re-reading as little as the
// map allows: start = min(a, b).
#include <gtest/gtest.h>

#include <map>

#include "offsets/partition_map.h"
#include "offsets/run_builder.h"
#include "offsets/store.h"
#include "offsets/translate.h"
#include "tests/fakes/temp_dir.h"

namespace tandem::offsets {
namespace {

// (source offset, target offset) pairs of each flow, in source order.
const std::map<int64_t, int64_t> a_to_b_copies{{0, 1}, {1, 4}, {4, 5}, {5, 7}, {7, 9}, {9, 10}};
const std::map<int64_t, int64_t> b_to_a_copies{{0, 2}, {2, 3}, {3, 6}, {6, 8}, {8, 10}};

std::vector<run> runs_of(const std::map<int64_t, int64_t>& copies) {
  run_builder b;
  for (auto [s, d] : copies) EXPECT_TRUE(b.add({s}, {d}));
  return b.take();
}

struct identity_case {
  int64_t x;
  int64_t b_log_start;
  int64_t a_term, b_term, start;
};

// Worked out by hand from the picture.
const identity_case cases[] = {
  {6, 0, 8, 3, 3},     // the example of translate.cc
  {3, 0, 5, 1, 1},     // consumed a0 a1 b0': a0' re-read from B1
  {10, 0, 11, 7, 7},   // consumed all but b8': starts at a5', b8 not skipped
  {11, 0, 11, 9, 9},   // consumed everything on A: re-reads a7' a9'
  {0, 0, 0, 0, 0},     // nothing consumed: both terms below coverage
  {0, 2, 1, 0, 2},     // ... clamped to B's log start
};

template <class Index>
void check_cases(const Index& a_to_b, const Index& b_to_a) {
  for (const auto& c : cases) {
    SCOPED_TRACE("X=" + std::to_string(c.x) + " log start " + std::to_string(c.b_log_start));
    auto f = identity_failover_position({c.x}, a_to_b, b_to_a, {c.b_log_start}).value();
    EXPECT_EQ(f.a_term.v, c.a_term);
    EXPECT_EQ(f.b_term.v, c.b_term);
    EXPECT_EQ(f.start.v, c.start);
  }
}

TEST(identity_failover, starts_at_the_lower_of_the_two_frontiers) {
  partition_map a_to_b, b_to_a;
  ASSERT_TRUE(a_to_b.insert(runs_of(a_to_b_copies)));
  ASSERT_TRUE(b_to_a.insert(runs_of(b_to_a_copies)));
  check_cases(a_to_b, b_to_a);
}

TEST(identity_failover, gives_the_same_answers_from_the_store) {
  tandem::testing::temp_dir dir;
  auto store = offset_store::open(dir.path()).value();
  const flow_id ab{"A", "B"}, ba{"B", "A"};
  // One commit, as the process of A would make it: its own flow's runs and the peer's runs
  // learned from echoes.
  std::vector<partition_batch> batch{{{ab, "orders", 0}, runs_of(a_to_b_copies), {}},
                                     {{ba, "orders", 0}, runs_of(b_to_a_copies), {}}};
  ASSERT_TRUE(store.commit_batch(batch));
  check_cases(stored_partition(store, {ab, "orders", 0}),
              stored_partition(store, {ba, "orders", 0}));
}

// Simulates the consumer: for every X, no B record the group has not consumed on A lies below
// the start on B.
TEST(identity_failover, never_skips_a_record_the_group_has_not_consumed) {
  partition_map a_to_b, b_to_a;
  ASSERT_TRUE(a_to_b.insert(runs_of(a_to_b_copies)));
  ASSERT_TRUE(b_to_a.insert(runs_of(b_to_a_copies)));
  for (int64_t x = 0; x <= 11; ++x) {
    int64_t start = identity_failover_position({x}, a_to_b, b_to_a, {0})->start.v;
    for (auto [a, b] : a_to_b_copies) {  // A-local record a, copied to B offset b
      if (a >= x) {
        EXPECT_GE(b, start) << "X=" << x << " skips a" << a << "'";
      }
    }
    for (auto [b, a] : b_to_a_copies) {  // B-local record b, copied to A offset a
      if (a >= x) {
        EXPECT_GE(b, start) << "X=" << x << " skips b" << b;
      }
    }
  }
}

TEST(identity_failover, a_term_with_nothing_recorded_uses_the_log_start) {
  partition_map a_to_b, none;
  ASSERT_TRUE(a_to_b.insert(runs_of(a_to_b_copies)));
  auto f = identity_failover_position({6}, a_to_b, none, {0}).value();
  EXPECT_EQ(f.b_kind, translation::empty);
  EXPECT_EQ(f.start.v, 0);
  f = identity_failover_position({6}, none, none, {42}).value();
  EXPECT_EQ(f.start.v, 42);
}

// Mesh (issue #10): a third region C whose records reach B before A. A group at X = 4 on A has
// consumed b0' c0' b3' a3; c1 is on B (at 2) but not yet on A, so the group has not read it.
//
//   offset on A:  0    1    2    3    4
//   record:       b0'  c0'  b3'  a3   ...
//   offset on B:  0    1    2    3    4
//   record:       b0   c0'  c1'  b3   a3'
//
//   a = dst_A→B(a3) + 1 = 5, b = src_B→A(b3' at 2) + 1 = 4: min(a, b) = 4 would skip c1' at 2.
//   c = dst_C→B(last C record the group read, c0) + 1 = 2: start = min(a, b, c) = 2.
const std::map<int64_t, int64_t> mesh_a_to_b{{3, 4}}, mesh_b_to_a{{0, 0}, {3, 2}},
    mesh_c_to_a{{0, 1}}, mesh_c_to_b{{0, 1}, {1, 2}};

TEST(identity_failover, a_mesh_starts_at_or_below_every_third_region_copy_not_consumed) {
  partition_map a_to_b, b_to_a, c_to_a, c_to_b;
  ASSERT_TRUE(a_to_b.insert(runs_of(mesh_a_to_b)));
  ASSERT_TRUE(b_to_a.insert(runs_of(mesh_b_to_a)));
  ASSERT_TRUE(c_to_a.insert(runs_of(mesh_c_to_a)));
  ASSERT_TRUE(c_to_b.insert(runs_of(mesh_c_to_b)));
  EXPECT_EQ(identity_failover_position({4}, a_to_b, b_to_a, {0})->start.v, 4);  // two regions
  const third_region_maps c{c_to_a, c_to_b};
  auto f = identity_failover_position({4}, a_to_b, b_to_a, {&c, 1}, {0}).value();
  EXPECT_EQ(f.a_term.v, 5);
  EXPECT_EQ(f.b_term.v, 4);
  ASSERT_TRUE(f.c_term.has_value());
  EXPECT_EQ(f.c_term->v, 2);
  EXPECT_EQ(f.c_kind, translation::exact);
  EXPECT_EQ(f.start.v, 2);
  // Never skips: for every X, no record of any region that the group has not read on A lies
  // below the start on B.
  for (int64_t x = 0; x <= 5; ++x) {
    int64_t start = identity_failover_position({x}, a_to_b, b_to_a, {&c, 1}, {0})->start.v;
    for (auto [src, on_a] : mesh_a_to_b) {  // A-local record at A offset src, copied to B
      if (src >= x) {
        EXPECT_GE(on_a, start) << "X=" << x << " skips a" << src << "'";
      }
    }
    for (auto [b, on_a] : mesh_b_to_a) {
      if (on_a >= x) {
        EXPECT_GE(b, start) << "X=" << x << " skips b" << b;
      }
    }
    for (auto [c_src, on_b] : mesh_c_to_b) {
      auto it = mesh_c_to_a.find(c_src);
      bool read_on_a = it != mesh_c_to_a.end() && it->second < x;
      if (!read_on_a) {
        EXPECT_GE(on_b, start) << "X=" << x << " skips c" << c_src << "'";
      }
    }
  }
}

TEST(identity_failover, a_third_region_not_yet_on_a_starts_at_its_first_copy_or_the_log_start) {
  partition_map a_to_b, b_to_a, none, c_to_b;
  ASSERT_TRUE(a_to_b.insert(runs_of(mesh_a_to_b)));
  ASSERT_TRUE(b_to_a.insert(runs_of(mesh_b_to_a)));
  ASSERT_TRUE(c_to_b.insert(runs_of(mesh_c_to_b)));
  const third_region_maps c{none, c_to_b};
  auto f = identity_failover_position({4}, a_to_b, b_to_a, {&c, 1}, {0}).value();
  EXPECT_EQ(f.c_term->v, 0);  // below coverage: min(first C-copy on B at 1, log start 0)
  EXPECT_EQ(f.c_kind, translation::empty);
  EXPECT_EQ(f.start.v, 0);
}

// A third region none of whose records reached B on this partition cannot be skipped there: it
// sets no term (a region that never writes to a topic must not send every failover of that
// topic back to the log start).
TEST(identity_failover, a_third_region_with_no_copy_on_b_sets_no_term) {
  partition_map a_to_b, b_to_a, c_to_a, none;
  ASSERT_TRUE(a_to_b.insert(runs_of(mesh_a_to_b)));
  ASSERT_TRUE(b_to_a.insert(runs_of(mesh_b_to_a)));
  ASSERT_TRUE(c_to_a.insert(runs_of(mesh_c_to_a)));
  const third_region_maps c{c_to_a, none};
  auto f = identity_failover_position({4}, a_to_b, b_to_a, {&c, 1}, {0}).value();
  EXPECT_FALSE(f.c_term.has_value());
  EXPECT_EQ(f.start.v, 4);
}

}  // namespace
}  // namespace tandem::offsets
