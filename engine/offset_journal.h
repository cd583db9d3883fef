// The durable flow_journal over the state directory's offset store (offsets/, RocksDB):
// delivery reports become runs (run_builder), echoes become the peer direction's runs, and each
// commit writes them together with the resume positions in one WriteBatch.
//
// A commit that fails loses the runs it carried (the positions are not written either, so the
// records are replicated again after a restart): a hole in the map only causes re-reads at
// failover, never skips (DESIGN.md "Translation").
#pragma once

#include <expected>
#include <filesystem>
#include <memory>
#include <string>

#include "engine/flow_journal.h"
#include "offsets/store.h"

namespace tandem::engine {

// Opens (creating if missing) the process's offset store in `state_dir`. Error names the
// directory and the problem (another version, corrupted, locked by a running tandem, ...).
std::expected<std::shared_ptr<offsets::offset_store>, offsets::error> open_state(
    const std::filesystem::path& state_dir);

// The journal of flow source→target over `store`.
std::unique_ptr<flow_journal> make_offset_journal(std::shared_ptr<offsets::offset_store> store,
                                                  const std::string& source_region,
                                                  const std::string& target_region);

}  // namespace tandem::engine
