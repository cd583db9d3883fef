// Secrets in the librdkafka passthrough never appear in errors or summaries (docs/design.md,
// "Safety rules").

#include <gtest/gtest.h>

#include "engine/config/config.h"
#include "tests/unit/engine/config_fixtures.h"

namespace tandem::engine {
namespace {

using testing::with_minimal;

constexpr std::string_view k_secret = "hunter2-s3cr3t";

TEST(test_secret_property, test_recognises_secret_names) {
  for (std::string_view name : {"sasl.password", "ssl.key.password", "ssl.keystore.password",
                                "sasl.oauthbearer.client.secret", "ssl.key.pem", "sasl.oauthbearer.config",
                                "SASL.PASSWORD", "ssl_key", "some.api.token", "aws.credentials", "x.key"}) {
    EXPECT_TRUE(is_secret_property(name)) << name;
  }
  for (std::string_view name : {"security.protocol", "sasl.username", "ssl.key.location", "ssl.ca.location",
                                "ssl.certificate.pem", "linger.ms", "sasl.mechanisms", "client.id"}) {
    EXPECT_FALSE(is_secret_property(name)) << name;
  }
}

struct leak_case {
  std::string_view name;
  std::string text;
  std::string_view expected;  // the message still names the problem
};

TEST(test_redaction, test_errors_never_echo_secret_values) {
  const std::string s(k_secret);
  const leak_case cases[] = {
      {"unknown_key_next_to_a_password",
       with_minimal("[clusters.west.librdkafka]\n\"sasl.password\" = \"" + s + "\"\n[replication]\nnamimg = 1\n"),
       "unknown key \"replication.namimg\""},
      {"password_with_a_bad_type",
       with_minimal("[clusters.west.librdkafka]\n\"sasl.password\" = [\"" + s + "\"]\n"),
       "clusters.west.librdkafka.'sasl.password': expected a string, integer, float or boolean, got array"},
      {"password_in_an_inline_table",
       with_minimal("[clusters.west.librdkafka]\n\"ssl.key.password\" = { v = \"" + s + "\" }\n"
                    "[clusters.west.librdkafka.x]\ny = [1]\n"),
       "clusters.west.librdkafka.'x.y': expected a string"},
      {"password_set_twice",
       with_minimal("[clusters.west.librdkafka]\n\"sasl.password\" = \"" + s + "\"\nsasl.password = \"" + s +
                    "x\"\n"),
       "property set twice"},
      {"password_in_the_wrong_table", with_minimal("[clusters.west.sasl]\npassword = \"" + s + "\"\n"),
       "unknown key \"clusters.west.sasl\""},
      {"password_as_a_cluster_key", with_minimal("password = \"" + s + "\"\n"),
       "unknown key \"clusters.west.password\""},
      {"syntax_error_after_a_password",
       with_minimal("[clusters.west.librdkafka]\n\"sasl.password\" = \"" + s + "\"" + s + "\n"),
       "invalid TOML"},
      {"unterminated_password", with_minimal("[clusters.west.librdkafka]\n\"sasl.password\" = \"" + s + "\n"),
       "invalid TOML (string)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto cfg = load_config_string(c.text, "east.toml");
    ASSERT_FALSE(cfg.has_value());
    const std::string rendered = cfg.error().render();
    EXPECT_NE(rendered.find(c.expected), std::string::npos) << rendered;
    EXPECT_EQ(rendered.find("hunter"), std::string::npos) << rendered;
    EXPECT_EQ(rendered.find("s3cr3t"), std::string::npos) << rendered;
  }
}

TEST(test_redaction, test_summary_and_redacted_view_hide_secret_values) {
  const auto cfg = load_config_string(with_minimal("[clusters.west.librdkafka]\n"
                                                   "\"security.protocol\" = \"SASL_SSL\"\n"
                                                   "\"sasl.username\" = \"tandem\"\n"
                                                   "\"sasl.password\" = \"" + std::string(k_secret) + "\"\n"
                                                   "ssl.key.pem = \"" + std::string(k_secret) + "\"\n"
                                                   "[replication]\ntopics = [\".*\"]\n"),
                                      "east.toml");
  ASSERT_TRUE(cfg.has_value()) << cfg.error().render();
  const cluster_config& west = *cfg->find_cluster("west");
  EXPECT_EQ(west.librdkafka.at("sasl.password"), k_secret);  // the engine still gets the value
  const auto redacted = west.redacted();
  EXPECT_EQ(redacted.at("sasl.password"), k_redacted);
  EXPECT_EQ(redacted.at("ssl.key.pem"), k_redacted);
  EXPECT_EQ(redacted.at("sasl.username"), "tandem");

  const std::string s = summary(*cfg);
  EXPECT_EQ(s.find("hunter"), std::string::npos) << s;
  EXPECT_NE(s.find("sasl.password = <redacted>"), std::string::npos) << s;
  EXPECT_NE(s.find("security.protocol = SASL_SSL"), std::string::npos) << s;
  EXPECT_NE(s.find("west -> east"), std::string::npos) << s;
}

}  // namespace
}  // namespace tandem::engine
