// `tandem run`: load the config, then run the daemon until SIGTERM/SIGINT.
#pragma once

#include <span>
#include <string_view>

#include "engine/cli/cli.h"

namespace tandem::engine::cli {

// `tandem run --config FILE [--log-level L]`: the daemon (engine/daemon/daemon.h).
int run(std::string_view program, std::span<const std::string_view> args, streams io);

}  // namespace tandem::engine::cli
