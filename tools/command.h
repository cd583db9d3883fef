// The frame of a tandemctl command over local state: parse options, answer --help, load the
// config, run the body, print its failure and return the exit code.
//
//   args ──parse_args──> --help? ──> usage on stdout, 0
//        │                 └─ bad option / missing --config ──> message + usage on stderr, 2
//        └─> load(--config) ──> body(context) ──> ok: 0 | failure: "NAME: message" on stderr,
//                                                  its code (1 runtime, 2 usage/config)
//
// Bodies check their arguments before they call context::store(), so a usage error is
// reported as such even when the store is missing.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "engine/cli/cli.h"
#include "engine/config/config.h"
#include "offsets/store.h"
#include "tools/args.h"
#include "tools/state.h"
#include "tools/tandemctl.h"

namespace tandem::tools {

// Options every command over local state takes.
inline constexpr option_spec k_config_option{"--config", "FILE", "-c"};
inline constexpr option_spec k_json_option{"--json", ""};

// Help text shared by those commands.
inline constexpr std::string_view k_common_options_help =
    "  -c, --config FILE      config of the region groups move TO (the local region)\n"
    "  --json                 one JSON document on stdout instead of tables\n"
    "  -h, --help             show this help\n";
inline constexpr std::string_view k_exit_codes_help =
    "Exit codes:\n"
    "  0  success\n"
    "  1  runtime failure: no offset store in state_dir (\"has tandem run in this region?\"),\n"
    "     the store cannot be read, or the topic/partition is not in the map\n"
    "  2  usage error, invalid config, unknown region, or a state_dir that is not a tandem\n"
    "     offset store of this version\n";

class context {
 public:
  context(std::string name, engine::cli::streams io, parsed_args args, engine::config cfg,
          const environment* env)
      : name(std::move(name)), io(io), args(std::move(args)), cfg(std::move(cfg)), env(env) {}
  ~context();

  const std::string name;  // "tandemctl offsets stats", for messages
  const engine::cli::streams io;
  const parsed_args args;
  const engine::config cfg;
  const environment* const env;  // clusters and clock; null for commands that use neither

  bool json() const { return args.has(k_json_option.name); }

  // environment::now_ms(); 0 (ages unknown) without an environment or a clock.
  int64_t now_ms() const { return env && env->now_ms ? env->now_ms() : 0; }

  // The store of cfg.state_dir, opened (as a secondary) on first use.
  std::expected<const offsets::offset_store*, failure> store();

  // A required option's value; error (exit 2): "missing --topic TOPIC".
  std::expected<std::string_view, failure> required(const option_spec& o) const;
  // --partition P: 0 <= P <= INT32_MAX; error (exit 2) names the bad value.
  std::expected<int32_t, failure> partition(const option_spec& o) const;
  // An offset option: 0 <= X <= offsets::max_offset; error (exit 2) names the bad value.
  std::expected<int64_t, failure> offset(const option_spec& o) const;

 private:
  std::unique_ptr<store_reader> reader_;
};

using command_body = std::expected<void, failure> (*)(context& ctx);

// Runs one command (see the picture above). `name` is the full command ("tandemctl offsets
// dump"); `usage` its help text; `spec` its options, k_config_option and k_json_option included;
// `env` is handed to the body (context::env).
int run_command(std::string name, std::string_view usage, std::span<const option_spec> spec,
                std::span<const std::string_view> args, engine::cli::streams io, command_body body,
                const environment* env = nullptr);

}  // namespace tandem::tools
