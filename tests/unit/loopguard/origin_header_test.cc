#include "loopguard/origin_header.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <regex>
#include <set>
#include <string>

namespace tandem::loopguard {
namespace {

constexpr std::string_view typical = "v1;o=west;s=west/orders/3/12345;d=east/orders/3";

origin typical_origin() {
  return {.region = "west",
          .source = {.region = "west", .topic = "orders", .partition = 3, .offset = 12345},
          .destination = {.region = "east", .topic = "orders", .partition = 3}};
}

std::string encoded(const origin& o) {
  std::string out;
  EXPECT_TRUE(encode(o, out));
  return out;
}

TEST(origin_header_test, encodes_the_documented_example) {
  EXPECT_EQ(encoded(typical_origin()), typical);
}

TEST(origin_header_test, parses_the_documented_example) {
  const auto parsed = parse(typical);
  ASSERT_TRUE(parsed.has_value()) << to_string(parsed.error());
  EXPECT_EQ(*parsed, typical_origin());
}

TEST(origin_header_test, round_trips_prefix_named_and_boundary_values) {
  constexpr auto max_partition = std::numeric_limits<std::int32_t>::max();
  constexpr auto max_offset = std::numeric_limits<std::int64_t>::max();
  const origin cases[] = {
      {"west", {"west", "orders", 0, 0}, {"east", "west.orders", 0}},
      {"eu-west_1", {"eu-west_1", "a.b_c-d", 7, 1}, {"US-2", "a.b_c-d", 7}},
      {"w", {"w", "t", max_partition, max_offset}, {"e", "t", max_partition}},
  };
  for (const auto& o : cases) {
    const std::string text = encoded(o);
    const auto parsed = parse(text);
    ASSERT_TRUE(parsed.has_value()) << text << ": " << to_string(parsed.error());
    EXPECT_EQ(*parsed, o) << text;
  }
}

TEST(origin_header_test, longest_valid_header_is_exactly_max_header_length) {
  const std::string r1(max_region_length, 'a'), r2(max_region_length, 'b');
  const std::string t1(max_topic_length, 'x'), t2(max_topic_length, 'y');
  constexpr auto p = std::numeric_limits<std::int32_t>::max();
  const origin o{r1, {r1, t1, p, std::numeric_limits<std::int64_t>::max()}, {r2, t2, p}};
  const std::string text = encoded(o);
  EXPECT_EQ(text.size(), max_header_length);
  ASSERT_TRUE(parse(text).has_value());
  EXPECT_EQ(*parse(text), o);
}

TEST(origin_header_test, parsed_views_point_into_the_input) {
  const std::string text(typical);
  const auto parsed = parse(text.data(), text.size());
  ASSERT_TRUE(parsed.has_value());
  const auto inside = [&](std::string_view v) {
    return v.data() >= text.data() && v.data() + v.size() <= text.data() + text.size();
  };
  EXPECT_TRUE(inside(parsed->region));
  EXPECT_TRUE(inside(parsed->source.region));
  EXPECT_TRUE(inside(parsed->source.topic));
  EXPECT_TRUE(inside(parsed->destination.region));
  EXPECT_TRUE(inside(parsed->destination.topic));
}

TEST(origin_header_test, null_header_value_is_empty) {
  EXPECT_EQ(parse(nullptr, 0).error(), parse_error::empty);
  EXPECT_EQ(parse(nullptr, 17).error(), parse_error::empty);
  EXPECT_TRUE(header_bytes(nullptr, 17).empty());
}

TEST(origin_header_test, encode_clears_and_reuses_the_callers_buffer) {
  std::string out = "left over from the previous record";
  out.reserve(max_header_length);
  const char* const buffer = out.data();
  ASSERT_TRUE(encode(typical_origin(), out));
  EXPECT_EQ(out, typical);
  EXPECT_EQ(out.data(), buffer) << "encode reallocated a buffer of max_header_length";
}

TEST(origin_header_test, encode_refuses_what_parse_would_reject) {
  const auto with = [](auto change) {
    origin o = typical_origin();
    change(o);
    return o;
  };
  const origin bad[] = {
      with([](origin& o) { o.region = o.source.region = ""; }),
      with([](origin& o) { o.region = o.source.region = "we;st"; }),
      with([](origin& o) { o.region = "north"; }),              // o != s.region
      with([](origin& o) { o.destination.region = "west"; }),   // back into its origin
      with([](origin& o) { o.destination.region = "ea/st"; }),
      with([](origin& o) { o.source.topic = "or/ders"; }),
      with([](origin& o) { o.destination.topic = ".."; }),
      with([](origin& o) { o.source.partition = -1; }),
      with([](origin& o) { o.destination.partition = -3; }),
      with([](origin& o) { o.source.offset = -1; }),
  };
  for (const auto& o : bad) {
    std::string out = "stale";
    EXPECT_FALSE(is_valid(o));
    EXPECT_FALSE(encode(o, out));
    EXPECT_TRUE(out.empty()) << out;
  }
}

TEST(origin_header_test, error_names_are_distinct_prometheus_label_values) {
  const std::regex snake("[a-z][a-z0-9_]*");
  std::set<std::string_view> seen;
  for (auto e : all_parse_errors) {
    const auto name = to_string(e);
    EXPECT_TRUE(std::regex_match(std::string(name), snake)) << name;
    EXPECT_NE(name, "unknown");
    EXPECT_TRUE(seen.insert(name).second) << name;
  }
  EXPECT_EQ(to_string(static_cast<parse_error>(200)), "unknown");
}

// --- Malformed inputs: every one is rejected with the first rule it breaks. ---

struct malformed_case {
  const char* name;
  std::string input;
  parse_error expected;
};

std::string with_source(std::string_view s) {
  return "v1;o=west;s=" + std::string(s) + ";d=east/orders/3";
}
std::string with_destination(std::string_view d) {
  return "v1;o=west;s=west/orders/3/12345;d=" + std::string(d);
}
std::string with_origin(std::string_view o) {
  return "v1;o=" + std::string(o) + ";s=west/orders/3/12345;d=east/orders/3";
}
std::string bytes(const char* s, std::size_t n) { return std::string(s, n); }

const malformed_case malformed_cases[] = {
    {"empty", "", parse_error::empty},
    {"too_long", std::string(max_header_length + 1, 'v'), parse_error::too_long},
    {"too_long_valid_prefix", std::string(typical) + std::string(max_header_length, '0'),
     parse_error::too_long},
    // Version.
    {"no_version", "o=west;s=west/orders/3/12345;d=east/orders/3", parse_error::bad_version},
    {"upper_case_version", "V1;o=west;s=west/orders/3/12345;d=east/orders/3",
     parse_error::bad_version},
    {"bare_v", "v;o=west", parse_error::bad_version},
    {"version_with_space", "v1 ;o=west", parse_error::bad_version},
    {"leading_space", " v1;o=west;s=west/orders/3/12345;d=east/orders/3", parse_error::bad_version},
    {"random_text", "hello world", parse_error::bad_version},
    {"v2", "v2;o=west;s=west/orders/3/12345;d=east/orders/3", parse_error::unsupported_version},
    {"v10", "v10;o=west", parse_error::unsupported_version},
    {"v01", "v01;o=west;s=west/orders/3/12345;d=east/orders/3",
     parse_error::unsupported_version},
    // Fields: presence, order, extras, separators.
    {"only_version", "v1", parse_error::missing_field},
    {"missing_s_and_d", "v1;o=west", parse_error::missing_field},
    {"missing_d", "v1;o=west;s=west/orders/3/12345", parse_error::missing_field},
    {"empty_field_after_version", "v1;", parse_error::unexpected_field},
    {"double_semicolon", "v1;;o=west;s=west/orders/3/12345;d=east/orders/3",
     parse_error::unexpected_field},
    {"s_before_o", "v1;s=west/orders/3/12345;o=west;d=east/orders/3",
     parse_error::unexpected_field},
    {"d_before_s", "v1;o=west;d=east/orders/3;s=west/orders/3/12345",
     parse_error::unexpected_field},
    {"unknown_field", "v1;o=west;x=1;s=west/orders/3/12345;d=east/orders/3",
     parse_error::unexpected_field},
    {"key_without_equals", "v1;o;s=west/orders/3/12345;d=east/orders/3",
     parse_error::unexpected_field},
    {"long_key", "v1;origin=west;s=west/orders/3/12345;d=east/orders/3",
     parse_error::unexpected_field},
    {"space_before_key", "v1; o=west;s=west/orders/3/12345;d=east/orders/3",
     parse_error::unexpected_field},
    {"trailing_semicolon", std::string(typical) + ";", parse_error::trailing_data},
    {"trailing_field", std::string(typical) + ";m=deadbeef", parse_error::trailing_data},
    {"repeated_d", std::string(typical) + ";d=east/orders/3", parse_error::trailing_data},
    {"source_too_few_parts", with_source("west/orders/3"), parse_error::bad_coordinates},
    {"source_too_many_parts", with_source("west/orders/3/12345/6"), parse_error::bad_coordinates},
    {"source_double_slash", with_source("west//orders/3/12345"), parse_error::bad_coordinates},
    {"source_trailing_slash", with_source("west/orders/3/12345/"), parse_error::bad_coordinates},
    {"destination_too_few_parts", with_destination("east/orders"), parse_error::bad_coordinates},
    {"destination_trailing_slash", with_destination("east/orders/3/"),
     parse_error::bad_coordinates},
    {"destination_with_offset", with_destination("east/orders/3/99"),
     parse_error::bad_coordinates},
    // Regions.
    {"empty_origin", with_origin(""), parse_error::bad_region},
    {"origin_double_equals", with_origin("=west"), parse_error::bad_region},
    {"origin_with_dot", with_origin("we.st"), parse_error::bad_region},
    {"origin_too_long", with_origin(std::string(max_region_length + 1, 'w')),
     parse_error::bad_region},
    {"origin_embedded_nul", with_origin(bytes("we\0st", 5)), parse_error::bad_region},
    {"origin_non_utf8", with_origin("we\xffst"), parse_error::bad_region},
    {"origin_utf8", with_origin("w\xc3\xa9st"), parse_error::bad_region},
    {"empty_source_region", with_source("/orders/3/12345"), parse_error::bad_region},
    {"empty_destination_region", with_destination("/orders/3"), parse_error::bad_region},
    // Topics.
    {"empty_source_topic", with_source("west//3/12345"), parse_error::bad_topic},
    {"dot_topic", with_source("west/./3/12345"), parse_error::bad_topic},
    {"dotdot_topic", with_destination("east/../3"), parse_error::bad_topic},
    {"topic_too_long", with_destination("east/" + std::string(max_topic_length + 1, 't') + "/3"),
     parse_error::bad_topic},
    {"topic_with_space", with_source("west/ord ers/3/12345"), parse_error::bad_topic},
    {"topic_embedded_nul", with_source(bytes("west/ord\0ers/3/12345", 20)), parse_error::bad_topic},
    {"topic_invalid_utf8", with_destination("east/or\xc3\x28" "ders/3"), parse_error::bad_topic},
    // Partitions: canonical non-negative int32.
    {"partition_empty", with_source("west/orders//12345"), parse_error::bad_partition},
    {"partition_letters", with_source("west/orders/three/12345"), parse_error::bad_partition},
    {"partition_negative", with_source("west/orders/-1/12345"), parse_error::bad_partition},
    {"partition_plus", with_source("west/orders/+3/12345"), parse_error::bad_partition},
    {"partition_leading_zero", with_source("west/orders/03/12345"), parse_error::bad_partition},
    {"partition_negative_zero", with_destination("east/orders/-0"), parse_error::bad_partition},
    {"partition_int32_overflow", with_source("west/orders/2147483648/12345"),
     parse_error::bad_partition},
    {"partition_uint64_overflow", with_destination("east/orders/99999999999999999999999"),
     parse_error::bad_partition},
    {"partition_hex", with_destination("east/orders/0x3"), parse_error::bad_partition},
    {"partition_trailing_newline", with_destination("east/orders/3\n"),
     parse_error::bad_partition},
    {"partition_trailing_nul", with_destination(bytes("east/orders/3\0", 14)),
     parse_error::bad_partition},
    // Offsets: canonical non-negative int64.
    {"offset_empty", with_source("west/orders/3/"), parse_error::bad_offset},
    {"offset_negative", with_source("west/orders/3/-1"), parse_error::bad_offset},
    {"offset_plus", with_source("west/orders/3/+12345"), parse_error::bad_offset},
    {"offset_leading_zero", with_source("west/orders/3/012345"), parse_error::bad_offset},
    {"offset_exponent", with_source("west/orders/3/1e5"), parse_error::bad_offset},
    {"offset_decimal_point", with_source("west/orders/3/1.0"), parse_error::bad_offset},
    {"offset_int64_overflow", with_source("west/orders/3/9223372036854775808"),
     parse_error::bad_offset},
    {"offset_uint64_overflow", with_source("west/orders/3/18446744073709551616"),
     parse_error::bad_offset},
    // Cross-field rules.
    {"origin_is_not_source_region", "v1;o=west;s=north/orders/3/12345;d=east/orders/3",
     parse_error::origin_mismatch},
    {"destination_is_origin_region", with_destination("west/orders/3"), parse_error::same_region},
};

class malformed_header_test : public testing::TestWithParam<malformed_case> {};

TEST_P(malformed_header_test, is_rejected_with_its_reason) {
  const auto& c = GetParam();
  const auto parsed = parse(c.input);
  ASSERT_FALSE(parsed.has_value()) << "accepted: " << c.input;
  EXPECT_EQ(to_string(parsed.error()), to_string(c.expected)) << c.input;
}

INSTANTIATE_TEST_SUITE_P(table, malformed_header_test, testing::ValuesIn(malformed_cases),
                         [](const auto& info) { return std::string(info.param.name); });

// The canonical-form promise: what parses is exactly what encode() would write.
TEST(origin_header_test, accepted_headers_reencode_byte_for_byte) {
  const std::string inputs[] = {std::string(typical), with_source("west/a.b/0/0"),
                                with_destination("east/west.orders/2147483647")};
  for (const auto& in : inputs) {
    const auto parsed = parse(in);
    ASSERT_TRUE(parsed.has_value()) << in;
    EXPECT_EQ(encoded(*parsed), in);
  }
}

}  // namespace
}  // namespace tandem::loopguard
