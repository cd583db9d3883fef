#pragma once
// Command-line plumbing shared by `tandem` (engine/daemon/main.cc) and `tandemctl` (tools/): a
// subcommand dispatcher and the check-config command both programs offer.
//
// Exit codes (both programs): 0 success, 1 runtime failure, 2 usage or config error.
// Help (`-h`, `--help`) goes to stdout with exit 0; usage errors go to stderr with exit 2.
// Arguments are parsed with CLI11, its errors worded by engine/cli/parse.h.

#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/config.h"

namespace tandem::engine::cli {

inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_failure = 1;
inline constexpr int k_exit_usage = 2;

struct streams {
  std::ostream& out;
  std::ostream& err;
};

// One subcommand. `run` receives the arguments after the command name and handles its own
// `--help`; `program` is the program's name for messages ("tandem").
struct command {
  std::string_view name;     // "check-config"
  std::string_view summary;  // one line for the program's help
  int (*run)(std::string_view program, std::span<const std::string_view> args, streams io);
};

struct program {
  std::string_view name;         // "tandem"
  std::string_view description;  // a sentence or two under the usage line
  std::span<const command> commands;
};

// The program's help text: usage line, description, commands, exit codes.
std::string usage(const program& p);

// Runs the command named by args[0]. No arguments, an unknown command or an option before the
// command -> usage on stderr, exit 2; "-h", "--help" or "help" -> usage on stdout, exit 0.
int dispatch(const program& p, std::span<const std::string_view> args, streams io);

// dispatch() over argv[1..] with std::cout/std::cerr; any escaping exception is reported and
// turned into exit code 1. For main().
int main(const program& p, int argc, char** argv);

// Parses the arguments of a command taking one config file: `FILE`, `--config FILE`,
// `--config=FILE` or `-c FILE`, plus `-h`/`--help`.
struct config_args {
  bool help = false;
  std::string file;
};
// Error: a one-line reason ("missing FILE", "unexpected argument \"x\"").
std::optional<config_args> parse_config_args(std::span<const std::string_view> args, std::string& error);

// A check a program adds to check-config beyond the config's own rules (tandem and tandemctl
// add librdkafka's view of the passthrough: engine/kafka/rdkafka/client_check.h). Appends
// problems to `errors` (the config is refused, exit 2) and notes to `warnings`.
using extra_check = void (*)(const config& cfg, std::vector<std::string>& errors,
                             std::vector<std::string>& warnings);

// `<program> check-config [--config] FILE`: validate, print a redacted summary (exit 0), or
// print every problem to stderr (exit 2).
int check_config(std::string_view program, std::span<const std::string_view> args, streams io,
                 extra_check more);
int check_config(std::string_view program, std::span<const std::string_view> args, streams io);

// Help text of check-config.
std::string check_config_usage(std::string_view program);

}  // namespace tandem::engine::cli
