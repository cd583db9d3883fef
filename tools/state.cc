#include "tools/state.h"

#include <stdlib.h>

#include <algorithm>
#include <set>
#include <system_error>

#include "engine/config/names.h"
#include "engine/config/suggest.h"
#include "policy/naming.h"

namespace tandem::tools {
namespace fs = std::filesystem;

namespace {

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::vector<std::string> remote_names(const engine::config& cfg) {
  std::vector<std::string> out;
  for (const auto* c : cfg.remotes()) out.push_back(c->alias);
  return out;
}

std::string unknown_region(const engine::config& cfg, std::string_view name) {
  std::vector<std::string_view> aliases;
  for (const auto& c : cfg.clusters) aliases.push_back(c.alias);
  std::string msg = "unknown region " + quoted(name);
  if (auto near = engine::nearest(name, aliases)) msg += " (did you mean " + quoted(*near) + "?)";
  msg += "; " + cfg.origin + " (region " + cfg.region + ") knows the remote regions: " +
         joined(remote_names(cfg));
  return msg;
}

// Whether the map has the partition: runs or a resume position.
std::expected<bool, failure> is_known(const offsets::offset_store& store, const offsets::partition_ref& p) {
  auto first = store.first_by_source(p);
  if (!first) return std::unexpected(store_failure(first.error()));
  if (*first) return true;
  auto resume = store.resume_position(p);
  if (!resume) return std::unexpected(store_failure(resume.error()));
  return resume->has_value();
}

// Why (flow, topic, partition) is not in the map, from a scan of the store.
failure not_in_map(const offsets::offset_store& store, const offsets::flow_id& flow,
                   std::string_view topic, int32_t partition) {
  auto stats = store.stats();
  if (!stats) return store_failure(stats.error());
  std::set<std::string> topics;
  std::vector<int32_t> partitions;
  for (const auto& ps : stats->partitions) {
    if (ps.partition.flow != flow) continue;
    topics.insert(ps.partition.topic);
    if (ps.partition.topic == topic) partitions.push_back(ps.partition.partition);
  }
  const std::string f = offsets::to_string(flow);
  if (topics.empty()) {
    return runtime_failure("the offset store at " + store.path().string() + " has no map for flow " +
                           f + " (has it replicated anything yet?)");
  }
  if (!partitions.empty()) {
    return runtime_failure("topic " + std::string(topic) + " has no partition " + std::to_string(partition) +
                           " in the map of flow " + f + " (partitions: " + partition_list(partitions) + ")");
  }
  std::vector<std::string_view> candidates(topics.begin(), topics.end());
  std::string msg = "topic " + quoted(topic) + " is not in the map of flow " + f;
  if (auto near = engine::nearest(topic, candidates)) msg += " (did you mean " + quoted(*near) + "?)";
  msg += "; its topics (named on the source side, " + flow.source_region + "): " +
         joined({topics.begin(), topics.end()});
  return runtime_failure(msg);
}

}  // namespace

std::optional<policy::naming_policy> naming_of(const engine::config& cfg) {
  auto p = engine::names::naming_policy_of(cfg);
  if (!p) return std::nullopt;  // a validated config always has a legal prefix policy
  return *p;
}

std::expected<engine::config, failure> load(std::string_view file) {
  auto cfg = engine::load_config(fs::path(file));
  if (!cfg) return std::unexpected(usage_failure(cfg.error().render()));
  return std::move(*cfg);
}

std::expected<std::string, failure> remote_region(const engine::config& cfg, std::string_view name,
                                                  std::string_view option) {
  if (name == cfg.region) {
    return std::unexpected(usage_failure(
        std::string(option) + " names a remote region, and " + cfg.region + " is the region of " +
        cfg.origin + " itself (the region groups move to); remote regions: " + joined(remote_names(cfg))));
  }
  if (!cfg.find_cluster(name)) return std::unexpected(usage_failure(unknown_region(cfg, name)));
  return std::string(name);
}

std::expected<offsets::flow_id, failure> parse_flow(const engine::config& cfg, std::string_view text) {
  const auto arrow = text.find("->");
  if (arrow == std::string_view::npos || arrow == 0 || arrow + 2 == text.size()) {
    return std::unexpected(usage_failure("malformed flow " + quoted(text) + ": expected SOURCE->TARGET, e.g. " +
                                         (cfg.remotes().empty() ? "east" : cfg.remotes().front()->alias) +
                                         "->" + cfg.region));
  }
  offsets::flow_id f{std::string(text.substr(0, arrow)), std::string(text.substr(arrow + 2))};
  for (const std::string& r : {f.source_region, f.target_region})
    if (!cfg.find_cluster(r)) return std::unexpected(usage_failure(unknown_region(cfg, r)));
  if (f.source_region == f.target_region || (f.source_region != cfg.region && f.target_region != cfg.region)) {
    return std::unexpected(usage_failure("flow " + quoted(text) + " does not connect region " + cfg.region +
                                         " with a remote region: the store of " + cfg.origin +
                                         " holds REMOTE->" + cfg.region + " and " + cfg.region + "->REMOTE"));
  }
  return f;
}

flow_role role_of(const engine::config& cfg, const offsets::flow_id& f) {
  auto is_remote = [&](const std::string& r) { return r != cfg.region && cfg.find_cluster(r); };
  if (f.target_region == cfg.region && is_remote(f.source_region)) return flow_role::own;
  if (f.source_region == cfg.region && is_remote(f.target_region)) return flow_role::peer;
  return flow_role::other;
}

std::string_view to_string(flow_role r) {
  switch (r) {
    case flow_role::own: return "own";
    case flow_role::peer: return "peer";
    case flow_role::other: return "other";
  }
  return "other";
}

std::expected<std::unique_ptr<store_reader>, failure> store_reader::open(const fs::path& state_dir) {
  std::error_code ec;
  const bool missing = !fs::exists(state_dir, ec) || (fs::is_directory(state_dir, ec) && fs::is_empty(state_dir, ec));
  if (missing) {
    return std::unexpected(runtime_failure("no offset store at " + state_dir.string() +
                                           " (has tandem run in this region?)"));
  }
  std::string pattern = (fs::temp_directory_path(ec) / "tandemctl-secondary-XXXXXX").string();
  if (ec || !mkdtemp(pattern.data())) {
    return std::unexpected(runtime_failure("cannot create a temporary directory to read the offset store " +
                                           state_dir.string() + " as a secondary"));
  }
  std::unique_ptr<store_reader> reader(new store_reader());
  reader->secondary_dir_ = pattern;
  offsets::open_options o;
  o.mode = offsets::open_options::access::secondary;
  o.secondary_dir = reader->secondary_dir_;
  auto store = offsets::offset_store::open(state_dir, o);
  if (!store) {
    const auto code = store.error().code;
    const bool config_problem = code == offsets::errc::not_a_store || code == offsets::errc::version_mismatch ||
                                code == offsets::errc::corruption;
    return std::unexpected(failure{config_problem ? engine::cli::k_exit_usage : engine::cli::k_exit_failure,
                                   store.error().message});
  }
  reader->store_.emplace(std::move(*store));
  if (auto ok = reader->store_->catch_up(); !ok) return std::unexpected(store_failure(ok.error()));
  return reader;
}

store_reader::~store_reader() {
  store_.reset();
  if (!secondary_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(secondary_dir_, ec);
  }
}

failure store_failure(const offsets::error& e) { return runtime_failure(e.message); }

std::expected<offsets::partition_ref, failure> find_partition(const offsets::offset_store& store,
                                                              const engine::config& cfg,
                                                              const offsets::flow_id& flow,
                                                              std::string_view topic, int32_t partition) {
  offsets::partition_ref p{flow, std::string(topic), partition};
  auto known = is_known(store, p);
  if (!known) return std::unexpected(known.error());
  if (*known) return p;
  // Prefix naming: "east.orders" given for flow east->west names the target side of "orders".
  if (auto naming = naming_of(cfg); naming && naming->kind() == policy::naming_kind::prefix &&
                                    naming->topic_source(topic) == flow.source_region) {
    offsets::partition_ref up{flow, *naming->upstream_topic(topic), partition};
    auto up_known = is_known(store, up);
    if (!up_known) return std::unexpected(up_known.error());
    if (*up_known) return up;
  }
  return std::unexpected(not_in_map(store, flow, topic, partition));
}

std::string target_topic(const engine::config& cfg, const offsets::flow_id& flow, std::string_view topic) {
  if (auto naming = naming_of(cfg)) return naming->target_topic(flow.source_region, topic);
  return std::string(topic);
}

std::string partition_list(std::vector<int32_t> partitions) {
  std::sort(partitions.begin(), partitions.end());
  partitions.erase(std::unique(partitions.begin(), partitions.end()), partitions.end());
  if (partitions.empty()) return "none";
  const bool contiguous = partitions.back() - partitions.front() + 1 == static_cast<int64_t>(partitions.size());
  if (contiguous && partitions.size() > 2) {
    return std::to_string(partitions.front()) + "-" + std::to_string(partitions.back());
  }
  std::string out;
  for (int32_t p : partitions) out += (out.empty() ? "" : ", ") + std::to_string(p);
  return out;
}

}  // namespace tandem::tools
