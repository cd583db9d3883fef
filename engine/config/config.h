#pragma once
// tandem's configuration: one TOML file per process (docs/design.md, "Config").
//
//   file --read--> text --toml++--> table --load--> config --validate()--> config | config_error
//                                     (syntax)      (keys, types,         (values and
//                                                    enums, durations)     cross-field rules)
//
// Every stage collects all the problems it can find, so an operator fixes a file in one pass
// (MirrorMaker 2's validate() style). Messages start with "file:line:column: " when the source
// position is known and name the key path (`replication.topics[1]`, `clusters.east.bootstrap`).
//
// Secrets: librdkafka passthrough values may hold passwords and keys. No message produced here
// ever contains a passthrough value, and summaries print them through redacted().
//
// Thread-safety: all functions are pure (load_config reads one file); a config is a value.

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/obs/log_level.h"

namespace tandem::engine {

// How a replicated topic is named in the target cluster (see policy/).
enum class naming_mode {
  identity,  // same name on both sides; loops are stopped by the origin header
  prefix,    // "<source region><separator><topic>", MirrorMaker 2 compatible
};

enum class delivery_mode {
  at_least_once,  // idempotent producer, acks=all, source position advanced after delivery
  exactly_once,   // transactions; consumers of the target must use read_committed
};

std::string_view to_string(naming_mode m);
std::string_view to_string(delivery_mode m);

// [clusters.<alias>]
struct cluster_config {
  std::string alias;      // the region name, e.g. "east"; the key under [clusters]
  std::string bootstrap;  // librdkafka bootstrap.servers, "host:port[,host:port...]"; required
  // [clusters.<alias>.librdkafka]: passed to librdkafka as-is. Free-form: keys are not checked
  // here (librdkafka does it), values given as TOML integers, floats or booleans are converted
  // to strings, dotted keys (`security.protocol = "SSL"`) are the same as quoted ones
  // (`"security.protocol" = "SSL"`). May hold secrets: print only through redacted().
  std::map<std::string, std::string> librdkafka;
  // [clusters.<alias>.producer] / [clusters.<alias>.consumer]: the same, for tandem's producers
  // only / consumers only (applied after librdkafka, so they win). Without them, a property of
  // the librdkafka table goes only to the clients it applies to (engine/kafka/rdkafka/common.cc).
  // Properties tandem sets itself are refused in all three (engine/config/passthrough.h).
  std::map<std::string, std::string> producer;
  std::map<std::string, std::string> consumer;

  // `props` with every secret value (is_secret_property) replaced by k_redacted.
  static std::map<std::string, std::string> redact(const std::map<std::string, std::string>& props);
  std::map<std::string, std::string> redacted() const { return redact(librdkafka); }
};

// [metrics]
struct metrics_config {
  // host:port serving /metrics, /healthz and /readyz; IPv6 hosts in brackets ("[::1]:9464").
  // Default: "127.0.0.1:9464".
  std::string listen = "127.0.0.1:9464";
  // Connections served at once; more are closed at accept and counted in
  // tandem_http_rejected_connections_total, so a scraper storm cannot use up the file
  // descriptors RocksDB and librdkafka need. 1 to 1024. Default: 16.
  int64_t max_connections = 16;
};

// [log]
struct log_config {
  log_level level = log_level::info;  // "error" | "warn" | "info" | "debug" | "trace". Default: info
};

// [replication]
struct replication_config {
  naming_mode naming = naming_mode::identity;  // Default: identity
  std::string separator = ".";                  // prefix naming: "west" + "." + "orders". Default: "."
  std::vector<std::string> topics;              // regexes (ECMAScript, full match). Default: none
  std::vector<std::string> exclude;             // regexes removed from `topics`. Default: none
  std::vector<std::string> groups{".*"};        // consumer groups to checkpoint/sync. Default: all
  std::vector<std::string> group_exclude;       // Default: none
  delivery_mode delivery = delivery_mode::at_least_once;  // Default: at-least-once
  std::chrono::milliseconds topic_refresh{5000};          // topic/partition discovery. Default: 5s
  std::chrono::milliseconds checkpoint_interval{5000};    // group offset checkpoints. Default: 5s
  bool sync_group_offsets = true;  // write checkpoints into idle target groups. Default: true
};

// Where a value came from in the file, 1-based. Used to prefix messages with "file:line:col".
struct source_position {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

// One problem found in a config.
struct diagnostic {
  std::string origin;                      // file name as the user gave it, e.g. "east.toml"
  std::optional<source_position> position;
  std::string key;                         // key path the problem is about ("" = whole file)
  std::string message;                     // names the key path and the reason; never a secret

  // "east.toml:7:12: message", "east.toml: message" without a position, or just the message
  // when there is no origin.
  std::string to_string() const;
};

// Why a config could not be loaded: every problem found, in file order where known.
struct config_error {
  std::vector<diagnostic> diagnostics;

  // One diagnostic per line, no trailing newline.
  std::string render() const;
};

struct config {
  std::string region;                // the local region: this process writes into its cluster
  std::filesystem::path state_dir;   // RocksDB and other local state (resolved, see load_config)
  metrics_config metrics;
  log_config log;
  std::vector<cluster_config> clusters;  // sorted by alias
  replication_config replication;

  // Provenance, for messages. `origin` is the file name as given; `positions` maps key paths
  // ("region", "replication.topics[1]", "clusters.east") to where they were written.
  std::string origin;
  std::map<std::string, source_position, std::less<>> positions;

  // The cluster named `alias`, or nullptr.
  const cluster_config* find_cluster(std::string_view alias) const;
  // The local cluster (alias == region). Precondition: the config validated.
  const cluster_config& local() const;
  // Every cluster other than the local one, sorted by alias: one inbound flow from each.
  std::vector<const cluster_config*> remotes() const;
};

// Placeholder printed instead of a secret value.
inline constexpr std::string_view k_redacted = "<redacted>";

// Whether a librdkafka property holds a secret and must never be printed. Case-insensitive:
// the name contains "password", "secret", "token" or "credential", ends with ".key", "_key"
// or "key.pem", or is "sasl.oauthbearer.config" (which embeds client secrets).
bool is_secret_property(std::string_view name);

// Reads and loads the file at `path`, then validate()s it.
// A relative state_dir is resolved against the directory holding the file (not the working
// directory), so a config behaves the same wherever the daemon is started from.
// Error: every problem found, including "cannot read config file" and TOML syntax errors with
// line and column. Never throws for bad input (std::bad_alloc aside).
std::expected<config, config_error> load_config(const std::filesystem::path& path);

// Like load_config for text already in memory. `origin` names it in messages ("east.toml").
// A relative state_dir is resolved against `base_dir` when that is non-empty, else kept as-is.
std::expected<config, config_error> load_config_string(std::string_view text, std::string_view origin,
                                                       const std::filesystem::path& base_dir = {});

// Value and cross-field rules: region aliases valid and the local region a listed cluster with
// at least one remote, bootstraps non-empty, regexes compile, intervals > 0, metrics.listen is
// host:port, separator legal in topic names and absent from aliases under prefix naming.
// Returns every violation (empty = valid). load_config runs it; call it on configs built in code.
std::vector<diagnostic> validate(const config& cfg);

// Things that are legal but probably not meant, e.g. no topic selected. Printed by check-config.
std::vector<std::string> warnings(const config& cfg);

// A short human summary for check-config: region, state_dir, clusters with bootstrap and
// (redacted) librdkafka properties, flows "west -> east", naming, selections, intervals.
// Never contains a secret value. Precondition: the config validated.
std::string summary(const config& cfg);

}  // namespace tandem::engine
