#include "policy/topic_filter.h"

#include <utility>

namespace tandem::policy {
namespace {

constexpr std::string_view kafka_internal_prefix = "__";
constexpr std::string_view tandem_internal_prefix = "tandem.";

// The one place patterns are compiled, so validate_regex and the filters agree on the dialect.
std::expected<std::regex, std::string> compile_regex(std::string_view pattern) {
  try {
    return std::regex(pattern.begin(), pattern.end(), std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return std::unexpected("\"" + std::string(pattern) + "\" is not a valid regex: " + e.what());
  }
}

}  // namespace

std::optional<std::string> validate_regex(std::string_view pattern) {
  auto compiled = compile_regex(pattern);
  if (compiled) return std::nullopt;
  return std::move(compiled.error());
}

std::expected<regex_list, std::string> regex_list::compile(std::span<const std::string> patterns,
                                                           std::string_view what) {
  regex_list list;
  list.regexes_.reserve(patterns.size());
  for (const auto& pattern : patterns) {
    auto compiled = compile_regex(pattern);
    if (!compiled) return std::unexpected(std::string(what) + " pattern " + compiled.error());
    list.regexes_.push_back(std::move(*compiled));
  }
  return list;
}

bool regex_list::matches(std::string_view name) const {
  // regex_match, not regex_search: a pattern must cover the whole name.
  for (const auto& re : regexes_) {
    if (std::regex_match(name.begin(), name.end(), re)) return true;
  }
  return false;
}

std::string_view to_string(topic_verdict verdict) {
  switch (verdict) {
    case topic_verdict::selected: return "selected";
    case topic_verdict::kafka_internal: return "kafka internal topic";
    case topic_verdict::tandem_internal: return "tandem internal topic";
    case topic_verdict::mirror_topic: return "mirror topic";
    case topic_verdict::excluded: return "excluded";
    case topic_verdict::not_included: return "not included";
  }
  return "(unknown topic verdict)";
}

topic_filter::topic_filter(regex_list include, regex_list exclude, naming_policy naming)
    : include_(std::move(include)), exclude_(std::move(exclude)), naming_(std::move(naming)) {}

std::expected<topic_filter, std::string> topic_filter::create(std::span<const std::string> include,
                                                              std::span<const std::string> exclude,
                                                              naming_policy naming) {
  auto inc = regex_list::compile(include, "topic include");
  if (!inc) return std::unexpected(std::move(inc.error()));
  auto exc = regex_list::compile(exclude, "topic exclude");
  if (!exc) return std::unexpected(std::move(exc.error()));
  return topic_filter(std::move(*inc), std::move(*exc), std::move(naming));
}

topic_verdict topic_filter::verdict(std::string_view topic) const {
  if (topic.starts_with(kafka_internal_prefix)) return topic_verdict::kafka_internal;
  if (topic.starts_with(tandem_internal_prefix)) return topic_verdict::tandem_internal;
  if (naming_.is_mirror_topic(topic)) return topic_verdict::mirror_topic;
  if (exclude_.matches(topic)) return topic_verdict::excluded;
  if (include_.matches(topic)) return topic_verdict::selected;
  return topic_verdict::not_included;
}

group_filter::group_filter(regex_list include, regex_list exclude)
    : include_(std::move(include)), exclude_(std::move(exclude)) {}

std::expected<group_filter, std::string> group_filter::create(
    std::span<const std::string> include, std::span<const std::string> exclude) {
  auto inc = regex_list::compile(include, "group include");
  if (!inc) return std::unexpected(std::move(inc.error()));
  auto exc = regex_list::compile(exclude, "group exclude");
  if (!exc) return std::unexpected(std::move(exc.error()));
  return group_filter(std::move(*inc), std::move(*exc));
}

bool group_filter::selects(std::string_view group) const {
  return !exclude_.matches(group) && include_.matches(group);
}

}  // namespace tandem::policy
