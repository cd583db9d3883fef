// Reading a config file and parsing its TOML text, with parse errors rendered so that a line
// holding a secret is never echoed. The loader (config_load.cc) walks the parsed document.

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "engine/config/config.h"
#include "engine/config/config_toml.h"

namespace tandem::engine {
namespace {

// Line `line` (1-based) of `text`, without its newline; empty when out of range.
std::string_view line_of(std::string_view text, std::uint32_t line) {
  std::size_t start = 0;
  for (std::uint32_t l = 1; l < line && start != std::string_view::npos; ++l) {
    start = text.find('\n', start);
    if (start != std::string_view::npos) ++start;
  }
  if (line == 0 || start == std::string_view::npos || start >= text.size()) return {};
  std::string_view l = text.substr(start, text.find('\n', start) - start);
  if (l.ends_with('\r')) l.remove_suffix(1);
  return l;
}

// Whether a line looks like it sets a secret.
bool mentions_secret(std::string_view l) {
  // Each word split at whitespace, '=' and quotes is checked like a property name.
  std::size_t i = 0;
  while (i < l.size()) {
    std::size_t j = l.find_first_of(" \t=\"'", i);
    if (j == std::string_view::npos) j = l.size();
    if (j > i && is_secret_property(l.substr(i, j - i))) return true;
    i = j + 1;
  }
  return false;
}

// toml++ descriptions look like "Error while parsing string: encountered end-of-file"; they
// quote at most one character ("saw 'x'"), which is dropped on a line that holds a secret.
std::string describe_parse_error(std::string_view description, std::string_view line, std::uint32_t column) {
  std::string d(description);
  // A newline inside a basic string is what a missing closing quote looks like to toml++.
  if (d.find("unescaped control characters") != std::string::npos && column > line.size()) {
    d = "Error while parsing string: missing closing quote (a string must end on the line it starts)";
  }
  const bool secret_line = mentions_secret(line);
  constexpr std::string_view k_lead = "Error while parsing ";
  if (d.starts_with(k_lead)) {
    const std::size_t colon = d.find(": ");
    if (colon != std::string::npos) {
      d = "invalid TOML (" + d.substr(k_lead.size(), colon - k_lead.size()) + "): " + d.substr(colon + 2);
    }
  } else {
    d = "invalid TOML: " + d;
  }
  if (secret_line) {
    if (const std::size_t saw = d.find(", saw '"); saw != std::string::npos) d.erase(saw);
  }
  return d;
}

}  // namespace

namespace detail {

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "string";
    case toml::node_type::integer: return "integer";
    case toml::node_type::floating_point: return "float";
    case toml::node_type::boolean: return "boolean";
    case toml::node_type::date: return "date";
    case toml::node_type::time: return "time";
    case toml::node_type::date_time: return "date-time";
    case toml::node_type::array: return "array";
    case toml::node_type::table: return "table";
    case toml::node_type::none: break;
  }
  return "nothing";
}

std::optional<source_position> position_of(const toml::source_region& r) {
  if (r.begin.line == 0) return std::nullopt;
  return source_position{r.begin.line, r.begin.column};
}

std::expected<toml::table, config_error> parse_document(std::string_view text,
                                                       std::string_view origin) {
  const auto failed = [&](const toml::parse_error& e) {
    const auto at = position_of(e.source());
    std::string why = describe_parse_error(e.description(), line_of(text, at ? at->line : 0),
                                           at ? at->column : 0);
    return std::unexpected(config_error{
        {{.origin = std::string(origin), .position = at, .key = "", .message = std::move(why)}}});
  };
#if TOML_EXCEPTIONS
  try {
    return toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    return failed(e);
  }
#else
  toml::parse_result parsed = toml::parse(text, origin);
  if (!parsed) return failed(parsed.error());
  return std::move(parsed).table();
#endif
}

bool is_blank(std::string_view text) {
  bool in_comment = false;
  for (char c : text) {
    if (c == '\n') {
      in_comment = false;
    } else if (c == '#') {
      in_comment = true;
    } else if (!in_comment && c != ' ' && c != '\t' && c != '\r') {
      return false;
    }
  }
  return true;
}

}  // namespace detail

std::expected<config, config_error> load_config(const std::filesystem::path& path) {
  const std::string origin = path.string();
  const auto fail = [&](std::string why) {
    return std::unexpected(
        config_error{{{.origin = origin, .position = std::nullopt, .key = "", .message = std::move(why)}}});
  };
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return fail("cannot read config file: it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    return fail("cannot read config file: " + std::string(err != 0 ? std::strerror(err) : "open failed"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail("cannot read config file: read error");
  std::filesystem::path base = std::filesystem::absolute(path, ec).parent_path();
  if (ec) base = path.parent_path();
  return load_config_string(text.str(), origin, base);
}

}  // namespace tandem::engine
