// Malformed configs: each is rejected with a message that names the key and the problem.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "engine/config/config.h"
#include "tests/fakes/temp_dir.h"
#include "tests/unit/engine/config_fixtures.h"

namespace tandem::engine {
namespace {

using testing::k_minimal;
using testing::with_minimal;

// Top-level keys must come before the first [table] header, so they are prepended.
std::string with_top(std::string_view head) { return std::string(head) + std::string(k_minimal); }

struct malformed_case {
  std::string_view name;
  std::string text;
  // Every one must appear in the rendered error; positions are written "east.toml:L:C: ...".
  std::vector<std::string_view> expected;
};

std::vector<malformed_case> malformed_cases() {
  return {
      // --- TOML syntax (toml::parse_error, with line and column) ---
      {"syntax_unterminated_string", "region = \"east\nstate_dir = \"x\"\n",
       {"east.toml:1:15: invalid TOML (string): missing closing quote"}},
      {"syntax_missing_equals", "region \"east\"\n", {"east.toml:1:8: invalid TOML (key-value pair)"}},
      {"syntax_duplicate_key", with_top("region = \"west\"\n"),
       {"east.toml:2:10: invalid TOML (key-value pair): cannot redefine existing string 'region'"}},
      {"syntax_duplicate_table", with_minimal("[clusters.west]\nbootstrap = \"x:1\"\n"),
       {"east.toml:9:1:", "cannot redefine existing table 'clusters.west'"}},
      {"syntax_unclosed_array", with_minimal("[replication]\ntopics = [\"a\",\n"),
       {"east.toml:10:16: invalid TOML (array): encountered end-of-file"}},
      {"empty_file", "  \n# only a comment\n", {"east.toml: config is empty"}},

      // --- unknown keys, with suggestions, at every level ---
      {"unknown_top_level_key_suggests", with_top("regoin = \"x\"\n"),
       {"east.toml:1:1: unknown key \"regoin\" (did you mean \"region\"?)"}},
      {"unknown_top_level_key_case", with_top("Region = \"x\"\n"), {"unknown key \"Region\" (did you mean \"region\"?)"}},
      {"unknown_top_level_table_suggests", with_minimal("[replicaton]\nnaming = \"prefix\"\n"),
       {"east.toml:9:2: unknown key \"replicaton\" (did you mean \"replication\"?)"}},
      {"unknown_top_level_key_lists_valid_keys", with_top("color = \"blue\"\n"),
       {"unknown key \"color\" (valid keys here: region, state_dir, metrics, log, clusters, replication)"}},
      {"unknown_key_in_replication", with_minimal("[replication]\nnamimg = \"prefix\"\n"),
       {"east.toml:10:1: unknown key \"replication.namimg\" (did you mean \"naming\"?)"}},
      {"unknown_key_in_metrics", with_minimal("[metrics]\nlisten_address = \"127.0.0.1:1\"\n"),
       {"unknown key \"metrics.listen_address\" (did you mean \"listen\"?)"}},
      {"unknown_key_in_log", with_minimal("[log]\nlevl = \"info\"\n"),
       {"unknown key \"log.levl\" (did you mean \"level\"?)"}},
      {"unknown_key_in_cluster_suggests_bootstrap", "region = \"east\"\nstate_dir = \"s\"\n[clusters.east]\n"
       "bootstrap = \"a:1\"\n[clusters.west]\nbootstrap_servers = \"b:1\"\n",
       {"east.toml:6:1: unknown key \"clusters.west.bootstrap_servers\" (did you mean \"bootstrap\"?)",
        "east.toml:5:1: clusters.west: missing required key \"bootstrap\""}},
      {"dotted_bootstrap_servers_in_cluster", "region = \"east\"\nstate_dir = \"s\"\n[clusters.east]\n"
       "bootstrap = \"a:1\"\n[clusters.west]\nbootstrap.servers = \"b:1\"\n",
       {"clusters.west.bootstrap: expected a string, got table (write bootstrap = \"host:port\", not "
        "bootstrap.servers = ...)"}},
      {"unknown_key_in_cluster_points_to_librdkafka", with_minimal("[clusters.north]\nbootstrap = \"n:1\"\n"
       "\"security.protocol\" = \"SSL\"\n"),
       {"unknown key \"clusters.north.'security.protocol'\"", "librdkafka properties go in [clusters.north.librdkafka]"}},
      {"top_level_key_written_under_a_table", "region = \"east\"\n[clusters.east]\nbootstrap = \"a:1\"\n"
       "[clusters.west]\nbootstrap = \"b:1\"\n[metrics]\nstate_dir = \"/tmp/x\"\n",
       {"east.toml:7:1: unknown key \"metrics.state_dir\" (state_dir belongs in the top level",
        "missing required key \"state_dir\""}},
      {"top_level_key_appended_after_a_table", with_minimal("region = \"west\"\n"),
       {"east.toml:9:1: unknown key \"clusters.west.region\" (region belongs in the top level"}},
      {"replication_key_at_top_level", with_top("naming = \"prefix\"\n"),
       {"unknown key \"naming\" (naming belongs in [replication])"}},

      // --- wrong types ---
      {"region_not_a_string", "region = 5\nstate_dir = \"s\"\n[clusters.east]\nbootstrap = \"a:1\"\n",
       {"east.toml:1:10: region: expected a string, got integer"}},
      {"topics_string_instead_of_array", with_minimal("[replication]\ntopics = \"orders\"\n"),
       {"east.toml:10:10: replication.topics: expected an array of strings, got string (write [\"orders\"])"}},
      {"topics_element_not_a_string", with_minimal("[replication]\ntopics = [\"a\", 1]\n"),
       {"east.toml:10:16: replication.topics[1]: expected a string, got integer"}},
      {"bool_given_as_string", with_minimal("[replication]\nsync_group_offsets = \"yes\"\n"),
       {"replication.sync_group_offsets: expected a boolean (true or false, unquoted), got string"}},
      {"duration_given_as_integer", with_minimal("[replication]\ntopic_refresh = 5\n"),
       {"replication.topic_refresh: expected a duration string such as \"5s\"", "got integer"}},
      {"metrics_not_a_table", with_top("metrics = \"127.0.0.1:9464\"\n"),
       {"metrics: expected a table ([metrics]), got string"}},
      {"clusters_not_a_table", "region = \"east\"\nstate_dir = \"s\"\nclusters = \"east\"\n",
       {"clusters: expected a table ([clusters]), got string"}},
      {"cluster_not_a_table", "region = \"east\"\nstate_dir = \"s\"\n[clusters]\neast = \"a:1\"\nwest = \"b:1\"\n",
       {"clusters.east: expected a table ([clusters.east] with bootstrap = \"host:port\"), got string",
        "clusters.west: expected a table"}},
      {"librdkafka_value_is_an_array", with_minimal("[clusters.west.librdkafka]\n\"ssl.ca.location\" = [\"a\"]\n"),
       {"east.toml:10:21: clusters.west.librdkafka.'ssl.ca.location': expected a string, integer, float or boolean, "
        "got array"}},
      {"librdkafka_not_a_table", with_minimal("[clusters.north]\nbootstrap = \"n:1\"\nlibrdkafka = 1\n"),
       {"east.toml:11:14: clusters.north.librdkafka: expected a table ([clusters.north.librdkafka]), got integer"}},

      // --- enums and durations ---
      {"bad_naming_suggests", with_minimal("[replication]\nnaming = \"prefx\"\n"),
       {"east.toml:10:10: replication.naming: invalid value \"prefx\", expected \"identity\" or \"prefix\" "
        "(did you mean \"prefix\"?)"}},
      {"bad_delivery_suggests", with_minimal("[replication]\ndelivery = \"exactly_once\"\n"),
       {"replication.delivery: invalid value \"exactly_once\"", "(did you mean \"exactly-once\"?)"}},
      {"bad_log_level", with_minimal("[log]\nlevel = \"verbose\"\n"),
       {"log.level: invalid value \"verbose\", expected \"error\", \"warn\", \"info\", \"debug\" or \"trace\""}},
      {"duration_without_unit", with_minimal("[replication]\ntopic_refresh = \"5\"\n"),
       {"east.toml:10:17: replication.topic_refresh: invalid duration \"5\": missing unit"}},
      {"duration_unknown_unit", with_minimal("[replication]\ncheckpoint_interval = \"5sec\"\n"),
       {"replication.checkpoint_interval: invalid duration \"5sec\": unknown unit \"sec\""}},
      {"duration_negative", with_minimal("[replication]\ntopic_refresh = \"-1s\"\n"),
       {"replication.topic_refresh: invalid duration \"-1s\": negative"}},
      {"duration_with_space", with_minimal("[replication]\ntopic_refresh = \"5 s\"\n"),
       {"replication.topic_refresh: invalid duration \"5 s\": no space"}},
      {"duration_fraction", with_minimal("[replication]\ntopic_refresh = \"1.5s\"\n"),
       {"invalid duration \"1.5s\": fractions are not supported"}},
      {"duration_overflow", with_minimal("[replication]\ntopic_refresh = \"9999999999999999h\"\n"),
       {"replication.topic_refresh: invalid duration \"9999999999999999h\": duration is too large"}},
      {"interval_zero", with_minimal("[replication]\ncheckpoint_interval = \"0s\"\n"),
       {"east.toml:10:23: replication.checkpoint_interval: must be greater than zero"}},

      // --- required keys and topology ---
      {"missing_region", "state_dir = \"s\"\n[clusters.east]\nbootstrap = \"a:1\"\n",
       {"east.toml: missing required key \"region\""}},
      {"missing_state_dir", "region = \"east\"\n[clusters.east]\nbootstrap = \"a:1\"\n[clusters.west]\nbootstrap = \"b:1\"\n",
       {"east.toml: missing required key \"state_dir\""}},
      {"empty_state_dir", "region = \"east\"\nstate_dir = \"\"\n[clusters.east]\nbootstrap = \"a:1\"\n"
       "[clusters.west]\nbootstrap = \"b:1\"\n",
       {"east.toml:2:13: state_dir: must not be empty"}},
      {"missing_clusters", "region = \"east\"\nstate_dir = \"s\"\n", {"missing required table [clusters]"}},
      {"missing_bootstrap", "region = \"east\"\nstate_dir = \"s\"\n[clusters.east]\nbootstrap = \"a:1\"\n[clusters.west]\n",
       {"east.toml:5:1: clusters.west: missing required key \"bootstrap\""}},
      {"empty_bootstrap", "region = \"east\"\nstate_dir = \"s\"\n[clusters.east]\nbootstrap = \"a:1\"\n"
       "[clusters.west]\nbootstrap = \"  \"\n",
       {"east.toml:6:13: clusters.west.bootstrap: must not be empty"}},
      {"bootstrap_with_empty_entry", "region = \"east\"\nstate_dir = \"s\"\n[clusters.east]\nbootstrap = \"a:1,,b:2\"\n"
       "[clusters.west]\nbootstrap = \"b:1\"\n",
       {"clusters.east.bootstrap: empty entry in \"a:1,,b:2\""}},
      {"region_not_in_clusters", "region = \"north\"\n" + with_minimal("").substr(16),
       {"east.toml:1:10: region: \"north\" is not one of the configured clusters (east, west): add [clusters.north]"}},
      {"only_one_cluster", "region = \"east\"\nstate_dir = \"s\"\n[clusters.east]\nbootstrap = \"a:1\"\n",
       {"clusters: only the local cluster \"east\" is configured; add at least one remote"}},
      {"region_alias_with_bad_chars", "region = \"ea/st\"\nstate_dir = \"s\"\n[clusters.east]\nbootstrap = \"a:1\"\n",
       {"east.toml:1:10: region: invalid region alias \"ea/st\": use 1 to 64 letters, digits, '_' and '-'"}},
      {"cluster_alias_with_bad_chars", with_minimal("[clusters.\"we;st\"]\nbootstrap = \"c:1\"\n"),
       {"east.toml:9:1: clusters.'we;st': invalid region alias \"we;st\"", "origin header"}},
      {"librdkafka_bootstrap_servers_rejected", with_minimal("[clusters.west.librdkafka]\n\"bootstrap.servers\" = \"x:1\"\n"),
       {"clusters.west.librdkafka.'bootstrap.servers': set clusters.west.bootstrap instead"}},

      // --- naming, separator, regexes, metrics.listen ---
      {"separator_with_illegal_char", with_minimal("[replication]\nnaming = \"prefix\"\nseparator = \"/\"\n"),
       {"east.toml:11:13: replication.separator: invalid separator \"/\": Kafka topic names allow only"}},
      {"separator_empty", with_minimal("[replication]\nseparator = \"\"\n"), {"replication.separator: must not be empty"}},
      {"prefix_alias_contains_separator", "region = \"us-east\"\nstate_dir = \"s\"\n[clusters.us-east]\n"
       "bootstrap = \"a:1\"\n[clusters.eu]\nbootstrap = \"b:1\"\n[replication]\nnaming = \"prefix\"\nseparator = \"-\"\n",
       {"east.toml:3:1: clusters.us-east: region alias \"us-east\" contains the prefix separator \"-\"",
        "\"us-east-orders\" would be ambiguous"}},
      {"bad_regex_in_topics", with_minimal("[replication]\ntopics = [\"ok.*\", \"orders[\"]\n"),
       {"east.toml:10:19: replication.topics[1]: \"orders[\" is not a valid regex"}},
      {"bad_regex_in_exclude", with_minimal("[replication]\nexclude = [\"(a\"]\n"),
       {"replication.exclude[0]: \"(a\" is not a valid regex"}},
      {"bad_regex_in_groups", with_minimal("[replication]\ngroups = [\"*\"]\n"),
       {"replication.groups[0]: \"*\" is not a valid regex"}},
      {"bad_regex_in_group_exclude", with_minimal("[replication]\ngroup_exclude = [\"a{2,1}\"]\n"),
       {"replication.group_exclude[0]: \"a{2,1}\" is not a valid regex"}},
      {"empty_regex", with_minimal("[replication]\ntopics = [\"\"]\n"),
       {"replication.topics[0]: empty regex matches nothing"}},
      {"listen_without_port", with_minimal("[metrics]\nlisten = \"127.0.0.1\"\n"),
       {"east.toml:10:10: metrics.listen: invalid address \"127.0.0.1\": missing port (expected host:port"}},
      {"max_connections_zero", with_minimal("[metrics]\nmax_connections = 0\n"),
       {"east.toml:10:19: metrics.max_connections: 0 is out of range (1 to 1024; default 16)"}},
      {"max_connections_too_many", with_minimal("[metrics]\nmax_connections = 5000\n"),
       {"metrics.max_connections: 5000 is out of range (1 to 1024; default 16)"}},
      {"max_connections_string", with_minimal("[metrics]\nmax_connections = \"16\"\n"),
       {"east.toml:10:19: metrics.max_connections: expected an integer, got string"}},
      {"listen_port_out_of_range", with_minimal("[metrics]\nlisten = \"127.0.0.1:99999\"\n"),
       {"metrics.listen: invalid address \"127.0.0.1:99999\": port must be between 1 and 65535"}},
      {"listen_port_zero", with_minimal("[metrics]\nlisten = \"0.0.0.0:0\"\n"), {"port must be between 1 and 65535"}},
      {"listen_port_not_a_number", with_minimal("[metrics]\nlisten = \"localhost:http\"\n"), {"port is not a number"}},
      {"listen_ipv6_without_brackets", with_minimal("[metrics]\nlisten = \"::1:9464\"\n"),
       {"an IPv6 host must be in brackets"}},
      {"listen_without_host", with_minimal("[metrics]\nlisten = \":9464\"\n"), {"missing host"}},

      // --- passthrough keys tandem sets itself (issue #12: a guarantee is never overridden) ---
      {"passthrough_acks", with_minimal("[clusters.west.librdkafka]\nacks = \"1\"\n"),
       {"east.toml:10:8: clusters.west.librdkafka.acks: \"acks\" cannot be set: tandem's producers "
        "are idempotent with acks=all"}},
      {"passthrough_isolation_level_in_consumer",
       with_minimal("[clusters.west.consumer]\n\"isolation.level\" = \"read_uncommitted\"\n"),
       {"clusters.west.consumer.'isolation.level': \"isolation.level\" cannot be set: tandem reads "
        "read_committed"}},
      {"passthrough_delivery_timeout_alias_in_producer",
       with_minimal("[clusters.east.producer]\n\"delivery.timeout.ms\" = 1000\n"),
       {"\"delivery.timeout.ms\" cannot be set: tandem retries a record until it is delivered"}},
      {"passthrough_group_id", with_minimal("[clusters.east.librdkafka]\n\"group.id\" = \"mine\"\n"),
       {"\"group.id\" cannot be set: tandem names its own consumer groups"}},
      {"passthrough_auto_offset_reset",
       with_minimal("[clusters.east.librdkafka]\nauto.offset.reset = \"latest\"\n"),
       {"\"auto.offset.reset\" cannot be set"}},
      {"passthrough_enable_auto_commit",
       with_minimal("[clusters.east.consumer]\n\"enable.auto.commit\" = true\n"),
       {"\"enable.auto.commit\" cannot be set: tandem commits a position only after its records "
        "are delivered"}},
      {"passthrough_transactional_id",
       with_minimal("[clusters.east.producer]\n\"transactional.id\" = \"x\"\n"),
       {"\"transactional.id\" cannot be set"}},
      {"passthrough_bootstrap_servers",
       with_minimal("[clusters.east.librdkafka]\n\"bootstrap.servers\" = \"x:1\"\n"),
       {"clusters.east.librdkafka.'bootstrap.servers': set clusters.east.bootstrap instead"}},
  };
}

void PrintTo(const malformed_case& c, std::ostream* os) { *os << c.name; }

class test_malformed_config : public ::testing::TestWithParam<malformed_case> {};

TEST_P(test_malformed_config, test_is_rejected_with_a_message_naming_the_problem) {
  const malformed_case& c = GetParam();
  const auto cfg = load_config_string(c.text, "east.toml");
  ASSERT_FALSE(cfg.has_value()) << c.name << " was accepted";
  const std::string rendered = cfg.error().render();
  for (std::string_view e : c.expected) {
    EXPECT_NE(rendered.find(e), std::string::npos) << "expected: " << e << "\nrendered:\n" << rendered;
  }
  for (const diagnostic& d : cfg.error().diagnostics) EXPECT_EQ(d.origin, "east.toml");
}

INSTANTIATE_TEST_SUITE_P(cases, test_malformed_config, ::testing::ValuesIn(malformed_cases()),
                         [](const ::testing::TestParamInfo<malformed_case>& info) {
                           return std::string(info.param.name);
                         });

TEST(test_malformed_config_table, test_has_at_least_thirty_distinct_cases) {
  const auto cases = malformed_cases();
  EXPECT_GE(cases.size(), 30u);
  std::set<std::string_view> texts;
  for (const auto& c : cases) texts.insert(c.name);
  EXPECT_EQ(texts.size(), cases.size()) << "duplicate case names";
}

TEST(test_malformed_config_table, test_the_base_config_itself_is_valid) {
  const auto cfg = load_config_string(k_minimal, "east.toml");
  ASSERT_TRUE(cfg.has_value()) << cfg.error().render();
}

TEST(test_config_errors, test_every_problem_is_reported_at_once_in_file_order) {
  const std::string text =
      "region = \"east\"\n"
      "state_dir = \"s\"\n"
      "[clusters.east]\n"
      "bootstrap = \"\"\n"  // 4: empty
      "[clusters.west]\n"
      "bootstrap = \"b:1\"\n"
      "[replication]\n"
      "namimg = \"prefix\"\n"                 // 8: unknown key
      "topics = [\"orders[\"]\n"              // 9: bad regex
      "topic_refresh = \"5\"\n"               // 10: bad duration
      "checkpoint_interval = \"0s\"\n";       // 11: zero
  const auto cfg = load_config_string(text, "east.toml");
  ASSERT_FALSE(cfg.has_value());
  const auto& d = cfg.error().diagnostics;
  ASSERT_EQ(d.size(), 5u) << cfg.error().render();
  const std::uint32_t lines[] = {4, 8, 9, 10, 11};
  for (std::size_t i = 0; i < d.size(); ++i) {
    ASSERT_TRUE(d[i].position.has_value()) << d[i].to_string();
    EXPECT_EQ(d[i].position->line, lines[i]) << d[i].to_string();
  }
  EXPECT_EQ(d[0].key, "clusters.east.bootstrap");
  EXPECT_EQ(d[1].key, "replication.namimg");
}

TEST(test_config_errors, test_a_missing_key_is_not_also_reported_as_empty) {
  const auto cfg = load_config_string("region = \"east\"\nstate_dir = \"s\"\n[clusters.east]\nbootstrap = \"a:1\"\n"
                                      "[clusters.west]\n",
                                      "east.toml");
  ASSERT_FALSE(cfg.has_value());
  ASSERT_EQ(cfg.error().diagnostics.size(), 1u) << cfg.error().render();
}

TEST(test_config_errors, test_a_malformed_local_cluster_does_not_also_claim_the_region_is_missing) {
  const auto cfg = load_config_string("region = \"east\"\nstate_dir = \"s\"\n[clusters]\neast = 1\n"
                                      "[clusters.west]\nbootstrap = \"b:1\"\n",
                                      "east.toml");
  ASSERT_FALSE(cfg.has_value());
  const std::string r = cfg.error().render();
  EXPECT_EQ(cfg.error().diagnostics.size(), 1u) << r;
  EXPECT_EQ(r.find("not one of the configured clusters"), std::string::npos) << r;
}

TEST(test_config_errors, test_nonexistent_file_names_the_path) {
  const std::filesystem::path p = "/nonexistent/tandem/east.toml";
  const auto cfg = load_config(p);
  ASSERT_FALSE(cfg.has_value());
  EXPECT_EQ(cfg.error().render(), "/nonexistent/tandem/east.toml: cannot read config file: No such file or directory");
}

TEST(test_config_errors, test_a_directory_is_not_a_config_file) {
  const auto cfg = load_config(std::filesystem::temp_directory_path());
  ASSERT_FALSE(cfg.has_value());
  EXPECT_NE(cfg.error().render().find("cannot read config file: it is a directory"), std::string::npos);
}

TEST(test_config_errors, test_parse_error_of_a_file_names_its_path_line_and_column) {
  const tandem::testing::temp_dir tmp;
  const std::filesystem::path p = tmp / "syntax.toml";
  {
    std::ofstream out(p);
    out << "region = \"east\"\nstate_dir = \"s\"\n\n[clusters.east\n";
  }
  const auto cfg = load_config(p);
  ASSERT_FALSE(cfg.has_value());
  EXPECT_TRUE(cfg.error().render().starts_with(p.string() + ":4:15: invalid TOML (table header)"))
      << cfg.error().render();
}

}  // namespace
}  // namespace tandem::engine
