// tandemctl's output helpers and option parser.
#include "tools/table.h"

#include <gtest/gtest.h>

#include <sstream>

#include "json_check.h"
#include "tools/args.h"

namespace tandem::tools {
namespace {

TEST(test_table, test_columns_are_aligned_without_trailing_blanks) {
  table t({"NAME", "N", "NOTE"}, {align::left, align::right});
  t.add({"orders", "7", ""});
  t.add({"x", "1234", "long note"});
  std::ostringstream out;
  t.print(out);
  EXPECT_EQ(out.str(),
            "NAME       N  NOTE\n"
            "orders     7\n"
            "x       1234  long note\n");
}

TEST(test_print_json, test_nested_containers_and_escapes_make_valid_json) {
  std::ostringstream out;
  json doc = {{"s", "a\"b\\c\n\x01"}, {"n", int64_t{-5}}, {"u", uint64_t{7}}, {"b", true}, {"z", nullptr}};
  doc["a"] = json::array({int64_t{1}, json::object(), json::array()});
  print_json(out, doc);
  EXPECT_EQ(out.str(), R"({"s":"a\"b\\c\n\u0001","n":-5,"u":7,"b":true,"z":null,"a":[1,{},[]]})" "\n");
  const auto parsed = testing::parse_json(out.str());
  ASSERT_TRUE(parsed);
  EXPECT_EQ((*parsed)["s"].str, "a\"b\\c\n\x01");
}

TEST(test_print_json, test_keys_keep_their_order_and_optionals_are_null) {
  std::ostringstream out;
  print_json(out, {{"zeta", nullable(int64_t{3})}, {"alpha", nullable(std::nullopt)}, {"mid", "\xff"}});
  // Keys as written (not sorted); an invalid UTF-8 byte becomes U+FFFD instead of throwing.
  EXPECT_EQ(out.str(), "{\"zeta\":3,\"alpha\":null,\"mid\":\"\xef\xbf\xbd\"}\n");
}

TEST(test_human_bytes, test_binary_units) {
  EXPECT_EQ(human_bytes(0), "0 B");
  EXPECT_EQ(human_bytes(1023), "1023 B");
  EXPECT_EQ(human_bytes(1536), "1.5 KiB");
  EXPECT_EQ(human_bytes(5ull << 20), "5.0 MiB");
}

TEST(test_parse_number, test_whole_numbers_in_range_only) {
  EXPECT_EQ(parse_number("0", 0, 10), 0);
  EXPECT_EQ(parse_number("10", 0, 10), 10);
  EXPECT_EQ(parse_number("11", 0, 10), std::nullopt);
  EXPECT_EQ(parse_number("-1", 0, 10), std::nullopt);
  EXPECT_EQ(parse_number("", 0, 10), std::nullopt);
  EXPECT_EQ(parse_number("3x", 0, 10), std::nullopt);
  EXPECT_EQ(parse_number(" 3", 0, 10), std::nullopt);
  EXPECT_EQ(parse_number("99999999999999999999", 0, 10), std::nullopt);
}

TEST(test_parse_args, test_values_flags_aliases_and_help) {
  constexpr option_spec spec[] = {{"--config", "FILE", "-c"}, {"--json", ""}, {"--topic", "TOPIC"}};
  std::vector<std::string_view> args{"-c", "a.toml", "--json", "--topic=orders"};
  auto p = parse_args(args, spec);
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->get("--config"), "a.toml");
  EXPECT_TRUE(p->has("--json"));
  EXPECT_EQ(p->get("--topic"), "orders");
  EXPECT_FALSE(p->help);

  std::vector<std::string_view> help{"--bogus", "-h"};
  auto h = parse_args(help, spec);
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->help);

  std::vector<std::string_view> dash_value{"--topic", "--json"};
  EXPECT_EQ(parse_args(dash_value, spec).error(), "option --topic needs a TOPIC");
  std::vector<std::string_view> empty_value{"--topic="};
  EXPECT_EQ(parse_args(empty_value, spec).error(), "option --topic: empty TOPIC");
}

}  // namespace
}  // namespace tandem::tools
