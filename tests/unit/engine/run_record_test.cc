// The tandem.offsets record codec and the tandem.checkpoints decoder (engine/state/run_record.h).
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

TEST(checkpoint_record, decodes_the_checkpointer_format) {
  const std::string key = "west|east|bill|ing|orders|3";  // a group may hold '|'
  const std::string value =
      "{\"v\":1,\"source\":\"west\",\"target\":\"east\",\"group\":\"bill|ing\",\"topic\":\"orders\","
      "\"partition\":3,\"source_offset\":1200,\"target_topic\":\"west.orders\","
      "\"target_offset\":1187,\"kind\":\"exact\",\"time_ms\":1767225600000}";
  auto d = decode_checkpoint_record(key, value);
  ASSERT_TRUE(d) << d.error();
  EXPECT_EQ(d->flow, (offsets::flow_id{"west", "east"}));
  EXPECT_EQ(d->checkpoint,
            (offsets::checkpoint{"bill|ing", "orders", 3, {1200}, {1187}, 1767225600000}));

  EXPECT_FALSE(decode_checkpoint_record(key, std::nullopt));
  EXPECT_FALSE(decode_checkpoint_record("west|east|other|orders|3", value));
  EXPECT_FALSE(decode_checkpoint_record(key, "{\"v\":1,\"source\":\"west\"}"));
}

}  // namespace
}  // namespace tandem::engine
