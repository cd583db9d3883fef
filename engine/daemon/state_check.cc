#include "engine/daemon/state_check.h"

#include <future>

#include "engine/daemon/service.h"
#include "engine/kafka/rdkafka/client.h"
#include "engine/obs/log.h"

namespace tandem::engine {

namespace {

const std::string k_scope = "state identity";

std::string client_id(const config& cfg) { return "tandem-" + cfg.region + "-identity"; }

void log_notes(const std::vector<std::string>& notes) {
  for (const auto& n : notes) log::info(k_scope) << n;
}

}  // namespace

std::vector<cluster_seen> ask_cluster_ids(const config& cfg, std::chrono::milliseconds timeout,
                                          std::vector<std::string>& unanswered) {
  std::vector<std::future<std::expected<std::string, std::string>>> asked;
  for (const auto& c : cfg.clusters) {
    asked.push_back(std::async(std::launch::async, [&cfg, &c, timeout] {
      return fetch_cluster_id(c, client_id(cfg), timeout);
    }));
  }
  std::vector<cluster_seen> seen;
  for (size_t i = 0; i < asked.size(); ++i) {
    auto id = asked[i].get();
    const cluster_config& c = cfg.clusters[i];
    if (id) {
      seen.push_back({c.alias, c.bootstrap, *id});
    } else {
      log::warn(k_scope) << id.error() << "; its id is checked against state_dir when it answers";
      unanswered.push_back(c.alias);
    }
  }
  return seen;
}

std::expected<std::vector<std::string>, claim_error> check_state_at_start(
    const config& cfg, offsets::offset_store& store, std::chrono::milliseconds timeout) {
  std::vector<std::string> pending;
  auto seen = ask_cluster_ids(cfg, timeout, pending);
  auto notes = claim_state_dir(store, cfg.region, seen);
  if (!notes) return std::unexpected(notes.error());
  log_notes(*notes);
  return pending;
}

std::optional<std::string> check_state_later(service_context& ctx, const config& cfg,
                                             offsets::offset_store& store,
                                             std::vector<std::string> pending,
                                             std::chrono::milliseconds interval) {
  while (!pending.empty() && ctx.wait_for(interval)) {
    std::vector<std::string> still;
    for (const auto& alias : pending) {
      const cluster_config* c = cfg.find_cluster(alias);
      auto id = fetch_cluster_id(*c, client_id(cfg), std::chrono::seconds(2));
      if (!id) {
        still.push_back(alias);
        continue;
      }
      cluster_seen seen{alias, c->bootstrap, *id};
      auto notes = claim_state_dir(store, cfg.region, {&seen, 1});
      if (notes) {
        log_notes(*notes);
      } else if (notes.error().mismatch) {
        return notes.error().message;
      } else {
        log::warn(k_scope) << notes.error().message;  // the store failed: ask again later
        still.push_back(alias);
      }
    }
    pending = std::move(still);
  }
  return std::nullopt;
}

}  // namespace tandem::engine
