#include "engine/config/duration.h"

#include <array>
#include <cstdint>
#include <limits>

namespace tandem::engine {
namespace {

struct unit {
  std::string_view suffix;
  std::int64_t millis;
};
// Longest suffix first so "ms" is not read as "m" followed by garbage.
constexpr std::array<unit, 4> k_units{{{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}}};
constexpr std::string_view k_hint = "write e.g. \"5s\" or \"250ms\"; units: ms, s, m, h";

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_unit_char(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

}  // namespace

std::expected<std::chrono::milliseconds, std::string> parse_duration(std::string_view text) {
  using std::unexpected;
  if (text.empty()) return unexpected(std::string("empty duration (") + std::string(k_hint) + ")");
  if (text.front() == '-') return unexpected(std::string("negative durations are not allowed"));
  if (text.front() == '+') return unexpected(std::string("a sign is not allowed (write \"5s\")"));

  constexpr std::int64_t k_max = std::numeric_limits<std::int64_t>::max();
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!is_digit(text[i])) {
      if (i == 0) return unexpected(std::string("expected a number followed by a unit (") + std::string(k_hint) + ")");
      return unexpected(std::string("unexpected character '") + text[i] + "' (" + std::string(k_hint) + ")");
    }
    std::int64_t n = 0;
    for (; i < text.size() && is_digit(text[i]); ++i) {
      const int digit = text[i] - '0';
      if (n > (k_max - digit) / 10) return unexpected(std::string("duration is too large"));
      n = n * 10 + digit;
    }
    if (i == text.size()) {
      return unexpected(std::string("missing unit (") + std::string(k_hint) + ")");
    }
    if (text[i] == '.' || text[i] == ',') {
      return unexpected(std::string("fractions are not supported; use a smaller unit (e.g. \"1500ms\")"));
    }
    if (text[i] == ' ' || text[i] == '\t') {
      return unexpected(std::string("no space is allowed between number and unit (write e.g. \"5s\")"));
    }
    std::size_t end = i;
    while (end < text.size() && is_unit_char(text[end])) ++end;
    const std::string_view suffix = text.substr(i, end - i);
    const unit* found = nullptr;
    for (const unit& u : k_units) {
      if (suffix == u.suffix) found = &u;
    }
    if (found == nullptr) {
      if (suffix.empty()) {
        return unexpected(std::string("unexpected character '") + text[i] + "' (" + std::string(k_hint) + ")");
      }
      return unexpected("unknown unit \"" + std::string(suffix) + "\" (units: ms, s, m, h)");
    }
    if (n > k_max / found->millis) return unexpected(std::string("duration is too large"));
    const std::int64_t term = n * found->millis;
    if (total > k_max - term) return unexpected(std::string("duration is too large"));
    total += term;
    i = end;
  }
  return std::chrono::milliseconds(total);
}

std::string format_duration(std::chrono::milliseconds d) {
  const std::int64_t ms = d.count();
  if (ms != 0) {
    for (auto it = k_units.rbegin(); it != k_units.rend(); ++it) {
      if (ms % it->millis == 0) return std::to_string(ms / it->millis) + std::string(it->suffix);
    }
  }
  return std::to_string(ms) + "ms";
}

}  // namespace tandem::engine
