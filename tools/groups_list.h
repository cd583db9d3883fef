// `tandemctl groups list` (tools/groups_list.cc), dispatched by groups_command.
#pragma once

#include <span>
#include <string_view>

#include "engine/cli/cli.h"
#include "tools/tandemctl.h"

namespace tandem::tools {

// `PROGRAM list ARGS...` where PROGRAM is "tandemctl groups"; `env` may be null (no cluster:
// the group states show as unknown).
int groups_list(std::string_view program, std::span<const std::string_view> args, engine::cli::streams io,
                const environment* env);

}  // namespace tandem::tools
