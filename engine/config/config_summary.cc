// check-config's human summary. Secret librdkafka values are printed as k_redacted.

#include <sstream>

#include "engine/config/config.h"
#include "engine/config/config_internal.h"
#include "engine/config/duration.h"

namespace tandem::engine {
namespace {

std::string list_or_none(const std::vector<std::string>& items) {
  if (items.empty()) return "(none)";
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + detail::in_quotes(s);
  return out;
}

}  // namespace

std::string summary(const config& cfg) {
  std::ostringstream out;
  const replication_config& r = cfg.replication;
  out << "region:     " << cfg.region << '\n';
  out << "state_dir:  " << cfg.state_dir.string() << '\n';
  out << "metrics:    " << cfg.metrics.listen << " (at most " << cfg.metrics.max_connections
      << " connections)\n";
  out << "log level:  " << to_string(cfg.log.level) << '\n';
  out << "clusters:\n";
  for (const cluster_config& c : cfg.clusters) {
    out << "  " << c.alias << (c.alias == cfg.region ? " (local)" : "") << "  bootstrap " << c.bootstrap << '\n';
    for (const auto& [key, value] : c.redacted()) out << "    " << key << " = " << value << '\n';
    for (const auto& [key, value] : cluster_config::redact(c.producer))
      out << "    (producers) " << key << " = " << value << '\n';
    for (const auto& [key, value] : cluster_config::redact(c.consumer))
      out << "    (consumers) " << key << " = " << value << '\n';
  }
  std::string flows;
  for (const cluster_config* remote : cfg.remotes()) {
    flows += (flows.empty() ? "" : ", ") + remote->alias + " -> " + cfg.region;
  }
  out << "flows:      " << (flows.empty() ? "(none)" : flows) << '\n';
  out << "naming:     " << to_string(r.naming);
  if (r.naming == naming_mode::prefix) out << " (separator " << detail::in_quotes(r.separator) << ")";
  out << '\n';
  out << "topics:     " << list_or_none(r.topics) << "  exclude: " << list_or_none(r.exclude) << '\n';
  out << "groups:     " << list_or_none(r.groups) << "  exclude: " << list_or_none(r.group_exclude) << '\n';
  out << "delivery:   " << to_string(r.delivery) << '\n';
  out << "intervals:  topic_refresh " << format_duration(r.topic_refresh) << ", checkpoint_interval "
      << format_duration(r.checkpoint_interval) << '\n';
  out << "group sync: " << (r.sync_group_offsets ? "on" : "off") << '\n';
  return out.str();
}

}  // namespace tandem::engine
