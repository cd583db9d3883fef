#include "tools/args.h"

#include <charconv>
#include <vector>

#include "engine/config/suggest.h"

namespace tandem::tools {
namespace {

bool is_help(std::string_view a) { return a == "-h" || a == "--help"; }

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

const option_spec* find(std::span<const option_spec> spec, std::string_view name) {
  for (const option_spec& o : spec)
    if (o.name == name || (!o.alias.empty() && o.alias == name)) return &o;
  return nullptr;
}

std::string unknown_option(std::span<const option_spec> spec, std::string_view name) {
  std::vector<std::string_view> names;
  for (const option_spec& o : spec) names.push_back(o.name);
  std::string msg = "unknown option " + quoted(name);
  if (auto near = engine::nearest(name, names)) msg += " (did you mean " + quoted(*near) + "?)";
  return msg;
}

}  // namespace

std::optional<std::string_view> parsed_args::get(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::expected<parsed_args, std::string> parse_args(std::span<const std::string_view> args,
                                                   std::span<const option_spec> spec) {
  parsed_args out;
  for (std::string_view a : args) {
    if (is_help(a)) {
      out.help = true;
      return out;
    }
  }
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (!a.starts_with('-') || a == "-") return std::unexpected("unexpected argument " + quoted(a));
    std::string_view name = a;
    std::optional<std::string_view> inline_value;
    if (auto eq = a.find('='); a.starts_with("--") && eq != std::string_view::npos) {
      name = a.substr(0, eq);
      inline_value = a.substr(eq + 1);
    }
    const option_spec* o = find(spec, name);
    if (!o) return std::unexpected(unknown_option(spec, name));
    if (out.has(o->name)) return std::unexpected("option " + std::string(o->name) + " given twice");
    if (o->value_name.empty()) {
      if (inline_value) return std::unexpected("option " + std::string(o->name) + " takes no value");
      out.set(o->name, "");
      continue;
    }
    std::string_view value;
    if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size() && !args[i + 1].starts_with("--")) {
      value = args[++i];
    } else {
      return std::unexpected("option " + std::string(o->name) + " needs a " + std::string(o->value_name));
    }
    if (value.empty()) {
      return std::unexpected("option " + std::string(o->name) + ": empty " + std::string(o->value_name));
    }
    out.set(o->name, value);
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
