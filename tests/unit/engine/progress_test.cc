// partition_progress (engine/flow/progress.h): the resume position of one source partition never
// passes a record that is not done (delivered or deliberately dropped).
#include "engine/flow/progress.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tandem::engine {
namespace {

// One scripted event and the position expected right after it.
struct event {
  enum kind { fly, drop, deliver, fail } what;
  int64_t offset;
  int64_t position_after;
};

struct script {
  std::string name;
  int64_t start;
  std::vector<event> events;
};

void run(const script& s) {
  partition_progress p(s.start);
  EXPECT_EQ(p.position(), s.start) << s.name << ": before any event";
  for (size_t i = 0; i < s.events.size(); ++i) {
    const event& e = s.events[i];
    switch (e.what) {
      case event::fly: p.in_flight(e.offset); break;
      case event::drop: p.dropped(e.offset); break;
      case event::deliver: EXPECT_TRUE(p.delivered(e.offset)) << s.name << ": event " << i; break;
      case event::fail: p.failed(e.offset); break;
    }
    EXPECT_EQ(p.position(), e.position_after) << s.name << ": after event " << i
                                              << " (offset " << e.offset << ")";
  }
}

using E = event;

TEST(progress, position_follows_the_scripted_deliveries) {
  const std::vector<script> scripts = {
      {"in-order delivery advances one record at a time",
       0,
       {{E::fly, 0, 0}, {E::fly, 1, 0}, {E::fly, 2, 0},
        {E::deliver, 0, 1}, {E::deliver, 1, 2}, {E::deliver, 2, 3}}},
      {"out-of-order delivery waits for the oldest in-flight record",
       10,
       {{E::fly, 10, 10}, {E::fly, 11, 10}, {E::fly, 12, 10},
        {E::deliver, 12, 10}, {E::deliver, 11, 10}, {E::deliver, 10, 13}}},
      {"drops between in-flight records are done at once but do not jump the queue",
       40,
       {{E::fly, 40, 40}, {E::drop, 41, 40}, {E::fly, 42, 40}, {E::drop, 43, 40},
        {E::deliver, 40, 42}, {E::deliver, 42, 44}}},
      {"drops alone advance the position",
       0,
       {{E::drop, 0, 1}, {E::drop, 1, 2}, {E::fly, 2, 2}, {E::deliver, 2, 3}, {E::drop, 3, 4}}},
      {"gaps in offsets (compaction) are skipped: the next record read proves them absent",
       0,
       {{E::fly, 0, 0}, {E::fly, 5, 0}, {E::fly, 9, 0},
        {E::deliver, 0, 5}, {E::deliver, 5, 9}, {E::deliver, 9, 10}}},
      {"a gap at the start (log start after the resume position) is skipped once the first "
       "record is done; until then the position stays put (a re-read, never a skip)",
       0,
       {{E::fly, 100, 0}, {E::deliver, 100, 101}}},
      {"a gap before a drop is skipped",
       3,
       {{E::drop, 7, 8}}},
      {"the doc's picture: 43 in flight holds the position although 44 is done",
       40,
       {{E::fly, 40, 40}, {E::drop, 41, 40}, {E::fly, 42, 40}, {E::fly, 43, 40},
        {E::drop, 44, 40}, {E::fly, 45, 40},
        {E::deliver, 40, 42}, {E::deliver, 42, 43}, {E::deliver, 45, 43}, {E::deliver, 43, 46}}},
  };
  for (const auto& s : scripts) run(s);
}

TEST(progress, failure_freezes_the_position_at_the_failed_record) {
  partition_progress p(0);
  for (int64_t o = 0; o < 5; ++o) p.in_flight(o);
  ASSERT_TRUE(p.delivered(0));
  ASSERT_TRUE(p.delivered(1));
  EXPECT_EQ(p.position(), 2);

  p.failed(2);
  EXPECT_TRUE(p.has_failure());
  EXPECT_EQ(p.failed_offset(), 2);
  EXPECT_EQ(p.position(), 2);

  // Later records that do get through never move the position past the failed one.
  EXPECT_TRUE(p.delivered(3));
  EXPECT_TRUE(p.delivered(4));
  p.dropped(5);
  EXPECT_EQ(p.position(), 2);
}

TEST(progress, failure_of_an_earlier_record_pulls_the_freeze_point_back) {
  partition_progress p(0);
  for (int64_t o = 0; o < 4; ++o) p.in_flight(o);
  p.failed(3);
  p.failed(1);
  EXPECT_EQ(p.failed_offset(), 1);
  EXPECT_TRUE(p.delivered(0));
  EXPECT_EQ(p.position(), 1);
  p.failed(2);  // a later failure does not move the freeze point forward
  EXPECT_EQ(p.failed_offset(), 1);
  EXPECT_EQ(p.position(), 1);
}

TEST(progress, rewind_forgets_pending_records_and_the_failure) {
  partition_progress p(0);
  for (int64_t o = 0; o < 3; ++o) p.in_flight(o);
  p.failed(1);
  ASSERT_TRUE(p.delivered(0));
  EXPECT_EQ(p.position(), 1);

  p.rewind(1);
  EXPECT_FALSE(p.has_failure());
  EXPECT_EQ(p.pending(), 0u);
  EXPECT_EQ(p.position(), 1);

  // Re-read from the rewind point: normal progress again.
  p.in_flight(1);
  p.in_flight(2);
  EXPECT_TRUE(p.delivered(1));
  EXPECT_TRUE(p.delivered(2));
  EXPECT_EQ(p.position(), 3);
}

TEST(progress, delivery_report_for_an_unknown_or_finished_offset_is_refused) {
  partition_progress p(0);
  p.in_flight(0);
  p.in_flight(2);
  EXPECT_FALSE(p.delivered(1)) << "never in flight";
  EXPECT_FALSE(p.delivered(7)) << "beyond everything read";
  EXPECT_TRUE(p.delivered(2));
  EXPECT_FALSE(p.delivered(2)) << "reported twice";
  EXPECT_EQ(p.position(), 0);
  EXPECT_TRUE(p.delivered(0));
  EXPECT_EQ(p.position(), 3);
  EXPECT_EQ(p.pending(), 0u);
}

TEST(progress, memory_is_released_as_the_position_advances) {
  partition_progress p(0);
  for (int64_t o = 0; o < 1000; ++o) p.in_flight(o);
  EXPECT_EQ(p.pending(), 1000u);
  for (int64_t o = 0; o < 1000; ++o) ASSERT_TRUE(p.delivered(o));
  EXPECT_EQ(p.pending(), 0u);
  EXPECT_EQ(p.position(), 1000);
}

// The pending records live in a ring buffer: growing it while its oldest entry sits in the
// middle (wrapped around) must keep the order, and reports out of order must still find theirs.
TEST(progress, order_survives_the_ring_wrapping_and_growing) {
  partition_progress p(0);
  int64_t next = 0, done = 0;
  // Keep 50 in flight for a while (wraps the first ring of 64 several times).
  for (; next < 50; ++next) p.in_flight(next);
  for (int round = 0; round < 300; ++round) {
    ASSERT_TRUE(p.delivered(done++));
    p.in_flight(next++);
  }
  EXPECT_EQ(p.position(), done);
  // Now grow to 500 in flight from a wrapped state, with a gap (compaction) and a drop.
  for (int i = 0; i < 450; ++i) {
    if (i == 100) next += 3;  // offsets next..next+2 do not exist
    if (i == 200) {
      p.dropped(next++);
      continue;
    }
    p.in_flight(next++);
  }
  EXPECT_EQ(p.pending(), 500u);
  // Deliver back to front except the oldest: the position stays at the oldest.
  std::vector<int64_t> open;
  for (int64_t o = done; o < next; ++o) open.push_back(o);
  int64_t oldest = done;
  for (auto it = open.rbegin(); it != open.rend(); ++it) {
    if (*it == oldest) continue;
    p.delivered(*it);  // false for the gap's offsets and the dropped one
  }
  EXPECT_EQ(p.position(), oldest);
  ASSERT_TRUE(p.delivered(oldest));
  EXPECT_EQ(p.position(), next);
  EXPECT_EQ(p.pending(), 0u);
}

}  // namespace
}  // namespace tandem::engine
