#include "offsets/canonical.h"

#include <gtest/gtest.h>

namespace tandem::offsets {
namespace {

TEST(plan_insert, appending_after_the_map_only_puts) {
  const std::vector<run> existing{{{10}, {100}, 5}};
  const std::vector<run> incoming{{{15}, {105}, 5}, {{22}, {111}, 3}};
  auto plan = plan_insert(existing, incoming).value();
  EXPECT_TRUE(plan.erase.empty());
  EXPECT_EQ(plan.put, incoming);
}

TEST(plan_insert, an_overlapping_copy_splits_the_run_it_lands_in) {
  const std::vector<run> existing{{{10}, {100}, 10}};
  auto plan = plan_insert(existing, std::vector<run>{{{15}, {250}, 4}}).value();
  EXPECT_EQ(plan.erase, existing);
  EXPECT_EQ(plan.put, (std::vector<run>{{{10}, {100}, 5}, {{15}, {105}, 4},
                                        {{15}, {250}, 4}, {{19}, {109}, 1}}));
}

TEST(plan_insert, overlapping_incoming_runs_are_made_canonical_among_themselves) {
  auto plan = plan_insert({}, std::vector<run>{{{0}, {0}, 10}, {{5}, {20}, 10}, {{12}, {40}, 8}})
                  .value();
  EXPECT_EQ(plan.put, (std::vector<run>{{{0}, {0}, 5},
                                        {{5}, {5}, 5},
                                        {{5}, {20}, 5},
                                        {{10}, {25}, 2},
                                        {{12}, {27}, 3},
                                        {{12}, {40}, 3},
                                        {{15}, {43}, 5}}));
}

TEST(plan_insert, a_run_found_twice_in_existing_is_erased_once) {
  const std::vector<run> existing{{{10}, {100}, 10}, {{10}, {100}, 10}};
  auto plan = plan_insert(existing, std::vector<run>{{{12}, {102}, 2}}).value();
  EXPECT_EQ(plan.erase, (std::vector<run>{{{10}, {100}, 10}}));
  EXPECT_EQ(plan.put.size(), 3u);
}

TEST(plan_trim, keeps_runs_at_or_above_the_log_start) {
  auto plan = plan_trim(std::vector<run>{{{0}, {0}, 5}, {{8}, {20}, 4}, {{12}, {30}, 1}}, {10});
  EXPECT_EQ(plan.erase, (std::vector<run>{{{0}, {0}, 5}, {{8}, {20}, 4}}));
  EXPECT_EQ(plan.put, (std::vector<run>{{{10}, {22}, 2}}));
}

TEST(hull_of, spans_both_sides_of_all_runs) {
  auto h = hull_of(std::vector<run>{{{10}, {300}, 5}, {{2}, {400}, 1}}).value();
  EXPECT_EQ(h.src_begin.v, 2);
  EXPECT_EQ(h.src_end.v, 15);
  EXPECT_EQ(h.dst_begin.v, 300);
  EXPECT_EQ(h.dst_end.v, 401);
  EXPECT_FALSE(hull_of({}));
}

}  // namespace
}  // namespace tandem::offsets
