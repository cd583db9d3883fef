// The tandem.checkpoints record codec (engine/state/checkpoint_record.h).
#include "engine/state/checkpoint_record.h"

#include <gtest/gtest.h>

namespace tandem::engine {
namespace {

checkpoint_record sample() {
  return {{"west", "east"}, {"billing", "orders", 3, {1200}, {1187}, 1767225600000}};
}

TEST(checkpoint_record, key_and_value_have_the_documented_text) {
  EXPECT_EQ(encode_checkpoint_key(sample()), "west|east|billing|orders|3");
  EXPECT_EQ(encode_checkpoint_value(sample(), "west.orders", offsets::translation::exact),
            "{\"v\":1,\"source\":\"west\",\"target\":\"east\",\"group\":\"billing\","
            "\"topic\":\"orders\",\"partition\":3,\"source_offset\":1200,"
            "\"target_topic\":\"west.orders\",\"target_offset\":1187,\"kind\":\"exact\","
            "\"time_ms\":1767225600000}");
  EXPECT_NE(encode_checkpoint_value(sample(), "o", offsets::translation::below_coverage)
                .find("\"kind\":\"below_coverage\""),
            std::string::npos);
}

TEST(checkpoint_record, round_trips_whatever_the_group_name) {
  for (std::string group : {"billing", "bill|ing", "", "a\"b\\c\nd\x01", "caf\xc3\xa9"}) {
    auto r = sample();
    r.checkpoint.group = group;
    auto d = decode_checkpoint_record(encode_checkpoint_key(r),
                                      encode_checkpoint_value(r, "t", offsets::translation::empty));
    ASSERT_TRUE(d) << d.error();
    EXPECT_EQ(*d, r);
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


TEST(checkpoint_record, malformed_records_are_refused_with_the_key_named) {
  const std::string key = encode_checkpoint_key(sample());
  const std::string value = encode_checkpoint_value(sample(), "west.orders",
                                                    offsets::translation::exact);
  auto with = [&](const std::string& field, const std::string& text) {
    std::string v = value;
    auto at = v.find("\"" + field + "\":") + field.size() + 3;
    return v.replace(at, v.find_first_of(",}", at) - at, text);
  };
  struct bad_case {
    std::optional<std::string> value;
    std::string why;
  };
  std::vector<bad_case> cases = {
      {std::nullopt, "a tombstone"},
      {"not json", "JSON"},
      {value + " {}", "after the object"},
      {"{\"v\":2}", "version"},
      {"{}", "missing version"},
      {"{\"v\":1,\"source\":\"west\"}", "lacks \"target\""},
      {with("partition", "2147483648"), "unsupported value of \"partition\""},
      {with("partition", "3.0"), "unsupported value of \"partition\""},
      {with("source_offset", "-1"), "unsupported value of \"source_offset\""},
      {with("target_offset", "1e3"), "unsupported value of \"target_offset\""},
      {with("time_ms", "99999999999999999999"), "unsupported value of \"time_ms\""},
      {with("group", "[]"), "a string is expected"},
      {with("source", "\"\""), "empty source"},
      {with("target", "\"west\""), "does not match the key"},
  };
  for (const auto& c : cases) {
    auto d = decode_checkpoint_record(key, c.value);
    ASSERT_FALSE(d) << c.value.value_or("(null)");
    EXPECT_NE(d.error().find(c.why), std::string::npos) << d.error();
    EXPECT_NE(d.error().find("tandem.checkpoints record \"west|east|billing"), std::string::npos)
        << d.error();
  }
  // Unknown fields, even nested ones, and a negative time are accepted.
  auto extra = value;
  extra.insert(1, "\"later\":{\"x\":[1,2.5,null]},");
  EXPECT_TRUE(decode_checkpoint_record(key, extra));
  EXPECT_TRUE(decode_checkpoint_record(key, with("time_ms", "-1")));
}

}  // namespace
}  // namespace tandem::engine
