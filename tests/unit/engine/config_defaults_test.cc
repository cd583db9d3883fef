// A minimal config gets the documented defaults; accessors and state_dir resolution.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engine/config/config.h"
#include "tests/fakes/temp_dir.h"
#include "tests/unit/engine/config_fixtures.h"

namespace tandem::engine {
namespace {

using std::chrono::milliseconds;
using testing::k_minimal;
using testing::with_minimal;

config load_ok(std::string_view text, const std::filesystem::path& base = {}) {
  auto cfg = load_config_string(text, "east.toml", base);
  if (!cfg) {
    ADD_FAILURE() << cfg.error().render();
    return {};
  }
  return *std::move(cfg);
}

TEST(test_config_defaults, test_minimal_config_gets_documented_defaults) {
  const config cfg = load_ok(k_minimal);
  EXPECT_EQ(cfg.region, "east");
  EXPECT_EQ(cfg.state_dir, "/tmp/tandem/east");
  EXPECT_EQ(cfg.metrics.listen, "127.0.0.1:9464");
  EXPECT_EQ(cfg.metrics.max_connections, 16);
  EXPECT_EQ(cfg.log.level, log_level::info);
  const replication_config& r = cfg.replication;
  EXPECT_EQ(r.naming, naming_mode::identity);
  EXPECT_EQ(r.separator, ".");
  EXPECT_TRUE(r.topics.empty());
  EXPECT_TRUE(r.exclude.empty());
  EXPECT_EQ(r.groups, std::vector<std::string>{".*"});
  EXPECT_TRUE(r.group_exclude.empty());
  EXPECT_EQ(r.delivery, delivery_mode::at_least_once);
  EXPECT_EQ(r.topic_refresh, milliseconds(5000));
  EXPECT_EQ(r.checkpoint_interval, milliseconds(5000));
  EXPECT_TRUE(r.sync_group_offsets);
  EXPECT_TRUE(cfg.clusters[0].librdkafka.empty());
}

TEST(test_config_defaults, test_default_constructed_structs_match_loaded_defaults) {
  const config loaded = load_ok(k_minimal);
  const replication_config defaults;
  EXPECT_EQ(loaded.replication.groups, defaults.groups);
  EXPECT_EQ(loaded.replication.topic_refresh, defaults.topic_refresh);
  EXPECT_EQ(loaded.metrics.listen, metrics_config{}.listen);
}

TEST(test_config_defaults, test_empty_topics_warns_that_nothing_is_replicated) {
  const auto w = warnings(load_ok(k_minimal));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("no topic will be replicated"), std::string::npos);
  EXPECT_TRUE(warnings(load_ok(with_minimal("[replication]\ntopics = [\".*\"]\n"))).empty());
}

TEST(test_config_defaults, test_every_key_is_read) {
  const config cfg = load_ok(with_minimal(R"(
[metrics]
listen = "[::1]:9500"
max_connections = 4
[log]
level = "debug"
[replication]
naming = "prefix"
separator = "_"
topics = ["orders.*", "payments"]
exclude = ["orders\\.tmp"]
groups = ["app-.*"]
group_exclude = ["app-test"]
delivery = "exactly-once"
topic_refresh = "1m30s"
checkpoint_interval = "250ms"
sync_group_offsets = false
)"));
  EXPECT_EQ(cfg.metrics.listen, "[::1]:9500");
  EXPECT_EQ(cfg.metrics.max_connections, 4);
  EXPECT_EQ(cfg.log.level, log_level::debug);
  const replication_config& r = cfg.replication;
  EXPECT_EQ(r.naming, naming_mode::prefix);
  EXPECT_EQ(r.separator, "_");
  EXPECT_EQ(r.topics, (std::vector<std::string>{"orders.*", "payments"}));
  EXPECT_EQ(r.exclude, std::vector<std::string>{"orders\\.tmp"});
  EXPECT_EQ(r.groups, std::vector<std::string>{"app-.*"});
  EXPECT_EQ(r.group_exclude, std::vector<std::string>{"app-test"});
  EXPECT_EQ(r.delivery, delivery_mode::exactly_once);
  EXPECT_EQ(r.topic_refresh, milliseconds(90'000));
  EXPECT_EQ(r.checkpoint_interval, milliseconds(250));
  EXPECT_FALSE(r.sync_group_offsets);
}

TEST(test_config_accessors, test_local_remotes_and_lookup) {
  const config cfg = load_ok(with_minimal("[clusters.central]\nbootstrap = \"127.0.0.1:19094\"\n"));
  EXPECT_EQ(cfg.local().alias, "east");
  EXPECT_EQ(cfg.local().bootstrap, "127.0.0.1:19092");
  const auto remotes = cfg.remotes();
  ASSERT_EQ(remotes.size(), 2u);
  EXPECT_EQ(remotes[0]->alias, "central");
  EXPECT_EQ(remotes[1]->alias, "west");
  ASSERT_NE(cfg.find_cluster("west"), nullptr);
  EXPECT_EQ(cfg.find_cluster("west")->bootstrap, "127.0.0.1:19093");
  EXPECT_EQ(cfg.find_cluster("north"), nullptr);
}

TEST(test_config_librdkafka, test_values_become_strings_and_dotted_keys_flatten) {
  const config cfg = load_ok(with_minimal(R"(
[clusters.west.librdkafka]
"security.protocol" = "SASL_SSL"
socket.keepalive.enable = true
"linger.ms" = 5
"queue.buffering.max.ms" = 0.5
)"));
  const auto& props = cfg.find_cluster("west")->librdkafka;
  EXPECT_EQ(props.at("security.protocol"), "SASL_SSL");
  EXPECT_EQ(props.at("socket.keepalive.enable"), "true");
  EXPECT_EQ(props.at("linger.ms"), "5");
  EXPECT_EQ(props.at("queue.buffering.max.ms"), "0.5");
  EXPECT_EQ(props.size(), 4u);
}

TEST(test_config_state_dir, test_relative_state_dir_resolves_against_the_config_directory) {
  const tandem::testing::temp_dir tmp;
  const std::filesystem::path dir = tmp.path();
  std::filesystem::create_directories(dir / "conf");
  const std::filesystem::path file = dir / "conf" / "east.toml";
  {
    std::ofstream out(file);
    out << "region = \"east\"\nstate_dir = \"../state/east\"\n"
        << std::string(k_minimal).substr(std::string(k_minimal).find("\n[clusters"));
  }
  const auto cfg = load_config(file);
  ASSERT_TRUE(cfg.has_value()) << cfg.error().render();
  EXPECT_EQ(cfg->state_dir, (dir / "state" / "east").lexically_normal());
  EXPECT_EQ(cfg->origin, file.string());
}

TEST(test_config_state_dir, test_string_configs_resolve_against_base_dir_or_keep_relative) {
  const std::string text = "region = \"east\"\nstate_dir = \"state\"\n" +
                           std::string(k_minimal).substr(std::string(k_minimal).find("\n[clusters"));
  EXPECT_EQ(load_ok(text, "/etc/tandem").state_dir, "/etc/tandem/state");
  EXPECT_EQ(load_ok(text).state_dir, "state");
  EXPECT_EQ(load_ok(k_minimal, "/etc/tandem").state_dir, "/tmp/tandem/east");  // absolute stays
}

TEST(test_config_validate, test_validate_checks_configs_built_in_code) {
  config cfg;
  cfg.region = "east";
  cfg.state_dir = "/tmp/x";
  cfg.clusters = {{.alias = "east", .bootstrap = "a:1", .librdkafka = {}, .producer = {}, .consumer = {}},
                  {.alias = "west", .bootstrap = "b:1", .librdkafka = {}, .producer = {}, .consumer = {}}};
  EXPECT_TRUE(validate(cfg).empty());
  cfg.replication.topics = {"orders["};
  cfg.replication.topic_refresh = milliseconds(0);
  const auto problems = validate(cfg);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].key, "replication.topics[0]");
  EXPECT_EQ(problems[1].key, "replication.topic_refresh");
  EXPECT_FALSE(problems[0].position.has_value());  // no file: no position
}

TEST(test_config_positions, test_values_remember_where_they_were_written) {
  const config cfg = load_ok(with_minimal("[replication]\ntopics = [\"a\", \"b\"]\n"));
  EXPECT_EQ(cfg.positions.at("region").line, 1u);
  EXPECT_EQ(cfg.positions.at("clusters.west.bootstrap").line, 8u);
  EXPECT_EQ(cfg.positions.at("replication.topics[1]").line, 10u);
  EXPECT_EQ(cfg.positions.at("replication.topics[1]").column, 16u);
}

}  // namespace
}  // namespace tandem::engine
