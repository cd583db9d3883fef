// Value and cross-field rules of a config (the loader has already checked keys and types).

#include <algorithm>
#include <cctype>

#include "engine/config/config.h"
#include "engine/config/config_internal.h"
#include "engine/config/duration.h"
#include "engine/config/passthrough.h"
#include "engine/obs/host_port.h"
#include "loopguard/names.h"
#include "policy/topic_filter.h"

namespace tandem::engine {
namespace {

using detail::index_key;
using detail::join_key;
using detail::make_diagnostic;
using detail::in_quotes;

// Region aliases travel in the origin header "v1;o=west;s=west/orders/3/12345;d=..." whose
// separators are ';', '/', '=': an alias is limited to letters, digits, '_' and '-' (loopguard's
// rule, so every region tandem runs with can be written into and parsed back from a header).
bool is_valid_alias(std::string_view alias) { return loopguard::is_valid_region(alias); }

std::string alias_rule() {
  return "use 1 to " + std::to_string(loopguard::max_region_length) + " letters, digits, '_' and '-'";
}

// Characters Kafka allows in topic names.
bool is_topic_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}

// Why `listen` is not a usable "host:port", or "" when it is.
std::string check_listen(std::string_view listen) {
  auto hp = parse_host_port(listen);
  if (!hp) return hp.error();
  if (hp->bracketed) {
    if (!std::all_of(hp->host.begin(), hp->host.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.' || c == '%';
        })) {
      return "invalid IPv6 address";
    }
  } else if (!std::all_of(hp->host.begin(), hp->host.end(), [](char c) { return is_topic_char(c); })) {
    return "invalid host name";
  }
  if (hp->number < 1 || hp->number > 65535) return "port must be between 1 and 65535";
  return {};
}

void check_regexes(const config& cfg, std::string_view key, const std::vector<std::string>& patterns,
                   std::vector<diagnostic>& out) {
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    const std::string k = index_key(key, i);
    if (patterns[i].empty()) {
      out.push_back(make_diagnostic(cfg, k, k + ": empty regex matches nothing; remove it"));
      continue;
    }
    // The same check policy::regex_list::compile applies when flows start.
    if (std::optional<std::string> why = policy::validate_regex(patterns[i])) {
      out.push_back(make_diagnostic(cfg, k, k + ": " + *why));
    }
  }
}

void check_interval(const config& cfg, std::string_view key, std::chrono::milliseconds value,
                    std::vector<diagnostic>& out) {
  if (value.count() <= 0) {
    out.push_back(make_diagnostic(cfg, std::string(key),
                                  std::string(key) + ": must be greater than zero, got " + format_duration(value)));
  }
}

// Properties tandem sets itself (engine/config/passthrough.h), in any passthrough section.
void check_passthrough(const config& cfg, const cluster_config& c, std::vector<diagnostic>& out) {
  const std::string path = join_key("clusters", c.alias);
  auto check = [&](const std::map<std::string, std::string>& props, const char* section) {
    for (const auto& [name, value] : props) {
      auto why = guarded_reason(name);
      if (!why) continue;
      const std::string key = join_key(path + "." + section, name);
      out.push_back(make_diagnostic(cfg, key, key + ": " + in_quotes(name) +
                                                  " cannot be set: " + std::string(*why) +
                                                  "; remove it"));
    }
  };
  check(c.librdkafka, "librdkafka");
  check(c.producer, "producer");
  check(c.consumer, "consumer");
}

