#include "engine/daemon/services.h"

#include <algorithm>
#include <vector>

#include "engine/config/names.h"
#include "engine/groups/checkpoint_plausibility.h"
#include "engine/groups/checkpointer.h"
#include "engine/kafka/rdkafka/client.h"
#include "engine/obs/log.h"
#include "engine/state/map_metrics.h"
#include "engine/state/peer_runs.h"
#include "engine/state/state_restore.h"

namespace tandem::engine {

using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

namespace {

// The known end of a source partition for the restore's plausibility check: the map's
// (engine/groups/checkpoint_plausibility.h). A store error counts as knowing nothing (0): the
// checkpoints of that partition are rejected, which re-reads, never skips.
std::function<int64_t(const offsets::flow_id&, const std::string&, int32_t)> known_end_of(
    const config& cfg, const offsets::offset_store& store) {
  auto naming = names::naming_policy_of(cfg);
  if (!naming) return {};  // never for a validated config
  return [&cfg, &store, naming = *naming](const offsets::flow_id& f, const std::string& topic,
                                          int32_t partition) -> int64_t {
    auto third = names::third_regions(cfg, f.source_region, f.target_region);
    auto end = source_known_end(store, naming, f.source_region, f.target_region, topic,
                                partition, third);
    if (!end) log::warn(cfg.region) << "restore: the map's end of " << topic << "/" << partition
                                    << " of " << f.source_region << ": " << end.error().message;
    return end.value_or(0);
  };
}

}  // namespace

service::body restore_service(metrics& registry, const config& cfg,
                              std::shared_ptr<offsets::offset_store> store,
                              milliseconds deadline, std::function<void()> done) {
  return [&registry, &cfg, store, deadline, done](service_context& ctx) {
    ctx.set_ready(false, "restoring the offset map from the local cluster");
    auto reader = make_rdkafka_state_reader(cfg.local(), names::restore_client_id(cfg.region),
                                            &ctx.cancel());
    if (!reader) {
      log::warn(cfg.region) << "restore skipped: " << reader.error();
    } else {
      restore_settings rs;
      rs.local_region = cfg.region;
      for (const cluster_config* remote : cfg.remotes()) rs.remotes.insert(remote->alias);
      rs.deadline = deadline;
      rs.source_known_end = known_end_of(cfg, *store);
      auto result = restore_state(**reader, *store, rs, ctx.cancel());
      if (result.reached) log::info(cfg.region) << result.summary();
      for (const auto& [source, n] : result.checkpoints_rejected)
        registry.probe<checkpoint_metrics>(source, cfg.region)
            .checkpoint_rejected(k_beyond_map_end)
            .Increment(static_cast<double>(n));
      reader->reset();  // the consumer closes on this thread
    }
    ctx.set_ready(true);
    done();
  };
}

service::body publisher_service(std::shared_ptr<run_publisher> publisher,
                                publisher_counters counters) {
  return [publisher, counters](service_context& ctx) { publisher->run(ctx.stop_token(), counters); };
}

namespace {

// A checkpointer with the clients it uses (admin of each cluster, a producer into the local one).
struct checkpoint_clients {
  std::unique_ptr<group_admin> source;
  std::unique_ptr<group_admin> target;
  std::unique_ptr<state_producer> out;
  std::unique_ptr<checkpointer> c;
};

std::expected<checkpoint_clients, std::string> make_checkpointer(
    const config& cfg, const cluster_config& remote, offsets::offset_store& store,
    checkpoint_metrics& metrics, policy::topic_filter topics, const std::atomic<bool>& cancel) {
  auto groups = policy::group_filter::create(cfg.replication.groups, cfg.replication.group_exclude);
  if (!groups) return std::unexpected(groups.error());
  client_options opts{names::checkpoints_client_id(cfg.region, remote.alias), ""};
  auto src = make_rdkafka_group_admin(remote, opts, &cancel);
  auto dst = make_rdkafka_group_admin(cfg.local(), opts, &cancel);
  auto out = make_rdkafka_state_producer(cfg.local(), opts);
  for (const std::string* err : {src ? nullptr : &src.error(), dst ? nullptr : &dst.error(),
                                 out ? nullptr : &out.error()})
    if (err) return std::unexpected(*err);
  checkpoint_clients cc{std::move(*src), std::move(*dst), std::move(*out), nullptr};
  checkpointer_settings s{remote.alias, cfg.region, std::move(topics), std::move(*groups),
                          cfg.replication.sync_group_offsets, milliseconds(5000), {},
                          names::third_regions(cfg, remote.alias, cfg.region)};
  cc.c = std::make_unique<checkpointer>(std::move(s), *cc.source, *cc.target, *cc.out, store,
                                        metrics);
  return cc;
}

}  // namespace

service::body checkpoint_service(const config& cfg, const cluster_config& remote,
                                 std::shared_ptr<offsets::offset_store> store,
                                 checkpoint_metrics& metrics, policy::topic_filter topics) {
  return [&cfg, &remote, store, &metrics, topics](service_context& ctx) {
    const std::string scope = remote.alias + "->" + cfg.region;
    auto cc = make_checkpointer(cfg, remote, *store, metrics, topics, ctx.cancel());
    if (!cc) {
      log::error(scope) << "checkpoints disabled: " << cc.error();
      ctx.fail("checkpoints disabled: " + cc.error());
      return;
    }
    ctx.set_ready(true);
    const milliseconds interval = cfg.replication.checkpoint_interval;
    log::info(scope) << "checkpoints every " << interval.count() << " ms; group sync "
                     << (cfg.replication.sync_group_offsets ? "on" : "off");
    auto next = clock_type::now();
    do {
      if (clock_type::now() >= next) {
        cc->c->run_once();
        next = clock_type::now() + interval;
      }
      cc->c->update_age();  // every second between passes
    } while (ctx.wait_for(std::clamp(
        std::chrono::duration_cast<milliseconds>(next - clock_type::now()), milliseconds(1),
        milliseconds(1000))));
    // The clients are destroyed here, on this thread: the producer flushes briefly.
  };
}

service::body peer_runs_service(const config& cfg, const cluster_config& remote,
                                std::shared_ptr<offsets::offset_store> store) {
  return [&cfg, &remote, store](service_context& ctx) {
    offsets::flow_id flow{cfg.region, remote.alias};
    const std::string scope = offsets::to_string(flow);
    auto reader = make_rdkafka_state_reader(
        remote, names::peer_runs_client_id(cfg.region, remote.alias), &ctx.cancel());
    if (!reader) {
      log::error(scope) << "peer runs disabled: " << reader.error();
      ctx.fail("peer runs disabled: " + reader.error());
      return;
    }
    ctx.set_ready(true);
    // Identity naming, mesh: also the remote's inbound flows from every third region of the
    // config, what mesh failover from the remote needs (engine/state/peer_runs.h).
    auto third = third_region_flows(remote.alias,
                                    names::third_regions(cfg, remote.alias, cfg.region),
                                    cfg.replication.naming == naming_mode::identity);
    log::info(scope) << "peer runs: learning this direction"
                     << (third.empty() ? "" : " and the third regions' flows into " + remote.alias)
                     << " from " << remote.alias << "'s " << k_offsets_topic;
    peer_run_learner learner(*store, flow, std::move(third));
    tail_settings s;
    s.request_timeout = milliseconds(2000);  // a stopping daemon waits for it at most this long
    tail_peer_runs(**reader, learner, s, ctx.cancel(),
                   [&ctx](milliseconds d) { return ctx.wait_for(d); });
  };
}

service::body offset_map_service(metrics& registry, const config& cfg,
                                 std::shared_ptr<offsets::offset_store> store) {
  return [&registry, &cfg, store](service_context& ctx) {
    std::vector<offset_map_metrics*> flows;
    for (const cluster_config* remote : cfg.remotes()) {
      flows.push_back(&registry.probe<offset_map_metrics>(remote->alias, cfg.region));
      flows.push_back(&registry.probe<offset_map_metrics>(cfg.region, remote->alias));
    }
    bool reported = false;
    do {
      for (offset_map_metrics* f : flows)
        if (!f->update(*store) && !reported) {
          log::warn(cfg.region) << "tandem_offset_map_runs: the offset store cannot count runs";
          reported = true;
        }
    } while (ctx.wait_for(milliseconds(1000)));
  };
}

}  // namespace tandem::engine
