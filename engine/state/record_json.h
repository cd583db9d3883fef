// JSON for the text records of tandem.offsets and tandem.checkpoints (run_record.cc,
// checkpoint_record.cc), over nlohmann::json. Internal to engine/state: the codecs' headers do
// not expose it. Nothing here throws on any input.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "offsets/ids.h"

namespace tandem::engine::record_json {

// `text` as exactly one JSON object (whitespace around it allowed). Error: what is wrong and
// at which byte, starting with "JSON".
std::expected<nlohmann::json, std::string> parse_object(std::string_view text);

// The compact text of `j`, fields in the order they were set. Escapes as nlohmann does: '"',
// '\\', \b \f \n \r \t, \u00XX for the other control characters (the hand-written encoder
// before it wrote \u00XX for all of them; both are the same JSON). A string that is not UTF-8
// has its bad bytes replaced by U+FFFD (names read from TOML and Kafka always are UTF-8).
std::string dump(const nlohmann::ordered_json& j);

// `"<key>"` for error messages: the key's first 120 bytes, quoted ("..." when cut).
std::string excerpt(std::string_view key);

// Typed reads of a record value's fields. The first problem is kept, naming the field: missing
// ("value lacks \"target\""), of another type or out of range ("value: unsupported value of
// \"partition\": 1.5 (an integer from 0 to 2147483647 is expected)").
class fields {
 public:
  // The fields of `value`, a JSON object whose "v" is exactly the integer 1. Error: what is
  // wrong, starting with "value".
  static std::expected<fields, std::string> parse_v1(std::string_view value);

  // nullopt when missing or not a string (a problem is noted).
  std::optional<std::string> text(std::string_view name);
  // nullopt when missing, not an integer, or outside [min, max] (a problem is noted). Floats
  // ("1.0", "1e3") are not integers.
  std::optional<int64_t> integer(std::string_view name, int64_t min, int64_t max);

  // "source" and "target" (nullopt when one is missing or not a string).
  std::optional<offsets::flow_id> flow();

  bool ok() const { return problem_.empty(); }
  const std::string& problem() const { return problem_; }

 private:
  explicit fields(nlohmann::json object) : o_(std::move(object)) {}
  const nlohmann::json* find(std::string_view name);
  void unsupported(std::string_view name, const nlohmann::json& v, std::string_view expected);

  nlohmann::json o_;
  std::string problem_;
};

}  // namespace tandem::engine::record_json
