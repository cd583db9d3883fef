#include "policy/naming.h"

#include <algorithm>
#include <utility>

namespace tandem::policy {
namespace {

// Kafka's legal topic-name characters ([a-zA-Z0-9._-]); the separator becomes part of names.
bool is_legal_topic_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '_' || c == '-';
}

std::optional<std::string> check_separator(const std::string& separator) {
  if (separator.empty()) return "prefix naming: the separator is empty";
  if (!std::ranges::all_of(separator, is_legal_topic_char)) {
    return "prefix naming: separator \"" + separator +
           "\" has characters not allowed in topic names (allowed: letters, digits, '.', '_', '-')";
  }
  return std::nullopt;
}

std::optional<std::string> check_region(const std::string& region, const std::string& separator) {
  if (region.empty()) return "prefix naming: a region alias is empty";
  if (region.find(separator) != std::string::npos) {
    // The name would split at the alias's own separator: "us.west.orders" reads as region "us".
    return "prefix naming: region alias \"" + region + "\" contains the separator \"" +
           separator + "\", so its mirror topics could not be recognised";
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(naming_kind kind) {
  switch (kind) {
    case naming_kind::prefix: return "prefix";
    case naming_kind::identity: return "identity";
  }
  return "(unknown naming kind)";
}

std::optional<naming_kind> parse_naming_kind(std::string_view text) {
  if (text == "prefix") return naming_kind::prefix;
  if (text == "identity") return naming_kind::identity;
  return std::nullopt;
}

naming_policy::naming_policy(naming_kind kind, std::string separator,
                             std::set<std::string, std::less<>> regions)
    : kind_(kind), separator_(std::move(separator)), regions_(std::move(regions)) {}

naming_policy naming_policy::identity() { return naming_policy(naming_kind::identity, {}, {}); }

std::expected<naming_policy, std::string> naming_policy::prefix(
    std::span<const std::string> known_regions, std::string separator) {
  if (auto error = check_separator(separator)) return std::unexpected(std::move(*error));
  if (known_regions.empty()) {
    // With no regions no name is a mirror, and the "never replicate onward" rule would vanish.
    return std::unexpected("prefix naming: no region aliases given");
  }
  for (const auto& region : known_regions) {
    if (auto error = check_region(region, separator)) return std::unexpected(std::move(*error));
  }
  return naming_policy(naming_kind::prefix, std::move(separator),
                       {known_regions.begin(), known_regions.end()});
}

std::string naming_policy::target_topic(std::string_view source_region,
                                        std::string_view topic) const {
  if (kind_ == naming_kind::identity) return std::string(topic);
  std::string name;
  name.reserve(source_region.size() + separator_.size() + topic.size());
  name.append(source_region).append(separator_).append(topic);
  return name;
}

std::optional<std::string> naming_policy::topic_source(std::string_view topic) const {
  if (kind_ == naming_kind::identity) return std::nullopt;
  const auto at = topic.find(separator_);
  if (at == std::string_view::npos) return std::nullopt;
  // "east." names no topic: like MM2 (whose split drops the empty tail), not a mirror.
  if (at + separator_.size() == topic.size()) return std::nullopt;
  const auto region = topic.substr(0, at);
  if (!regions_.contains(region)) return std::nullopt;
  return std::string(region);
}

std::optional<std::string> naming_policy::upstream_topic(std::string_view topic) const {
  if (kind_ == naming_kind::identity) return std::string(topic);
  const auto source = topic_source(topic);
  if (!source) return std::nullopt;
  return std::string(topic.substr(source->size() + separator_.size()));
}

std::optional<std::string> naming_policy::original_source(std::string_view topic) const {
  // Walk the prefixes; each step strictly shortens the name, so this ends.
  std::optional<std::string> first_hop;
  std::string name(topic);
  while (auto source = topic_source(name)) {
    name = *upstream_topic(name);
    first_hop = std::move(source);
  }
  return first_hop;
}

std::string naming_policy::original_topic(std::string_view topic) const {
  // Identity never has a source, so this returns `topic` without following upstream_topic,
  // which for identity is the topic itself (MM2's recursion would not end there).
  std::string name(topic);
  while (topic_source(name)) name = *upstream_topic(name);
  return name;
}

}  // namespace tandem::policy
