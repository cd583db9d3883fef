// The tandem.offsets record codec (engine/state/run_record.h).
#include "engine/state/run_record.h"

#include <gtest/gtest.h>

namespace tandem::engine {
namespace {

run_record sample() { return {{"west", "east"}, "orders", 3, {{1200}, {1187}, 500}}; }

TEST(run_record, key_and_value_have_the_documented_text) {
  EXPECT_EQ(encode_run_key(sample()), "west|east|orders|3|1200|1187");
  EXPECT_EQ(encode_run_value(sample()),
            "{\"v\":1,\"source\":\"west\",\"target\":\"east\",\"topic\":\"orders\","
            "\"partition\":3,\"src_start\":1200,\"dst_start\":1187,\"length\":500}");
}

TEST(run_record, round_trips) {
  auto r = sample();
  auto d = decode_run_record(encode_run_key(r), encode_run_value(r));
  ASSERT_TRUE(d) << d.error();
  EXPECT_FALSE(d->tombstone);
  EXPECT_EQ(d->record, r);
}

TEST(run_record, a_topic_holding_the_separator_is_split_from_both_ends) {
  run_record r{{"a", "b"}, "x|y||z", 0, {{0}, {9}, 1}};
  EXPECT_EQ(encode_run_key(r), "a|b|x|y||z|0|0|9");
  auto d = decode_run_record(encode_run_key(r), encode_run_value(r));
  ASSERT_TRUE(d) << d.error();
  EXPECT_EQ(d->record, r);
}

TEST(run_record, a_null_value_is_a_tombstone_named_by_the_key) {
  auto d = decode_run_record("west|east|orders|3|1200|1187", std::nullopt);
  ASSERT_TRUE(d) << d.error();
  EXPECT_TRUE(d->tombstone);
  EXPECT_EQ(d->record.flow, (offsets::flow_id{"west", "east"}));
  EXPECT_EQ(d->record.topic, "orders");
  EXPECT_EQ(d->record.partition, 3);
  EXPECT_EQ(d->record.run.src_start.v, 1200);
  EXPECT_EQ(d->record.run.dst_start.v, 1187);
  EXPECT_EQ(d->record.run.length, 0);
}

TEST(run_record, unknown_fields_and_whitespace_are_accepted) {
  auto d = decode_run_record(
      "west|east|orders|3|1200|1187",
      " { \"v\" : 1, \"extra\": {\"no\":1}, \"source\":\"west\"} ");  // nested: refused
  EXPECT_FALSE(d);
  d = decode_run_record("west|east|orders|3|1200|1187",
                        "{ \"v\":1, \"note\":\"a \\\"quoted\\\" \\u0041\", \"flag\":true, "
                        "\"none\":null, \"source\":\"west\",\"target\":\"east\","
                        "\"topic\":\"orders\",\"partition\":3,\"src_start\":1200,"
                        "\"dst_start\":1187,\"length\":500 }\n");
  ASSERT_TRUE(d) << d.error();
  EXPECT_EQ(d->record, sample());
}

TEST(run_record, malformed_records_are_refused_with_the_key_named) {
  const std::string key = "west|east|orders|3|1200|1187";
  auto value = encode_run_value(sample());
  struct bad_case {
    std::string key;
    std::optional<std::string> value;
    std::string why;
  };
  std::vector<bad_case> cases = {
      {"west|east|orders|3|1200", value, "6 '|'"},
      {"west|east|orders|x|1200|1187", value, "non-negative number"},
      {"west|east|orders|3|-1|1187", value, "non-negative number"},
      {"west||orders|3|1200|1187", value, "empty region"},
      {key, "not json", "JSON"},
      {key, "{\"v\":2}", "version"},
      {key, "{\"v\":1,\"source\":\"west\"}", "lacks"},
      {"west|east|orders|3|1200|1188", value, "does not match"},
      {key, "{\"v\":1,\"source\":\"west\",\"target\":\"east\",\"topic\":\"orders\",\"partition\":3,"
            "\"src_start\":1200,\"dst_start\":1187,\"length\":0}", "valid run"},
      {key, value + "x", "after the object"},
      {key, "{\"v\":1.5}", "unsupported value"},
  };
  for (const auto& c : cases) {
    auto d = decode_run_record(c.key, c.value);
    ASSERT_FALSE(d) << c.key << " " << c.value.value_or("(null)");
    EXPECT_NE(d.error().find(c.why), std::string::npos) << d.error();
    EXPECT_NE(d.error().find("tandem.offsets record \"" + c.key.substr(0, 10)), std::string::npos)
        << d.error();
  }
}

TEST(run_record, numbers_must_be_integers_in_range_and_names_strings) {
  const std::string key = "west|east|orders|3|1200|1187";
  auto with = [](const std::string& field, const std::string& text) {
    std::string v = "{\"v\":1,\"source\":\"west\",\"target\":\"east\",\"topic\":\"orders\","
                    "\"partition\":3,\"src_start\":1200,\"dst_start\":1187,\"length\":500}";
    auto at = v.find("\"" + field + "\":") + field.size() + 3;
    return v.replace(at, v.find_first_of(",}", at) - at, text);
  };
  struct bad_case {
    std::string field, text, why;
  };
  std::vector<bad_case> cases = {
      {"length", "-5", "unsupported value of \"length\": -5"},
      {"length", "500.0", "unsupported value of \"length\": 500.0"},
      {"length", "5e2", "unsupported value of \"length\""},
      {"length", "18446744073709551615", "unsupported value of \"length\": 18446744073709551615"},
      {"length", "1e400", "JSON"},
      {"length", "123456789012345678901234567890", "unsupported value of \"length\""},
      {"length", "\"500\"", "integer from 0 to 9223372036854775807 is expected"},
      {"length", "9223372036854775807", "valid run"},
      {"partition", "4294967299", "unsupported value of \"partition\""},
      {"partition", "-1", "integer from 0 to 2147483647"},
      {"src_start", "-1200", "unsupported value of \"src_start\""},
      {"source", "7", "a string is expected"},
      {"topic", "null", "unsupported value of \"topic\": null"},
      {"v", "\"1\"", "version 1"},
      {"v", "true", "version 1"},
  };
  for (const auto& c : cases) {
    auto d = decode_run_record(key, with(c.field, c.text));
    ASSERT_FALSE(d) << with(c.field, c.text);
    EXPECT_NE(d.error().find(c.why), std::string::npos) << d.error();
    EXPECT_NE(d.error().find("tandem.offsets record \"west|east"), std::string::npos) << d.error();
  }
  EXPECT_TRUE(decode_run_record(key, with("length", "500")));
  EXPECT_FALSE(decode_run_record(key, "[1,2]"));
  EXPECT_FALSE(decode_run_record(key, "\"text\""));
  EXPECT_FALSE(decode_run_record(key, ""));
  EXPECT_FALSE(decode_run_record(key, std::string("{\"v\":1,\"source\":\"we\xffst\"}")));
}

TEST(run_record, the_key_is_quoted_in_errors_up_to_120_bytes) {
  const std::string key(300, 'k');
  auto d = decode_run_record(key, "{}");
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().find("\"" + key.substr(0, 120) + "...\""), std::string::npos) << d.error();
}

TEST(run_record, names_are_escaped_in_the_value) {
  run_record r{{"west", "east"}, "a\"b\\c", 0, {{0}, {9}, 1}};
  EXPECT_EQ(encode_run_value(r),
            "{\"v\":1,\"source\":\"west\",\"target\":\"east\",\"topic\":\"a\\\"b\\\\c\","
            "\"partition\":0,\"src_start\":0,\"dst_start\":9,\"length\":1}");
  auto d = decode_run_record(encode_run_key(r), encode_run_value(r));
  ASSERT_TRUE(d) << d.error();
  EXPECT_EQ(d->record, r);
}

}  // namespace
}  // namespace tandem::engine
