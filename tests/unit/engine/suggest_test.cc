#include "engine/config/suggest.h"

#include <gtest/gtest.h>

#include <array>

namespace tandem::engine {
namespace {

TEST(test_suggest, test_edit_distance_counts_typos) {
  EXPECT_EQ(edit_distance("naming", "naming"), 0u);
  EXPECT_EQ(edit_distance("namimg", "naming"), 1u);  // substitution
  EXPECT_EQ(edit_distance("tpoics", "topics"), 1u);  // transposition
  EXPECT_EQ(edit_distance("topic", "topics"), 1u);   // insertion
  EXPECT_EQ(edit_distance("Region", "region"), 0u);  // case-insensitive
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

constexpr std::array<std::string_view, 4> k_keys{"naming", "separator", "topics", "topic_refresh"};

TEST(test_suggest, test_nearest_suggests_close_keys_only) {
  EXPECT_EQ(nearest("namimg", k_keys), "naming");
  EXPECT_EQ(nearest("seperator", k_keys), "separator");
  EXPECT_EQ(nearest("topic", k_keys), "topics");
  EXPECT_EQ(nearest("topic_refesh", k_keys), "topic_refresh");
  EXPECT_EQ(nearest("delivery", k_keys), std::nullopt);
  EXPECT_EQ(nearest("x", k_keys), std::nullopt);
}

TEST(test_suggest, test_nearest_matches_a_key_extended_with_a_separator) {
  constexpr std::array<std::string_view, 2> cluster_keys{"bootstrap", "librdkafka"};
  EXPECT_EQ(nearest("bootstrap.servers", cluster_keys), "bootstrap");
  EXPECT_EQ(nearest("bootstrap_servers", cluster_keys), "bootstrap");
  EXPECT_EQ(nearest("security", cluster_keys), std::nullopt);
}

}  // namespace
}  // namespace tandem::engine
