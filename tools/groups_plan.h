// Internals of `tandemctl groups translate|failover` (tools/groups_commands.cc): the plan of a
// group's move and the cluster requests behind it (tools/groups_plan.cc), and its output
// (tools/groups_output.cc).
//
//   store: checkpoints {REGION,LOCAL} of GROUP ──plan_group──> one partition_move per checkpoint
//     (each: log start on LOCAL ──> engine::translate_group_move ──> offset, kind, re-reads)
//   failover: decide() sets each move's action ──> print_plan(): a table or --json
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/groups/group_translation.h"
#include "engine/kafka/seam.h"
#include "offsets/store.h"
#include "tools/command.h"

namespace tandem::tools::groups {

inline constexpr std::chrono::seconds k_timeout{10};  // per cluster request

// What failover does with a translated partition.
enum class action { commit, kept_ahead, kept_equal };

// One partition of the group.
struct partition_move {
  offsets::checkpoint from;                     // the group on REGION (the stored checkpoint)
  std::string to_topic;                         // the topic on LOCAL
  std::optional<engine::group_translation> to;  // nullopt: `error` says why
  std::string error;
  std::optional<int64_t> current;               // failover: the group's offset on LOCAL
  action act = action::commit;
  // Set when the checkpoint's offset is beyond the end the offset map knows of REGION's
  // partition (engine/groups/checkpoint_plausibility.h; REGION is never contacted): that known
  // end. The group consumed records of REGION the map never saw copied; `to` is the clamped
  // translation as for any checkpoint (groups_plan.cc says why it is not rejected).
  std::optional<int64_t> beyond_end;
};

struct group_plan {
  std::string group;
  offsets::flow_id flow;  // {REGION, LOCAL}
  std::vector<partition_move> moves;
  int errors = 0;         // moves without a translation
  int beyond_end = 0;     // moves whose checkpoint is beyond the map's known end
};

struct group_args {
  std::string group;
  std::string remote;  // REGION, a remote of the config
};

// Failover's outcome, for the output (translate has none).
struct failover_state {
  bool dry_run = false;
  engine::group_state state = engine::group_state::absent;  // GROUP on LOCAL
  int64_t committed = 0;
  int64_t kept = 0;
};

// An admin client of the local cluster. Error: no environment (exit 1), or no client could be
// made (exit 2, e.g. a bad librdkafka property).
std::expected<std::unique_ptr<engine::group_admin>, failure> local_admin(const context& ctx);

// How long transient errors are retried: environment::retry_for (0 without an environment).
std::chrono::milliseconds retry_window(const context& ctx);

// Errors that pass within seconds: a coordinator moving or loading (a fresh cluster answers
// NOT_COORDINATOR until __consumer_offsets is loaded), a leader election, a dropped connection.
// Not UNKNOWN_MEMBER_ID (a member joined: final) nor a request timeout (already 10 s).
bool transient(const engine::kafka_error& e);

// Runs one admin request, again after 0.2, 0.4, ... 2 s while it fails transiently, for at most
// `retry_for`. Every request tandemctl makes is idempotent (reads, or a commit of fixed offsets).
template <class F>
auto with_retries(std::chrono::milliseconds retry_for, F&& request) -> decltype(request()) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + retry_for;
  std::chrono::milliseconds backoff{200};
  while (true) {
    auto r = request();
    if (r || !transient(r.error()) || clock::now() + backoff > deadline) return r;
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds{2000});
  }
}

// Translates every checkpoint of the group (one log-start request per partition); a checkpoint
// beyond its source partition's known end is reported (partition_move::beyond_end). A partition
// that cannot be translated is a move with an error (counted in group_plan::errors). Error: no
// checkpoint of the group (exit 1, saying why), the store or the naming policy failing.
std::expected<group_plan, failure> plan_group(const context& ctx, const offsets::offset_store& store,
                                              engine::group_admin& admin, const group_args& a);

// The plan on ctx.io.out: --json or a table with a closing line. `fo`: failover's outcome, null
// for translate.
void print_plan(const context& ctx, const group_plan& plan, const failover_state* fo);

}  // namespace tandem::tools::groups
