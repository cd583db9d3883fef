// The librdkafka passthrough (issue #12, "Safety of the librdkafka passthrough"): properties
// tandem sets itself are refused (config_malformed_test.cc has the messages); the rest reaches
// only the clients it applies to, and check-config asks librdkafka about it without connecting.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "engine/cli/cli.h"
#include "engine/config/config.h"
#include "engine/config/passthrough.h"
#include "engine/kafka/rdkafka/client_check.h"
#include "engine/kafka/rdkafka/properties.h"
#include "tests/fakes/temp_dir.h"
#include "tests/unit/engine/config_fixtures.h"

namespace tandem::engine {
namespace {

using testing::with_minimal;

config load(std::string_view tail) {
  auto cfg = load_config_string(with_minimal(tail), "east.toml");
  EXPECT_TRUE(cfg.has_value()) << (cfg ? "" : cfg.error().render());
  return cfg ? *cfg : config{};
}

struct findings {
  std::vector<std::string> errors, warnings;
  std::string text() const {
    std::string out;
    for (const auto& e : errors) out += "error: " + e + "\n";
    for (const auto& w : warnings) out += "warning: " + w + "\n";
    return out;
  }
};

findings check(const config& cfg) {
  findings f;
  rdk::check_clients(cfg, f.errors, f.warnings);
  return f;
}

TEST(passthrough, librdkafkas_table_gives_each_property_its_clients) {
  EXPECT_EQ(rdk::scope_of("linger.ms"), rdk::property_scope::producer);
  EXPECT_EQ(rdk::scope_of("fetch.wait.max.ms"), rdk::property_scope::consumer);
  EXPECT_EQ(rdk::scope_of("security.protocol"), rdk::property_scope::both);
  EXPECT_EQ(rdk::scope_of("acks"), rdk::property_scope::producer);  // a topic property
  EXPECT_EQ(rdk::scope_of("no.such.property"), std::nullopt);
}

// The guard list names every alias librdkafka has for a guarded property: `delivery.timeout.ms`
// must not sneak past a refused `message.timeout.ms`.
TEST(passthrough, every_alias_of_a_guarded_property_is_guarded) {
  auto aliases = rdk::property_aliases();
  ASSERT_GT(aliases.size(), 10u) << "librdkafka's table was not parsed";
  for (const auto& [alias, target] : aliases) {
    bool a = guarded_reason(alias).has_value(), t = guarded_reason(target).has_value();
    EXPECT_EQ(a, t) << alias << " is an alias of " << target;
  }
  for (const auto& g : guarded_properties())
    EXPECT_TRUE(rdk::scope_of(g.name).has_value()) << g.name << " is not a librdkafka property";
}

TEST(passthrough, a_valid_passthrough_passes_without_warnings) {
  auto f = check(load("[clusters.west.librdkafka]\n\"linger.ms\" = 3\n\"fetch.wait.max.ms\" = 50\n"
                      "\"security.protocol\" = \"PLAINTEXT\"\n[clusters.west.producer]\n"
                      "\"compression.type\" = \"lz4\"\n[clusters.west.consumer]\n"
                      "\"fetch.min.bytes\" = 1\n"));
  EXPECT_TRUE(f.errors.empty() && f.warnings.empty()) << f.text();
}

TEST(passthrough, what_librdkafka_refuses_is_named_once) {
  auto f = check(load("[clusters.west.librdkafka]\n\"no.such.property\" = 1\n"));
  ASSERT_EQ(f.errors.size(), 1u) << f.text();
  EXPECT_NE(f.errors[0].find("clusters.west.librdkafka: property \"no.such.property\" rejected"),
            std::string::npos) << f.text();
}

TEST(passthrough, a_property_in_the_wrong_client_section_is_named) {
  auto f = check(load("[clusters.east.producer]\n\"fetch.wait.max.ms\" = 50\n"
                      "[clusters.east.consumer]\n\"linger.ms\" = 3\n"));
  ASSERT_EQ(f.errors.size(), 2u) << f.text();
  EXPECT_NE(f.text().find("clusters.east.producer: property \"fetch.wait.max.ms\" does not apply "
                          "to producers; put it in [clusters.east.consumer]"),
            std::string::npos) << f.text();
}

TEST(passthrough, a_tls_file_librdkafka_cannot_read_is_refused_before_connecting) {
  auto f = check(load("[clusters.west.librdkafka]\n\"security.protocol\" = \"SSL\"\n"
                      "\"ssl.ca.location\" = \"/nonexistent/ca.pem\"\n"));
  ASSERT_EQ(f.errors.size(), 1u) << f.text();
  EXPECT_NE(f.errors[0].find("clusters.west: librdkafka refuses the configuration: ssl.ca.location"),
            std::string::npos) << f.text();
}

TEST(passthrough, check_config_exits_2_on_what_librdkafka_refuses) {
  tandem::testing::temp_dir dir;
  auto file = dir.path() / "east.toml";
  std::ofstream(file) << with_minimal("[clusters.west.librdkafka]\n\"no.such.property\" = 1\n");
  std::ostringstream out, err;
  std::string path = file.string();
  std::vector<std::string_view> args{path};
  int code = cli::check_config("tandem", args, {out, err}, &rdk::check_clients);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.str().find("property \"no.such.property\" rejected"), std::string::npos) << err.str();
  EXPECT_NE(err.str().find("1 problem found"), std::string::npos) << err.str();
  EXPECT_EQ(cli::check_config("tandem", args, {out, err}), 0) << "without the extra check it loads";
}

TEST(passthrough, the_summary_redacts_secrets_of_the_client_sections) {
  auto cfg = load("[clusters.west.producer]\n\"ssl.key.password\" = \"hunter2\"\n"
                  "[clusters.west.consumer]\n\"fetch.min.bytes\" = 1\n");
  std::string s = summary(cfg);
  EXPECT_EQ(s.find("hunter2"), std::string::npos) << s;
  EXPECT_NE(s.find("(producers) ssl.key.password = <redacted>"), std::string::npos) << s;
  EXPECT_NE(s.find("(consumers) fetch.min.bytes = 1"), std::string::npos) << s;
}

}  // namespace
}  // namespace tandem::engine
