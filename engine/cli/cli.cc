#include "engine/cli/cli.h"

#include <algorithm>
#include <exception>
#include <iostream>
#include <vector>

#include "engine/cli/parse.h"
#include "engine/config/config.h"
#include "engine/config/suggest.h"

namespace tandem::engine::cli {
namespace {

constexpr std::string_view k_exit_codes =
    "Exit codes:\n"
    "  0  success\n"
    "  1  runtime failure\n"
    "  2  usage error or invalid config\n";

// An unknown command, or an option before the command: the nearest command (if one is near) and
// the usage on stderr, exit 2.
int unknown_command(const program& p, std::string_view name, streams io) {
  std::vector<std::string_view> names;
  for (const command& c : p.commands) names.push_back(c.name);
  io.err << p.name << ": unknown " << (name.starts_with('-') ? "option" : "command") << " \"" << name << '"';
  if (auto near = nearest(name, names)) io.err << " (did you mean \"" << *near << "\"?)";
  io.err << "\n\n" << usage(p);
  return k_exit_usage;
}

}  // namespace

std::string usage(const program& p) {
  std::string out = "Usage: " + std::string(p.name) + " <command> [options]\n\n";
  out += std::string(p.description) + "\n\nCommands:\n";
  std::size_t width = 0;
  for (const command& c : p.commands) width = std::max(width, c.name.size());
  for (const command& c : p.commands) {
    out += "  " + std::string(c.name) + std::string(width - c.name.size() + 3, ' ') + std::string(c.summary) + '\n';
  }
  out += "\nRun '" + std::string(p.name) + " <command> --help' for a command's options.\n\n";
  out += k_exit_codes;
  return out;
}

int dispatch(const program& p, std::span<const std::string_view> args, streams io) {
  // CLI11 parses what comes before the command and the command's name (one subcommand per
  // command); the command's own parser reads the rest, --help included.
  const auto word = std::ranges::find_if(args, [](std::string_view a) { return !a.starts_with('-'); });
  const std::size_t head = std::min(args.size(), static_cast<std::size_t>(word - args.begin()) + 1);
  CLI::App app{std::string(p.description), std::string(p.name)};
  prepare(app, usage(p));
  app.require_subcommand(0, 1);
  for (const command& c : p.commands) app.add_subcommand(std::string(c.name), std::string(c.summary))->set_help_flag();
  app.add_subcommand("help", "this help")->set_help_flag();
  const auto parsed = parse(app, args.first(head));
  if (parsed && *parsed == outcome::help) {
    io.out << app.help();
    return k_exit_ok;
  }
  if (!app.remaining().empty()) return unknown_command(p, app.remaining().front(), io);
  if (!parsed || app.get_subcommands().empty()) {
    io.err << p.name << ": " << (parsed ? "missing command" : parsed.error()) << "\n\n" << usage(p);
    return k_exit_usage;
  }
  const std::string& name = app.get_subcommands().front()->get_name();
  for (const command& c : p.commands) {
    if (c.name == name) return c.run(p.name, args.subspan(head), io);
  }
  io.out << app.help();  // "help"
  return k_exit_ok;
}

int main(const program& p, int argc, char** argv) {
  std::vector<std::string_view> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  try {
    return dispatch(p, args, {std::cout, std::cerr});
  } catch (const std::exception& e) {
    std::cerr << p.name << ": internal error: " << e.what() << '\n';
  } catch (...) {
    std::cerr << p.name << ": internal error\n";
  }
  return k_exit_failure;
}

std::optional<config_args> parse_config_args(std::span<const std::string_view> args, std::string& error) {
  CLI::App app{"", "check-config"};
  prepare(app, "");
  std::vector<std::string> files;
  value_option(app, "--config,-c", "FILE");
  app.add_option("FILE", files)->expected(0, -1);
  const auto parsed = parse(app, args);
  if (!parsed) {
    error = parsed.error();
    return std::nullopt;
  }
  config_args out;
  out.help = *parsed == outcome::help;
  if (out.help) return out;
  if (const CLI::Option* c = app.get_option("--config"); c->count() > 0) files.insert(files.begin(), c->results().front());
  // In the order given: the second FILE is the unexpected one.
  std::ranges::stable_sort(files, {}, [&](const std::string& f) { return std::ranges::find(args, f) - args.begin(); });
  if (files.empty()) {
    error = "missing FILE";
  } else if (files.size() > 1) {
    error = "unexpected argument \"" + files[1] + "\" (only one config FILE)";
  } else if (files.front().empty()) {
    error = "empty FILE";
  } else {
    out.file = files.front();
    return out;
  }
  return std::nullopt;
}

std::string check_config_usage(std::string_view program) {
  const std::string p(program);
  return "Usage: " + p + " check-config [--config] FILE\n\n"
         "Load the config FILE and check its TOML syntax, keys, types, values and cross-field\n"
         "rules. Prints a short summary (secrets redacted) when valid; otherwise every problem,\n"
         "each as FILE:LINE:COLUMN: message, on stderr. Warnings go to stderr.\n\n"
         "Options:\n"
         "  -c, --config FILE   the config file (same as giving FILE alone)\n"
         "  -h, --help          show this help\n\n"
         "Exit codes:\n"
         "  0  the config is valid\n"
         "  2  usage error, unreadable file or invalid config\n";
}

int check_config(std::string_view program, std::span<const std::string_view> args, streams io,
                 extra_check more) {
  std::string error;
  const std::optional<config_args> parsed = parse_config_args(args, error);
  if (!parsed) {
    io.err << program << " check-config: " << error << "\n\n" << check_config_usage(program);
    return k_exit_usage;
  }
  if (parsed->help) {
    io.out << check_config_usage(program);
    return k_exit_ok;
  }
  const auto cfg = load_config(parsed->file);
  if (!cfg) {
    const std::size_t n = cfg.error().diagnostics.size();
    io.err << cfg.error().render() << '\n'
           << parsed->file << ": " << n << (n == 1 ? " problem" : " problems") << " found\n";
    return k_exit_usage;
  }
  std::vector<std::string> errors, notes = warnings(*cfg);
  if (more) more(*cfg, errors, notes);
  for (const std::string& w : notes) io.err << "warning: " << parsed->file << ": " << w << '\n';
  for (const std::string& e : errors) io.err << parsed->file << ": " << e << '\n';
  if (!errors.empty()) {
    io.err << parsed->file << ": " << errors.size() << (errors.size() == 1 ? " problem" : " problems")
           << " found\n";
    return k_exit_usage;
  }
  io.out << parsed->file << ": OK\n" << summary(*cfg);
  return k_exit_ok;
}

int check_config(std::string_view program, std::span<const std::string_view> args, streams io) {
  return check_config(program, args, io, nullptr);
}

}  // namespace tandem::engine::cli
