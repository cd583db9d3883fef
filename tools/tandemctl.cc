// tandemctl: inspect and use tandem's offset maps, translate and fail over consumer groups,
// verify and drill (DESIGN.md, "CLI"). A small subcommand dispatcher; each command is an entry
// in k_commands.

#include "engine/cli.h"

namespace {

namespace cli = tandem::engine::cli;

constexpr cli::command k_commands[] = {
    {"check-config", "validate a config file and print a summary (secrets redacted)", &cli::check_config},
};

constexpr cli::program k_program{
    .name = "tandemctl",
    .description = "Operate tandem: offset maps, consumer group translation and failover, verification.\n"
                   "Commands take the config of the region they act on (--config FILE).",
    .commands = k_commands,
};

}  // namespace

int main(int argc, char** argv) { return cli::main(k_program, argc, argv); }
