#include "engine/config/duration.h"

#include <gtest/gtest.h>

#include <string>

namespace tandem::engine {
namespace {

using std::chrono::milliseconds;

struct good_case {
  std::string_view text;
  milliseconds expected;
};

TEST(test_duration, test_accepts_ms_s_m_h_and_sums) {
  const good_case cases[] = {
      {"250ms", milliseconds(250)},       {"5s", milliseconds(5000)},        {"1m", milliseconds(60'000)},
      {"2h", milliseconds(7'200'000)},    {"1m30s", milliseconds(90'000)},   {"1h1m1s1ms", milliseconds(3'661'001)},
      {"0s", milliseconds(0)},            {"007s", milliseconds(7000)},      {"1500ms", milliseconds(1500)},
  };
  for (const auto& c : cases) {
    auto d = parse_duration(c.text);
    ASSERT_TRUE(d.has_value()) << c.text << ": " << d.error();
    EXPECT_EQ(*d, c.expected) << c.text;
  }
}

struct bad_case {
  std::string_view text;
  std::string_view reason;  // substring of the error
};

TEST(test_duration, test_rejects_malformed_durations_with_a_reason) {
  const bad_case cases[] = {
      {"", "empty duration"},
      {"5", "missing unit"},
      {"5 s", "no space"},
      {"-1s", "negative"},
      {"+1s", "sign"},
      {"1.5s", "fractions are not supported"},
      {"5sec", "unknown unit \"sec\""},
      {"1500us", "unknown unit \"us\""},
      {"5S", "unknown unit \"S\""},
      {"s", "expected a number"},
      {"5s ", "unexpected character"},
      {"5s5", "missing unit"},
      {"99999999999999999999s", "too large"},
      {"9223372036854775807h", "too large"},
      {"9223372036854775s9223372036854775s", "too large"},
  };
  for (const auto& c : cases) {
    auto d = parse_duration(c.text);
    ASSERT_FALSE(d.has_value()) << '"' << c.text << "\" parsed as " << d->count() << "ms";
    EXPECT_NE(d.error().find(c.reason), std::string::npos) << '"' << c.text << "\": " << d.error();
  }
}

TEST(test_duration, test_format_uses_largest_exact_unit_and_round_trips) {
  const std::pair<milliseconds, std::string_view> cases[] = {
      {milliseconds(5000), "5s"},  {milliseconds(250), "250ms"}, {milliseconds(90'000), "90s"},
      {milliseconds(3'600'000), "1h"}, {milliseconds(120'000), "2m"}, {milliseconds(0), "0ms"},
  };
  for (const auto& [d, text] : cases) {
    EXPECT_EQ(format_duration(d), text);
    EXPECT_EQ(parse_duration(format_duration(d)).value(), d);
  }
}

}  // namespace
}  // namespace tandem::engine
