// Topic naming: what a replicated topic is called on the target cluster, and what a topic's
// name says about where it came from. Standard library only (docs/design.md, "Naming policies").
#pragma once

#include <expected>
#include <functional>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>

namespace tandem::policy {

// The two naming schemes of docs/design.md. Spelled in config as `naming = "prefix" | "identity"`.
enum class naming_kind { prefix, identity };

// "prefix" / "identity".
std::string_view to_string(naming_kind kind);

// The inverse of to_string; nullopt for any other spelling (case-sensitive, like the config).
std::optional<naming_kind> parse_naming_kind(std::string_view text);

// A naming policy: a small, copyable, immutable value. Thread-safe (all members are const).
//
// prefix (MM2 DefaultReplicationPolicy-compatible), regions {east, west}, separator ".":
//
//   target_topic("west", "orders")        -> "west.orders"
//   topic_source("west.orders")           -> "west"
//   upstream_topic("west.orders")         -> "orders"
//   topic_source("east.west.orders")      -> "east"      (the last hop)
//   upstream_topic("east.west.orders")    -> "west.orders"
//   original_source("east.west.orders")   -> "west"      (the first hop, for reporting)
//   original_topic("east.west.orders")    -> "orders"
//   topic_source("orders.v2")             -> nullopt     ("orders" is no region)
//
// Unlike MM2, which takes whatever precedes the first separator as a cluster alias, a name is
// a mirror only when that text is one of the *known* region aliases: with "." as the separator
// plenty of local topics contain one ("orders.v2", "payments.eu") and must not be mistaken for
// mirrors, or they would never be selected. Consequently a region alias may not contain the
// separator (the split is at the first separator, as in MM2), which prefix() enforces.
//
// identity (MM2 IdentityReplicationPolicy without its heartbeats special case):
//
//   target_topic("west", "orders")        -> "orders"
//   topic_source(anything)                -> nullopt
//   upstream_topic("orders")              -> "orders"
//
// Under identity the name cannot tell a mirror from a local topic: `orders` on east holds east's
// own records interleaved with copies of west's. Only the origin header (loopguard/) can tell
// them apart, record by record; it is what stops a record from going east -> west -> east.
// Every topic name is "possibly a mirror" (MM2's view), so is_mirror_topic is always false here:
// it answers "does the *name* prove this is a mirror?", which selection uses.
//
// N/A from MM2: heartbeats topics (tandem has none), MM2's internal topics (checkpoints,
// offset-syncs) and the `source.cluster.alias` of its identity policy, which names one fixed
// source for every topic; in tandem records from several regions share a topic.
class naming_policy {
 public:
  // Identity naming: same topic name on both sides.
  static naming_policy identity();

  // Prefix naming. `known_regions` are the aliases of every region of the topology, the local one
  // included (a topic "west.orders" read from east is a mirror of west, whichever flow reads it).
  // Errors (message names the problem): no regions; an empty alias; an alias containing the
  // separator; a separator that is empty or has characters Kafka forbids in topic names
  // (allowed: ASCII letters, digits, '.', '_', '-').
  static std::expected<naming_policy, std::string> prefix(
      std::span<const std::string> known_regions, std::string separator = ".");

  naming_kind kind() const { return kind_; }
  // Prefix naming's separator; empty for identity.
  const std::string& separator() const { return separator_; }

  // The topic's name on the target cluster when replicating `topic` from `source_region`.
  // Prefix: "<source_region><sep><topic>"; round-trips through topic_source/upstream_topic when
  // source_region is a known region. The result may exceed Kafka's 249-character limit; topic
  // creation reports that. Identity: `topic`.
  std::string target_topic(std::string_view source_region, std::string_view topic) const;

  // The region this topic was mirrored from, read from its name: the text before the first
  // separator when that is a known region and a non-empty topic follows. nullopt when the name
  // is not a mirror's (always, for identity).
  std::optional<std::string> topic_source(std::string_view topic) const;

  // The topic's name on the cluster it was mirrored from (one hop up; may itself be a mirror's
  // name). Prefix: the name without its region prefix, nullopt if topic_source is nullopt.
  // Identity: `topic` itself, since any topic may hold copies and they carry the same name.
  std::optional<std::string> upstream_topic(std::string_view topic) const;

  // True iff the name proves the topic is a mirror (topic_source has a value). Such topics are
  // never replicated onward: tandem sends each region's records directly to every other region.
  bool is_mirror_topic(std::string_view topic) const { return topic_source(topic).has_value(); }

  // The first hop of a chain of prefixes, for reporting: "east.west.orders" -> "west".
  // nullopt when topic_source is.
  std::optional<std::string> original_source(std::string_view topic) const;

  // The name at the start of the chain: "east.west.orders" -> "orders"; `topic` itself when it
  // is not a mirror (and always, for identity).
  std::string original_topic(std::string_view topic) const;

 private:
  naming_policy(naming_kind kind, std::string separator,
                std::set<std::string, std::less<>> regions);

  naming_kind kind_;
  std::string separator_;
  // std::less<> lets string_views look up without building a std::string.
  std::set<std::string, std::less<>> regions_;
};

}  // namespace tandem::policy
