// `tandemctl groups list`: the consumer groups this region could take over, from the checkpoints
// in its state_dir, with each group's state on the local cluster (failover needs it idle here).
//
//   store ──get_checkpoints({REMOTE, LOCAL}, all)──> per (remote, group): topics, partitions,
//                                                     newest and oldest checkpoint
//   LOCAL cluster ──list_groups──> state per group ("absent" when unknown there)
//
// The local cluster is optional: when it cannot be reached the states show as "unknown" and a
// warning goes to stderr (the checkpoints are still worth seeing during a disaster).
#include <map>
#include <ostream>
#include <set>
#include <vector>

#include "tools/command.h"
#include "tools/groups_list.h"
#include "tools/table.h"

namespace tandem::tools {
namespace {

constexpr option_spec k_from_list_option{"--from", "REGION"};
constexpr option_spec k_list_options[] = {k_config_option, k_json_option, k_from_list_option};

std::string list_usage(std::string_view program) {
  const std::string p(program);
  return "Usage: " + p + " list --config FILE [--from REGION] [--json]\n\n"
         "List the consumer groups checkpointed from each remote region (or only REGION) into\n"
         "the config's state_dir: the topics and partitions checkpointed, how old the newest and\n"
         "the oldest checkpoint are (the RPO of a failover), and the group's state on the local\n"
         "cluster (\"absent\" or \"empty\": failover can commit; \"stable\" and other states: it\n"
         "refuses). Changes nothing.\n\n"
         "Options:\n" + std::string(k_common_options_help) +
         "  --from REGION          only groups of this remote region\n\n"
         "JSON: {\"region\",\"groups\":[{\"group\",\"from\",\"topics\":[...],\"partitions\",\n"
         "\"newest_checkpoint_ms\",\"oldest_checkpoint_ms\",\"local_state\"}],\"local_cluster_error\"}\n\n" +
         std::string(k_exit_codes_help);
}

struct group_row {
  std::set<std::string> topics;
  int64_t partitions = 0;
  int64_t newest_ms = 0;
  int64_t oldest_ms = 0;
};

using group_key = std::pair<std::string, std::string>;  // remote, group

std::string state_text(const std::map<std::string, engine::group_state>& states, bool known,
                       const std::string& group) {
  if (!known) return "unknown";
  auto it = states.find(group);
  return it == states.end() ? "absent" : std::string(engine::to_string(it->second));
}

// Local group states; an error text when the cluster could not be asked.
std::string local_states(const context& ctx, std::map<std::string, engine::group_state>& out) {
  if (!ctx.env || !ctx.env->group_admin) return "no cluster access configured";
  auto admin = ctx.env->group_admin(ctx.cfg.local());
  if (!admin) return admin.error();
  auto groups = engine::complete((*admin)->list_groups(std::chrono::seconds(10)));
  if (!groups) return engine::to_string(groups.error());
  for (const auto& g : *groups) out[g.group] = g.state;
  return "";
}

void print_list_json(const context& ctx, const std::map<group_key, group_row>& rows,
                     const std::map<std::string, engine::group_state>& states, const std::string& error) {
  json groups = json::array();
  for (const auto& [k, r] : rows) {
    groups.push_back({{"group", k.second},
                      {"from", k.first},
                      {"topics", r.topics},
                      {"partitions", r.partitions},
                      {"newest_checkpoint_ms", r.newest_ms},
                      {"oldest_checkpoint_ms", r.oldest_ms},
                      {"local_state", state_text(states, error.empty(), k.second)}});
  }
  print_json(ctx.io.out, {{"region", ctx.cfg.region},
                          {"groups", std::move(groups)},
                          {"local_cluster_error", error.empty() ? json(nullptr) : json(error)}});
}

void print_list_table(const context& ctx, const std::map<group_key, group_row>& rows,
                      const std::map<std::string, engine::group_state>& states, const std::string& error) {
  if (rows.empty()) {
    ctx.io.out << "No consumer group checkpointed into " << ctx.cfg.region << " yet (checkpoints are taken every "
               << "replication.checkpoint_interval while tandem runs, for the groups replication.groups selects).\n";
    return;
  }
  const int64_t now = ctx.now_ms();
  table t({"FROM", "GROUP", "TOPICS", "PARTITIONS", "NEWEST", "OLDEST", "STATE ON " + ctx.cfg.region},
          {align::left, align::left, align::left, align::right, align::right, align::right, align::left});
  for (const auto& [k, r] : rows) {
    std::string topics;
    for (const auto& tp : r.topics) topics += (topics.empty() ? "" : ",") + tp;
    t.add({k.first, k.second, topics, std::to_string(r.partitions), age_text(now, r.newest_ms),
           age_text(now, r.oldest_ms), state_text(states, error.empty(), k.second)});
  }
  t.print(ctx.io.out);
}

std::expected<void, failure> list_body(context& ctx) {
  std::vector<std::string> remotes;
  if (auto from = ctx.args.get(k_from_list_option.name)) {
    auto r = remote_region(ctx.cfg, *from);
    if (!r) return std::unexpected(r.error());
    remotes.push_back(*r);
  } else {
    for (const auto* c : ctx.cfg.remotes()) remotes.push_back(c->alias);
  }
  auto store = ctx.store();
  if (!store) return std::unexpected(store.error());
  std::map<group_key, group_row> rows;
  for (const auto& remote : remotes) {
    auto cps = (*store)->get_checkpoints({remote, ctx.cfg.region}, "");
    if (!cps) return std::unexpected(store_failure(cps.error()));
    for (const auto& c : *cps) {
      group_row& r = rows[{remote, c.group}];
      r.topics.insert(c.topic);
      ++r.partitions;
      r.newest_ms = std::max(r.newest_ms, c.time_ms);
      r.oldest_ms = r.oldest_ms == 0 ? c.time_ms : std::min(r.oldest_ms, c.time_ms);
    }
  }
  std::map<std::string, engine::group_state> states;
  const std::string error = local_states(ctx, states);
  if (!error.empty())
    ctx.io.err << ctx.name << ": warning: group states on " << ctx.cfg.region << " unknown: " << error << '\n';
  if (ctx.json()) print_list_json(ctx, rows, states, error);
  else print_list_table(ctx, rows, states, error);
  return {};
}

}  // namespace

int groups_list(std::string_view program, std::span<const std::string_view> args, engine::cli::streams io,
                const environment* env) {
  return run_command(std::string(program) + " list", list_usage(program), k_list_options, args, io, &list_body,
                     env);
}

}  // namespace tandem::tools
