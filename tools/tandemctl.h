// tandemctl's commands as a library (tandem_tools), so tests run them in-process:
//
//   std::ostringstream out, err;
//   int code = tandem::tools::run({"offsets", "stats", "--config", "west.toml"}, {out, err});
//
// Exit codes (every command): 0 success, 1 runtime failure, 2 usage or config error
// (engine/cli/cli.h). Commands over local state are documented in their --help and docs/design.md "CLI".
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "engine/cli/cli.h"
#include "engine/config/config.h"
#include "engine/kafka/seam.h"

namespace tandem::tools {

// What the commands reach outside the process and the store; tests substitute fakes.
struct environment {
  // Consumer-group admin requests on one cluster of the config. Error: why no client could be
  // made (e.g. a bad librdkafka property). Default: librdkafka (make_rdkafka_group_admin).
  std::function<std::expected<std::unique_ptr<engine::group_admin>, std::string>(
      const engine::cluster_config& cluster)>
      group_admin;
  // Milliseconds since the epoch, for checkpoint ages. Default: the system clock.
  std::function<int64_t()> now_ms;
  // How long a cluster request failing transiently (NOT_COORDINATOR, _TRANSPORT, ...) is
  // retried. Default: 20 s
  std::chrono::milliseconds retry_for{20'000};
  // Reads partitions of one cluster with their origin headers (rebuild). Error: why no client
  // could be made. Default: librdkafka (make_rdkafka_partition_reader).
  std::function<std::expected<std::unique_ptr<engine::partition_reader>, std::string>(
      const engine::cluster_config& cluster)>
      partition_reader;
  // How long a partition read waits without a new record before it stops short of the high
  // watermark seen at the start (an open transaction). Default: 10 s
  std::chrono::milliseconds read_idle{10'000};
};

// librdkafka and the system clock.
environment default_environment();

// The tandemctl program: its commands, for main() and the dispatcher.
const engine::cli::program& tandemctl_program();

// `tandemctl ARGS...` (ARGS without the program name), output on io. Returns the exit code.
int run(std::span<const std::string_view> args, engine::cli::streams io);
// The same with `env` for the commands that reach clusters (groups).
int run(std::span<const std::string_view> args, engine::cli::streams io, const environment& env);

// `tandemctl offsets <stats|dump|lookup|translate> ...` (tools/offsets_commands.cc).
int offsets_command(std::string_view program, std::span<const std::string_view> args,
                    engine::cli::streams io);

// `tandemctl groups <translate|failover> ...` (tools/groups_commands.cc).
int groups_command(std::string_view program, std::span<const std::string_view> args,
                   engine::cli::streams io, const environment& env);

// `tandemctl rebuild ...`: the offset map from the origin headers (tools/rebuild.cc).
int rebuild_command(std::string_view program, std::span<const std::string_view> args,
                    engine::cli::streams io, const environment& env);

}  // namespace tandem::tools
