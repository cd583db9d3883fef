// `tandemctl offsets lookup` and `tandemctl offsets translate`: one partition, one offset.
#include <ostream>

#include "tools/command.h"
#include "tools/offsets_commands.h"
#include "tools/table.h"

namespace tandem::tools {
namespace cli = engine::cli;

namespace {

constexpr option_spec k_from_option{"--from", "REGION"};
constexpr option_spec k_flow_option{"--flow", "SOURCE->TARGET"};
constexpr option_spec k_topic_option{"--topic", "TOPIC"};
constexpr option_spec k_partition_option{"--partition", "P"};
constexpr option_spec k_source_offset_option{"--source-offset", "X"};
constexpr option_spec k_target_offset_option{"--target-offset", "Y"};
constexpr option_spec k_offset_option{"--offset", "OFFSET"};
constexpr option_spec k_reverse_option{"--reverse", ""};

constexpr option_spec k_lookup_options[] = {k_config_option,    k_json_option,          k_from_option,
                                            k_flow_option,      k_topic_option,         k_partition_option,
                                            k_source_offset_option, k_target_offset_option};
constexpr option_spec k_translate_options[] = {k_config_option,    k_json_option,   k_from_option, k_topic_option,
                                               k_partition_option, k_offset_option, k_reverse_option};

std::string lookup_usage(std::string_view program) {
  const std::string p(program);
  const std::string pad(p.size() + 14, ' ');
  return "Usage: " + p + " lookup --config FILE (--from REGION | --flow SOURCE->TARGET)\n" +
         pad + "--topic TOPIC --partition P\n" +
         pad + "(--source-offset X | --target-offset Y) [--json]\n\n"
         "Find the run of the offset map covering an offset, or the last run before it, with one\n"
         "seek: by source offset X (the run with the greatest src_start <= X; among copies of the\n"
         "same records, the earliest) or by target offset Y (the run with the greatest\n"
         "dst_start <= Y). Prints the run and, when it covers the offset, the offset on the other\n"
         "side; otherwise where the map stops (a gap: compaction, transaction markers, aborted,\n"
         "filtered or local records) or where it begins.\n\n"
         "Options:\n"
         "  --from REGION          the map of flow REGION->LOCAL (this region's inbound flow)\n"
         "  --flow SOURCE->TARGET  any flow of the store, e.g. LOCAL->REGION (the peer's map)\n"
         "  --topic TOPIC          the topic, named on the flow's source side (a prefix-named\n"
         "                         target name such as east.orders works too)\n"
         "  --partition P          the partition number (the same on both sides)\n"
         "  --source-offset X      an offset of the source partition\n"
         "  --target-offset Y      an offset of the target partition\n" +
         std::string(k_common_options_help) +
         "\nJSON: {\"flow\",\"role\",\"topic\",\"target_topic\",\"partition\",\"source_offset\",\"target_offset\",\n"
         "\"run\":{\"src_start\",\"dst_start\",\"length\",\"src_end\",\"dst_end\"}|null,\"covered\",\n"
         "\"map_start\"}; the offset not given is the covering run's answer or null.\n\n" +
         std::string(k_exit_codes_help);
}

std::string translate_usage(std::string_view program) {
  const std::string p(program);
  const std::string pad(p.size() + 17, ' ');
  return "Usage: " + p + " translate --config FILE --from REGION --topic TOPIC --partition P\n" +
         pad + "--offset OFFSET [--reverse] [--json]\n\n"
         "Translate a consumer group's committed offset across the flow REGION->LOCAL (LOCAL is\n"
         "the config's region), by the rules of docs/design.md \"Translation\": never skip, round\n"
         "toward re-reading.\n"
         "  default    OFFSET is on REGION's topic; prints where the group continues on LOCAL:\n"
         "             dst(last recorded record with src < OFFSET) + 1\n"
         "  --reverse  OFFSET is on LOCAL's copy of the topic (failback); prints where the group\n"
         "             continues on REGION: src(last copy with dst < OFFSET) + 1\n\n"
         "Kinds:\n"
         "  exact           the record just below OFFSET is in the map\n"
         "  rounded         it is not (a gap, or the group is ahead of the map): rounded down,\n"
         "                  the group re-reads some records and skips none\n"
         "  below_coverage  nothing recorded below OFFSET: the first recorded record's position\n"
         "  empty           nothing recorded for the partition: no offset; start at the log start\n\n"
         "Under identity naming a group's full failover position also needs the peer map and the\n"
         "target's log start (see groups translate); this command translates over one flow's map.\n\n"
         "Options:\n"
         "  --from REGION          the remote region the flow comes from (REGION->LOCAL)\n"
         "  --topic TOPIC          the topic on REGION (a prefix-named target name works too)\n"
         "  --partition P          the partition number (the same on both sides)\n"
         "  --offset OFFSET        the group's committed offset (the next record it would read)\n"
         "  --reverse              OFFSET is on LOCAL; translate back to REGION\n" +
         std::string(k_common_options_help) +
         "\nJSON: {\"flow\",\"direction\":\"to_target\"|\"to_source\",\"topic\",\"target_topic\",\"partition\",\n"
         "\"source_offset\",\"target_offset\",\"kind\"}; the translated offset is null for kind empty.\n\n" +
         std::string(k_exit_codes_help);
}

std::string n(int64_t v) { return std::to_string(v); }

std::string run_text(const offsets::run& r) {
  return "src_start " + n(r.src_start.v) + ", dst_start " + n(r.dst_start.v) + ", length " + n(r.length) +
         ": source " + range_text(r.src_start.v, r.src_end().v) + " -> target " +
         range_text(r.dst_start.v, r.dst_end().v);
}

// Key-value lines: "flow         east->west".
void print_fields(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& fields) {
  size_t width = 0;
  for (const auto& [k, v] : fields) width = std::max(width, k.size());
  for (const auto& [k, v] : fields) out << k << std::string(width - k.size() + 2, ' ') << v << '\n';
}

std::string role_text(const context& ctx, const offsets::flow_id& f) {
  switch (role_of(ctx.cfg, f)) {
    case flow_role::own: return "own map: records of " + f.source_region + " copied into " + f.target_region;
    case flow_role::peer: return "peer map: " + f.source_region + "'s records copied into " + f.target_region +
                                 ", learned from echoes";
    case flow_role::other: return "a flow the config does not run";
  }
  return "";
}

std::expected<offsets::flow_id, failure> lookup_flow(const context& ctx) {
  const auto flow = ctx.args.get(k_flow_option.name);
  const auto from = ctx.args.get(k_from_option.name);
  if (flow && from) return std::unexpected(usage_failure("give --from or --flow, not both"));
  if (flow) return parse_flow(ctx.cfg, *flow);
  if (!from) return std::unexpected(usage_failure("missing --from REGION (or --flow SOURCE->TARGET)"));
  auto s = remote_region(ctx.cfg, *from);
  if (!s) return std::unexpected(s.error());
  return offsets::flow_id{*s, ctx.cfg.region};
}

// One offset of one partition of the store: what lookup and translate answer about.
struct partition_offset {
  const offsets::offset_store* store = nullptr;
  offsets::partition_ref p;
  bool on_target = false;  // the offset is on the flow's target (--target-offset, --reverse)
  int64_t offset = 0;
};

// --topic, --partition and the offset option `o`, checked before the store is opened (usage
// errors win); then the partition of `flow` in the store. Error: exit 2 for a usage error, 1
// for a store or partition that is not there.
std::expected<partition_offset, failure> read_partition_offset(context& ctx, const offsets::flow_id& flow,
                                                               const option_spec& o, bool on_target) {
  auto topic = ctx.required(k_topic_option);
  if (!topic) return std::unexpected(topic.error());
  auto partition = ctx.partition(k_partition_option);
  if (!partition) return std::unexpected(partition.error());
  auto offset = ctx.offset(o);
  if (!offset) return std::unexpected(offset.error());
  auto store = ctx.store();
  if (!store) return std::unexpected(store.error());
  auto p = find_partition(**store, ctx.cfg, flow, *topic, *partition);
  if (!p) return std::unexpected(p.error());
  return partition_offset{*store, std::move(*p), on_target, *offset};
}

// What the map says about it: the run at or below the offset, whether it covers it, the
// offsets on both sides (the other one only when covered) and, without a run, where the map
// begins.
struct lookup_answer {
  std::optional<offsets::run> r;
  bool covered = false;
  std::optional<int64_t> source, target, map_start;
};

// The options of lookup: a flow, and exactly one of --source-offset and --target-offset.
std::expected<partition_offset, failure> lookup_args(context& ctx) {
  auto flow = lookup_flow(ctx);
  if (!flow) return std::unexpected(flow.error());
  const bool by_source = ctx.args.has(k_source_offset_option.name);
  if (by_source == ctx.args.has(k_target_offset_option.name)) {
    return std::unexpected(usage_failure("give exactly one of --source-offset X and --target-offset Y"));
  }
  return read_partition_offset(ctx, *flow, by_source ? k_source_offset_option : k_target_offset_option, !by_source);
}

std::expected<lookup_answer, failure> look_up(const partition_offset& q) {
  const offsets::offset_store& store = *q.store;
  const int64_t x = q.offset;
  const bool by_source = !q.on_target;
  // One seek: the run starting at or below the offset (lookups take "starting below x + 1").
  auto found = by_source ? store.lookup_by_source(q.p, {x + 1})
                           : store.lookup_by_destination(q.p, offsets::target_offset{x + 1});
  if (!found) return std::unexpected(store_failure(found.error()));
  lookup_answer a;
  a.r = *found;
  a.covered = a.r && (by_source ? a.r->covers(offsets::source_offset{x}) : a.r->covers(offsets::target_offset{x}));
  (by_source ? a.source : a.target) = x;
  if (a.covered && by_source) a.target = a.r->target_of({x}).v;
  if (a.covered && !by_source) a.source = a.r->source_of(offsets::target_offset{x}).v;
  if (!a.r) {  // where the map begins, for the message
    auto first = by_source ? store.first_by_source(q.p) : store.first_by_destination(q.p);
    if (!first) return std::unexpected(store_failure(first.error()));
    if (*first) a.map_start = by_source ? (*first)->src_start.v : (*first)->dst_start.v;
  }
  return a;
}

void print_lookup_json(const context& ctx, const partition_offset& q, const lookup_answer& a) {
  print_json(ctx.io.out, {{"flow", offsets::to_string(q.p.flow)},
                          {"role", to_string(role_of(ctx.cfg, q.p.flow))},
                          {"topic", q.p.topic},
                          {"target_topic", target_topic(ctx.cfg, q.p.flow, q.p.topic)},
                          {"partition", q.p.partition},
                          {"source_offset", nullable(a.source)},
                          {"target_offset", nullable(a.target)},
                          {"run", a.r ? run_json(*a.r) : json(nullptr)},
                          {"covered", a.covered},
                          {"map_start", nullable(a.map_start)}});
}

void print_lookup_text(const context& ctx, const partition_offset& q, const lookup_answer& a) {
  const bool by_source = !q.on_target;
  const std::string side = by_source ? "source" : "target";
  const std::string other = by_source ? "target" : "source";
  std::string result;
  if (a.covered) {
    result = "covered: " + side + " offset " + n(q.offset) + " <-> " + other + " offset " +
             n(by_source ? *a.target : *a.source);
  } else if (a.r) {
    const int64_t end = by_source ? a.r->src_end().v : a.r->dst_end().v;
    result = "not in the map: the run before it ends at " + side + " offset " + n(end - 1) +
             (by_source ? " (a gap: compaction, transaction markers, aborted or filtered records)"
                          : " (a gap: local writes, markers, or records not copied by this flow)");
  } else if (a.map_start) {
    result = "not in the map: no run starts at or below it; the map begins at " + side + " offset " + n(*a.map_start);
  } else {
    result = "not in the map: the map of this partition is empty";
  }
  const offsets::partition_ref& p = q.p;
  print_fields(ctx.io.out, {{"flow", offsets::to_string(p.flow) + " (" + role_text(ctx, p.flow) + ")"},
                            {"topic", p.topic + " (on " + p.flow.source_region + ") -> " +
                                          target_topic(ctx.cfg, p.flow, p.topic) + " (on " + p.flow.target_region + ")"},
                            {"partition", n(p.partition)},
                            {side + " offset", n(q.offset)},
                            {"run", a.r ? run_text(*a.r) : "none"},
                            {"result", result}});
}

std::expected<void, failure> lookup_body(context& ctx) {
  auto q = lookup_args(ctx);
  if (!q) return std::unexpected(q.error());
  auto a = look_up(*q);
  if (!a) return std::unexpected(a.error());
  if (ctx.json()) print_lookup_json(ctx, *q, *a);
  else print_lookup_text(ctx, *q, *a);
  return {};
}

std::string kind_text(offsets::translation k) {
  switch (k) {
    case offsets::translation::exact: return "exact (the record just below the offset is in the map)";
    case offsets::translation::rounded:
      return "rounded (the record just below is not in the map: rounded down, re-reads, never skips)";
    case offsets::translation::below_coverage:
      return "below_coverage (nothing recorded below the offset: the first recorded record)";
    case offsets::translation::empty:
      return "empty (nothing recorded for this partition: start at the log start)";
    case offsets::translation::clamped:
      return "clamped (the map points past the end of the destination: start at the log start)";
  }
  return "";
}

// A group's offset translated across one flow: source -> target, or back with --reverse.
struct translate_answer {
  offsets::translation kind = offsets::translation::empty;
  std::optional<int64_t> source, target;  // the translated one is null for kind empty
};

// The options of translate: --from, and --offset on REGION (on LOCAL with --reverse).
std::expected<partition_offset, failure> translate_args(context& ctx) {
  auto from = ctx.required(k_from_option);
  if (!from) return std::unexpected(from.error());
  auto remote = remote_region(ctx.cfg, *from);
  if (!remote) return std::unexpected(remote.error());
  return read_partition_offset(ctx, {*remote, ctx.cfg.region}, k_offset_option, ctx.args.has(k_reverse_option.name));
}

std::expected<translate_answer, failure> translate(const partition_offset& q) {
  translate_answer a;
  if (q.on_target) {
    auto t = q.store->translate_to_source(q.p, offsets::target_offset{q.offset});
    if (!t) return std::unexpected(store_failure(t.error()));
    a.kind = t->kind;
    a.target = q.offset;
    if (a.kind != offsets::translation::empty) a.source = t->offset.v;
  } else {
    auto t = q.store->translate_to_target(q.p, offsets::source_offset{q.offset});
    if (!t) return std::unexpected(store_failure(t.error()));
    a.kind = t->kind;
    a.source = q.offset;
    if (a.kind != offsets::translation::empty) a.target = t->offset.v;
  }
  return a;
}

void print_translate_json(const context& ctx, const partition_offset& q, const translate_answer& a) {
  print_json(ctx.io.out, {{"flow", offsets::to_string(q.p.flow)},
                          {"direction", q.on_target ? "to_source" : "to_target"},
                          {"topic", q.p.topic},
                          {"target_topic", target_topic(ctx.cfg, q.p.flow, q.p.topic)},
                          {"partition", q.p.partition},
                          {"source_offset", nullable(a.source)},
                          {"target_offset", nullable(a.target)},
                          {"kind", to_string(a.kind)}});
}

void print_translate_text(const context& ctx, const partition_offset& q, const translate_answer& a) {
  const offsets::partition_ref& p = q.p;
  const std::string src_at = p.topic + "/" + n(p.partition) + " on " + p.flow.source_region;
  const std::string dst_at =
      target_topic(ctx.cfg, p.flow, p.topic) + "/" + n(p.partition) + " on " + p.flow.target_region;
  auto at = [](const std::optional<int64_t>& v) { return v ? "offset " + n(*v) : std::string("log start"); };
  std::vector<std::pair<std::string, std::string>> fields{{"flow", offsets::to_string(p.flow)}};
  if (q.on_target) {
    fields.push_back({"from", "offset " + n(q.offset) + " of " + dst_at});
    fields.push_back({"to", at(a.source) + " of " + src_at});
  } else {
    fields.push_back({"from", "offset " + n(q.offset) + " of " + src_at});
    fields.push_back({"to", at(a.target) + " of " + dst_at});
  }
  fields.push_back({"kind", kind_text(a.kind)});
  print_fields(ctx.io.out, fields);
}

std::expected<void, failure> translate_body(context& ctx) {
  auto q = translate_args(ctx);
  if (!q) return std::unexpected(q.error());
  auto a = translate(*q);
  if (!a) return std::unexpected(a.error());
  if (ctx.json()) print_translate_json(ctx, *q, *a);
  else print_translate_text(ctx, *q, *a);
  return {};
}

}  // namespace

int offsets_lookup(std::string_view program, std::span<const std::string_view> args, cli::streams io) {
  return run_command(std::string(program) + " lookup", lookup_usage(program), k_lookup_options, args, io,
                     &lookup_body);
}

int offsets_translate(std::string_view program, std::span<const std::string_view> args, cli::streams io) {
  return run_command(std::string(program) + " translate", translate_usage(program), k_translate_options, args, io,
                     &translate_body);
}

}  // namespace tandem::tools
