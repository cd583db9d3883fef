#include "engine/cli/cli.h"

#include <exception>
#include <iostream>
#include <vector>

#include "engine/config/config.h"
#include "engine/config/suggest.h"

namespace tandem::engine::cli {
namespace {

bool is_help(std::string_view a) { return a == "-h" || a == "--help"; }

constexpr std::string_view k_exit_codes =
    "Exit codes:\n"
    "  0  success\n"
    "  1  runtime failure\n"
    "  2  usage error or invalid config\n";

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
  if (args.empty()) {
    io.err << p.name << ": missing command\n\n" << usage(p);
    return k_exit_usage;
  }
  const std::string_view name = args.front();
  if (is_help(name) || name == "help") {
    io.out << usage(p);
    return k_exit_ok;
  }
  for (const command& c : p.commands) {
    if (c.name == name) return c.run(p.name, args.subspan(1), io);
  }
  std::vector<std::string_view> names;
  for (const command& c : p.commands) names.push_back(c.name);
  io.err << p.name << ": unknown " << (name.starts_with('-') ? "option" : "command") << " \"" << name << '"';
  if (auto near = nearest(name, names)) io.err << " (did you mean \"" << *near << "\"?)";
  io.err << "\n\n" << usage(p);
  return k_exit_usage;
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
  config_args out;
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    std::string_view file;
    if (!options_done && is_help(a)) {
      out.help = true;
      continue;
    } else if (!options_done && a == "--") {
      options_done = true;
      continue;
    } else if (!options_done && (a == "--config" || a == "-c")) {
      if (i + 1 == args.size()) {
        error = "option " + std::string(a) + " needs a FILE";
        return std::nullopt;
      }
      file = args[++i];
    } else if (!options_done && a.starts_with("--config=")) {
      file = a.substr(9);
    } else if (!options_done && a.starts_with('-') && a.size() > 1) {
      error = "unknown option \"" + std::string(a) + "\"";
      return std::nullopt;
    } else {
      file = a;
    }
    if (file.empty()) {
      error = "empty FILE";
      return std::nullopt;
    }
    if (!out.file.empty()) {
      error = "unexpected argument \"" + std::string(file) + "\" (only one config FILE)";
      return std::nullopt;
    }
    out.file = file;
  }
  if (out.file.empty() && !out.help) {
    error = "missing FILE";
    return std::nullopt;
  }
  return out;
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

int check_config(std::string_view program, std::span<const std::string_view> args, streams io) {
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
  for (const std::string& w : warnings(*cfg)) io.err << "warning: " << parsed->file << ": " << w << '\n';
  io.out << parsed->file << ": OK\n" << summary(*cfg);
  return k_exit_ok;
}

}  // namespace tandem::engine::cli
