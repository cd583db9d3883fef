#include "offsets/keys.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace tandem::offsets {
namespace {

TEST(keys, integers_sort_in_numeric_order_as_bytes) {
  const std::vector<int64_t> numbers{INT64_MIN, -300, -1, 0, 1, 255, 256, 65'536, INT64_MAX};
  std::vector<std::string> encoded;
  for (int64_t n : numbers) {
    std::string k;
    keys::append_int64(k, n);
    encoded.push_back(k);
  }
  EXPECT_TRUE(std::ranges::is_sorted(encoded));
  for (size_t i = 0; i < numbers.size(); ++i) {
    keys::reader r(encoded[i]);
    int64_t back = 0;
    ASSERT_TRUE(r.int64(back));
    EXPECT_EQ(back, numbers[i]);
    EXPECT_TRUE(r.done());
  }
}

TEST(keys, no_partition_prefix_is_a_prefix_of_another_partitions_keys) {
  const flow_id f{"west", "east"};
  const std::vector<partition_ref> refs{{f, "orders", 1},   {f, "orders", 10},
                                        {f, "orders2", 1},  {f, "order", 1},
                                        {{"west", "eas"}, "orders", 1}};
  for (const auto& a : refs) {
    for (const auto& b : refs) {
      if (a == b) continue;
      auto pa = keys::partition_prefix(keys::tag::by_source, a);
      auto pb = keys::partition_prefix(keys::tag::by_source, b);
      EXPECT_FALSE(pb.starts_with(pa)) << to_string(a) << " / " << to_string(b);
    }
  }
}

TEST(keys, a_run_key_decodes_to_the_run) {
  const run r{{12}, {345}, 6};
  const partition_ref p{{"west", "east"}, "orders", 3};
  for (auto t : {keys::tag::by_source, keys::tag::by_destination}) {
    auto prefix = keys::partition_prefix(t, p);
    auto key = keys::run_key(t, prefix, r);
    auto back = keys::decode_run(t, std::string_view(key).substr(prefix.size()),
                                 keys::encode_int64(r.length));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, r);
  }
}

TEST(keys, malformed_run_records_do_not_decode) {
  std::string k;
  keys::append_int64(k, 1);
  keys::append_int64(k, 2);
  EXPECT_FALSE(keys::decode_run(keys::tag::by_source, k, "short"));
  EXPECT_FALSE(keys::decode_run(keys::tag::by_source, k.substr(1), keys::encode_int64(1)));
  EXPECT_FALSE(keys::decode_run(keys::tag::by_source, k, keys::encode_int64(0)));
}

TEST(keys, the_format_value_round_trips_and_rejects_strangers) {
  EXPECT_EQ(keys::parse_format(keys::format_value(1)), 1);
  EXPECT_EQ(keys::parse_format(keys::format_value(99)), 99);
  EXPECT_FALSE(keys::parse_format("tandem-offsets format="));
  EXPECT_FALSE(keys::parse_format("tandem-offsets format=1x"));
  EXPECT_FALSE(keys::parse_format("something else"));
}

}  // namespace
}  // namespace tandem::offsets
