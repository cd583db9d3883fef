// `tandemctl groups translate|failover`: the plan as a table or as --json (tools/groups_plan.h).
#include <algorithm>
#include <ostream>

#include "engine/groups/checkpoint_plausibility.h"
#include "tools/groups_plan.h"
#include "tools/offsets_commands.h"
#include "tools/table.h"

namespace tandem::tools::groups {
namespace {

std::string n(int64_t v) { return std::to_string(v); }

std::string_view action_name(action a) {
  switch (a) {
    case action::commit: return "commit";
    case action::kept_ahead: return "kept_ahead";
    case action::kept_equal: return "kept_equal";
  }
  return "commit";
}

// One partition in --json, keys in the order of the help's "JSON:" line; an untranslated one has
// nulls and its error; failover adds current_offset and action.
json move_json(const partition_move& m, const failover_state* fo) {
  json j = {{"topic", m.from.topic},
            {"partition", m.from.partition},
            {"from_offset", m.from.source.v},
            {"checkpoint_time_ms", m.from.time_ms},
            {"to_topic", m.to_topic}};
  if (m.to) {
    j.update({{"to_offset", m.to->offset}, {"kind", to_string(m.to->kind)}, {"reread", nullable(m.to->reread)}});
    if (m.to->identity) {
      const auto& f = *m.to->identity;
      j["identity"] = {{"a_term", f.a_term.v}, {"a_kind", to_string(f.a_kind)},
                       {"b_term", f.b_term.v}, {"b_kind", to_string(f.b_kind)}};
      if (f.c_term)  // mesh: the lowest third-region frontier
        j["identity"].update({{"c_term", f.c_term->v}, {"c_kind", to_string(f.c_kind)}});
    }
    j["error"] = nullptr;
  } else {
    j.update({{"to_offset", nullptr}, {"kind", nullptr}, {"reread", nullptr}, {"error", m.error}});
  }
  j["beyond_known_end"] = m.beyond_end ? json{{"known_end", *m.beyond_end}} : json(nullptr);
  if (fo) {
    j["current_offset"] = nullable(m.current);
    j["action"] = m.to ? json(action_name(m.act)) : json(nullptr);
  }
  return j;
}

// The plan in --json: the group, the flow, failover's outcome (`fo`), then the partitions.
void write_json(const context& ctx, const group_plan& plan, const failover_state* fo) {
  json doc = {{"group", plan.group},
              {"from", plan.flow.source_region},
              {"to", plan.flow.target_region},
              {"flow", offsets::to_string(plan.flow)},
              {"beyond_known_end", plan.beyond_end}};
  if (fo) {
    doc.update({{"dry_run", fo->dry_run},
                {"group_state", engine::to_string(fo->state)},
                {"committed", fo->committed},
                {"kept", fo->kept}});
  }
  json& partitions = doc["partitions"] = json::array();
  for (const auto& m : plan.moves) partitions.push_back(move_json(m, fo));
  print_json(ctx.io.out, doc);
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
  const int64_t now = ctx.now_ms();
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
  for (const auto& m : plan.moves)
    if (m.beyond_end)
      out << "note: " << m.from.topic << "/" << m.from.partition << ": the checkpoint at " << m.from.source.v
          << " is beyond the end the offset map knows of that partition on " << s << " (" << *m.beyond_end
          << "): the group consumed records there that are not known to be copied here\n";
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

}  // namespace

void print_plan(const context& ctx, const group_plan& plan, const failover_state* fo) {
  if (ctx.json()) write_json(ctx, plan, fo);
  else write_table(ctx, plan, fo);
}

}  // namespace tandem::tools::groups
