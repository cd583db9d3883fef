// `tandemctl groups`: the plan of a group's move (tools/groups_plan.h).
#include "tools/groups_plan.h"

#include <algorithm>
#include <set>

#include "engine/config/names.h"
#include "engine/config/suggest.h"
#include "engine/groups/checkpoint_plausibility.h"
#include "engine/groups/group_translation.h"
#include "policy/topic_filter.h"

namespace tandem::tools::groups {
namespace {

std::string n(int64_t v) { return std::to_string(v); }

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

}  // namespace

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

bool transient(const engine::kafka_error& e) {
  using engine::kafka_errc;
  static constexpr kafka_errc codes[] = {
      kafka_errc::not_coordinator,      kafka_errc::coordinator_load_in_progress,
      kafka_errc::coordinator_not_available, kafka_errc::leader_not_available,
      kafka_errc::not_leader_for_partition,  kafka_errc::request_timed_out,
      kafka_errc::transport};
  return e.retriable() && std::find(std::begin(codes), std::end(codes), e.code) != std::end(codes);
}

namespace {

// One checkpoint's move: the destination's bounds on LOCAL, the plausibility of the checkpoint
// (its source offset at most the map's known end of REGION's partition), the translation.
partition_move plan_move(const context& ctx, const offsets::offset_store& store, engine::group_admin& admin,
                         const policy::naming_policy& naming, const offsets::flow_id& flow,
                         std::span<const std::string> third, offsets::checkpoint c) {
  partition_move m;
  m.from = std::move(c);
  // A checkpoint on REGION's mirror of LOCAL ("LOCAL.orders", prefix naming) fails back to
  // LOCAL's "orders"; any other topic fails over to its copy on LOCAL.
  m.to_topic = engine::destination_topic(naming, flow.source_region, flow.target_region, m.from.topic);
  auto bounds = with_retries(retry_window(ctx), [&] {
    return admin.partition_bounds(m.to_topic, m.from.partition, k_timeout);
  });
  if (!bounds) {
    m.error = "log start of " + m.to_topic + "/" + n(m.from.partition) + " on " + ctx.cfg.region + ": " +
              engine::to_string(bounds.error());
    return m;
  }
  auto known_end = engine::source_known_end(store, naming, flow.source_region, flow.target_region, m.from.topic,
                                            m.from.partition, third);
  if (!known_end) {
    m.error = known_end.error().message;
    return m;
  }
  // Beyond the map's known end: reported, not rejected. The store's checkpoints were checked
  // against REGION's high watermark when the checkpointer wrote them, and a restore keeps only
  // plausible ones (else the partition's start): such a checkpoint is a group that consumed
  // records the map never saw copied (lost with REGION, or not copied yet). Translated and
  // clamped, it skips none of the copies; rejecting it would re-read the whole partition.
  const int64_t position = m.from.source.v;
  if (position > *known_end) m.beyond_end = *known_end;
  // Clamped to the partition as it is: never past its high watermark (docs/design.md).
  std::optional<int64_t> end;
  if (bounds->high >= 0) end = bounds->high;
  auto t = engine::translate_group_move(store, naming, flow.source_region, flow.target_region, m.from.topic,
                                        m.from.partition, position, bounds->low, end, third);
  if (t) {
    m.to_topic = t->topic;
    m.to = std::move(*t);
  } else {
    m.error = t.error().message;
  }
  return m;
}

}  // namespace

std::expected<group_plan, failure> plan_group(const context& ctx, const offsets::offset_store& store,
                                              engine::group_admin& admin, const group_args& a) {
  group_plan plan{a.group, {a.remote, ctx.cfg.region}, {}, 0};
  auto checkpoints = store.get_checkpoints(plan.flow, a.group);
  if (!checkpoints) return std::unexpected(store_failure(checkpoints.error()));
  if (checkpoints->empty()) return std::unexpected(no_checkpoints(ctx, store, plan.flow, a.group));
  const auto naming = naming_of(ctx.cfg);
  if (!naming) return std::unexpected(usage_failure("the config's naming policy is invalid"));
  // Identity naming, mesh: the maps of every other region of the config (group_translation.h).
  const auto third = engine::names::third_regions(ctx.cfg, plan.flow.source_region, plan.flow.target_region);
  for (auto& c : *checkpoints) {
    partition_move m = plan_move(ctx, store, admin, *naming, plan.flow, third, std::move(c));
    if (!m.to) ++plan.errors;
    if (m.beyond_end) ++plan.beyond_end;
    plan.moves.push_back(std::move(m));
  }
  return plan;
}

}  // namespace tandem::tools::groups