void check_clusters(const config& cfg, std::vector<diagnostic>& out) {
  for (const cluster_config& c : cfg.clusters) {
    const std::string path = join_key("clusters", c.alias);
    if (!is_valid_alias(c.alias)) {
      out.push_back(make_diagnostic(cfg, path,
                                    path + ": invalid region alias " + in_quotes(c.alias) +
                                        ": " + alias_rule() +
                                        " (aliases are written into the origin header, which uses ';', '/' "
                                        "and '=' as separators)"));
    }
    const std::string bkey = path + ".bootstrap";
    if (c.bootstrap.find_first_not_of(" \t") == std::string::npos) {
      out.push_back(make_diagnostic(cfg, bkey, bkey + ": must not be empty (expected \"host:port[,host:port]\")"));
    } else {
      std::size_t start = 0;
      while (true) {
        const std::size_t comma = c.bootstrap.find(',', start);
        const std::string_view entry =
            std::string_view(c.bootstrap).substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (entry.find_first_not_of(" \t") == std::string_view::npos) {
          out.push_back(make_diagnostic(cfg, bkey, bkey + ": empty entry in " + in_quotes(c.bootstrap)));
          break;
        }
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    }
    check_passthrough(cfg, c, out);
  }
}

void check_topology(const config& cfg, std::vector<diagnostic>& out) {
  if (cfg.region.empty()) {
    out.push_back(make_diagnostic(cfg, "region", "region: must not be empty"));
    return;
  }
  if (!is_valid_alias(cfg.region)) {
    out.push_back(make_diagnostic(cfg, "region",
                                  "region: invalid region alias " + in_quotes(cfg.region) +
                                      ": " + alias_rule()));
    return;
  }
  if (cfg.clusters.empty()) {
    out.push_back(make_diagnostic(cfg, "clusters",
                                  "no clusters configured: add [clusters." + cfg.region +
                                      "] for the local region and one [clusters.<alias>] per remote"));
    return;
  }
  if (cfg.find_cluster(cfg.region) == nullptr) {
    std::string known;
    for (const cluster_config& c : cfg.clusters) known += (known.empty() ? "" : ", ") + c.alias;
    out.push_back(make_diagnostic(cfg, "region",
                                  "region: " + in_quotes(cfg.region) + " is not one of the configured clusters (" +
                                      known + "): add [clusters." + cfg.region + "]"));
    return;
  }
  if (cfg.clusters.size() < 2) {
    out.push_back(make_diagnostic(cfg, "clusters",
                                  "clusters: only the local cluster " + in_quotes(cfg.region) +
                                      " is configured; add at least one remote [clusters.<alias>] to replicate "
                                      "from"));
  }
}

void check_replication(const config& cfg, std::vector<diagnostic>& out) {
  const replication_config& r = cfg.replication;
  bool separator_ok = true;
  if (r.separator.empty()) {
    out.push_back(make_diagnostic(cfg, "replication.separator", "replication.separator: must not be empty"));
    separator_ok = false;
  } else if (!std::all_of(r.separator.begin(), r.separator.end(), is_topic_char)) {
    out.push_back(make_diagnostic(cfg, "replication.separator",
                                  "replication.separator: invalid separator " + in_quotes(r.separator) +
                                      ": Kafka topic names allow only letters, digits, '.', '_' and '-'"));
    separator_ok = false;
  }
  if (r.naming == naming_mode::prefix && separator_ok) {
    for (const cluster_config& c : cfg.clusters) {
      if (c.alias.find(r.separator) == std::string::npos) continue;
      const std::string path = join_key("clusters", c.alias);
      out.push_back(make_diagnostic(
          cfg, path,
          path + ": region alias " + in_quotes(c.alias) + " contains the prefix separator " + in_quotes(r.separator) +
              ": with naming = \"prefix\" the source region of " + in_quotes(c.alias + r.separator + "orders") +
              " would be ambiguous; rename the region or change replication.separator"));
    }
  }
  check_regexes(cfg, "replication.topics", r.topics, out);
  check_regexes(cfg, "replication.exclude", r.exclude, out);
  check_regexes(cfg, "replication.groups", r.groups, out);
  check_regexes(cfg, "replication.group_exclude", r.group_exclude, out);
  check_interval(cfg, "replication.topic_refresh", r.topic_refresh, out);
  check_interval(cfg, "replication.checkpoint_interval", r.checkpoint_interval, out);
}

}  // namespace

std::vector<diagnostic> validate(const config& cfg) {
  std::vector<diagnostic> out;
  check_topology(cfg, out);
  if (cfg.state_dir.empty()) out.push_back(make_diagnostic(cfg, "state_dir", "state_dir: must not be empty"));
  if (std::string why = check_listen(cfg.metrics.listen); !why.empty()) {
    out.push_back(make_diagnostic(cfg, "metrics.listen",
                                  "metrics.listen: invalid address " + in_quotes(cfg.metrics.listen) + ": " + why +
                                      " (expected host:port, e.g. \"127.0.0.1:9464\")"));
  }
  if (cfg.metrics.max_connections < 1 || cfg.metrics.max_connections > 1024) {
    out.push_back(make_diagnostic(cfg, "metrics.max_connections",
                                  "metrics.max_connections: " + std::to_string(cfg.metrics.max_connections) +
                                      " is out of range (1 to 1024; default 16)"));
  }
  check_clusters(cfg, out);
  check_replication(cfg, out);
  return out;
}

std::vector<std::string> warnings(const config& cfg) {
  std::vector<std::string> out;
  if (cfg.replication.topics.empty()) {
    out.push_back("replication.topics is empty: no topic will be replicated (e.g. topics = [\".*\"] for all)");
  }
  if (cfg.replication.groups.empty()) {
    out.push_back("replication.groups is empty: no consumer group will be checkpointed or synced");
  }
  return out;
}

}  // namespace tandem::engine
