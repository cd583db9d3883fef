// Small parts of config.h: enum names, diagnostics, cluster lookup, secret detection.

#include "engine/config/config.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "engine/config/config_internal.h"

namespace tandem::engine {

std::string_view to_string(naming_mode m) {
  switch (m) {
    case naming_mode::identity: return "identity";
    case naming_mode::prefix: return "prefix";
  }
  return "(unknown naming mode)";
}

std::string_view to_string(delivery_mode m) {
  switch (m) {
    case delivery_mode::at_least_once: return "at-least-once";
    case delivery_mode::exactly_once: return "exactly-once";
  }
  return "(unknown delivery mode)";
}

std::string diagnostic::to_string() const {
  std::string out;
  if (!origin.empty()) {
    out += origin;
    if (position) {
      out += ':' + std::to_string(position->line) + ':' + std::to_string(position->column);
    }
    out += ": ";
  }
  out += message;
  return out;
}

std::string config_error::render() const {
  std::string out;
  for (const diagnostic& d : diagnostics) {
    if (!out.empty()) out += '\n';
    out += d.to_string();
  }
  return out;
}

const cluster_config* config::find_cluster(std::string_view alias) const {
  for (const cluster_config& c : clusters) {
    if (c.alias == alias) return &c;
  }
  return nullptr;
}

const cluster_config& config::local() const {
  const cluster_config* c = find_cluster(region);
  if (c == nullptr) {
    // Only reachable by skipping validate(): a programming error, not bad input.
    std::fprintf(stderr, "tandem: config::local() called on an unvalidated config\n");
    std::abort();
  }
  return *c;
}

std::vector<const cluster_config*> config::remotes() const {
  std::vector<const cluster_config*> out;
  for (const cluster_config& c : clusters) {
    if (c.alias != region) out.push_back(&c);
  }
  return out;
}

bool is_secret_property(std::string_view name) {
  std::string n(name);
  std::transform(n.begin(), n.end(), n.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  constexpr std::array<std::string_view, 4> k_words{"password", "secret", "token", "credential"};
  constexpr std::array<std::string_view, 3> k_suffixes{".key", "_key", "key.pem"};
  for (std::string_view w : k_words) {
    if (n.find(w) != std::string::npos) return true;
  }
  for (std::string_view s : k_suffixes) {
    if (n.ends_with(s)) return true;
  }
  return n == "sasl.oauthbearer.config";
}

std::map<std::string, std::string> cluster_config::redact(
    const std::map<std::string, std::string>& props) {
  std::map<std::string, std::string> out = props;
  for (auto& [key, value] : out) {
    if (is_secret_property(key)) value = std::string(k_redacted);
  }
  return out;
}

namespace detail {

bool is_bare_key(std::string_view key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string join_key(std::string_view parent, std::string_view key) {
  std::string out(parent);
  if (!out.empty()) out += '.';
  if (is_bare_key(key)) {
    out += key;
  } else if (key.find('\'') == std::string_view::npos && key.find('\n') == std::string_view::npos) {
    out += '\'';
    out += key;
    out += '\'';
  } else {
    out += in_quotes(key);
  }
  return out;
}

std::string index_key(std::string_view parent, std::size_t index) {
  return std::string(parent) + '[' + std::to_string(index) + ']';
}

diagnostic make_diagnostic(const config& cfg, std::string key, std::string message) {
  diagnostic d{.origin = cfg.origin, .position = std::nullopt, .key = key, .message = std::move(message)};
  std::string_view k = key;
  while (!k.empty()) {
    if (auto it = cfg.positions.find(k); it != cfg.positions.end()) {
      d.position = it->second;
      break;
    }
    // Parent path: strip a trailing "[n]" or ".segment" (quoted segments contain no '[').
    const std::size_t cut = k.find_last_of(".[");
    if (cut == std::string_view::npos) break;
    k = k.substr(0, cut);
  }
  return d;
}

std::string in_quotes(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

}  // namespace detail
}  // namespace tandem::engine
