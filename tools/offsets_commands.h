// `tandemctl offsets ...`: the subcommands over the offset map of the local region's store
// (docs/design.md "Offset map", "Translation"). Internal to tools/; tests go through run().
//
//   stats      per flow and partition: runs, copied records, resume position; totals, size
//   dump       the runs (src_start, dst_start, length) of selected flows/topics/partitions
//   lookup     the run covering or preceding one source or target offset (one seek)
//   translate  where a group committed at an offset continues across flow REMOTE->local
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "engine/cli/cli.h"
#include "offsets/run.h"
#include "offsets/translate.h"
#include "tools/table.h"

namespace tandem::tools {

int offsets_stats(std::string_view program, std::span<const std::string_view> args, engine::cli::streams io);
int offsets_dump(std::string_view program, std::span<const std::string_view> args, engine::cli::streams io);
int offsets_lookup(std::string_view program, std::span<const std::string_view> args, engine::cli::streams io);
int offsets_translate(std::string_view program, std::span<const std::string_view> args,
                      engine::cli::streams io);

// {"src_start","dst_start","length","src_end","dst_end"}: one run in --json (dump, lookup).
json run_json(const offsets::run& r);

using offsets::to_string;  // translation kinds: "exact", "rounded", ...

}  // namespace tandem::tools
