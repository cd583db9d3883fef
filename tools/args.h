// Option parsing for tandemctl commands: each command declares its options as a table of
// option_spec; parse_args() reads them with CLI11 (engine/cli/parse.h, which words the
// errors): `--name VALUE`, `--name=VALUE`, short aliases (`-c FILE`), flags (`--json`) and
// `-h`/`--help`. Commands take no positional arguments.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tandem::tools {

struct option_spec {
  std::string_view name;        // "--config"
  std::string_view value_name;  // "FILE"; empty: a flag without a value
  std::string_view alias = {};  // "-c"; empty: none
};

class parsed_args {
 public:
  bool help = false;  // -h or --help was given (anywhere: nothing else is checked then)

  // Whether the option (by its long name) was given.
  bool has(std::string_view name) const { return values_.contains(name); }
  // Its value; nullopt when absent (a flag's value is "").
  std::optional<std::string_view> get(std::string_view name) const;

  void set(std::string_view name, std::string_view value) { values_.emplace(name, value); }

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

// Parses `args` against `spec`. Error: one line naming the problem ("unknown option \"--jsn\"
// (did you mean \"--json\"?)", "option --topic needs a TOPIC", "option --topic given twice",
// "unexpected argument \"x\"").
std::expected<parsed_args, std::string> parse_args(std::span<const std::string_view> args,
                                                   std::span<const option_spec> spec);

// A whole decimal number in [min, max]; nullopt otherwise ("", "12x", "-", out of range).
std::optional<int64_t> parse_number(std::string_view text, int64_t min, int64_t max);

}  // namespace tandem::tools
