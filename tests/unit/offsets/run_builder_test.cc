#include "offsets/run_builder.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace tandem::offsets {
namespace {

// Feeds (source, target) pairs; every report must be accepted.
std::vector<run> build(const std::vector<std::pair<int64_t, int64_t>>& reports) {
  run_builder b;
  for (auto [s, d] : reports) EXPECT_TRUE(b.add({s}, {d}).has_value()) << s << " -> " << d;
  return b.take();
}

TEST(run_builder, coalesces_consecutive_reports_into_one_run) {
  EXPECT_EQ(build({{10, 40}, {11, 41}, {12, 42}}), (std::vector<run>{{{10}, {40}, 3}}));
}

TEST(run_builder, starts_a_new_run_at_a_source_gap) {
  // 13, 14: compacted away, a transaction marker or an aborted record on the source.
  EXPECT_EQ(build({{10, 40}, {11, 41}, {12, 42}, {15, 43}, {16, 44}}),
            (std::vector<run>{{{10}, {40}, 3}, {{15}, {43}, 2}}));
}

TEST(run_builder, starts_a_new_run_at_a_target_gap) {
  // 42..44 on the target: local writes interleaved with the copies (identity naming).
  EXPECT_EQ(build({{10, 40}, {11, 41}, {12, 45}, {13, 46}}),
            (std::vector<run>{{{10}, {40}, 2}, {{12}, {45}, 2}}));
}

TEST(run_builder, take_closes_the_open_run_so_runs_never_span_commits) {
  run_builder b;
  ASSERT_TRUE(b.add({10}, {40}));
  ASSERT_TRUE(b.add({11}, {41}));
  EXPECT_EQ(b.take(), (std::vector<run>{{{10}, {40}, 2}}));
  EXPECT_TRUE(b.empty());
  ASSERT_TRUE(b.add({12}, {42}));  // contiguous, but a new batch
  EXPECT_EQ(b.take(), (std::vector<run>{{{12}, {42}, 1}}));
  EXPECT_TRUE(b.take().empty());
}

TEST(run_builder, rejects_reports_out_of_order_and_keeps_its_state) {
  struct bad {
    int64_t src, dst;
  };
  for (bad r : {bad{11, 50}, bad{9, 50}, bad{12, 41}, bad{12, 40}}) {
    run_builder b;
    ASSERT_TRUE(b.add({10}, {40}));
    ASSERT_TRUE(b.add({11}, {41}));
    auto res = b.add({r.src}, {r.dst});
    ASSERT_FALSE(res) << r.src << " -> " << r.dst;
    EXPECT_EQ(res.error().code, errc::out_of_order);
    ASSERT_TRUE(b.add({12}, {42}));
    EXPECT_EQ(b.take(), (std::vector<run>{{{10}, {40}, 3}}));
  }
}

TEST(run_builder, rejects_unknown_offsets) {
  run_builder b;
  EXPECT_EQ(b.add({-1}, {40}).error().code, errc::invalid_argument);
  EXPECT_EQ(b.add({10}, {-1}).error().code, errc::invalid_argument);
  EXPECT_EQ(b.add({max_offset}, {1}).error().code, errc::invalid_argument);
  EXPECT_TRUE(b.empty());
}

}  // namespace
}  // namespace tandem::offsets
