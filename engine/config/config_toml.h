#pragma once
// The TOML side of config loading, shared by config_load.cc and config_parse.cc. Not public API.

#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "engine/config/config.h"

namespace tandem::engine::detail {

// "string", "integer", "table", ... for messages about a value of the wrong type.
std::string type_name(const toml::node& n);

// Where a TOML node was written; nullopt when toml++ does not know.
std::optional<source_position> position_of(const toml::source_region& r);

// Parses `text` (named `origin` in messages). Error: one diagnostic positioned at the syntax
// error, whose message never quotes a line that sets a secret.
std::expected<toml::table, config_error> parse_document(std::string_view text,
                                                       std::string_view origin);

// True when `text` holds nothing but white space and comments.
bool is_blank(std::string_view text);

}  // namespace tandem::engine::detail
