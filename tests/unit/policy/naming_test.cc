// naming_policy: prefix (MM2 DefaultReplicationPolicy-compatible) and identity naming.
// Cases ported from MM2's mirror-client tests (ReplicationPolicyTest, MirrorClientTest) where
// they apply; MM2's heartbeats special cases are N/A (tandem has no heartbeats topic).
#include "policy/naming.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace tandem::policy {
namespace {

const std::vector<std::string> regions = {"east", "west", "south"};

naming_policy prefix_naming(std::string separator = ".") {
  auto naming = naming_policy::prefix(regions, std::move(separator));
  EXPECT_TRUE(naming.has_value()) << naming.error();
  return *naming;
}

// One name read back through every operation.
struct name_case {
  std::string topic;
  std::optional<std::string> source;
  std::optional<std::string> upstream;
  std::optional<std::string> original_source;
  std::string original_topic;
};

void expect_reads(const naming_policy& naming, const name_case& c) {
  SCOPED_TRACE("topic \"" + c.topic + "\" with separator \"" + naming.separator() + "\"");
  EXPECT_EQ(naming.topic_source(c.topic), c.source);
  EXPECT_EQ(naming.is_mirror_topic(c.topic), c.source.has_value());
  EXPECT_EQ(naming.upstream_topic(c.topic), c.upstream);
  EXPECT_EQ(naming.original_source(c.topic), c.original_source);
  EXPECT_EQ(naming.original_topic(c.topic), c.original_topic);
}

TEST(naming_kind, parses_and_prints_the_config_spellings) {
  EXPECT_EQ(parse_naming_kind("prefix"), naming_kind::prefix);
  EXPECT_EQ(parse_naming_kind("identity"), naming_kind::identity);
  EXPECT_EQ(parse_naming_kind("Identity"), std::nullopt);
  EXPECT_EQ(parse_naming_kind(""), std::nullopt);
  EXPECT_EQ(to_string(naming_kind::prefix), "prefix");
  EXPECT_EQ(to_string(naming_kind::identity), "identity");
}

TEST(prefix_naming, target_topic_is_region_separator_topic) {
  const auto naming = prefix_naming();
  EXPECT_EQ(naming.kind(), naming_kind::prefix);
  EXPECT_EQ(naming.separator(), ".");
  EXPECT_EQ(naming.target_topic("west", "orders"), "west.orders");
  EXPECT_EQ(naming.target_topic("east", "orders.v2"), "east.orders.v2");
}

TEST(prefix_naming, round_trips_for_every_known_region) {
  for (const std::string separator : {".", "_", "-", "__"}) {
    const auto naming = prefix_naming(separator);
    for (const auto& region : regions) {
      for (const std::string topic : {"orders", "orders.v2", "a-b_c.d", "x"}) {
        const auto mirror = naming.target_topic(region, topic);
        SCOPED_TRACE(mirror);
        EXPECT_EQ(naming.topic_source(mirror), region);
        EXPECT_EQ(naming.upstream_topic(mirror), topic);
        EXPECT_TRUE(naming.is_mirror_topic(mirror));
      }
    }
  }
}

TEST(prefix_naming, reads_names_with_the_default_separator) {
  const auto naming = prefix_naming();
  const std::vector<name_case> cases = {
      {"west.orders", "west", "orders", "west", "orders"},
      {"west.orders.v2", "west", "orders.v2", "west", "orders.v2"},
      // Unknown prefix: a local topic with a dot in its name, not a mirror of region "orders".
      {"orders.v2", std::nullopt, std::nullopt, std::nullopt, "orders.v2"},
      {"orders", std::nullopt, std::nullopt, std::nullopt, "orders"},
      // A region alias alone, or with nothing after the separator, names no mirror (as MM2).
      {"west", std::nullopt, std::nullopt, std::nullopt, "west"},
      {"west.", std::nullopt, std::nullopt, std::nullopt, "west."},
      {".orders", std::nullopt, std::nullopt, std::nullopt, ".orders"},
      // Prefix match is on whole aliases: "western" is not "west".
      {"western.orders", std::nullopt, std::nullopt, std::nullopt, "western.orders"},
      {"westorders", std::nullopt, std::nullopt, std::nullopt, "westorders"},
      // Aliases are case-sensitive, like topic names.
      {"West.orders", std::nullopt, std::nullopt, std::nullopt, "West.orders"},
  };
  for (const auto& c : cases) expect_reads(naming, c);
}

TEST(prefix_naming, reads_names_with_custom_separators) {
  // MM2 remoteTopicsSeparatorTest, with "_", "-" and MM2's "__".
  const std::vector<std::pair<std::string, std::vector<name_case>>> by_separator = {
      {"_",
       {{"west_orders", "west", "orders", "west", "orders"},
        {"west_orders_v2", "west", "orders_v2", "west", "orders_v2"},
        {"orders_v2", std::nullopt, std::nullopt, std::nullopt, "orders_v2"},
        // With "_" the dot is an ordinary character: "west.orders" is a local topic.
        {"west.orders", std::nullopt, std::nullopt, std::nullopt, "west.orders"},
        {"east_west_orders", "east", "west_orders", "west", "orders"}}},
      {"-",
       {{"west-orders", "west", "orders", "west", "orders"},
        {"orders-v2", std::nullopt, std::nullopt, std::nullopt, "orders-v2"},
        {"west.orders", std::nullopt, std::nullopt, std::nullopt, "west.orders"},
        {"south-east-orders", "south", "east-orders", "east", "orders"}}},
      {"__",
       {{"west__orders", "west", "orders", "west", "orders"},
        {"west_orders", std::nullopt, std::nullopt, std::nullopt, "west_orders"},
        {"east__west__orders", "east", "west__orders", "west", "orders"}}},
  };
  for (const auto& [separator, cases] : by_separator) {
    const auto naming = prefix_naming(separator);
    for (const auto& c : cases) expect_reads(naming, c);
  }
}

TEST(prefix_naming, reports_chains_by_first_and_last_hop) {
  // MM2 chains such as "source1.source2.topic5"; tandem never builds them itself (mirrors are
  // not replicated onward) but may meet them on clusters once fed by MM2.
  const auto naming = prefix_naming();
  const std::vector<name_case> cases = {
      {"east.west.orders", "east", "west.orders", "west", "orders"},
      {"south.east.west.orders", "south", "east.west.orders", "west", "orders"},
      // The chain stops at the first unknown alias: "other.orders" is where it began.
      {"east.other.orders", "east", "other.orders", "east", "other.orders"},
      {"east.west.", "east", "west.", "east", "west."},
  };
  for (const auto& c : cases) expect_reads(naming, c);
}

TEST(prefix_naming, rejects_configurations_that_could_not_recognise_mirrors) {
  const std::vector<std::string> none;
  const std::vector<std::string> dotted = {"east", "us.west"};
  const std::vector<std::string> empty_alias = {"east", ""};
  struct bad_case {
    std::span<const std::string> regions;
    std::string separator;
    std::string message_part;
  };
  const std::vector<bad_case> cases = {
      {regions, "", "separator is empty"},
      {regions, "/", "separator \"/\""},
      {regions, ". ", "separator \". \""},
      {none, ".", "no region aliases"},
      {dotted, ".", "\"us.west\" contains the separator"},
      {empty_alias, ".", "alias is empty"},
  };
  for (const auto& c : cases) {
    const auto naming = naming_policy::prefix(c.regions, c.separator);
    ASSERT_FALSE(naming.has_value()) << c.message_part;
    EXPECT_NE(naming.error().find(c.message_part), std::string::npos) << naming.error();
  }
  // The same alias is fine with a separator it does not contain.
  EXPECT_TRUE(naming_policy::prefix(dotted, "_").has_value());
}

TEST(identity_naming, keeps_the_name_on_both_sides) {
  const auto naming = naming_policy::identity();
  EXPECT_EQ(naming.kind(), naming_kind::identity);
  EXPECT_EQ(naming.separator(), "");
  EXPECT_EQ(naming.target_topic("west", "orders"), "orders");
  EXPECT_EQ(naming.target_topic("east", "west.orders"), "west.orders");
}

TEST(identity_naming, cannot_tell_a_mirror_by_its_name) {
  // MM2 testIdentityReplicationRemoteTopics: under identity any topic may be remote, so the name
  // proves nothing. tandem's identity has no fixed source alias (MM2's source.cluster.alias):
  // topic_source is always nullopt, and the origin header must say where each record came from.
  const auto naming = naming_policy::identity();
  const std::vector<name_case> cases = {
      {"orders", std::nullopt, "orders", std::nullopt, "orders"},
      {"west.orders", std::nullopt, "west.orders", std::nullopt, "west.orders"},
      {"east.west.orders", std::nullopt, "east.west.orders", std::nullopt, "east.west.orders"},
  };
  for (const auto& c : cases) expect_reads(naming, c);
}

TEST(identity_naming, maps_a_topic_back_onto_itself_so_names_alone_would_loop) {
  // Why identity needs the origin header: east -> west writes "orders" on west, and west -> east
  // maps west's "orders" back to "orders" on east. Nothing in the names breaks the cycle;
  // loopguard drops the echo because its header's destination is the topic it is read from.
  const auto naming = naming_policy::identity();
  const auto on_west = naming.target_topic("east", "orders");
  const auto back_on_east = naming.target_topic("west", on_west);
  EXPECT_EQ(back_on_east, "orders");
  EXPECT_FALSE(naming.is_mirror_topic(on_west));

  // Prefix naming breaks the same cycle by name: the copy is recognisably east's.
  const auto prefix = prefix_naming();
  EXPECT_TRUE(prefix.is_mirror_topic(prefix.target_topic("east", "orders")));
}

}  // namespace
}  // namespace tandem::policy
