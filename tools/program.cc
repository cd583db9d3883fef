// The command table of tandemctl, and its default environment.
#include <chrono>

#include "engine/config/names.h"
#include "engine/kafka/rdkafka/client.h"
#include "engine/kafka/rdkafka/client_check.h"
#include "engine/kafka/rdkafka/reader.h"
#include "tools/tandemctl.h"

namespace tandem::tools {
namespace {

namespace cli = engine::cli;

int groups_default(std::string_view program, std::span<const std::string_view> args, cli::streams io) {
  return groups_command(program, args, io, default_environment());
}

int check_config(std::string_view program, std::span<const std::string_view> args, cli::streams io) {
  return cli::check_config(program, args, io, &engine::rdk::check_clients);
}

int rebuild_default(std::string_view program, std::span<const std::string_view> args, cli::streams io) {
  return rebuild_command(program, args, io, default_environment());
}

constexpr cli::command k_commands[] = {
    {"offsets", "inspect the offset maps: stats, dump, lookup, translate", &offsets_command},
    {"groups", "translate a consumer group's checkpoints, fail it over into this region", &groups_default},
    {"rebuild", "rebuild the offset maps from the origin headers in the target topics", &rebuild_default},
    {"check-config", "validate a config file and print a summary (secrets redacted)", &check_config},
};

constexpr cli::program k_program{
    .name = "tandemctl",
    .description = "Operate tandem: offset maps, consumer group translation and failover, verification.\n"
                   "Commands take the config of the region they act on (--config FILE): the region\n"
                   "consumer groups move to. They read its state_dir without disturbing a running\n"
                   "daemon.",
    .commands = k_commands,
};

}  // namespace

environment default_environment() {
  environment env;
  env.group_admin = [](const engine::cluster_config& cluster) {
    return engine::make_rdkafka_group_admin(cluster, {.client_id = engine::names::tandemctl_client_id(cluster.alias), .group_id = {}});
  };
  env.partition_reader = [](const engine::cluster_config& cluster) {
    return engine::make_rdkafka_partition_reader(cluster, {.client_id = engine::names::tandemctl_rebuild_client_id(cluster.alias), .group_id = {}});
  };
  env.now_ms = [] {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  };
  return env;
}

const cli::program& tandemctl_program() { return k_program; }

int run(std::span<const std::string_view> args, cli::streams io) { return cli::dispatch(k_program, args, io); }

int run(std::span<const std::string_view> args, cli::streams io, const environment& env) {
  if (!args.empty() && args.front() == "groups") return groups_command(k_program.name, args.subspan(1), io, env);
  if (!args.empty() && args.front() == "rebuild") return rebuild_command(k_program.name, args.subspan(1), io, env);
  return cli::dispatch(k_program, args, io);
}

}  // namespace tandem::tools
