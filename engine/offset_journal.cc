#include "engine/offset_journal.h"

namespace tandem::engine {

// TEMPORARY until offsets/ store lands: in-memory (resume falls back to the flow's group).
std::expected<std::unique_ptr<flow_journal>, std::string> open_offset_journal(
    const std::filesystem::path&, const std::string&, const std::string&) {
  return std::make_unique<memory_journal>();
}

}  // namespace tandem::engine
