// The log levels of tandem's logs (engine/obs/log.h) and of the config's [log] level.
#pragma once

#include <optional>
#include <string_view>

namespace tandem::engine {

enum class log_level { error, warn, info, debug, trace };

// "error" | "warn" | "info" | "debug" | "trace".
constexpr std::string_view to_string(log_level l) {
  switch (l) {
    case log_level::error: return "error";
    case log_level::warn: return "warn";
    case log_level::info: return "info";
    case log_level::debug: return "debug";
    case log_level::trace: return "trace";
  }
  return "(unknown log level)";
}

// The level named `s` (as to_string writes it); nullopt for any other text.
constexpr std::optional<log_level> parse_log_level(std::string_view s) {
  for (auto l : {log_level::error, log_level::warn, log_level::info, log_level::debug,
                 log_level::trace})
    if (to_string(l) == s) return l;
  return std::nullopt;
}

}  // namespace tandem::engine
