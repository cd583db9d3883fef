#pragma once
// CLI11 with tandem's wording: every argument parser of tandem and tandemctl declares its
// options on a CLI::App with value_option()/flag_option() and runs parse(), which reports the
// first problem as one line:
//
//   unknown option "--jsn" (did you mean "--json"?)     unexpected argument "x"
//   option --topic needs a TOPIC                        option --topic: empty TOPIC
//   option --config given twice                         option --json takes no value
//
// `-h`/`--help` anywhere wins over every problem (parse() returns outcome::help).

#include <expected>
#include <span>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

namespace tandem::engine::cli {

// `--name VALUE`, `--name=VALUE` (and `-n VALUE` when names has a short alias). `names` as
// CLI11 takes them ("--config,-c"); `value_name` the placeholder of messages ("FILE").
// Given twice, without a value or with an empty one: parse() reports it.
CLI::Option* value_option(CLI::App& app, const std::string& names, const std::string& value_name,
                          const std::string& help = "");

// A flag without a value (`--json`). Given twice or as `--json=x`: parse() reports it.
CLI::Option* flag_option(CLI::App& app, const std::string& names, const std::string& help = "");

// An App for parse(): `-h`/`--help` as its help flag, extras kept for parse() to report, and
// `help_text` as the whole help (app.help() returns it: tandem's texts are written by hand).
void prepare(CLI::App& app, std::string help_text);

enum class outcome { ok, help };

// Parses `args` (without the program or command name) with `app` (prepared). Error: one line,
// see the top of this file.
std::expected<outcome, std::string> parse(CLI::App& app, std::span<const std::string_view> args);

// "unknown option \"--jsn\" (did you mean \"--json\"?)": the suggestion is the nearest of
// `candidates` (engine/config/suggest.h), if one is near enough.
std::string unknown_option(std::string_view name, std::span<const std::string_view> candidates);

}  // namespace tandem::engine::cli
