// The durable flow_journal: resume positions and offset-map runs in the state directory's
// RocksDB (offsets/), written in one WriteBatch per commit.
#pragma once

#include <expected>
#include <filesystem>
#include <memory>
#include <string>

#include "engine/flow_journal.h"

namespace tandem::engine {

std::expected<std::unique_ptr<flow_journal>, std::string> open_offset_journal(
    const std::filesystem::path& state_dir, const std::string& source_region,
    const std::string& target_region);

}  // namespace tandem::engine
