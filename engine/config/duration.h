#pragma once
// Durations in config files: "250ms", "5s", "1m", "2h", and Go-style compounds such as "1m30s".
//
// Grammar: one or more <digits><unit> terms, no sign, no spaces, no fractions; units are
// ms, s, m, h. A bare number ("5") is rejected because its unit would be a guess. Zero is
// accepted here ("0s"); whether zero makes sense is the caller's decision (intervals reject it).

#include <chrono>
#include <expected>
#include <string>
#include <string_view>

namespace tandem::engine {

// Parses `text` into milliseconds.
// Success: the total of all terms. Error: a reason that does not repeat the key, e.g.
// `missing unit (write e.g. "5s"; units: ms, s, m, h)`; the caller names the key and the value.
std::expected<std::chrono::milliseconds, std::string> parse_duration(std::string_view text);

// Formats a duration in the largest unit that divides it exactly: 5000ms -> "5s",
// 90000ms -> "90s", 250ms -> "250ms", 3600000ms -> "1h". parse_duration(format_duration(d)) == d.
std::string format_duration(std::chrono::milliseconds d);

}  // namespace tandem::engine
