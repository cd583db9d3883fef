// tandem: the replication daemon, one process per region (docs/design.md).
//
// A small subcommand dispatcher; each command is an entry in k_commands.

#include "engine/cli/cli.h"
#include "engine/daemon/run_command.h"
#include "engine/kafka/rdkafka/client_check.h"

namespace {

namespace cli = tandem::engine::cli;

int check_config(std::string_view program, std::span<const std::string_view> args, cli::streams io) {
  return cli::check_config(program, args, io, &tandem::engine::rdk::check_clients);
}

constexpr cli::command k_commands[] = {
    {"run", "replicate every remote region into this region until SIGTERM/SIGINT", &cli::run},
    {"check-config", "validate a config file and print a summary (secrets redacted)", &check_config},
};

constexpr cli::program k_program{
    .name = "tandem",
    .description = "Active-active Kafka replication: one tandem process per region consumes from every\n"
                   "remote region's cluster and produces into its own.",
    .commands = k_commands,
};

}  // namespace

int main(int argc, char** argv) { return cli::main(k_program, argc, argv); }
