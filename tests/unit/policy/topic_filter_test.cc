// topic_filter, group_filter, validate_regex: which topics and groups a flow takes.
// Cycle cases are ported from MM2's MirrorSourceConnectorTest (testNoCycles,
// testIdentityReplication); its heartbeats cases are N/A (tandem has no heartbeats topic).
#include "policy/topic_filter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tandem::policy {
namespace {

using patterns = std::vector<std::string>;

naming_policy prefix_naming(const patterns& regions) {
  auto naming = naming_policy::prefix(regions);
  EXPECT_TRUE(naming.has_value()) << naming.error();
  return *naming;
}

topic_filter make_filter(const patterns& include, const patterns& exclude = {},
                         naming_policy naming = naming_policy::identity()) {
  auto filter = topic_filter::create(include, exclude, std::move(naming));
  EXPECT_TRUE(filter.has_value()) << filter.error();
  return *filter;
}

struct verdict_case {
  std::string topic;
  topic_verdict expected;
};

void expect_verdicts(const topic_filter& filter, const std::vector<verdict_case>& cases) {
  for (const auto& c : cases) {
    EXPECT_EQ(filter.verdict(c.topic), c.expected)
        << "topic \"" << c.topic << "\": got " << to_string(filter.verdict(c.topic))
        << ", want " << to_string(c.expected);
    EXPECT_EQ(filter.selects(c.topic), c.expected == topic_verdict::selected) << c.topic;
  }
}

TEST(topic_filter, patterns_must_match_the_whole_name) {
  const auto filter = make_filter({"orders", "pay.*"});
  expect_verdicts(filter, {
                              {"orders", topic_verdict::selected},
                              {"orders2", topic_verdict::not_included},
                              {"my-orders", topic_verdict::not_included},
                              {"payments", topic_verdict::selected},
                              {"pay", topic_verdict::selected},
                              {"prepay", topic_verdict::not_included},
                          });
}

TEST(topic_filter, exclude_wins_over_include) {
  const auto filter = make_filter({"orders.*", "payments.*"}, {"orders\\.test.*", "payments"});
  expect_verdicts(filter, {
                              {"orders.eu", topic_verdict::selected},
                              {"orders.test", topic_verdict::excluded},
                              {"orders.test.v2", topic_verdict::excluded},
                              {"payments", topic_verdict::excluded},
                              {"payments.eu", topic_verdict::selected},
                              {"audit", topic_verdict::not_included},
                          });
}

TEST(topic_filter, no_include_patterns_selects_nothing) {
  const auto filter = make_filter({});
  expect_verdicts(filter, {{"orders", topic_verdict::not_included}});
}

TEST(topic_filter, never_selects_kafka_internals_or_tandem_topics_whatever_the_patterns) {
  // Includes that would take everything, and an exclude that takes nothing away.
  const auto filter = make_filter({".*", "__consumer_offsets", "tandem\\..*"}, {"nothing"});
  expect_verdicts(filter, {
                              {"__consumer_offsets", topic_verdict::kafka_internal},
                              {"__transaction_state", topic_verdict::kafka_internal},
                              {"__cluster_metadata", topic_verdict::kafka_internal},
                              {"__anything", topic_verdict::kafka_internal},
                              {"tandem.offsets", topic_verdict::tandem_internal},
                              {"tandem.checkpoints", topic_verdict::tandem_internal},
                              // Only the exact prefixes are reserved.
                              {"_schemas", topic_verdict::selected},
                              {"tandem", topic_verdict::selected},
                              {"tandem-orders", topic_verdict::selected},
                              {"my.__topic", topic_verdict::selected},
                          });
}

TEST(topic_filter, mm2_internal_suffixes_are_ordinary_topics) {
  // MM2's isInternalTopic also rejects ".hidden" and "*.internal" / "*-internal"; tandem reserves
  // only "__" and "tandem." and leaves the rest to exclude patterns (see topic_filter.h).
  const auto filter = make_filter({".*"}, {".*[.-]internal"});
  expect_verdicts(filter, {
                              {".hiddentopic", topic_verdict::selected},
                              {"mm2-offsets.east.internal", topic_verdict::excluded},
                              {"mm2-offsets-east-internal", topic_verdict::excluded},
                              {"mm2-offsets_east_internal", topic_verdict::selected},
                          });
}

TEST(topic_filter, prefix_naming_never_selects_mirror_topics) {
  const auto filter = make_filter({".*"}, {}, prefix_naming({"east", "west"}));
  expect_verdicts(filter, {
                              {"orders", topic_verdict::selected},
                              {"west.orders", topic_verdict::mirror_topic},
                              {"east.orders", topic_verdict::mirror_topic},
                              // Unknown prefixes are local topics with dots in their names.
                              {"orders.v2", topic_verdict::selected},
                              {"western.orders", topic_verdict::selected},
                          });
}

TEST(topic_filter, prefix_naming_has_no_cycles) {
  // MM2 testNoCycles, flow source -> target. MM2 forwards "othersource.topic1" (multi-hop);
  // tandem never forwards, so a mirror of any known region is refused, and only a prefix that is
  // no region ("other.another.topic1") reads as a local topic.
  const auto filter = make_filter({".*"}, {}, prefix_naming({"source", "target", "othersource"}));
  const auto mirror = topic_verdict::mirror_topic;
  expect_verdicts(filter, {
                              {"source.topic1", mirror},
                              {"target.topic1", mirror},
                              {"target.source.topic1", mirror},
                              {"source.target.topic1", mirror},
                              {"target.source.target.topic1", mirror},
                              {"source.target.source.topic1", mirror},
                              {"othersource.topic1", mirror},
                              {"topic1", topic_verdict::selected},
                              {"othertarget.topic1", topic_verdict::selected},
                              {"other.another.topic1", topic_verdict::selected},
                          });
}

TEST(topic_filter, identity_naming_selects_by_patterns_alone) {
  // MM2 testIdentityReplication: with identity naming every one of these is taken, names that
  // look like mirrors included ("should allow cycles"): names say nothing under identity.
  const auto filter = make_filter({".*"});
  for (const std::string topic :
       {"target.topic1", "target.source.topic1", "source.target.topic1",
        "target.source.target.topic1", "source.target.source.topic1", "topic1",
        "othersource.topic1"}) {
    EXPECT_TRUE(filter.selects(topic)) << topic;
  }
}

TEST(topic_filter, identity_bidirectional_flows_select_the_same_topic_both_ways) {
  // The loop that only the origin header prevents. east -> west copies east's "orders" into
  // west's "orders"; west -> east reads west's "orders" (now holding those copies) and selects it
  // too, targeting east's "orders" again. By name the copy would return to east forever; the
  // flow drops it because its tandem-origin header's destination is (west, orders, p), the very
  // partition it is read from (loopguard/). Prefix naming, below, breaks the loop by name.
  const auto east_to_west = make_filter({"orders"});
  const auto west_to_east = make_filter({"orders"});
  const auto identity = naming_policy::identity();
  const auto on_west = identity.target_topic("east", "orders");
  ASSERT_TRUE(east_to_west.selects("orders"));
  EXPECT_TRUE(west_to_east.selects(on_west));
  EXPECT_EQ(identity.target_topic("west", on_west), "orders");

  const auto prefix = prefix_naming({"east", "west"});
  const auto prefixed_east_to_west = make_filter({"orders"}, {}, prefix);
  const auto prefixed_west_to_east = make_filter({".*"}, {}, prefix);
  ASSERT_TRUE(prefixed_east_to_west.selects("orders"));
  EXPECT_FALSE(prefixed_west_to_east.selects(prefix.target_topic("east", "orders")));
}

TEST(topic_filter, reports_a_bad_pattern_without_throwing) {
  struct bad_case {
    patterns include;
    patterns exclude;
    std::string message_part;
  };
  const std::vector<bad_case> cases = {
      {{"orders", "orders["}, {}, "topic include pattern \"orders[\" is not a valid regex: "},
      {{".*"}, {"(unclosed"}, "topic exclude pattern \"(unclosed\" is not a valid regex: "},
      {{"*orders"}, {}, "topic include pattern \"*orders\""},
  };
  for (const auto& c : cases) {
    const auto filter = topic_filter::create(c.include, c.exclude, naming_policy::identity());
    ASSERT_FALSE(filter.has_value()) << c.message_part;
    EXPECT_NE(filter.error().find(c.message_part), std::string::npos) << filter.error();
  }
}

TEST(validate_regex, accepts_good_patterns_and_explains_bad_ones) {
  for (const std::string good : {"orders", "orders\\..*", "(a|b)+", "[a-z]{2,5}", ""}) {
    EXPECT_EQ(validate_regex(good), std::nullopt) << good;
  }
  for (const std::string bad : {"orders[", "(a", "a{2,1}", "*", "a)"}) {
    const auto error = validate_regex(bad);
    ASSERT_TRUE(error.has_value()) << bad;
    EXPECT_TRUE(error->starts_with("\"" + bad + "\" is not a valid regex: ")) << *error;
    // The reason from std::regex_error follows the pattern.
    EXPECT_GT(error->size(), ("\"" + bad + "\" is not a valid regex: ").size()) << *error;
  }
}

TEST(group_filter, include_exclude_full_match_exclude_wins) {
  const auto filter = group_filter::create(patterns{"app-.*", "billing"}, patterns{"app-test.*"});
  ASSERT_TRUE(filter.has_value()) << filter.error();
  struct group_case {
    std::string group;
    bool selected;
  };
  const std::vector<group_case> cases = {
      {"app-orders", true}, {"app-test", false}, {"app-test-2", false},
      {"billing", true},    {"billing2", false}, {"my-app-orders", false},
  };
  for (const auto& c : cases) EXPECT_EQ(filter->selects(c.group), c.selected) << c.group;
}

TEST(group_filter, no_include_patterns_selects_nothing) {
  const auto filter = group_filter::create(patterns{}, patterns{});
  ASSERT_TRUE(filter.has_value());
  EXPECT_FALSE(filter->selects("app"));
}

TEST(group_filter, reports_a_bad_pattern_without_throwing) {
  const auto bad_include = group_filter::create(patterns{"app-["}, patterns{});
  ASSERT_FALSE(bad_include.has_value());
  EXPECT_TRUE(bad_include.error().starts_with("group include pattern \"app-[\""))
      << bad_include.error();

  const auto bad_exclude = group_filter::create(patterns{".*"}, patterns{"+x"});
  ASSERT_FALSE(bad_exclude.has_value());
  EXPECT_TRUE(bad_exclude.error().starts_with("group exclude pattern \"+x\""))
      << bad_exclude.error();
}

}  // namespace
}  // namespace tandem::policy
