#include "engine/cli/parse.h"

#include <algorithm>
#include <vector>

#include "engine/config/suggest.h"

namespace tandem::engine::cli {
namespace {

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

bool is_flag(const CLI::Option& o) { return o.get_expected_max() == 0; }

// The long names of the app's options ("--json"), help excluded: the candidates of suggestions.
std::vector<std::string> long_names(const CLI::App& app) {
  std::vector<std::string> out;
  for (const CLI::Option* o : app.get_options()) {
    if (o == app.get_help_ptr() || o->get_positional()) continue;
    for (const std::string& l : o->get_lnames()) out.push_back("--" + l);
  }
  return out;
}

// `--name=` of a value option: CLI11 reads it as "no value", tandem calls it empty.
std::string empty_inline_value(const CLI::App& app, std::span<const std::string_view> args) {
  for (std::string_view a : args) {
    if (a == "--") break;
    if (!a.starts_with("--") || !a.ends_with('=')) continue;
    const CLI::Option* o = app.get_option_no_throw(std::string(a.substr(0, a.size() - 1)));
    if (o && !is_flag(*o)) return "option " + o->get_name() + ": empty " + o->get_type_name();
  }
  return "";
}

// What CLI11 left over: an option it does not know or a stray argument (anything after `--`,
// which CLI11 keeps in remaining() too).
std::string leftover(const CLI::App& app) {
  const std::vector<std::string> rest = app.remaining();
  const auto mark = std::ranges::find(rest, "--");
  const auto first = mark == rest.begin() && mark != rest.end() ? std::next(mark) : rest.begin();
  if (first == rest.end()) return "";
  const std::string& a = *first;
  if (first > mark || !a.starts_with('-') || a == "-") return "unexpected argument " + in_quotes(a);
  const std::vector<std::string> names = long_names(app);
  const std::vector<std::string_view> views(names.begin(), names.end());
  return unknown_option(std::string_view(a).substr(0, a.find('=')), views);
}

// An option given twice, a flag given a value, a value option given none.
std::string misused(const CLI::App& app) {
  for (const CLI::Option* o : app.get_options()) {
    if (o == app.get_help_ptr() || o->get_positional() || o->count() == 0) continue;
    const std::string name = o->get_name();
    if (o->count() > 1) return "option " + name + " given twice";
    const std::string& value = o->results().front();
    if (is_flag(*o) && value != "true") return "option " + name + " takes no value";
    if (!is_flag(*o) && value.empty()) return "option " + name + " needs a " + o->get_type_name();
  }
  return "";
}

}  // namespace

CLI::Option* value_option(CLI::App& app, const std::string& names, const std::string& value_name,
                          const std::string& help) {
  return app.add_option(names, help)
      ->type_name(value_name)
      ->expected(0, 1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

CLI::Option* flag_option(CLI::App& app, const std::string& names, const std::string& help) {
  return app.add_flag(names, help)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

void prepare(CLI::App& app, std::string help_text) {
  app.set_help_flag("-h,--help", "show this help");
  app.allow_extras();
  app.formatter_fn([text = std::move(help_text)](const CLI::App*, std::string, CLI::AppFormatMode) { return text; });
}

std::expected<outcome, std::string> parse(CLI::App& app, std::span<const std::string_view> args) {
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 pops from the back
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    return outcome::help;
  } catch (const CLI::ParseError& e) {
    return std::unexpected(std::string(e.what()));
  }
  for (std::string problem : {empty_inline_value(app, args), leftover(app), misused(app)}) {
    if (!problem.empty()) return std::unexpected(problem);
  }
  return outcome::ok;
}

std::string unknown_option(std::string_view name, std::span<const std::string_view> candidates) {
  std::string msg = "unknown option " + in_quotes(name);
  if (auto near = nearest(name, candidates)) msg += " (did you mean " + in_quotes(*near) + "?)";
  return msg;
}

}  // namespace tandem::engine::cli
