// Which topics a flow takes, and which consumer groups it checkpoints / syncs.
// Standard library only (docs/design.md, "Naming policies" and the [replication] config keys
// `topics`, `exclude`, `groups`, `group_exclude`).
//
// Patterns are std::regex ECMAScript and must match the WHOLE name (std::regex_match):
// "orders" selects "orders" but not "orders2"; write "orders.*" for a family.
//
// Matching is for topic refresh and group listing (every few seconds), not the per-record path.
// Every const member is safe to call from several threads at once.
#pragma once

#include <expected>
#include <optional>
#include <regex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "policy/naming.h"

namespace tandem::policy {

// nullopt if `pattern` compiles as an ECMAScript std::regex; otherwise a message naming the
// pattern and why it is bad (std::regex_error::what), e.g.
//   "\"orders[\" is not a valid regex: <reason>". Never throws.
std::optional<std::string> validate_regex(std::string_view pattern);

// A compiled list of patterns; matches a name when any pattern full-matches it.
class regex_list {
 public:
  // `what` names the list in error messages ("topic include", "group exclude", ...).
  // Error: the first bad pattern, as "<what> pattern \"x[\" is not a valid regex: <reason>".
  static std::expected<regex_list, std::string> compile(std::span<const std::string> patterns,
                                                        std::string_view what);

  // True iff some pattern matches all of `name`. An empty list matches nothing.
  // libstdc++'s matcher throws nothing here but std::bad_alloc; it recurses per character, which
  // is harmless for Kafka names (topics <= 249 characters, group ids short in practice).
  bool matches(std::string_view name) const;

 private:
  std::vector<std::regex> regexes_;
};

// Why a topic is or is not taken; the first rule that applies, in this order.
enum class topic_verdict {
  selected,
  kafka_internal,  // "__" prefix: __consumer_offsets, __transaction_state, ...
  tandem_internal, // "tandem." prefix: tandem.offsets, tandem.checkpoints
  mirror_topic,    // prefix naming: the name carries a known region prefix ("west.orders")
  excluded,        // matched an exclude pattern (exclude wins over include)
  not_included,    // matched no include pattern
};

std::string_view to_string(topic_verdict verdict);

// The topics one flow takes from its source cluster.
//
// Rules, in order (the first that applies decides):
//   1. Kafka internals ("__*") and tandem's own topics ("tandem.*") are never taken, whatever
//      the patterns say: replicating offsets or transaction state between clusters corrupts
//      them, and tandem's state topics are per cluster.
//   2. Prefix naming: a topic whose name proves it is a mirror (naming_policy::is_mirror_topic)
//      is never taken: each region's records go directly to every other region, never forwarded,
//      and a mirror sent back to where it came from would be a loop. Identity naming cannot see
//      this in names; the origin header (loopguard/) stops those loops record by record.
//   3. A topic matching any exclude pattern is not taken.
//   4. A topic matching any include pattern is taken; otherwise not. No include patterns, no
//      topics (defaults such as ".*" belong to the config loader).
//
// Divergence from MM2, on purpose: MM2 also treats ".*" prefixes and ".internal" / "-internal"
// suffixes as internal. tandem does not (rule 1 is exactly "__" and "tandem."); exclude them with
// a pattern if wanted.
class topic_filter {
 public:
  // Error: the first bad pattern, named ("topic include pattern ..."). Never throws.
  static std::expected<topic_filter, std::string> create(std::span<const std::string> include,
                                                         std::span<const std::string> exclude,
                                                         naming_policy naming);

  topic_verdict verdict(std::string_view topic) const;
  bool selects(std::string_view topic) const { return verdict(topic) == topic_verdict::selected; }

  const naming_policy& naming() const { return naming_; }

 private:
  topic_filter(regex_list include, regex_list exclude, naming_policy naming);

  regex_list include_;
  regex_list exclude_;
  naming_policy naming_;
};

// The consumer groups a flow checkpoints and syncs: include / exclude patterns, exclude wins,
// no include patterns selects nothing. No built-in exclusions.
class group_filter {
 public:
  // Error: the first bad pattern, named ("group include pattern ..."). Never throws.
  static std::expected<group_filter, std::string> create(std::span<const std::string> include,
                                                         std::span<const std::string> exclude);

  bool selects(std::string_view group) const;

 private:
  group_filter(regex_list include, regex_list exclude);

  regex_list include_;
  regex_list exclude_;
};

}  // namespace tandem::policy
