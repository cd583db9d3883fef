#include "loopguard/decision.h"

#include <gtest/gtest.h>

#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace tandem::loopguard {
namespace {

// The flow under test: tandem in region east consumes from west and writes into east.
// Records are read from topic `orders`, partition 3 of west. `north` is a third region.
constexpr flow west_to_east{.source_region = "west", .target_region = "east"};
constexpr std::string_view topic = "orders";
constexpr std::int32_t partition = 3;

decision decide_for(std::optional<std::string_view> header,
                    std::string_view t = topic, std::int32_t p = partition) {
  return decide(west_to_east, t, p, header);
}

struct decision_case {
  const char* name;
  std::optional<std::string> header;  // nullopt: the record has no tandem-origin header
  std::string_view record_topic;
  std::int32_t record_partition;
  action what;
  reason why;
};

const decision_case decision_cases[] = {
    // A record produced by an application in west.
    {"no_header_is_local", std::nullopt, topic, partition, action::replicate, reason::local},
    // tandem copied it east→west into exactly this partition; it originated in east.
    {"echo_of_the_target_region", "v1;o=east;s=east/orders/3/100;d=west/orders/3", topic,
     partition, action::drop, reason::echo},
    {"echo_under_prefix_naming", "v1;o=east;s=east/orders/3/100;d=west/east.orders/3",
     "east.orders", partition, action::drop, reason::echo},
    // Mesh: tandem copied it north→west; north replicates to east directly.
    {"third_party_origin", "v1;o=north;s=north/orders/3/100;d=west/orders/3", topic, partition,
     action::drop, reason::third_party},
    // An application re-produced a replicated record, headers and all: a new local record.
    {"header_copied_into_another_topic", "v1;o=east;s=east/orders/3/100;d=west/orders/3",
     "orders-archive", partition, action::replicate, reason::local},
    {"header_copied_into_another_partition", "v1;o=east;s=east/orders/3/100;d=west/orders/3",
     topic, 4, action::replicate, reason::local},
    {"header_copied_from_another_regions_destination",
     "v1;o=north;s=north/orders/3/100;d=east/orders/3", topic, partition, action::replicate,
     reason::local},
    {"header_destination_region_differs_in_case",
     "v1;o=east;s=east/orders/3/100;d=West/orders/3", topic, partition, action::replicate,
     reason::local},
    {"header_destination_topic_is_a_prefix", "v1;o=east;s=east/orders/3/100;d=west/order/3",
     topic, partition, action::replicate, reason::local},
    // Malformed headers are replicated, never dropped, and reported.
    {"malformed_header", "v1;o=east;s=east/orders/3/-1;d=west/orders/3", topic, partition,
     action::replicate, reason::local_malformed_header},
    {"empty_header", "", topic, partition, action::replicate, reason::local_malformed_header},
    {"future_version", "v2;o=east;s=east/orders/3/100;d=west/orders/3", topic, partition,
     action::replicate, reason::local_malformed_header},
};

class decision_table_test : public testing::TestWithParam<decision_case> {};

TEST_P(decision_table_test, decides_as_documented) {
  const auto& c = GetParam();
  const auto header = c.header ? std::optional<std::string_view>(*c.header) : std::nullopt;
  const decision d = decide(west_to_east, c.record_topic, c.record_partition, header);
  EXPECT_EQ(to_string(d.what), to_string(c.what));
  EXPECT_EQ(to_string(d.why), to_string(c.why));
  EXPECT_EQ(d.header.has_value(), c.what == action::drop);
  EXPECT_EQ(d.malformed.has_value(), c.why == reason::local_malformed_header);
}

INSTANTIATE_TEST_SUITE_P(table, decision_table_test, testing::ValuesIn(decision_cases),
                         [](const auto& info) { return std::string(info.param.name); });

// The offset map learns source→target pairs from echoes, so the echo must carry its source.
TEST(decision_test, echo_returns_the_parsed_header_pointing_into_the_callers_bytes) {
  const std::string value = "v1;o=east;s=east/orders/3/100;d=west/orders/3";
  const decision d = decide_for(value);
  ASSERT_EQ(d.why, reason::echo);
  ASSERT_TRUE(d.header.has_value());
  EXPECT_EQ(d.header->source, (source_coords{"east", "orders", 3, 100}));
  EXPECT_EQ(d.header->source.topic.data(), value.data() + 17);
}

TEST(decision_test, malformed_reports_why) {
  const decision d = decide_for("v1;o=east;s=east/orders/3/100;d=west/orders/2147483648");
  ASSERT_TRUE(d.malformed.has_value());
  EXPECT_EQ(*d.malformed, parse_error::bad_partition);
}

TEST(decision_test, the_same_echo_is_third_party_in_the_other_inbound_flow) {
  const std::string_view value = "v1;o=east;s=east/orders/3/100;d=west/orders/3";
  const flow west_to_north{.source_region = "west", .target_region = "north"};
  EXPECT_EQ(decide(west_to_north, topic, partition, value).why, reason::third_party);
}

// --- Several tandem-origin headers on one record: the last one counts. ---

TEST(select_origin_header_test, none_when_no_header_has_the_key) {
  const std::vector<header_view> headers = {{"trace-id", "abc"}, {"Tandem-Origin", "v1"}};
  EXPECT_EQ(select_origin_header(headers), std::nullopt);
  EXPECT_EQ(select_origin_header({}), std::nullopt);
}

TEST(select_origin_header_test, the_last_header_counts) {
  const std::vector<header_view> headers = {
      {"tandem-origin", "first"}, {"trace-id", "abc"}, {"tandem-origin", "last"}, {"x", "y"}};
  EXPECT_EQ(select_origin_header(headers), "last");
}

// An application copied a replicated record from east into west's `orders-archive`, headers
// and all; tandem then replicated that (local) record to east, appending its own header. When
// the copy comes back through east→west it must be recognised as an echo by tandem's header,
// not taken for local because of the application's stale one: that would be a loop.
TEST(select_origin_header_test, tandems_appended_header_wins_over_a_copied_one) {
  const std::vector<header_view> headers = {
      {"tandem-origin", "v1;o=north;s=north/orders/3/7;d=east/orders/3"},  // copied, stale
      {"tandem-origin", "v1;o=east;s=east/orders/3/100;d=west/orders/3"},  // tandem's
  };
  const decision d = decide_for(select_origin_header(headers));
  EXPECT_EQ(d.what, action::drop);
  EXPECT_EQ(d.why, reason::echo);
}

TEST(select_origin_header_test, a_malformed_last_header_is_not_rescued_by_an_earlier_one) {
  const std::vector<header_view> headers = {
      {"tandem-origin", "v1;o=east;s=east/orders/3/100;d=west/orders/3"},
      {"tandem-origin", "garbage"},
  };
  const decision d = decide_for(select_origin_header(headers));
  EXPECT_EQ(d.what, action::replicate);
  EXPECT_EQ(d.why, reason::local_malformed_header);
}

TEST(decision_test, names_are_distinct_prometheus_label_values) {
  const std::regex snake("[a-z][a-z0-9_]*");
  std::set<std::string_view> seen;
  for (auto r : all_reasons) {
    EXPECT_TRUE(std::regex_match(std::string(to_string(r)), snake)) << to_string(r);
    EXPECT_TRUE(seen.insert(to_string(r)).second) << to_string(r);
  }
  EXPECT_EQ(to_string(reason::local_malformed_header), "local_malformed_header");
  EXPECT_EQ(to_string(reason::third_party), "third_party");
  EXPECT_EQ(to_string(action::replicate), "replicate");
  EXPECT_EQ(to_string(action::drop), "drop");
  EXPECT_EQ(to_string(static_cast<reason>(99)), "unknown");
}

}  // namespace
}  // namespace tandem::loopguard
