// The librdkafka properties tandem sets itself and never takes from the passthrough sections
// ([clusters.X.librdkafka], [clusters.X.producer], [clusters.X.consumer]): each one would break
// a guarantee (docs/design.md "Delivery modes and scale-out": the passthrough never overrides a
// guarantee). Aliases librdkafka accepts for them are listed too (a unit test compares the list
// with librdkafka's own property table).
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace tandem::engine {

struct guarded_property {
  std::string_view name;    // as librdkafka spells it (exact, case-sensitive)
  std::string_view reason;  // why tandem sets it, for the error message
};

// Every guarded property (names and aliases).
std::span<const guarded_property> guarded_properties();

// Why `name` cannot be given, or nullopt when it can.
std::optional<std::string_view> guarded_reason(std::string_view name);

}  // namespace tandem::engine
