// The state directory's identity (docs/design.md "Safety rules"): the region and the Kafka
// cluster ids it belongs to, kept in the offset store (offsets::store_identity). Its runs
// describe those clusters' logs: a directory restored or copied from another region or
// cluster would translate group offsets into the wrong places, so `tandem run` refuses it.
//
//   tandem run ──ids the clusters report──> claim_state_dir ──mismatch──> exit 2
//                                                 └──new (older tandem, first contact)──> recorded
#pragma once

#include <expected>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "offsets/store.h"

namespace tandem::engine {

// A cluster of the config and the id it reported.
struct cluster_seen {
  std::string alias;      // [clusters.<alias>]
  std::string bootstrap;  // for the message
  std::string id;         // as Kafka reports it
};

struct claim_error {
  bool mismatch = false;  // true: another region or cluster (exit 2); false: the store failed
  std::string message;    // names the directory, what it belongs to and what the config says
};

// Compares the store's identity with the config's `region` and the ids of the clusters that
// answered (`seen`; a cluster that did not answer is simply absent: checked when it answers).
// Records what is new: a store without an identity (made by a tandem before identities) is
// adopted for `region`; a cluster's id is recorded the first time it is seen. A recorded id
// that differs, or another region, is a mismatch. Returns lines for the log (what it recorded).
std::expected<std::vector<std::string>, claim_error> claim_state_dir(
    offsets::offset_store& store, const std::string& region, std::span<const cluster_seen> seen);

// The state directory is tandem's alone: one accessible to group or others (an operator's
// mkdir with the usual umask, a restored copy) is set to 0700. Returns a warning for the log
// when it changed the mode or could not; nullopt when it was fine or does not exist yet (the
// store creates it 0700).
std::optional<std::string> restrict_state_dir(const std::filesystem::path& dir);

}  // namespace tandem::engine
