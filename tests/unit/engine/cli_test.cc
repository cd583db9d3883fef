// The subcommand dispatcher and `check-config`, in-process and through the built binaries.

#include "engine/cli/cli.h"

#include "engine/cli/parse.h"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "tests/fakes/temp_dir.h"

namespace tandem::engine::cli {
namespace {

namespace fs = std::filesystem;

const std::string k_example = std::string(TANDEM_SOURCE_DIR) + "/configs/identity-2region/east.toml";

int test_command(std::string_view, std::span<const std::string_view>, streams io) {
  io.out << "ran";
  return 0;
}

constexpr command k_commands[] = {
    {"check-config", "validate a config", &check_config},
    {"test", "a test command", &test_command},
};
constexpr program k_program{.name = "prog", .description = "A test program.", .commands = k_commands};

struct result {
  int code;
  std::string out;
  std::string err;
};

result run(std::vector<std::string_view> args) {
  std::ostringstream out, err;
  const int code = dispatch(k_program, args, {out, err});
  return {code, out.str(), err.str()};
}

TEST(test_cli_dispatch, test_no_arguments_prints_usage_to_stderr_and_exits_2) {
  const result r = run({});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("Usage: prog <command>"), std::string::npos) << r.err;
}

TEST(test_cli_dispatch, test_help_prints_usage_with_exit_codes_to_stdout) {
  for (std::string_view h : {"-h", "--help", "help"}) {
    const result r = run({h});
    EXPECT_EQ(r.code, 0) << h;
    EXPECT_TRUE(r.err.empty()) << h;
    EXPECT_NE(r.out.find("check-config"), std::string::npos);
    EXPECT_NE(r.out.find("2  usage error or invalid config"), std::string::npos) << r.out;
  }
}

TEST(test_cli_dispatch, test_unknown_command_suggests_and_exits_2) {
  const result r = run({"check-confg"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("unknown command \"check-confg\" (did you mean \"check-config\"?)"), std::string::npos)
      << r.err;
}

TEST(test_cli_dispatch, test_runs_the_named_command_with_the_rest) {
  const result r = run({"test", "x"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "ran");
}

TEST(test_cli_check_config, test_valid_config_prints_a_summary_and_exits_0) {
  const std::string config_eq = "--config=" + k_example;
  const std::vector<std::vector<std::string_view>> forms = {
      {"check-config", k_example}, {"check-config", "--config", k_example}, {"check-config", "-c", k_example},
      {"check-config", config_eq}};
  for (const auto& args : forms) {
    const result r = run(args);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find(": OK"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("flows:      west -> east"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("naming:     identity"), std::string::npos) << r.out;
    EXPECT_TRUE(r.err.empty()) << r.err;
  }
}

TEST(test_cli_check_config, test_invalid_config_prints_problems_to_stderr_and_exits_2) {
  const tandem::testing::temp_dir tmp;
  const fs::path p = tmp / "bad.toml";
  {
    std::ofstream out(p);
    out << "region = \"east\"\nstate_dir = \"s\"\n[clusters.east]\nbootstrap = \"a:1\"\n[replication]\nnamimg = 1\n";
  }
  const result r = run({"check-config", p.string()});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_NE(r.err.find(p.string() + ":6:1: unknown key \"replication.namimg\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("only the local cluster"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("2 problems found"), std::string::npos) << r.err;
}

TEST(test_cli_check_config, test_warnings_go_to_stderr_with_exit_0) {
  const tandem::testing::temp_dir tmp;
  const fs::path p = tmp / "warn.toml";
  {
    std::ofstream out(p);
    out << "region = \"east\"\nstate_dir = \"s\"\n[clusters.east]\nbootstrap = \"a:1\"\n[clusters.west]\n"
           "bootstrap = \"b:1\"\n";
  }
  const result r = run({"check-config", p.string()});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.err.find("warning: " + p.string() + ": replication.topics is empty"), std::string::npos) << r.err;
}

TEST(test_cli_check_config, test_usage_errors_exit_2_and_help_exits_0) {
  struct usage_case {
    std::vector<std::string_view> args;
    int code;
    std::string_view expected_err;
  };
  const usage_case cases[] = {
      {{"check-config"}, 2, "check-config: missing FILE"},
      {{"check-config", "--config"}, 2, "option --config needs a FILE"},
      {{"check-config", "--bogus", "x"}, 2, "unknown option \"--bogus\""},
      {{"check-config", "a.toml", "b.toml"}, 2, "unexpected argument \"b.toml\""},
      {{"check-config", "/nonexistent/x.toml"}, 2, "/nonexistent/x.toml: cannot read config file"},
      {{"check-config", "--help"}, 0, ""},
      {{"check-config", "-h"}, 0, ""},
  };
  for (const auto& c : cases) {
    const result r = run(c.args);
    EXPECT_EQ(r.code, c.code) << c.args.back();
    if (c.expected_err.empty()) {
      EXPECT_TRUE(r.err.empty());
      EXPECT_NE(r.out.find("Usage: prog check-config [--config] FILE"), std::string::npos) << r.out;
    } else {
      EXPECT_NE(r.err.find(c.expected_err), std::string::npos) << r.err;
    }
  }
}

// engine/cli/parse.h: CLI11 with tandem's wording.
std::expected<outcome, std::string> parse_with(std::vector<std::string_view> args, std::string* topic = nullptr) {
  CLI::App app;
  prepare(app, "HELP TEXT");
  value_option(app, "--config,-c", "FILE");
  CLI::Option* t = value_option(app, "--topic", "TOPIC");
  flag_option(app, "--json");
  auto r = parse(app, args);
  if (r && topic && t->count() > 0) *topic = t->results().front();
  EXPECT_EQ(app.help(), "HELP TEXT");
  return r;
}

TEST(test_cli_parse, test_values_aliases_and_flags) {
  std::string topic;
  EXPECT_EQ(parse_with({"-c", "a.toml", "--json", "--topic=orders"}, &topic), outcome::ok);
  EXPECT_EQ(topic, "orders");
  EXPECT_EQ(parse_with({"--topic", "-1"}, &topic), outcome::ok);  // a negative number is a value
  EXPECT_EQ(topic, "-1");
  EXPECT_EQ(parse_with({}), outcome::ok);
}

TEST(test_cli_parse, test_problems_read_as_one_line_each) {
  const std::pair<std::vector<std::string_view>, std::string_view> cases[] = {
      {{"--jsn"}, "unknown option \"--jsn\" (did you mean \"--json\"?)"},
      {{"--jsn=1"}, "unknown option \"--jsn\" (did you mean \"--json\"?)"},
      {{"--zzzzzz"}, "unknown option \"--zzzzzz\""},
      {{"extra"}, "unexpected argument \"extra\""},
      {{"--", "--json"}, "unexpected argument \"--json\""},
      {{"--topic"}, "option --topic needs a TOPIC"},
      {{"--topic", "--json"}, "option --topic needs a TOPIC"},
      {{"--topic="}, "option --topic: empty TOPIC"},
      {{"-c", "a", "--config", "b"}, "option --config given twice"},
      {{"--json", "--json"}, "option --json given twice"},
      {{"--json=yes"}, "option --json takes no value"},
  };
  for (const auto& [args, message] : cases) {
    const auto r = parse_with(args);
    ASSERT_FALSE(r) << message;
    EXPECT_EQ(r.error(), message);
  }
}

TEST(test_cli_parse, test_help_wins_over_every_problem) {
  for (std::vector<std::string_view> args : {std::vector<std::string_view>{"-h"}, {"--bogus", "--help"},
                                             {"--topic", "-h"}, {"--json", "--json", "-h"}}) {
    EXPECT_EQ(parse_with(args), outcome::help) << args.front();
  }
}

// The real binaries, when built (they are separate targets; skip rather than fail otherwise).
int exit_code_of(const std::string& command) {
  const int status = std::system((command + " >/dev/null 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(test_cli_binaries, test_check_config_exit_codes) {
  const fs::path bin(TANDEM_BINARY_DIR);
  for (const fs::path& exe : {bin / "engine" / "tandem", bin / "tools" / "tandemctl"}) {
    if (!fs::exists(exe)) GTEST_SKIP() << exe << " not built";
    const std::string e = exe.string();
    EXPECT_EQ(exit_code_of(e + " check-config " + k_example), 0) << e;
    EXPECT_EQ(exit_code_of(e + " check-config --config " + k_example), 0) << e;
    EXPECT_EQ(exit_code_of(e + " check-config /nonexistent.toml"), 2) << e;
    EXPECT_EQ(exit_code_of(e + " check-config"), 2) << e;
    EXPECT_EQ(exit_code_of(e), 2) << e;
    EXPECT_EQ(exit_code_of(e + " frobnicate"), 2) << e;
    EXPECT_EQ(exit_code_of(e + " --help"), 0) << e;
    EXPECT_EQ(exit_code_of(e + " check-config --help"), 0) << e;
  }
}

}  // namespace
}  // namespace tandem::engine::cli
