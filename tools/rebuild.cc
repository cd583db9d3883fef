// `tandemctl rebuild`: the command frame (options, help, store, output). The reading is in
// tools/rebuild_flow.cc; what a header must say to count is in tools/rebuild_partition.h.
#include <algorithm>
#include <ostream>

#include "tools/command.h"
#include "tools/rebuild.h"
#include "tools/table.h"
#include "tools/tandemctl.h"

namespace tandem::tools {
namespace cli = engine::cli;

namespace {

using rebuild::flow_result;

constexpr option_spec k_from_option{"--from", "REGION[,REGION...]"};
constexpr option_spec k_state_dir_option{"--state-dir", "DIR"};
constexpr option_spec k_options[] = {k_config_option, k_json_option, k_from_option, k_state_dir_option};

std::string usage(std::string_view program) {
  const std::string p(program);
  return "Usage: " + p + " rebuild --config FILE [--from REGION[,REGION...]] [--state-dir DIR] [--json]\n\n"
         "Rebuild the offset maps of the config's region from the origin headers (tandem-origin) of\n"
         "the records tandem wrote into the target topics, e.g. for a replaced or lost state_dir.\n"
         "For each remote region R (or only those of --from), both directions:\n"
         "  R->LOCAL  (own)   the local cluster's copies of R's topics;\n"
         "  LOCAL->R  (peer)  R's cluster's copies of the local topics.\n"
         "The topics read are the targets of the flow under the config's naming and topic filter\n"
         "(prefix: R.<topic>; identity: the selected topics). Every partition is read from its log\n"
         "start to the high watermark seen when its read begins (read_committed). A record counts\n"
         "when its header says it was written by that flow into that very partition; local records\n"
         "and copied headers naming another place are gaps, malformed headers are skipped and\n"
         "counted. Copies of a replay (the source offset going back) become runs of their own, so\n"
         "the map has every copy, as the daemon's has. Runs are added to the store (what it holds\n"
         "already is kept: a union); no resume position is written, so a daemon started on the\n"
         "rebuilt store reads each flow again from its consumer group's committed position.\n\n"
         "The store is opened read-write: stop the tandem daemon of the region first, or rebuild\n"
         "into another directory with --state-dir (to compare maps: `offsets dump --json`).\n"
         "A remote cluster that cannot be reached is reported and its direction skipped.\n"
         "Progress goes to stderr; the summary to stdout.\n\n"
         "Options:\n"
         "  --from REGION[,...]    only these remote regions (comma-separated)\n"
         "  --state-dir DIR        rebuild into DIR instead of the config's state_dir (created if\n"
         "                         missing; runs already there are kept)\n" +
         std::string(k_common_options_help) +
         "\nJSON: {\"store\",\"region\",\"flows\":[{\"flow\",\"source\",\"target\",\"role\",\"read_from\",\n"
         "\"skipped\",\"topics\":[{\"topic\",\"target_topic\",\"partitions\",\"records\",\"with_header\",\n"
         "\"other_headers\",\"malformed\",\"replays\",\"runs\",\"problems\"}]}],\"totals\":{...}}; \"skipped\" is\n"
         "null or why the direction was not read; \"problems\" lists partitions not read to the end.\n\n"
         "Exit codes:\n"
         "  0  success, also when some directions were skipped (warnings on stderr, \"skipped\" in JSON)\n"
         "  1  runtime failure: the store is in use by a running daemon, cannot be written, or\n"
         "     refuses runs (a destination conflict); or no direction could be read at all\n"
         "  2  usage error, invalid config (incl. a bad librdkafka property), unknown region, or a\n"
         "     directory that is not a tandem offset store of this version\n";
}

// The remote regions to rebuild: --from's, or every remote of the config.
std::expected<std::vector<std::string>, failure> selected_remotes(const context& ctx) {
  std::vector<std::string> out;
  auto from = ctx.args.get(k_from_option.name);
  if (!from) {
    for (const auto* c : ctx.cfg.remotes()) out.push_back(c->alias);
    return out;
  }
  std::string_view rest = *from;
  while (true) {
    const auto comma = rest.find(',');
    auto r = remote_region(ctx.cfg, rest.substr(0, comma));
    if (!r) return std::unexpected(r.error());
    if (std::find(out.begin(), out.end(), *r) == out.end()) out.push_back(*r);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

// Opens the store to write into. A store locked by a running daemon gets its own message.
std::expected<offsets::offset_store, failure> open_store(const context& ctx, const std::filesystem::path& dir) {
  auto store = offsets::offset_store::open(dir);
  if (store) return std::move(*store);
  const auto& e = store.error();
  if (e.code == offsets::errc::io_error && e.message.find("LOCK") != std::string::npos) {
    return std::unexpected(runtime_failure("the offset store at " + dir.string() +
                                           " is in use (locked by another process): stop the tandem daemon of "
                                           "region " + ctx.cfg.region +
                                           " first, or rebuild into another directory with --state-dir"));
  }
  const bool config_problem = e.code == offsets::errc::not_a_store || e.code == offsets::errc::version_mismatch ||
                              e.code == offsets::errc::corruption;
  return std::unexpected(failure{config_problem ? cli::k_exit_usage : cli::k_exit_failure, e.message});
}

std::expected<std::unique_ptr<engine::partition_reader>, failure> reader_of(const context& ctx,
                                                                            const engine::cluster_config& c) {
  auto r = ctx.env->partition_reader(c);
  if (!r) return std::unexpected(usage_failure("cannot create a Kafka client for " + c.alias + ": " + r.error()));
  return std::move(*r);
}

struct totals {
  header_counts counts;
  int64_t runs = 0, topics = 0, partitions = 0;
};

totals sum(const std::vector<flow_result>& flows) {
  totals t;
  for (const auto& f : flows) {
    for (const auto& tr : f.topics) {
      t.counts += tr.counts;
      t.runs += tr.runs;
      ++t.topics;
      t.partitions += tr.partitions;
    }
  }
  return t;
}

json topic_json(const rebuild::topic_result& t) {
  return {{"topic", t.topic},
          {"target_topic", t.target_topic},
          {"partitions", t.partitions},
          {"records", t.counts.records},
          {"with_header", t.counts.ours},
          {"other_headers", t.counts.other},
          {"malformed", t.counts.malformed},
          {"replays", t.counts.replays},
          {"runs", t.runs},
          {"problems", t.problems}};
}

json flow_json(const flow_result& f) {
  json topics = json::array();
  for (const auto& t : f.topics) topics.push_back(topic_json(t));
  return {{"flow", offsets::to_string(f.flow)},
          {"source", f.flow.source_region},
          {"target", f.flow.target_region},
          {"role", to_string(f.role)},
          {"read_from", f.read_from},
          {"skipped", f.skipped ? json(*f.skipped) : json(nullptr)},
          {"topics", std::move(topics)}};
}

void print_json_summary(const context& ctx, const std::filesystem::path& dir, const std::vector<flow_result>& flows) {
  json flows_json = json::array();
  for (const auto& f : flows) flows_json.push_back(flow_json(f));
  const totals t = sum(flows);
  print_json(ctx.io.out, {{"store", dir.string()},
                          {"region", ctx.cfg.region},
                          {"flows", std::move(flows_json)},
                          {"totals", {{"topics", t.topics},
                                      {"partitions", t.partitions},
                                      {"records", t.counts.records},
                                      {"with_header", t.counts.ours},
                                      {"malformed", t.counts.malformed},
                                      {"replays", t.counts.replays},
                                      {"runs", t.runs}}}});
}

void print_tables(const context& ctx, const std::filesystem::path& dir, const std::vector<flow_result>& flows) {
  std::ostream& out = ctx.io.out;
  auto n = [](int64_t v) { return std::to_string(v); };
  out << "Rebuilt offset store " << dir.string() << " (region " << ctx.cfg.region << ")\n\n";
  const auto R = align::right;
  table t({"FLOW", "ROLE", "TOPIC", "PARTITIONS", "RECORDS", "WITH_HEADER", "MALFORMED", "REPLAYS", "RUNS"},
          {align::left, align::left, align::left, R, R, R, R, R, R});
  for (const auto& f : flows) {
    for (const auto& tr : f.topics) {
      t.add({offsets::to_string(f.flow), std::string(to_string(f.role)), tr.topic, n(tr.partitions),
             n(tr.counts.records), n(tr.counts.ours), n(tr.counts.malformed), n(tr.counts.replays), n(tr.runs)});
    }
  }
  if (t.empty()) out << "No target topics found.\n";
  else t.print(out);
  for (const auto& f : flows)
    if (f.skipped) out << "skipped " << offsets::to_string(f.flow) << ": " << *f.skipped << '\n';
  const totals s = sum(flows);
  out << "\nTotal: " << s.topics << " topics, " << s.partitions << " partitions, " << s.counts.records
      << " records read, " << s.counts.ours << " with our header, " << s.runs << " runs\n"
      << "WITH_HEADER: records whose tandem-origin header names the flow and this partition.\n";
}

std::expected<void, failure> body(context& ctx) {
  auto remotes = selected_remotes(ctx);
  if (!remotes) return std::unexpected(remotes.error());
  const std::filesystem::path dir =
      ctx.args.has(k_state_dir_option.name) ? std::filesystem::path(*ctx.args.get(k_state_dir_option.name))
                                            : ctx.cfg.state_dir;
  auto naming = naming_of(ctx.cfg);
  if (!naming) return std::unexpected(usage_failure("the config's naming policy is invalid"));
  auto filter = policy::topic_filter::create(ctx.cfg.replication.topics, ctx.cfg.replication.exclude, *naming);
  if (!filter) return std::unexpected(usage_failure(filter.error()));
  if (!ctx.env || !ctx.env->partition_reader) return std::unexpected(runtime_failure("no cluster access configured"));

  auto local = reader_of(ctx, ctx.cfg.local());
  if (!local) return std::unexpected(local.error());
  std::vector<std::unique_ptr<engine::partition_reader>> peers;
  for (const auto& r : *remotes) {
    auto p = reader_of(ctx, *ctx.cfg.find_cluster(r));
    if (!p) return std::unexpected(p.error());
    peers.push_back(std::move(*p));
  }
  auto store = open_store(ctx, dir);
  if (!store) return std::unexpected(store.error());

  const rebuild::flow_settings settings{ctx.cfg, *filter, ctx.env->read_idle};
  const rebuild::reporter rep{ctx.io.err, ctx.name};
  std::vector<flow_result> flows;
  for (size_t i = 0; i < remotes->size(); ++i) {
    const std::string& r = (*remotes)[i];
    for (auto [flow, reader] : {std::pair{offsets::flow_id{r, ctx.cfg.region}, local->get()},
                                std::pair{offsets::flow_id{ctx.cfg.region, r}, peers[i].get()}}) {
      auto f = rebuild::rebuild_flow(settings, flow, *reader, *store, rep);
      if (!f) return std::unexpected(f.error());
      flows.push_back(std::move(*f));
    }
  }
  if (ctx.json()) print_json_summary(ctx, dir, flows);
  else print_tables(ctx, dir, flows);
  const bool any = std::any_of(flows.begin(), flows.end(), [](const flow_result& f) { return !f.skipped; });
  if (!any) return std::unexpected(runtime_failure("no cluster could be read: nothing was rebuilt"));
  return {};
}

}  // namespace

int rebuild_command(std::string_view program, std::span<const std::string_view> args, cli::streams io,
                    const environment& env) {
  return run_command(std::string(program) + " rebuild", usage(program), k_options, args, io, &body, &env);
}

}  // namespace tandem::tools
