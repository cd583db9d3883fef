#include "engine/kafka/seam.h"

namespace tandem::engine {

std::string_view to_string(group_state s) {
  switch (s) {
    case group_state::absent: return "absent";
    case group_state::empty: return "empty";
    case group_state::stable: return "stable";
    case group_state::preparing_rebalance: return "preparing_rebalance";
    case group_state::completing_rebalance: return "completing_rebalance";
    case group_state::unknown: return "unknown";
  }
  return "unknown";
}

}  // namespace tandem::engine
