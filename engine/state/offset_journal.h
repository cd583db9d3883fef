// The durable flow_journal over the state directory's offset store (offsets/, RocksDB):
// delivery reports become runs (run_builder), echoes become the peer direction's runs, and each
// commit writes them together with the resume positions in one WriteBatch.
//
// A commit that fails loses the runs it carried (the positions are not written either, so the
// records are replicated again after a restart): a hole in the map only causes re-reads at
// failover, never skips (docs/design.md "Translation").
//
// After each successful commit the flow's OWN runs of that commit (never the echo-learned peer
// runs: the peer publishes those) go to the publisher, when one is given, which writes them to
// tandem.offsets of the local cluster without making the flow wait (engine/state/run_publisher.h).
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
