#pragma once
// Helpers shared by config_load.cc, config_validate.cc and config_summary.cc. Not public API.

#include <string>
#include <string_view>

#include "engine/config/config.h"

namespace tandem::engine::detail {

// Whether `key` can be written as a bare TOML key (A-Z a-z 0-9 _ -).
bool is_bare_key(std::string_view key);

// A key path with `key` appended: ("clusters", "east") -> "clusters.east";
// ("clusters.east.librdkafka", "sasl.password") -> "clusters.east.librdkafka.'sasl.password'".
// Keys that are not bare are quoted the TOML way so the path can be pasted back into a file.
std::string join_key(std::string_view parent, std::string_view key);

// "replication.topics" + 1 -> "replication.topics[1]".
std::string index_key(std::string_view parent, std::size_t index);

// A diagnostic about `key` in `cfg`, positioned where `key` (or, failing that, its nearest
// parent) was written.
diagnostic make_diagnostic(const config& cfg, std::string key, std::string message);

// `text` in double quotes with quotes, backslashes and control characters escaped, for echoing
// a (non-secret) value in a message.
std::string in_quotes(std::string_view text);

}  // namespace tandem::engine::detail
