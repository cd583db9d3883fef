// Character rules for the names that appear inside an origin header: region aliases and topics.
//
// Both rules exclude '/', ';', '=' and anything outside printable ASCII, which is what makes
// those characters safe separators in the header text (origin_header.h) and keeps the header
// readable in kcat. Comparisons elsewhere are byte-exact: region "West" is not region "west".
#pragma once

#include <cstddef>
#include <string_view>

namespace tandem::loopguard {

// Longest region alias tandem accepts. Aliases are short operator-chosen names (`east`,
// `eu-west-1`); the bound keeps the header small and the prefix naming policy's
// `<region>.<topic>` within Kafka's topic-length limit for most topics.
inline constexpr std::size_t max_region_length = 64;

// Kafka's own limit on topic names (kafka.common.internals.Topic.MAX_NAME_LENGTH).
inline constexpr std::size_t max_topic_length = 249;

// True if `name` is a usable region alias: 1..max_region_length characters from
// [A-Za-z0-9_-]. The config loader validates every region with this function, so a region tandem
// runs with can always be written into, and parsed back from, an origin header.
[[nodiscard]] bool is_valid_region(std::string_view name) noexcept;

// True if `name` is a legal Kafka topic name: 1..max_topic_length characters from
// [A-Za-z0-9._-], and neither "." nor ".." (Kafka rejects both).
[[nodiscard]] bool is_valid_topic(std::string_view name) noexcept;

}  // namespace tandem::loopguard
