// Names of what the offset store keeps maps for: a flow (source region → target region) and one
// of its source partitions.
#pragma once

#include <cstdint>
#include <expected>
#include <string>

#include "offsets/error.h"

namespace tandem::offsets {

// The direction of replication, e.g. {"west", "east"}: records of west copied into east.
struct flow_id {
  std::string source_region;
  std::string target_region;

  bool operator==(const flow_id&) const = default;
  auto operator<=>(const flow_id&) const = default;
};

// "west->east"
std::string to_string(const flow_id& f);

// A partition of a flow, named on the source side (the target topic follows from the naming
// policy; the partition number is the same on both sides).
struct partition_ref {
  flow_id flow;
  std::string topic;
  int32_t partition = 0;

  bool operator==(const partition_ref&) const = default;
};

// "west->east orders/3"
std::string to_string(const partition_ref& p);

// errc::invalid_argument unless both regions are non-empty and free of NUL bytes.
std::expected<void, error> validate(const flow_id& f);
// errc::invalid_argument unless the flow is valid, the topic non-empty and free of NUL bytes,
// and the partition >= 0.
std::expected<void, error> validate(const partition_ref& p);

}  // namespace tandem::offsets
