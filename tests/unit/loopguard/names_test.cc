#include "loopguard/names.h"

#include <gtest/gtest.h>

#include <string>

namespace tandem::loopguard {
namespace {

TEST(names_test, region_accepts_alnum_underscore_dash) {
  EXPECT_TRUE(is_valid_region("west"));
  EXPECT_TRUE(is_valid_region("eu-west_1"));
  EXPECT_TRUE(is_valid_region("A"));
  EXPECT_TRUE(is_valid_region(std::string(max_region_length, 'r')));
}

TEST(names_test, region_rejects_separators_dots_and_non_ascii) {
  for (std::string_view bad :
       {"", "we.st", "we/st", "we;st", "we=st", "we st", "wést", "we\tst"}) {
    EXPECT_FALSE(is_valid_region(bad)) << bad;
  }
  EXPECT_FALSE(is_valid_region(std::string_view("we\0st", 5)));
  EXPECT_FALSE(is_valid_region(std::string(max_region_length + 1, 'r')));
}

TEST(names_test, topic_accepts_kafka_legal_names) {
  EXPECT_TRUE(is_valid_topic("orders"));
  EXPECT_TRUE(is_valid_topic("west.orders_v2-final"));
  EXPECT_TRUE(is_valid_topic("__consumer_offsets"));
  EXPECT_TRUE(is_valid_topic("..."));
  EXPECT_TRUE(is_valid_topic(std::string(max_topic_length, 't')));
}

TEST(names_test, topic_rejects_what_kafka_rejects) {
  for (std::string_view bad : {"", ".", "..", "ord/ers", "ord;ers", "ord ers", "ordérs", "a=b"}) {
    EXPECT_FALSE(is_valid_topic(bad)) << bad;
  }
  EXPECT_FALSE(is_valid_topic(std::string_view("ord\0ers", 7)));
  EXPECT_FALSE(is_valid_topic(std::string(max_topic_length + 1, 't')));
}

}  // namespace
}  // namespace tandem::loopguard
