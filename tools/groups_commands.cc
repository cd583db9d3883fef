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
#include <algorithm>
#include <chrono>
#include <map>
#include <ostream>
#include <set>
#include <thread>

#include "engine/groups/checkpointer.h"
#include "engine/groups/group_translation.h"
#include "engine/config/suggest.h"
#include "policy/topic_filter.h"
#include "tools/command.h"
#include "tools/groups_list.h"
#include "tools/offsets_commands.h"
#include "tools/table.h"
#include "tools/tandemctl.h"

namespace tandem::tools {
namespace cli = engine::cli;

namespace {

constexpr std::chrono::seconds k_timeout{10};  // per cluster request

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
         "re-reading; identity naming: the earlier of the two frontiers) and clamped to the log\n"
         "start of the partition on LOCAL, which is read from LOCAL's cluster. Prefix naming: a\n"
         "checkpoint on REGION's mirror of LOCAL (LOCAL.orders) moves back to LOCAL's orders\n"
         "(failback, the inverse lookup of the map of flow LOCAL->REGION).\n\n"
         "Columns: FROM is GROUP's committed offset on REGION at the checkpoint (AGE ago); TO the\n"
         "offset to commit on LOCAL; KIND how it was found (exact, rounded, below_coverage, empty);\n"
         "REREAD the offsets read again (\"?\" when the map cannot tell).\n\n"
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
         "\nJSON: {\"group\",\"from\",\"to\",\"flow\",\"partitions\":[{\"topic\",\"partition\",\"from_offset\",\n"
         "\"checkpoint_time_ms\",\"to_topic\",\"to_offset\",\"kind\",\"reread\",\"identity\"?,\"error\"}]}\n\n" +
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

enum class action { commit, kept_ahead, kept_equal };

std::string_view action_name(action a) {
  switch (a) {
    case action::commit: return "commit";
    case action::kept_ahead: return "kept_ahead";
    case action::kept_equal: return "kept_equal";
  }
  return "commit";
}

// One partition of the group.
struct partition_move {
  offsets::checkpoint from;                     // the group on REGION (the stored checkpoint)
  std::string to_topic;                         // the topic on LOCAL
  std::optional<engine::group_translation> to;  // nullopt: `error` says why
  std::string error;
  std::optional<int64_t> current;               // failover: the group's offset on LOCAL
  action act = action::commit;
};

struct group_plan {
  std::string group;
  offsets::flow_id flow;  // {REGION, LOCAL}
  std::vector<partition_move> moves;
  int errors = 0;
};

struct group_args {
  std::string group;
  std::string remote;
};

std::expected<group_args, failure> parse_group_args(const context& ctx) {
  auto group = ctx.required(k_group_option);
  if (!group) return std::unexpected(group.error());
  auto from = ctx.required(k_from_option);
  if (!from) return std::unexpected(from.error());
  auto remote = remote_region(ctx.cfg, *from);
  if (!remote) return std::unexpected(remote.error());
  return group_args{std::string(*group), *remote};
}

// Why the store has no checkpoint of the group: not selected by the config, a typo, or none yet.
failure no_checkpoints(const context& ctx, const offsets::offset_store& store, const offsets::flow_id& flow,
                       const std::string& group) {
  std::string msg = "no checkpoint of group \"" + group + "\" from " + flow.source_region + " in the offset store at " +
                    ctx.cfg.state_dir.string();
  auto filter = policy::group_filter::create(ctx.cfg.replication.groups, ctx.cfg.replication.group_exclude);
  if (filter && !filter->selects(group)) {
    return runtime_failure(msg + ": the config's replication.groups / group_exclude do not select it, so tandem "
                                 "does not checkpoint it");
  }
  auto all = store.get_checkpoints(flow, "");
  if (!all) return store_failure(all.error());
  std::set<std::string> groups;
  for (const auto& c : *all) groups.insert(c.group);
  if (groups.empty()) {
    return runtime_failure(msg + "; no group from " + flow.source_region +
                           " has been checkpointed yet (checkpoints are taken every "
                           "replication.checkpoint_interval while tandem runs)");
  }
  std::vector<std::string_view> names(groups.begin(), groups.end());
  if (auto near = engine::nearest(group, names)) msg += " (did you mean \"" + std::string(*near) + "\"?)";
  msg += "; groups checkpointed from " + flow.source_region + ":";
  size_t shown = 0;
  for (const auto& g : groups) {
    if (shown++ == 20) {
      msg += " ... (" + n(static_cast<int64_t>(groups.size())) + " in all)";
      break;
    }
    msg += (shown == 1 ? " " : ", ") + g;
  }
  return runtime_failure(msg);
}

std::expected<std::unique_ptr<engine::group_admin>, failure> local_admin(const context& ctx) {
  if (!ctx.env || !ctx.env->group_admin) return std::unexpected(runtime_failure("no cluster access configured"));
  auto admin = ctx.env->group_admin(ctx.cfg.local());
  if (!admin) {
    return std::unexpected(usage_failure("cannot create a Kafka client for " + ctx.cfg.region + ": " + admin.error()));
  }
  return std::move(*admin);
}

std::chrono::milliseconds retry_window(const context& ctx) {
  return ctx.env ? ctx.env->retry_for : std::chrono::milliseconds{0};
}

// Errors that pass within seconds: a coordinator moving or loading (a fresh cluster answers
// NOT_COORDINATOR until __consumer_offsets is loaded), a leader election, a dropped connection.
// Not UNKNOWN_MEMBER_ID (a member joined: final) nor a request timeout (already 10 s).
bool transient(const engine::kafka_error& e) {
  using engine::kafka_errc;
  static constexpr kafka_errc codes[] = {
      kafka_errc::not_coordinator,      kafka_errc::coordinator_load_in_progress,
      kafka_errc::coordinator_not_available, kafka_errc::leader_not_available,
      kafka_errc::not_leader_for_partition,  kafka_errc::request_timed_out,
      kafka_errc::transport};
  return e.retriable() && std::find(std::begin(codes), std::end(codes), e.code) != std::end(codes);
}

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

// Translates every checkpoint of the group (one log-start request per partition).
std::expected<group_plan, failure> plan_group(const context& ctx, const offsets::offset_store& store,
                                              engine::group_admin& admin, const group_args& a) {
  group_plan plan{a.group, {a.remote, ctx.cfg.region}, {}, 0};
  auto checkpoints = store.get_checkpoints(plan.flow, a.group);
  if (!checkpoints) return std::unexpected(store_failure(checkpoints.error()));
  if (checkpoints->empty()) return std::unexpected(no_checkpoints(ctx, store, plan.flow, a.group));
  const auto naming = naming_of(ctx.cfg);
  if (!naming) return std::unexpected(usage_failure("the config's naming policy is invalid"));
  for (auto& c : *checkpoints) {
    partition_move m;
    m.from = std::move(c);
    // A checkpoint on REGION's mirror of LOCAL ("LOCAL.orders", prefix naming) fails back to
    // LOCAL's "orders"; any other topic fails over to its copy on LOCAL.
    m.to_topic = engine::destination_topic(*naming, plan.flow.source_region, plan.flow.target_region,
                                           m.from.topic);
    auto log_start = with_retries(retry_window(ctx), [&] {
      return admin.log_start(m.to_topic, m.from.partition, k_timeout);
    });
    if (!log_start) {
      m.error = "log start of " + m.to_topic + "/" + n(m.from.partition) + " on " + ctx.cfg.region + ": " +
                engine::to_string(log_start.error());
    } else {
      auto t = engine::translate_group_move(store, *naming, plan.flow.source_region, plan.flow.target_region,
                                            m.from.topic, m.from.partition, m.from.source.v, *log_start);
      if (t) {
        m.to_topic = t->topic;
        m.to = std::move(*t);
      } else {
        m.error = t.error().message;
      }
    }
    if (!m.to) ++plan.errors;
    plan.moves.push_back(std::move(m));
  }
  return plan;
}

int64_t now_ms(const context& ctx) { return ctx.env && ctx.env->now_ms ? ctx.env->now_ms() : 0; }

// ---- output -------------------------------------------------------------------------------

struct failover_state {
  bool dry_run = false;
  engine::group_state state = engine::group_state::absent;
  int64_t committed = 0;
  int64_t kept = 0;
};

void write_json(const context& ctx, const group_plan& plan, const failover_state* fo) {
  json_writer j(ctx.io.out);
  j.begin_object()
      .key("group").value(plan.group)
      .key("from").value(plan.flow.source_region)
      .key("to").value(plan.flow.target_region)
      .key("flow").value(offsets::to_string(plan.flow));
  if (fo) {
    j.key("dry_run").value(fo->dry_run)
        .key("group_state").value(engine::to_string(fo->state))
        .key("committed").value(fo->committed)
        .key("kept").value(fo->kept);
  }
  j.key("partitions").begin_array();
  for (const auto& m : plan.moves) {
    j.begin_object()
        .key("topic").value(m.from.topic)
        .key("partition").value(m.from.partition)
        .key("from_offset").value(m.from.source.v)
        .key("checkpoint_time_ms").value(m.from.time_ms)
        .key("to_topic").value(m.to_topic);
    if (m.to) {
      j.key("to_offset").value(m.to->offset).key("kind").value(to_string(m.to->kind)).key("reread").value(m.to->reread);
      if (m.to->identity) {
        const auto& f = *m.to->identity;
        j.key("identity").begin_object()
            .key("a_term").value(f.a_term.v).key("a_kind").value(to_string(f.a_kind))
            .key("b_term").value(f.b_term.v).key("b_kind").value(to_string(f.b_kind))
            .end_object();
      }
      j.key("error").null();
    } else {
      j.key("to_offset").null().key("kind").null().key("reread").null().key("error").value(m.error);
    }
    if (fo) {
      j.key("current_offset").value(m.current);
      if (m.to) j.key("action").value(action_name(m.act));
      else j.key("action").null();
    }
    j.end_object();
  }
  j.end_array().end_object();
  ctx.io.out << '\n';
}

std::string action_text(action a, bool dry_run) {
  switch (a) {
    case action::commit: return dry_run ? "would commit" : "committed";
    case action::kept_ahead: return "kept, already ahead";
    case action::kept_equal: return "kept, already there";
  }
  return "";
}

void write_table(const context& ctx, const group_plan& plan, const failover_state* fo) {
  const auto R = align::right;
  const std::string& s = plan.flow.source_region;
  const std::string& l = plan.flow.target_region;
  std::vector<std::string> headers{"TOPIC@" + s, "PARTITION", "FROM", "TOPIC@" + l, "TO"};
  std::vector<align> aligns{align::left, R, R, align::left, R};
  if (fo) {
    headers.insert(headers.end(), {"CURRENT", "ACTION"});
    aligns.insert(aligns.end(), {R, align::left});
  }
  headers.insert(headers.end(), {"KIND", "REREAD", "AGE"});
  aligns.insert(aligns.end(), {align::left, R, R});
  table t(headers, aligns);
  const int64_t now = now_ms(ctx);
  for (const auto& m : plan.moves) {
    std::vector<std::string> row{m.from.topic, n(m.from.partition), n(m.from.source.v), m.to_topic,
                                 m.to ? n(m.to->offset) : "-"};
    if (fo) {
      row.push_back(m.current ? n(*m.current) : "-");
      row.push_back(m.to ? action_text(m.act, fo->dry_run) : "-");
    }
    row.push_back(m.to ? std::string(to_string(m.to->kind)) : "error");
    row.push_back(m.to && m.to->reread ? n(*m.to->reread) : "?");
    row.push_back(age_text(now, m.from.time_ms));
    t.add(std::move(row));
  }
  std::ostream& out = ctx.io.out;
  out << "Group " << plan.group << ": checkpoints from " << s << " (flow " << offsets::to_string(plan.flow)
      << "), translated for " << l << "\n\n";
  t.print(out);
  for (const auto& m : plan.moves)
    if (!m.to) out << "error: " << m.from.topic << "/" << m.from.partition << ": " << m.error << '\n';
  out << '\n';
  if (!fo) {
    out << plan.moves.size() << (plan.moves.size() == 1 ? " partition" : " partitions")
        << "; nothing was changed (groups failover commits these offsets).\n";
    return;
  }
  out << "Group " << plan.group << " is " << engine::to_string(fo->state) << " on " << l << ". ";
  const int64_t to_commit = static_cast<int64_t>(std::count_if(
      plan.moves.begin(), plan.moves.end(), [](const partition_move& m) { return m.to && m.act == action::commit; }));
  if (fo->dry_run) {
    out << "Dry run: would commit " << to_commit << ", keep " << fo->kept << "; nothing was changed.\n";
    if (!engine::is_idle(fo->state))
      out << "A failover now would be refused: the group has members on " << l << ".\n";
  } else if (plan.errors > 0) {
    out << "Nothing was committed.\n";
  } else {
    out << "Committed " << fo->committed << ", kept " << fo->kept << ".\n";
  }
}

// ---- commands -----------------------------------------------------------------------------

std::expected<void, failure> translate_body(context& ctx) {
  auto a = parse_group_args(ctx);
  if (!a) return std::unexpected(a.error());
  auto store = ctx.store();
  if (!store) return std::unexpected(store.error());
  auto admin = local_admin(ctx);
  if (!admin) return std::unexpected(admin.error());
  auto plan = plan_group(ctx, **store, **admin, *a);
  if (!plan) return std::unexpected(plan.error());
  if (ctx.json()) write_json(ctx, *plan, nullptr);
  else write_table(ctx, *plan, nullptr);
  if (plan->errors > 0) {
    return std::unexpected(runtime_failure(n(plan->errors) + " of " + n(static_cast<int64_t>(plan->moves.size())) +
                                           " partitions could not be translated (see above)"));
  }
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
    if (ctx.json()) write_json(ctx, *plan, &fo);
    else write_table(ctx, *plan, &fo);
    return std::unexpected(runtime_failure(n(plan->errors) + " of " + n(static_cast<int64_t>(plan->moves.size())) +
                                           " partitions could not be translated (see above); nothing was committed"));
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
  if (ctx.json()) write_json(ctx, *plan, &fo);
  else write_table(ctx, *plan, &fo);
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
