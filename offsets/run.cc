#include "offsets/run.h"

namespace tandem::offsets {

std::string to_string(const run& r) {
  return std::to_string(r.src_start.v) + ".." + std::to_string(r.src_end().v - 1) + " -> " +
         std::to_string(r.dst_start.v) + ".." + std::to_string(r.dst_end().v - 1);
}

}  // namespace tandem::offsets
