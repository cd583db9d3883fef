#include "engine/config/names.h"

#include <vector>

namespace tandem::engine::names {

std::expected<policy::naming_policy, std::string> naming_policy_of(const config& cfg) {
  if (cfg.replication.naming == naming_mode::identity) return policy::naming_policy::identity();
  std::vector<std::string> regions;
  for (const auto& c : cfg.clusters) regions.push_back(c.alias);
  return policy::naming_policy::prefix(regions, cfg.replication.separator);
}

std::vector<std::string> third_regions(const config& cfg, std::string_view a,
                                       std::string_view b) {
  std::vector<std::string> out;
  for (const auto& c : cfg.clusters)
    if (c.alias != a && c.alias != b) out.push_back(c.alias);
  return out;
}

}  // namespace tandem::engine::names
