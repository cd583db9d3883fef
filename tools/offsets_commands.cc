// `tandemctl offsets`: the dispatcher, `stats` and `dump`.
#include "tools/offsets_commands.h"

#include <map>
#include <ostream>
#include <set>
#include <vector>

#include "tools/command.h"
#include "tools/table.h"
#include "tools/tandemctl.h"

namespace tandem::tools {
namespace cli = engine::cli;

namespace {

constexpr cli::command k_subcommands[] = {
    {"stats", "per flow and partition: runs, copied records, resume position; store size", &offsets_stats},
    {"dump", "the runs of the map: src_start, dst_start, length, source and target ranges", &offsets_dump},
    {"lookup", "the run covering or preceding a source or target offset", &offsets_lookup},
    {"translate", "where a group committed at an offset continues on the other side", &offsets_translate},
};

std::string n(int64_t v) { return std::to_string(v); }

// ---- stats ------------------------------------------------------------------------------

constexpr option_spec k_stats_options[] = {k_config_option, k_json_option};

std::string stats_usage(std::string_view program) {
  const std::string p(program);
  return "Usage: " + p + " stats --config FILE [--json]\n\n"
         "Summarize the offset store of the config's state_dir: per flow and source partition the\n"
         "runs, the records they map (a record copied twice counts twice) and the resume position\n"
         "(the next source offset the flow reads; own flows only); totals per flow and overall;\n"
         "the store's keys (each run is stored twice: by source and by destination offset),\n"
         "checkpoints, live SST bytes and bytes on disk; what the store belongs to (the region\n"
         "and cluster ids `tandem run` recorded and checks at start).\n\n"
         "Flows: \"own\" flows REMOTE->LOCAL are replicated by this region's tandem; \"peer\" flows\n"
         "LOCAL->REMOTE are the remote's, learned from echoes. Every remote of the config is\n"
         "listed, with zeros when the store has nothing for it yet. The store is opened as a\n"
         "RocksDB secondary, so this is safe while the daemon runs.\n\n"
         "Options:\n" + std::string(k_common_options_help) + "\n" + std::string(k_exit_codes_help);
}

struct flow_totals {
  flow_role role = flow_role::other;
  std::vector<const offsets::partition_stats*> partitions;
  int64_t runs = 0;
  int64_t copied = 0;
};

// Every flow of the store plus the own and peer flows of every configured remote, in order.
std::map<offsets::flow_id, flow_totals> group_by_flow(const engine::config& cfg, const offsets::store_stats& s) {
  std::map<offsets::flow_id, flow_totals> flows;
  for (const auto* remote : cfg.remotes()) {
    flows[{remote->alias, cfg.region}].role = flow_role::own;
    flows[{cfg.region, remote->alias}].role = flow_role::peer;
  }
  for (const auto& ps : s.partitions) {
    flow_totals& t = flows[ps.partition.flow];
    t.role = role_of(cfg, ps.partition.flow);
    t.partitions.push_back(&ps);
    t.copied += ps.copied_records;
  }
  for (const auto& [flow, runs] : offsets::runs_per_flow(s)) flows[flow].runs = runs;
  return flows;
}

struct overall {
  int64_t partitions = 0, runs = 0, copied = 0;
};

overall sum(const std::map<offsets::flow_id, flow_totals>& flows) {
  overall o;
  for (const auto& [flow, t] : flows) {
    o.partitions += static_cast<int64_t>(t.partitions.size());
    o.runs += t.runs;
    o.copied += t.copied;
  }
  return o;
}

json partition_json(const context& ctx, const offsets::flow_id& flow, const offsets::partition_stats& ps) {
  return {{"topic", ps.partition.topic},
          {"target_topic", target_topic(ctx.cfg, flow, ps.partition.topic)},
          {"partition", ps.partition.partition},
          {"runs", ps.runs},
          {"copied_records", ps.copied_records},
          {"resume", ps.resume ? json(ps.resume->v) : json(nullptr)}};
}

// The store's recorded identity; JSON null when none is recorded yet.
json identity_json(const std::optional<offsets::store_identity>& id) {
  if (!id) return nullptr;
  json clusters = json::object();
  for (const auto& [alias, cluster] : id->cluster_ids) clusters[alias] = cluster;
  return {{"region", id->region}, {"cluster_ids", std::move(clusters)}};
}

std::string identity_text(const std::optional<offsets::store_identity>& id) {
  if (!id) return "no identity recorded yet (the next `tandem run` records it)";
  std::string out = "region " + id->region;
  for (const auto& [alias, cluster] : id->cluster_ids) out += ", cluster " + alias + " = " + cluster;
  return out;
}

void print_stats_json(const context& ctx, const offsets::store_stats& s,
                      const std::optional<offsets::store_identity>& id,
                      const std::map<offsets::flow_id, flow_totals>& flows) {
  json flows_json = json::array();
  for (const auto& [flow, t] : flows) {
    json parts = json::array();
    for (const auto* ps : t.partitions) parts.push_back(partition_json(ctx, flow, *ps));
    flows_json.push_back({{"flow", offsets::to_string(flow)},
                          {"source", flow.source_region},
                          {"target", flow.target_region},
                          {"role", to_string(t.role)},
                          {"runs", t.runs},
                          {"copied_records", t.copied},
                          {"partitions", std::move(parts)}});
  }
  const overall o = sum(flows);
  print_json(ctx.io.out, {{"store", ctx.cfg.state_dir.string()},
                          {"region", ctx.cfg.region},
                          {"belongs_to", identity_json(id)},
                          {"flows", std::move(flows_json)},
                          {"totals", {{"partitions", o.partitions},
                                      {"runs", o.runs},
                                      {"copied_records", o.copied},
                                      {"keys", s.keys},
                                      {"checkpoints", s.checkpoints},
                                      {"sst_bytes", s.sst_bytes},
                                      {"dir_bytes", s.dir_bytes}}}});
}

void print_stats_tables(const context& ctx, const offsets::store_stats& s,
                        const std::optional<offsets::store_identity>& id,
                        const std::map<offsets::flow_id, flow_totals>& flows) {
  std::ostream& out = ctx.io.out;
  out << "Offset store " << ctx.cfg.state_dir.string() << " (region " << ctx.cfg.region << ")\n"
      << "Belongs to: " << identity_text(id) << "\n\n";
  const auto R = align::right;
  table parts({"FLOW", "ROLE", "TOPIC", "PARTITION", "RUNS", "COPIED", "RESUME"},
              {align::left, align::left, align::left, R, R, R, R});
  table totals({"FLOW", "ROLE", "PARTITIONS", "RUNS", "COPIED"}, {align::left, align::left, R, R, R});
  for (const auto& [flow, t] : flows) {
    for (const auto* ps : t.partitions) {
      parts.add({offsets::to_string(flow), std::string(to_string(t.role)), ps->partition.topic,
                 n(ps->partition.partition), n(ps->runs), n(ps->copied_records),
                 ps->resume ? n(ps->resume->v) : "-"});
    }
    totals.add({offsets::to_string(flow), std::string(to_string(t.role)), n(static_cast<int64_t>(t.partitions.size())),
                n(t.runs), n(t.copied)});
  }
  if (parts.empty()) {
    out << "No partitions in the map yet.\n\n";
  } else {
    parts.print(out);
    out << '\n';
  }
  totals.print(out);
  const overall o = sum(flows);
  out << "\nTotal: " << o.partitions << " partitions, " << o.runs << " runs, " << o.copied << " records copied\n"
      << "Store: " << s.keys << " keys, " << s.checkpoints << " checkpoints, " << human_bytes(s.sst_bytes)
      << " in SST files, " << human_bytes(s.dir_bytes) << " on disk\n"
      << "Roles: own = REMOTE->" << ctx.cfg.region << ", replicated by this region's tandem; peer = "
      << ctx.cfg.region << "->REMOTE, learned from echoes.\nRESUME: the next source offset the flow reads.\n";
}

std::expected<void, failure> stats_body(context& ctx) {
  auto store = ctx.store();
  if (!store) return std::unexpected(store.error());
  auto s = (*store)->stats();
  if (!s) return std::unexpected(store_failure(s.error()));
  auto id = (*store)->identity();
  if (!id) return std::unexpected(store_failure(id.error()));
  const auto flows = group_by_flow(ctx.cfg, *s);
  if (ctx.json()) {
    print_stats_json(ctx, *s, *id, flows);
  } else {
    print_stats_tables(ctx, *s, *id, flows);
  }
  return {};
}

// ---- dump -------------------------------------------------------------------------------

constexpr option_spec k_flow_option{"--flow", "SOURCE->TARGET"};
constexpr option_spec k_from_option{"--from", "REGION"};
constexpr option_spec k_topic_option{"--topic", "TOPIC"};
constexpr option_spec k_partition_option{"--partition", "P"};
constexpr option_spec k_dump_options[] = {k_config_option, k_json_option, k_flow_option,
                                          k_from_option,   k_topic_option, k_partition_option};

std::string dump_usage(std::string_view program) {
  const std::string p(program);
  return "Usage: " + p + " dump --config FILE [--flow SOURCE->TARGET | --from REGION]\n"
         "       " + std::string(p.size(), ' ') + "      [--topic TOPIC] [--partition P] [--json]\n\n"
         "Print the runs of the offset map: each run says that LENGTH consecutive source records\n"
         "from SRC_START landed on consecutive target offsets from DST_START. SOURCE and TARGET\n"
         "are the inclusive offset ranges. Runs are listed per flow, topic (named on the source\n"
         "side) and partition, by src_start; a record copied more than once (replays) has one run\n"
         "per copy. Without a selection, every flow of the store is dumped.\n\n"
         "Options:\n"
         "  --flow SOURCE->TARGET  one flow, e.g. east->west (one side must be the local region)\n"
         "  --from REGION          the flow REGION->LOCAL (this region's inbound flow from REGION)\n"
         "  --topic TOPIC          one topic (source-side name; a prefix-named target name works too)\n"
         "  --partition P          one partition number\n" +
         std::string(k_common_options_help) +
         "\nJSON: {\"runs\":[{\"flow\",\"topic\",\"target_topic\",\"partition\",\"src_start\",\"dst_start\",\n"
         "\"length\",\"src_end\",\"dst_end\"}]}; the *_end offsets are one past the last.\n\n" +
         std::string(k_exit_codes_help);
}

// The flows a dump covers: nullopt = every flow of the store.
std::expected<std::optional<offsets::flow_id>, failure> selected_flow(const context& ctx) {
  const auto flow = ctx.args.get(k_flow_option.name);
  const auto from = ctx.args.get(k_from_option.name);
  if (flow && from) return std::unexpected(usage_failure("give --flow or --from, not both"));
  if (flow) {
    auto f = parse_flow(ctx.cfg, *flow);
    if (!f) return std::unexpected(f.error());
    return *f;
  }
  if (from) {
    auto s = remote_region(ctx.cfg, *from);
    if (!s) return std::unexpected(s.error());
    return offsets::flow_id{*s, ctx.cfg.region};
  }
  return std::nullopt;
}

// The partitions of the store the selection names. Error (exit 1): names a flow, topic or
// partition that the store does not have, listing what it has.
std::expected<std::vector<offsets::partition_ref>, failure> select_partitions(
    const context& ctx, const offsets::store_stats& s, const std::optional<offsets::flow_id>& flow,
    std::optional<std::string_view> topic, std::optional<int32_t> partition) {
  std::vector<offsets::partition_ref> out;
  std::set<std::string> flow_topics;
  std::vector<int32_t> topic_partitions;
  bool flow_seen = false;
  for (const auto& ps : s.partitions) {
    const auto& p = ps.partition;
    if (flow && p.flow != *flow) continue;
    flow_seen = true;
    flow_topics.insert(p.topic);
    if (topic && p.topic != *topic && target_topic(ctx.cfg, p.flow, p.topic) != *topic) continue;
    topic_partitions.push_back(p.partition);
    if (partition && p.partition != *partition) continue;
    out.push_back(p);
  }
  if (!out.empty() || (!flow && !topic && !partition)) return out;
  const std::string where = flow ? "flow " + offsets::to_string(*flow) : "any flow";
  if (!flow_seen) {
    return std::unexpected(runtime_failure("the offset store at " + ctx.cfg.state_dir.string() + " has no map for " +
                                           where + " (has it replicated anything yet?)"));
  }
  if (topic_partitions.empty() && topic) {
    std::string names;
    for (const auto& t : flow_topics) names += (names.empty() ? "" : ", ") + t;
    return std::unexpected(runtime_failure("topic \"" + std::string(*topic) + "\" is not in the map of " + where +
                                           " (topics: " + names + ")"));
  }
  return std::unexpected(runtime_failure((topic ? "topic " + std::string(*topic) : std::string("the map of ") + where) +
                                         " has no partition " + std::to_string(*partition) +
                                         " (partitions: " + partition_list(topic_partitions) + ")"));
}

std::expected<void, failure> dump_body(context& ctx) {
  auto flow = selected_flow(ctx);
  if (!flow) return std::unexpected(flow.error());
  std::optional<int32_t> partition;
  if (ctx.args.has(k_partition_option.name)) {
    auto p = ctx.partition(k_partition_option);
    if (!p) return std::unexpected(p.error());
    partition = *p;
  }
  auto store = ctx.store();
  if (!store) return std::unexpected(store.error());
  auto s = (*store)->stats();
  if (!s) return std::unexpected(store_failure(s.error()));
  auto parts = select_partitions(ctx, *s, *flow, ctx.args.get(k_topic_option.name), partition);
  if (!parts) return std::unexpected(parts.error());

  const auto R = align::right;
  table t({"FLOW", "TOPIC", "PARTITION", "SRC_START", "DST_START", "LENGTH", "SOURCE", "TARGET"},
          {align::left, align::left, R, R, R, R, R, R});
  json runs_json = json::array();
  int64_t count = 0, with_runs = 0;
  for (const auto& p : *parts) {
    auto runs = (*store)->runs(p);
    if (!runs) return std::unexpected(store_failure(runs.error()));
    if (!runs->empty()) ++with_runs;
    for (const auto& r : *runs) {
      ++count;
      if (ctx.json()) {
        json run = {{"flow", offsets::to_string(p.flow)},
                    {"topic", p.topic},
                    {"target_topic", target_topic(ctx.cfg, p.flow, p.topic)},
                    {"partition", p.partition}};
        run.update(run_json(r));
        runs_json.push_back(std::move(run));
      } else {
        t.add({offsets::to_string(p.flow), p.topic, n(p.partition), n(r.src_start.v), n(r.dst_start.v), n(r.length),
               range_text(r.src_start.v, r.src_end().v), range_text(r.dst_start.v, r.dst_end().v)});
      }
    }
  }
  if (ctx.json()) {
    print_json(ctx.io.out, {{"runs", std::move(runs_json)}});
  } else if (count == 0) {
    ctx.io.out << "No runs" << (parts->empty() ? " (the store has no maps yet)" : "") << ".\n";
  } else {
    t.print(ctx.io.out);
    ctx.io.out << '\n' << count << (count == 1 ? " run" : " runs") << " in " << with_runs
               << (with_runs == 1 ? " partition" : " partitions") << '\n';
  }
  return {};
}

}  // namespace

json run_json(const offsets::run& r) {
  return {{"src_start", r.src_start.v},
          {"dst_start", r.dst_start.v},
          {"length", r.length},
          {"src_end", r.src_end().v},
          {"dst_end", r.dst_end().v}};
}

int offsets_stats(std::string_view program, std::span<const std::string_view> args, cli::streams io) {
  return run_command(std::string(program) + " stats", stats_usage(program), k_stats_options, args, io, &stats_body);
}

int offsets_dump(std::string_view program, std::span<const std::string_view> args, cli::streams io) {
  return run_command(std::string(program) + " dump", dump_usage(program), k_dump_options, args, io, &dump_body);
}

int offsets_command(std::string_view program, std::span<const std::string_view> args, cli::streams io) {
  const std::string name = std::string(program) + " offsets";
  const cli::program sub{
      .name = name,
      .description = "Inspect the offset maps in the state_dir of the config's region (read as a RocksDB\n"
                     "secondary: safe while the daemon runs). The config is the region groups move TO;\n"
                     "--from names a remote region.",
      .commands = k_subcommands,
  };
  return cli::dispatch(sub, args, io);
}

}  // namespace tandem::tools
