// Translation in both directions over one hand-built map, on every backend (backends.h).
//
//   source   10 .. 14 | (15..19) | 20 .. 24 |           | 25 .. 29
//   target  100 ..104 |          | 105..109 | (110..119)| 120..124
//                      source gap:            target gap: local writes
//                      compaction, markers,   interleaved with the copies
//                      aborted records
#include <gtest/gtest.h>

#include "backends.h"

namespace tandem::offsets {
namespace {

using testing::make_backend;

const std::vector<run> hand_built{{{10}, {100}, 5}, {{20}, {105}, 5}, {{25}, {120}, 5}};

struct translation_case {
  const char* what;
  int64_t from;  // X on the source (to target) or Y on the target (to source)
  translation kind;
  int64_t expected;
};

class translation_test : public ::testing::TestWithParam<const char*> {};

TEST_P(translation_test, translate_to_target_rounds_toward_re_reading) {
  auto b = make_backend(GetParam());
  ASSERT_TRUE(b->insert(hand_built));
  const translation_case cases[] = {
    {"inside a run", 12, translation::exact, 102},
    {"at the start of the oldest run", 10, translation::below_coverage, 100},
    {"at the start of a run after a source gap", 20, translation::rounded, 105},
    {"at the start of a run contiguous on the source", 25, translation::exact, 110},
    {"one past the end of a run", 15, translation::exact, 105},
    {"one past the end of the newest run", 30, translation::exact, 125},
    {"inside a source gap", 17, translation::rounded, 105},
    {"below the oldest run", 5, translation::below_coverage, 100},
    {"at offset zero", 0, translation::below_coverage, 100},
    {"above the newest run", 1000, translation::rounded, 125},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    auto t = b->to_target(c.from);
    EXPECT_EQ(t.kind, c.kind);
    EXPECT_EQ(t.offset.v, c.expected);
  }
}

TEST_P(translation_test, translate_to_source_rounds_toward_re_reading) {
  auto b = make_backend(GetParam());
  ASSERT_TRUE(b->insert(hand_built));
  const translation_case cases[] = {
    {"inside a run", 102, translation::exact, 12},
    {"at the start of the oldest run", 100, translation::below_coverage, 10},
    {"at the start of a run contiguous on the target", 105, translation::exact, 15},
    {"at the start of a run after a target gap", 120, translation::rounded, 25},
    {"one past the end of a run", 110, translation::exact, 25},
    {"one past the end of the newest run", 125, translation::exact, 30},
    {"inside a target gap (local writes)", 115, translation::rounded, 25},
    {"below the oldest run", 50, translation::below_coverage, 10},
    {"at offset zero", 0, translation::below_coverage, 10},
    {"above the newest run", 5000, translation::rounded, 30},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    auto s = b->to_source(c.from);
    EXPECT_EQ(s.kind, c.kind);
    EXPECT_EQ(s.offset.v, c.expected);
  }
}

TEST_P(translation_test, an_empty_partition_says_empty_both_ways) {
  auto b = make_backend(GetParam());
  for (int64_t o : {0, 1, 10, 1'000'000}) {
    EXPECT_EQ(b->to_target(o).kind, translation::empty) << o;
    EXPECT_EQ(b->to_source(o).kind, translation::empty) << o;
  }
}

// Never skip: from the translated position, every source record at or above X has a copy
// at or above it. Checked record by record on the hand-built map.
TEST_P(translation_test, no_record_at_or_above_x_is_skipped) {
  auto b = make_backend(GetParam());
  ASSERT_TRUE(b->insert(hand_built));
  for (int64_t x = 0; x <= 31; ++x) {
    int64_t start = b->to_target(x).offset.v;
    for (const run& r : hand_built) {
      for (int64_t s = std::max(x, r.src_start.v); s < r.src_end().v; ++s) {
        EXPECT_GE(r.target_of({s}).v, start) << "X=" << x << " skips record " << s;
      }
    }
  }
}

TANDEM_ALL_BACKENDS(translation_test);

}  // namespace
}  // namespace tandem::offsets
