#include "engine/state/state_identity.h"

#include <cstdio>
#include <system_error>

namespace tandem::engine {
namespace fs = std::filesystem;

namespace {

// "region east (clusters east=AbC, west=XyZ)"
std::string describe(const offsets::store_identity& id) {
  std::string out = "region " + id.region;
  if (id.cluster_ids.empty()) return out;
  out += " (clusters ";
  const char* sep = "";
  for (const auto& [alias, cluster] : id.cluster_ids) {
    out += sep + alias + "=" + cluster;
    sep = ", ";
  }
  return out + ")";
}

const char* const k_advice =
    ". Its offset map describes the logs of the clusters it belongs to: give this region its "
    "own state_dir, or move this directory away to start an empty map (restored from the local "
    "cluster's tandem.offsets)";

}  // namespace

std::expected<std::vector<std::string>, claim_error> claim_state_dir(
    offsets::offset_store& store, const std::string& region, std::span<const cluster_seen> seen) {
  const std::string dir = store.path().string();
  auto recorded = store.identity();
  if (!recorded) return std::unexpected(claim_error{false, recorded.error().message});
  std::vector<std::string> notes;
  offsets::store_identity id;  // what it will be
  if (recorded->has_value()) {
    id = **recorded;
  } else {
    id.region = region;
    notes.push_back("state_dir " + dir + " has no identity recorded (made by an earlier tandem): "
                    "adopting it for region " + region);
  }
  const std::string belongs = "state_dir " + dir + " belongs to " + describe(id);
  if (id.region != region) {
    return std::unexpected(claim_error{true, belongs +
                                                 "; the config says region " + region + k_advice});
  }
  for (const cluster_seen& c : seen) {
    auto it = id.cluster_ids.find(c.alias);
    if (it == id.cluster_ids.end()) {
      id.cluster_ids[c.alias] = c.id;
      notes.push_back("state_dir " + dir + ": recorded cluster " + c.alias + " id " + c.id);
    } else if (it->second != c.id) {
      return std::unexpected(claim_error{
          true, belongs + "; the config's cluster " +
                    c.alias + " (" + c.bootstrap + ") reports cluster id " + c.id + k_advice});
    }
  }
  if (notes.empty()) return notes;
  if (auto ok = store.put_identity(id); !ok) {
    return std::unexpected(claim_error{false, ok.error().message});
  }
  return notes;
}

std::optional<std::string> restrict_state_dir(const fs::path& dir) {
  std::error_code ec;
  auto st = fs::status(dir, ec);
  if (ec || !fs::is_directory(st)) return std::nullopt;
  const auto open_to_others = fs::perms::group_all | fs::perms::others_all;
  if ((st.permissions() & open_to_others) == fs::perms::none) return std::nullopt;
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o",
                static_cast<unsigned>(st.permissions() & fs::perms::mask));
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) {
    return "state_dir " + dir.string() + " is accessible to group or others (mode " + mode +
           ") and could not be restricted to 0700: " + ec.message();
  }
  return "state_dir " + dir.string() + " was accessible to group or others (mode " + mode +
         "); set it to 0700";
}

}  // namespace tandem::engine
