#include "offsets/ids.h"

#include <string_view>

namespace tandem::offsets {
namespace {

// Names are stored NUL-terminated in keys (keys.h): they must not contain NUL themselves.
bool is_valid_name(std::string_view s) {
  return !s.empty() && s.find('\0') == std::string_view::npos;
}

}  // namespace

std::string to_string(const flow_id& f) { return f.source_region + "->" + f.target_region; }

std::string to_string(const partition_ref& p) {
  return to_string(p.flow) + " " + p.topic + "/" + std::to_string(p.partition);
}

std::expected<void, error> validate(const flow_id& f) {
  if (!is_valid_name(f.source_region) || !is_valid_name(f.target_region)) {
    return std::unexpected(error{errc::invalid_argument,
        "invalid flow '" + to_string(f) + "': region names must be non-empty, without NUL"});
  }
  return {};
}

std::expected<void, error> validate(const partition_ref& p) {
  if (auto ok = validate(p.flow); !ok) return ok;
  if (!is_valid_name(p.topic) || p.partition < 0) {
    return std::unexpected(error{errc::invalid_argument,
        "invalid partition '" + to_string(p) +
        "': topic must be non-empty, without NUL; partition >= 0"});
  }
  return {};
}

}  // namespace tandem::offsets
