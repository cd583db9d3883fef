// The durable flow_journal over the state directory's offset store (offsets/, RocksDB):
// delivery reports become runs (run_builder), echoes become the peer direction's runs, and each
// commit writes them together with the resume positions in one WriteBatch.
//
// A commit that fails loses the runs it carried (the positions are not written either, so the
// records are replicated again after a restart): a hole in the map only causes re-reads at
// failover, never skips (docs/design.md "Translation").
//
// After each successful write of the store, what it changed in the flow's OWN map (never the
// echo-learned peer runs: the peer publishes those) goes to the publisher, when one is given,
// which writes it to tandem.offsets of the local cluster without making the flow wait
// (engine/state/run_publisher.h): the runs a commit added (as the store keys them: a replay's
// copy splits the runs it meets), and after an invalidation (target or source truncated or
// recreated) or a trim below the source's log start, a tombstone for each erased key that is
// not written again and the runs written in their place (a cut run keeps its key, with its new
// length). So tandem.offsets mirrors the store key by key, and a restore into an empty state
// directory rebuilds the current map, not the stale runs (docs/design.md "Incarnations,
// invalidation, clamps"; issue #10). Changes are published in the order they were committed.
#pragma once

#include <expected>
#include <filesystem>
#include <memory>
#include <string>

#include "engine/flow/flow_journal.h"
#include "engine/state/run_publisher.h"
#include "offsets/store.h"

namespace tandem::engine {

// Opens (creating if missing) the process's offset store in `state_dir`. Error names the
// directory and the problem (another version, corrupted, locked by a running tandem, ...).
std::expected<std::shared_ptr<offsets::offset_store>, offsets::error> open_state(
    const std::filesystem::path& state_dir);

// The journal of flow source→target over `store`; `publisher` (may be null) receives the
// flow's own runs after each commit.
std::unique_ptr<flow_journal> make_offset_journal(std::shared_ptr<offsets::offset_store> store,
                                                  const std::string& source_region,
                                                  const std::string& target_region,
                                                  std::shared_ptr<run_publisher> publisher = {});

}  // namespace tandem::engine
