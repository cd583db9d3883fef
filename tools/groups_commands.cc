// `tandemctl groups translate` and `tandemctl groups failover`: a consumer group moves from a
// remote region S to the local region (the config's). Its positions on S come from the
// checkpoints in the local store, so this works when S is gone:
//
//   store: checkpoints {S,local} of G ──> (topic, partition, X on S)
//   local cluster: log start of the destination partition
//   engine::translate_group_move(store, naming, S, local, ...) ──> offset on local, kind, re-reads
//     prefix naming: S's `orders` → local's `S.orders` (failover, runs of flow {S,local});
//                    S's `local.orders` → local's `orders` (failback: the inverse lookup over the
//                    runs of flow {local,S}, learned from S's tandem.offsets)
//   failover only: G EMPTY/absent on local? ──> commit, never moving a partition backwards
//
// The plan and its cluster requests: tools/groups_plan.{h,cc}; the output: tools/groups_output.cc.
#include <map>

#include "engine/groups/checkpointer.h"
#include "tools/command.h"
#include "tools/groups_list.h"
#include "tools/groups_plan.h"
#include "tools/tandemctl.h"

namespace tandem::tools {
namespace cli = engine::cli;

namespace {

using namespace groups;

constexpr option_spec k_group_option{"--group", "GROUP"};
constexpr option_spec k_from_option{"--from", "REGION"};
constexpr option_spec k_dry_run_option{"--dry-run", ""};
constexpr option_spec k_translate_options[] = {k_config_option, k_json_option, k_group_option, k_from_option};
constexpr option_spec k_failover_options[] = {k_config_option, k_json_option, k_group_option, k_from_option,
                                              k_dry_run_option};

constexpr std::string_view k_groups_exit_codes =
    "Exit codes:\n"
    "  0  success\n"
    "  1  runtime failure: no offset store in state_dir, no checkpoint of GROUP from REGION,\n"
    "     a partition that cannot be translated (e.g. its topic is missing on LOCAL), the local\n"
    "     cluster unreachable, GROUP active on LOCAL (failover refused), or a refused commit\n"
    "  2  usage error, invalid config (incl. a bad librdkafka property), unknown region\n";

std::string common_description() {
  return "GROUP's positions on REGION are the checkpoints tandem stored in LOCAL's state_dir\n"
         "(REGION is not contacted, so this works when REGION is down). Each is translated by the\n"
         "rules of docs/design.md \"Translation\" over the current offset map (never skip, round toward\n"
         "re-reading; identity naming: the earliest of the frontiers, one per origin region: in a\n"
         "mesh also every other region of the config, whose maps LOCAL learned from REGION) and\n"
         "clamped to the log start of the partition on LOCAL, which is read from LOCAL's cluster.\n"
         "Prefix naming: a checkpoint on REGION's mirror of LOCAL (LOCAL.orders) moves back to\n"
         "LOCAL's orders (failback, the inverse lookup of the map of flow LOCAL->REGION).\n\n"
         "Columns: FROM is GROUP's committed offset on REGION at the checkpoint (AGE ago); TO the\n"
         "offset to commit on LOCAL; KIND how it was found (exact, rounded, below_coverage, empty);\n"
         "REREAD the offsets read again (\"?\" when the map cannot tell).\n\n"
         "A checkpoint beyond the end the offset map knows of REGION's partition (what tandem\n"
         "copied or read of it) is noted (\"note:\" lines): the group consumed records there that\n"
         "are not known to be copied here (lost with REGION, or not copied yet). Checkpoints are\n"
         "checked against REGION's high watermark when written, and a restore from Kafka keeps\n"
         "only plausible ones, so it is translated like any other (clamped: no copy skipped).\n\n"
         "Each cluster request times out after 10 s; transient errors (NOT_COORDINATOR while a\n"
         "coordinator loads, a dropped connection, ...) are retried for up to 20 s.\n\n";
}

std::string translate_usage(std::string_view program) {
  const std::string p(program);
  return "Usage: " + p + " translate --config FILE --group GROUP --from REGION [--json]\n\n"
         "Show where consumer group GROUP, consuming on remote region REGION, continues on LOCAL\n"
         "(the config's region), per topic and partition. Changes nothing.\n\n" +
         common_description() +
         "Options:\n"
         "  --group GROUP          the consumer group\n"
         "  --from REGION          the remote region the group moves from\n" +
         std::string(k_common_options_help) +
         "\nJSON: {\"group\",\"from\",\"to\",\"flow\",\"beyond_known_end\",\"partitions\":[{\"topic\",\"partition\",\n"
         "\"from_offset\",\"checkpoint_time_ms\",\"to_topic\",\"to_offset\",\"kind\",\"reread\",\"identity\"?,\"error\",\n"
         "\"beyond_known_end\"}]}; \"beyond_known_end\": the count, per partition null or {\"known_end\"}.\n"
         "\"identity\" (identity naming): {\"a_term\",\"a_kind\",\"b_term\",\"b_kind\",\"c_term\"?,\"c_kind\"?}, the\n"
         "first record on LOCAL not consumed of REGION's, of LOCAL's own and (mesh) the lowest of the\n"
         "other regions'.\n\n" +
         std::string(k_groups_exit_codes);
}

std::string failover_usage(std::string_view program) {
  const std::string p(program);
  return "Usage: " + p + " failover --config FILE --group GROUP --from REGION [--dry-run] [--json]\n\n"
         "Move consumer group GROUP from remote region REGION to LOCAL (the config's region):\n"
         "translate its checkpoints (as `groups translate`) and commit the offsets into LOCAL's\n"
         "cluster for GROUP. Only when GROUP is EMPTY or absent on LOCAL: with members it is\n"
         "refused and nothing is committed (stop its consumers on LOCAL first). A partition whose\n"
         "committed offset on LOCAL is already at or past the translation is kept (\"kept,\n"
         "already ahead\"): failover never moves a partition backwards. If any partition cannot\n"
         "be translated, nothing is committed. Running it again is safe. Offsets are committed\n"
         "without a leader epoch and with group sync's metadata \"tandem-sync;v1;o=REGION\", so\n"
         "REGION's tandem does not checkpoint them back.\n\n" +
         common_description() +
         "Options:\n"
         "  --group GROUP          the consumer group\n"
         "  --from REGION          the remote region the group moves from\n"
         "  --dry-run              show what would be committed; commit nothing (an active group\n"
         "                         is reported, not refused)\n" +
         std::string(k_common_options_help) +
         "\nJSON: as `groups translate`, plus \"dry_run\", \"group_state\", \"committed\", \"kept\" and per\n"
         "partition \"current_offset\" and \"action\" (\"commit\", \"kept_ahead\", \"kept_equal\").\n\n" +
         std::string(k_groups_exit_codes);
}

std::string n(int64_t v) { return std::to_string(v); }

// "2 of 5 partitions could not be translated (see above)".
std::string untranslated(const group_plan& plan) {
  return n(plan.errors) + " of " + n(static_cast<int64_t>(plan.moves.size())) +
         " partitions could not be translated (see above)";
}

std::expected<group_args, failure> parse_group_args(const context& ctx) {
  auto group = ctx.required(k_group_option);
  if (!group) return std::unexpected(group.error());
  auto from = ctx.required(k_from_option);
  if (!from) return std::unexpected(from.error());
  auto remote = remote_region(ctx.cfg, *from);
  if (!remote) return std::unexpected(remote.error());
  return group_args{std::string(*group), *remote};
}

std::expected<void, failure> translate_body(context& ctx) {
  auto a = parse_group_args(ctx);
  if (!a) return std::unexpected(a.error());
  auto store = ctx.store();
  if (!store) return std::unexpected(store.error());
  auto admin = local_admin(ctx);
  if (!admin) return std::unexpected(admin.error());
  auto plan = plan_group(ctx, **store, **admin, *a);
  if (!plan) return std::unexpected(plan.error());
  print_plan(ctx, *plan, nullptr);
  if (plan->errors > 0) return std::unexpected(runtime_failure(untranslated(*plan)));
  return {};
}

// Per partition: commit, or keep the group's offset on LOCAL when it is at or past the
// translation (never backwards). Returns the offsets to commit; counts the kept ones in `fo`.
std::vector<engine::group_offset> decide(group_plan& plan, const std::vector<engine::group_offset>& committed,
                                         failover_state& fo) {
  std::map<std::pair<std::string, int32_t>, int64_t> current;
  for (const auto& o : committed)
    if (o.offset >= 0) current[{o.topic, o.partition}] = o.offset;
  // Marked like group sync's commits (engine/groups/checkpointer.h): offsets tandem wrote, not a
  // consumer, so the peer's checkpointer does not copy them back (its loop guard).
  const std::string mark = std::string(engine::k_sync_metadata_prefix) + "v1;o=" + plan.flow.source_region;
  std::vector<engine::group_offset> out;
  for (auto& m : plan.moves) {
    if (auto it = current.find({m.to_topic, m.from.partition}); it != current.end()) m.current = it->second;
    if (!m.to) continue;
    if (m.current && *m.current > m.to->offset) {
      m.act = action::kept_ahead;
    } else if (m.current && *m.current == m.to->offset) {
      m.act = action::kept_equal;
    }
    if (m.act != action::commit) {
      ++fo.kept;
      continue;
    }
    out.push_back({.topic = m.to->topic, .partition = m.to->partition, .offset = m.to->offset,
                   .leader_epoch = std::nullopt, .metadata = mark});
  }
  return out;
}

std::expected<void, failure> failover_body(context& ctx) {
  auto a = parse_group_args(ctx);
  if (!a) return std::unexpected(a.error());
  failover_state fo;
  fo.dry_run = ctx.args.has(k_dry_run_option.name);
  auto store = ctx.store();
  if (!store) return std::unexpected(store.error());
  auto admin = local_admin(ctx);
  if (!admin) return std::unexpected(admin.error());
  const std::string& local = ctx.cfg.region;

  auto described =
      with_retries(retry_window(ctx), [&] { return (*admin)->describe_group(a->group, k_timeout); });
  if (!described) {
    return std::unexpected(runtime_failure("cannot describe group \"" + a->group + "\" on " + local + ": " +
                                           engine::to_string(described.error())));
  }
  fo.state = *described;
  if (!engine::is_idle(fo.state) && !fo.dry_run) {
    return std::unexpected(runtime_failure(
        "refusing to fail over group \"" + a->group + "\": it is " + std::string(engine::to_string(fo.state)) +
        " on " + local + " (it has members). Offsets are only committed into an EMPTY or absent group: stop its "
        "consumers on " + local + " and run again. Nothing was committed."));
  }
  auto plan = plan_group(ctx, **store, **admin, *a);
  if (!plan) return std::unexpected(plan.error());

  auto committed = with_retries(retry_window(ctx),
                                [&] { return engine::complete((*admin)->committed_offsets(a->group, k_timeout)); });
  if (!committed) {
    return std::unexpected(runtime_failure("cannot read the committed offsets of group \"" + a->group + "\" on " +
                                           local + ": " + engine::to_string(committed.error())));
  }
  const std::vector<engine::group_offset> to_commit = decide(*plan, *committed, fo);
  if (plan->errors > 0) {
    print_plan(ctx, *plan, &fo);
    return std::unexpected(runtime_failure(untranslated(*plan) + "; nothing was committed"));
  }
  if (!fo.dry_run && !to_commit.empty()) {
    if (auto ok = with_retries(retry_window(ctx),
                               [&] { return (*admin)->alter_offsets(a->group, to_commit, k_timeout); });
        !ok) {
      return std::unexpected(runtime_failure(
          "committing the offsets of group \"" + a->group + "\" on " + local + " failed: " +
          engine::to_string(ok.error()) +
          ". Some partitions may be committed; running failover again is safe (it never moves a partition "
          "backwards)."));
    }
    fo.committed = static_cast<int64_t>(to_commit.size());
  }
  print_plan(ctx, *plan, &fo);
  return {};
}

// The environment of the groups command being run: the dispatcher's command signature carries
// no state, so groups_command sets this around its dispatch (and restores it after).
thread_local const environment* g_env = nullptr;

int groups_translate(std::string_view program, std::span<const std::string_view> args, cli::streams io) {
  return run_command(std::string(program) + " translate", translate_usage(program), k_translate_options, args, io,
                     &translate_body, g_env);
}

int groups_failover(std::string_view program, std::span<const std::string_view> args, cli::streams io) {
  return run_command(std::string(program) + " failover", failover_usage(program), k_failover_options, args, io,
                     &failover_body, g_env);
}

int groups_list_command(std::string_view program, std::span<const std::string_view> args, cli::streams io) {
  return groups_list(program, args, io, g_env);
}

constexpr cli::command k_subcommands[] = {
    {"list", "the groups checkpointed from remote regions: topics, checkpoint ages, state here",
     &groups_list_command},
    {"translate", "where a group of a remote region continues here, per partition (changes nothing)",
     &groups_translate},
    {"failover", "commit those offsets for the group here (only if it is empty; never backwards)",
     &groups_failover},
};

}  // namespace

int groups_command(std::string_view program, std::span<const std::string_view> args, cli::streams io,
                   const environment& env) {
  const std::string name = std::string(program) + " groups";
  const std::string description =
      "Move consumer groups from a remote region (--from) to the config's region, using the\n"
      "checkpoints in its state_dir and its cluster. Example:\n  " +
      name + " failover --config west.toml --group billing --from east --dry-run";
  const cli::program sub{.name = name, .description = description, .commands = k_subcommands};
  const environment* saved = g_env;
  g_env = &env;
  const int code = cli::dispatch(sub, args, io);
  g_env = saved;
  return code;
}

}  // namespace tandem::tools
