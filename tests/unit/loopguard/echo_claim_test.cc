#include "loopguard/echo_claim.h"

#include <gtest/gtest.h>

namespace tandem::loopguard {
namespace {

// Flow west→east reads orders/3 of west; the echo claims east's record orders/3@k.
origin claim_of(std::int64_t k, std::string_view topic = "orders", std::int32_t partition = 3) {
  origin o;
  o.region = "east";
  o.source = {"east", topic, partition, k};
  o.destination = {"west", "orders", 3};
  return o;
}

claim judge(echo_order& order, std::int64_t k, std::int64_t ts, std::int64_t end = 100) {
  return judge_echo(order, claim_of(k), "orders", 3, ts, end);
}

TEST(echo_claim, claims_in_increasing_order_below_the_source_end_are_tandems_copies) {
  echo_order order;
  EXPECT_EQ(judge(order, 0, 10), claim::copy);
  EXPECT_EQ(judge(order, 5, 11), claim::copy) << "gaps: the peer skips what it does not copy";
  EXPECT_EQ(order.last_claim, 5);
  EXPECT_EQ(order.newest_timestamp, 11);
}

TEST(echo_claim, a_claim_of_another_topic_or_partition_is_not_believed) {
  echo_order order;
  EXPECT_EQ(judge_echo(order, claim_of(1, "payments"), "orders", 3, 10, 100),
            claim::other_partition);
  EXPECT_EQ(judge_echo(order, claim_of(1, "orders", 4), "orders", 3, 10, 100),
            claim::other_partition);
  EXPECT_EQ(order.last_claim, -1) << "a rejected claim changes nothing";
}

TEST(echo_claim, a_claim_at_or_beyond_the_source_end_is_not_believed) {
  echo_order order;
  EXPECT_EQ(judge(order, 1'000'000'000'000, 10), claim::beyond_source_end);
  EXPECT_EQ(judge(order, 100, 10), claim::beyond_source_end);
  EXPECT_EQ(judge(order, 99, 10), claim::copy);
}

TEST(echo_claim, a_repeated_claim_is_a_replay_with_an_old_timestamp_else_reproduced) {
  echo_order order;
  ASSERT_EQ(judge(order, 3, 10), claim::copy);
  ASSERT_EQ(judge(order, 4, 20), claim::copy);
  EXPECT_EQ(judge(order, 3, 10), claim::replay);
  EXPECT_EQ(judge(order, 4, 20), claim::replay);
  EXPECT_EQ(judge(order, 3, 21), claim::reproduced);
  EXPECT_EQ(judge(order, 1, 99), claim::reproduced) << "backwards, newer: an application's";
  EXPECT_EQ(order.last_claim, 4);
  order.reset();
  EXPECT_EQ(judge(order, 3, 99), claim::copy) << "after the source went back";
}

TEST(echo_claim, names_are_label_values) {
  EXPECT_EQ(to_string(claim::reproduced), "reproduced");
  EXPECT_EQ(to_string(claim::beyond_source_end), "beyond_source_end");
  EXPECT_EQ(to_string(claim::other_partition), "other_partition");
  EXPECT_TRUE(believed(claim::replay));
  EXPECT_FALSE(believed(claim::reproduced));
}

}  // namespace
}  // namespace tandem::loopguard
