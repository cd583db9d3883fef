// Shared config texts for the engine's config tests.
#pragma once

#include <string>
#include <string_view>

namespace tandem::engine::testing {

// The smallest valid config: two regions, everything else defaulted. 8 lines, so text appended
// with with_minimal() starts on line 9.
inline constexpr std::string_view k_minimal = R"(region = "east"
state_dir = "/tmp/tandem/east"

[clusters.east]
bootstrap = "127.0.0.1:19092"

[clusters.west]
bootstrap = "127.0.0.1:19093"
)";

inline std::string with_minimal(std::string_view tail) { return std::string(k_minimal) + std::string(tail); }

}  // namespace tandem::engine::testing
