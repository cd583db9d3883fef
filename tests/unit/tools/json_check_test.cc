// The tests' reader of tandemctl's --json output (json_check.h) is as strict as documented.
#include "json_check.h"

#include <gtest/gtest.h>

namespace tandem::tools {
namespace {

TEST(test_json_check, test_reads_nested_documents) {
  const auto j = testing::parse_json(
      " {\"a\":[1,-2,{\"b\":null}],\"s\":\"x\\u00e9\\n\",\"t\":true,"
      "\"big\":9223372036854775807}\n");
  ASSERT_TRUE(j);
  EXPECT_EQ((*j)["a"].items.size(), 3u);
  EXPECT_EQ((*j)["a"][1].num, -2);
  EXPECT_TRUE((*j)["a"][2].has("b"));
  EXPECT_TRUE((*j)["a"][2]["b"].is_null());
  EXPECT_EQ((*j)["s"].str, "x\xc3\xa9\n");
  EXPECT_TRUE((*j)["t"].b);
  EXPECT_EQ((*j)["big"].num, INT64_MAX);
  EXPECT_TRUE((*j)["missing"][3]["deeper"].is_null());
}

TEST(test_json_check, test_refuses_what_tandemctl_never_writes) {
  for (const char* bad : {"", "{", "{} {}", "{\"a\":1}x", "{\"a\":1,\"a\":2}",
                          "[{\"a\":1,\"a\":1}]", "{\"a\":1.5}", "{\"a\":9223372036854775808}",
                          "{'a':1}", "{\"a\":01}"})
    EXPECT_FALSE(testing::parse_json(bad)) << bad;
  EXPECT_TRUE(testing::parse_json("[{\"a\":1},{\"a\":1}]"));  // the same key in two objects
}

}  // namespace
}  // namespace tandem::tools
