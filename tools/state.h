// What every tandemctl command over local state needs: the config of the region it acts on
// (the region a group moves TO), its remotes, and the offset store of its state_dir opened
// without disturbing a running daemon.
//
//   --config west.toml ──load──> config{region = west, state_dir, clusters}
//   --from east        ──────-─> flow east->west (own: the inbound flow, runs from deliveries)
//                                flow west->east (peer: learned from echoes)
//   state_dir ──open as a RocksDB secondary (temp dir under /tmp, removed after)──> store
//
// Errors are `failure`s carrying the exit code: 2 for usage and config problems (unknown
// region, malformed flow, a state_dir holding something else), 1 for runtime ones (no store,
// unreadable store, a topic or partition the map does not have).
#pragma once

#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/cli/cli.h"
#include "engine/config/config.h"
#include "offsets/store.h"
#include "policy/naming.h"

namespace tandem::tools {

struct failure {
  int code;             // engine::cli::k_exit_failure or k_exit_usage
  std::string message;  // one or more lines, no trailing newline, never a secret
};

inline failure usage_failure(std::string m) { return {engine::cli::k_exit_usage, std::move(m)}; }
inline failure runtime_failure(std::string m) { return {engine::cli::k_exit_failure, std::move(m)}; }

// load_config; error: exit 2 with every problem of the file.
std::expected<engine::config, failure> load(std::string_view file);

// `name` as a remote region of `cfg` (a cluster other than the local one). Error (exit 2):
// unknown region, naming the nearest alias and the known remotes; or the local region itself.
std::expected<std::string, failure> remote_region(const engine::config& cfg, std::string_view name,
                                                  std::string_view option = "--from");

// "S->T" with S, T clusters of `cfg` and one of them the local region. Error: exit 2.
std::expected<offsets::flow_id, failure> parse_flow(const engine::config& cfg, std::string_view text);

// How a flow in the store relates to the config's region.
enum class flow_role {
  own,    // remote -> local: this process's inbound flow (runs from delivery reports)
  peer,   // local -> remote: the peer's flow, learned from echoes / published runs
  other,  // any other pair (a region no longer in the config, a store of another region)
};
flow_role role_of(const engine::config& cfg, const offsets::flow_id& f);
std::string_view to_string(flow_role r);

// The offset store of a state_dir, opened as a RocksDB secondary (safe while the daemon
// writes; caught up once at open) with its secondary files in a fresh directory under the
// system temp dir, which the destructor removes after closing the store.
class store_reader {
 public:
  // Error: exit 1 "no offset store at PATH (has tandem run in this region?)" when the
  // directory or its database is missing; exit 1 for I/O problems; exit 2 for a directory that
  // holds something else, a store of another format version, or a damaged one (as `tandem run`).
  static std::expected<std::unique_ptr<store_reader>, failure> open(const std::filesystem::path& state_dir);
  ~store_reader();
  store_reader(const store_reader&) = delete;
  store_reader& operator=(const store_reader&) = delete;

  const offsets::offset_store& store() const { return *store_; }

 private:
  store_reader() = default;
  std::filesystem::path secondary_dir_;
  std::optional<offsets::offset_store> store_;  // closed before secondary_dir_ is removed
};

// A store error during a command: exit 1 with the store's message.
failure store_failure(const offsets::error& e);

// The partition (flow, topic, partition) as the map names it: the topic on the SOURCE side of
// the flow. Under prefix naming the target-side name ("east.orders" for flow east->west) is
// accepted too. A partition is known when it has runs or a resume position.
// Error (exit 1): the flow has nothing in the store, the topic is not in its map (naming the
// topics it has), or the partition is not (naming the partitions it has).
std::expected<offsets::partition_ref, failure> find_partition(const offsets::offset_store& store,
                                                              const engine::config& cfg,
                                                              const offsets::flow_id& flow,
                                                              std::string_view topic,
                                                              int32_t partition);

// The config's naming policy; nullopt only for a config that did not validate.
std::optional<policy::naming_policy> naming_of(const engine::config& cfg);

// The topic's name on the target side of `flow` under the config's naming ("orders" ->
// "east.orders" for east->west under prefix naming; the same name under identity).
std::string target_topic(const engine::config& cfg, const offsets::flow_id& flow, std::string_view topic);

// "0-3" or "0, 2, 5": partition numbers, sorted, for messages.
std::string partition_list(std::vector<int32_t> partitions);

}  // namespace tandem::tools
