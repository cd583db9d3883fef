#include "tools/args.h"

#include <charconv>
#include <vector>

#include "engine/cli/parse.h"

namespace tandem::tools {

std::optional<std::string_view> parsed_args::get(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::expected<parsed_args, std::string> parse_args(std::span<const std::string_view> args,
                                                   std::span<const option_spec> spec) {
  CLI::App app;
  engine::cli::prepare(app, "");
  for (const option_spec& o : spec) {
    const std::string names = std::string(o.name) + (o.alias.empty() ? "" : "," + std::string(o.alias));
    if (o.value_name.empty()) engine::cli::flag_option(app, names);
    else engine::cli::value_option(app, names, std::string(o.value_name));
  }
  auto parsed = engine::cli::parse(app, args);
  if (!parsed) return std::unexpected(parsed.error());
  parsed_args out;
  out.help = *parsed == engine::cli::outcome::help;
  for (const option_spec& o : spec) {
    const CLI::Option* opt = app.get_option(std::string(o.name));
    if (opt->count() > 0) out.set(o.name, o.value_name.empty() ? "" : opt->results().front());
  }
  return out;
}

std::optional<int64_t> parse_number(std::string_view text, int64_t min, int64_t max) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  if (v < min || v > max) return std::nullopt;
  return v;
}

}  // namespace tandem::tools
