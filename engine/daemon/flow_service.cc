#include "engine/daemon/flow_service.h"

#include <optional>

#include "engine/config/names.h"
#include "engine/flow/flow.h"
#include "engine/kafka/rdkafka/client.h"
#include "engine/obs/log.h"

namespace tandem::engine {
namespace {

using clock_type = std::chrono::steady_clock;

struct flow_runner {
  flow_service_args a;
  std::string name;

  // One flow lifetime: build clients, step until stop or failure, drain. False when the flow
  // could not even be built (bad client config: retrying cannot help); else how long it was
  // ready at the end, in `healthy_for`.
  bool run_once(service_context& ctx, clock_type::duration& healthy_for) {
    const std::string client_id = names::flow_client_id(a.cfg.region, a.remote.alias);
    auto source = make_rdkafka_source(
        a.remote, {client_id, names::flow_group_id(a.remote.alias, a.cfg.region)});
    if (!source) return fail(ctx, source.error());
    flow_settings fs{a.remote.alias, a.cfg.region, a.filter, {}, a.cfg.replication.topic_refresh};
    flow f(fs, std::move(*source), a.journal, a.metrics);
    client_options sink_opts{client_id, ""};
    if (auto started = f.start([&](delivery_handler h) {
          return make_rdkafka_sink(a.cfg.local(), sink_opts, std::move(h));
        });
        !started)
      return fail(ctx, started.error());
    std::optional<clock_type::time_point> ready_since;
    while (!ctx.stop_requested() && !f.needs_restart()) {
      f.step();
      auto st = f.status();
      bool ready = st.source_reachable && st.target_reachable &&
                   !(st.commit_failing_since &&
                     clock_type::now() - *st.commit_failing_since >= a.commit_grace);
      if (!ready) ready_since.reset();
      else if (!ready_since) ready_since = clock_type::now();
      ctx.set_ready(ready, st.problem);
    }
    healthy_for = ready_since ? clock_type::now() - *ready_since : clock_type::duration{};
    ctx.set_ready(false, f.status().problem);
    f.stop(a.drain);
    return true;
  }

  bool fail(service_context& ctx, const std::string& problem) {
    log::error(name) << problem;
    ctx.fail(problem);
    return false;
  }

  void run(service_context& ctx) {
    restart_backoff backoff(std::chrono::seconds(1), std::chrono::seconds(30), a.healthy_after);
    while (!ctx.stop_requested()) {
      clock_type::duration healthy_for{};
      if (!run_once(ctx, healthy_for)) return;
      if (ctx.stop_requested()) break;
      auto delay = backoff.next(healthy_for);
      log::warn(name) << "restarting flow in " << delay.count() << " ms";
      if (!ctx.wait_for(delay)) break;
    }
  }
};

}  // namespace

service::body flow_service(flow_service_args args) {
  std::string name = args.remote.alias + "->" + args.cfg.region;
  return [r = std::make_shared<flow_runner>(flow_runner{std::move(args), std::move(name)})](
             service_context& ctx) { r->run(ctx); };
}

}  // namespace tandem::engine
