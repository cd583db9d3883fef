// TOML text -> config: syntax, key names, types, enum values, durations, required keys.
// Value and cross-field rules live in config_validate.cc.

#include <algorithm>
#include <charconv>
#include <functional>
#include <set>
#include <span>

#include <toml++/toml.h>

#include "engine/config/config.h"
#include "engine/config/config_internal.h"
#include "engine/config/config_toml.h"
#include "engine/config/duration.h"
#include "engine/config/suggest.h"

namespace tandem::engine {
namespace {

using detail::index_key;
using detail::join_key;
using detail::in_quotes;
using detail::position_of;
using detail::type_name;

// Valid keys per table. Kept next to each other so "belongs in [replication]" hints can be
// computed for a key written under the wrong header.
constexpr std::string_view k_top_keys[] = {"region", "state_dir", "metrics", "log", "clusters", "replication"};
constexpr std::string_view k_metrics_keys[] = {"listen", "max_connections"};
constexpr std::string_view k_log_keys[] = {"level"};
constexpr std::string_view k_cluster_keys[] = {"bootstrap", "librdkafka", "producer", "consumer"};
constexpr std::string_view k_replication_keys[] = {
    "naming",  "separator", "topics",        "exclude",             "groups",
    "group_exclude", "delivery", "topic_refresh", "checkpoint_interval", "sync_group_offsets"};

struct section {
  std::string_view name;  // as written in a hint: "the top level", "[replication]"
  std::span<const std::string_view> keys;
};
constexpr section k_sections[] = {
    {"the top level (above the first [table] header)", k_top_keys},
    {"[metrics]", k_metrics_keys},
    {"[log]", k_log_keys},
    {"[replication]", k_replication_keys},
};

// Walks one parsed document, filling `cfg` and collecting diagnostics. Every key path that had
// a problem is remembered in `failed` so validate() does not report consequences twice.
class loader {
 public:
  explicit loader(config& cfg) : cfg_(cfg) {}

  void load(const toml::table& root);

  std::vector<diagnostic> diagnostics;
  std::set<std::string, std::less<>> failed;

 private:
  void error(const std::string& key, std::optional<source_position> at, std::string message) {
    failed.insert(key);
    diagnostics.push_back({.origin = cfg_.origin, .position = at, .key = key, .message = std::move(message)});
  }
  void error(const std::string& key, const toml::node& at, std::string message) {
    error(key, position_of(at.source()), std::move(message));
  }
  void remember(const std::string& key, const toml::node& n) {
    if (auto p = position_of(n.source())) cfg_.positions.emplace(key, *p);
  }

  void check_keys(const toml::table& t, const std::string& path, std::span<const std::string_view> allowed,
                  std::string_view extra_hint = {});
  const toml::table* table_at(const toml::table& parent, const std::string& path, std::string_view key);
  const toml::node* required(const toml::table& t, const std::string& table_path, std::string_view key,
                             std::string_view what);

  void read_string(const toml::node& n, const std::string& key, std::string& out);
  void read_bool(const toml::node& n, const std::string& key, bool& out);
  void read_duration(const toml::node& n, const std::string& key, std::chrono::milliseconds& out);
  void read_string_array(const toml::node& n, const std::string& key, std::vector<std::string>& out);
  template <typename Enum, std::size_t N>
  void read_enum(const toml::node& n, const std::string& key, const std::pair<std::string_view, Enum> (&names)[N],
                 Enum& out);

  void load_cluster(const std::string& alias, const toml::node& n);
  void flatten_librdkafka(const toml::table& t, const std::string& path, const std::string& prefix,
                          std::map<std::string, std::string>& out);
  void load_replication(const toml::table& t);

  config& cfg_;
};

void loader::check_keys(const toml::table& t, const std::string& path, std::span<const std::string_view> allowed,
                        std::string_view extra_hint) {
  for (auto&& [k, v] : t) {
    const std::string_view key = k.str();
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    const std::string full = join_key(path, key);
    std::string msg = "unknown key " + in_quotes(full);
    if (auto near = nearest(key, allowed)) {
      msg += " (did you mean " + in_quotes(*near) + "?)";
    } else {
      std::string home;
      for (const section& s : k_sections) {
        if (s.keys.data() != allowed.data() && std::find(s.keys.begin(), s.keys.end(), key) != s.keys.end()) {
          home = std::string(s.name);
        }
      }
      if (!home.empty()) {
        msg += " (" + std::string(key) + " belongs in " + home + ")";
      } else {
        msg += " (valid keys here: ";
        for (std::size_t i = 0; i < allowed.size(); ++i) msg += (i ? ", " : "") + std::string(allowed[i]);
        msg += extra_hint.empty() ? ")" : "; " + std::string(extra_hint) + ")";
      }
    }
    error(full, position_of(k.source()), std::move(msg));
  }
}

// The optional sub-table `key` of `parent`, or nullptr when absent or not a table (reported).
const toml::table* loader::table_at(const toml::table& parent, const std::string& path, std::string_view key) {
  const toml::node* n = parent.get(key);
  if (n == nullptr) return nullptr;
  const std::string full = join_key(path, key);
  remember(full, *n);
  if (const toml::table* t = n->as_table()) return t;
  error(full, *n, full + ": expected a table ([" + full + "]), got " + type_name(*n));
  return nullptr;
}

const toml::node* loader::required(const toml::table& t, const std::string& table_path, std::string_view key,
                                   std::string_view what) {
  if (const toml::node* n = t.get(key)) return n;
  const std::string full = join_key(table_path, key);
  const std::string where = table_path.empty() ? std::string() : table_path + ": ";
  error(full, table_path.empty() ? std::nullopt : position_of(t.source()),
        where + "missing required key " + in_quotes(key) + " (" + std::string(what) + ")");
  return nullptr;
}

void loader::read_string(const toml::node& n, const std::string& key, std::string& out) {
  remember(key, n);
  if (const auto* s = n.as_string()) {
    out = s->get();
  } else {
    error(key, n, key + ": expected a string, got " + type_name(n));
  }
}

void loader::read_bool(const toml::node& n, const std::string& key, bool& out) {
  remember(key, n);
  if (const auto* b = n.as_boolean()) {
    out = b->get();
  } else {
    error(key, n, key + ": expected a boolean (true or false, unquoted), got " + type_name(n));
  }
}

void loader::read_duration(const toml::node& n, const std::string& key, std::chrono::milliseconds& out) {
  remember(key, n);
  const auto* s = n.as_string();
  if (s == nullptr) {
    error(key, n, key + ": expected a duration string such as \"5s\" or \"250ms\", got " + type_name(n));
    return;
  }
  auto d = parse_duration(s->get());
  if (d) {
    out = *d;
  } else {
    error(key, n, key + ": invalid duration " + in_quotes(s->get()) + ": " + d.error());
  }
}

void loader::read_string_array(const toml::node& n, const std::string& key, std::vector<std::string>& out) {
  remember(key, n);
  const toml::array* a = n.as_array();
  if (a == nullptr) {
    std::string msg = key + ": expected an array of strings, got " + type_name(n);
    if (n.is_string()) msg += " (write [" + in_quotes(n.as_string()->get()) + "])";
    error(key, n, std::move(msg));
    return;
  }
  out.clear();
  for (std::size_t i = 0; i < a->size(); ++i) {
    const toml::node& e = *a->get(i);
    const std::string ek = index_key(key, i);
    remember(ek, e);
    if (const auto* s = e.as_string()) {
      out.push_back(s->get());
    } else {
      error(ek, e, ek + ": expected a string, got " + type_name(e));
    }
  }
}

template <typename Enum, std::size_t N>
void loader::read_enum(const toml::node& n, const std::string& key,
                       const std::pair<std::string_view, Enum> (&names)[N], Enum& out) {
  std::string text;
  const std::size_t before = diagnostics.size();
  read_string(n, key, text);
  if (diagnostics.size() != before) return;
  for (const auto& [name, value] : names) {
    if (text == name) {
      out = value;
      return;
    }
  }
  std::vector<std::string_view> valid;
  std::string expected;
  for (std::size_t i = 0; i < N; ++i) {
    valid.push_back(names[i].first);
    expected += (i == 0 ? "" : (i + 1 == N ? " or " : ", ")) + in_quotes(names[i].first);
  }
  std::string msg = key + ": invalid value " + in_quotes(text) + ", expected " + expected;
  if (auto near = nearest(text, valid)) msg += " (did you mean " + in_quotes(*near) + "?)";
  error(key, n, std::move(msg));
}

void loader::load(const toml::table& root) {
  check_keys(root, "", k_top_keys);

  if (const toml::node* n = required(root, "", "region", "the local region, e.g. region = \"east\"")) {
    read_string(*n, "region", cfg_.region);
  }
  if (const toml::node* n = required(root, "", "state_dir", "directory for local state, e.g. state_dir = \"/var/lib/tandem/east\"")) {
    std::string dir;
    read_string(*n, "state_dir", dir);
    cfg_.state_dir = dir;
  }
  if (const toml::table* t = table_at(root, "", "metrics")) {
    check_keys(*t, "metrics", k_metrics_keys);
    if (const toml::node* n = t->get("listen")) read_string(*n, "metrics.listen", cfg_.metrics.listen);
    if (const toml::node* n = t->get("max_connections")) {  // range: config_validate.cc
      remember("metrics.max_connections", *n);
      if (const auto* i = n->as_integer()) cfg_.metrics.max_connections = i->get();
      else error("metrics.max_connections", *n, "metrics.max_connections: expected an integer, got " + type_name(*n));
    }
  }
  if (const toml::table* t = table_at(root, "", "log")) {
    check_keys(*t, "log", k_log_keys);
    static constexpr std::pair<std::string_view, log_level> k_levels[] = {
        {"error", log_level::error}, {"warn", log_level::warn}, {"info", log_level::info},
        {"debug", log_level::debug}, {"trace", log_level::trace}};
    if (const toml::node* n = t->get("level")) read_enum(*n, "log.level", k_levels, cfg_.log.level);
  }
  if (root.get("clusters") == nullptr) {
    error("clusters", std::nullopt,
          "missing required table [clusters]: add one [clusters.<alias>] with bootstrap = \"host:port\" for the "
          "local region and for each remote");
  } else if (const toml::table* t = table_at(root, "", "clusters")) {
    for (auto&& [alias, n] : *t) load_cluster(std::string(alias.str()), n);
  }
  if (const toml::table* t = table_at(root, "", "replication")) load_replication(*t);
}

void loader::load_cluster(const std::string& alias, const toml::node& n) {
  const std::string path = join_key("clusters", alias);
  remember(path, n);
  // The cluster is recorded even when malformed, so validate() does not also claim that the
  // region is missing; its own problems are reported below and marked failed.
  cluster_config& c = cfg_.clusters.emplace_back();
  c.alias = alias;
  const toml::table* t = n.as_table();
  if (t == nullptr) {
    error(path, n,
          path + ": expected a table ([" + path + "] with bootstrap = \"host:port\"), got " + type_name(n));
    return;
  }
  check_keys(*t, path, k_cluster_keys, "librdkafka properties go in [" + path + ".librdkafka]");
  if (const toml::node* b = required(*t, path, "bootstrap", "the cluster's bootstrap servers, \"host:port\"")) {
    if (b->is_table()) {
      // `bootstrap.servers = "..."` is a dotted key: TOML makes `bootstrap` a table.
      remember(path + ".bootstrap", *b);
      error(path + ".bootstrap", *b,
            path + ".bootstrap: expected a string, got table (write bootstrap = \"host:port\", not "
                   "bootstrap.servers = ...)");
    } else {
      read_string(*b, path + ".bootstrap", c.bootstrap);
    }
  }
  if (const toml::table* lt = table_at(*t, path, "librdkafka"))
    flatten_librdkafka(*lt, path + ".librdkafka", "", c.librdkafka);
  if (const toml::table* pt = table_at(*t, path, "producer"))
    flatten_librdkafka(*pt, path + ".producer", "", c.producer);
  if (const toml::table* ct = table_at(*t, path, "consumer"))
    flatten_librdkafka(*ct, path + ".consumer", "", c.consumer);
}

// Secrets live here: no message below may contain a value, only keys and types.
void loader::flatten_librdkafka(const toml::table& t, const std::string& path, const std::string& prefix,
                                std::map<std::string, std::string>& out) {
  for (auto&& [k, v] : t) {
    const std::string name = prefix + std::string(k.str());
    const std::string key = join_key(path, name);
    remember(key, v);
    if (k.str().empty()) {
      error(key, position_of(k.source()), path + ": empty property name");
      continue;
    }
    if (const toml::table* sub = v.as_table()) {
      flatten_librdkafka(*sub, path, name + ".", out);
      continue;
    }
    std::string value;
    if (const auto* s = v.as_string()) {
      value = s->get();
    } else if (const auto* i = v.as_integer()) {
      value = std::to_string(i->get());
    } else if (const auto* b = v.as_boolean()) {
      value = b->get() ? "true" : "false";
    } else if (const auto* f = v.as_floating_point()) {
      char buf[64];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, f->get());
      value.assign(buf, ec == std::errc() ? end : buf);
    } else {
      error(key, v, key + ": expected a string, integer, float or boolean, got " + type_name(v));
      continue;
    }
    if (name == "bootstrap.servers") {
      error(key, v, key + ": set " + join_key(path.substr(0, path.rfind('.')), "bootstrap") + " instead");
      continue;
    }
    if (!out.emplace(name, std::move(value)).second) {
      error(key, v, key + ": property set twice (once as a dotted key, once quoted)");
    }
  }
}

void loader::load_replication(const toml::table& t) {
  check_keys(t, "replication", k_replication_keys);
  replication_config& r = cfg_.replication;
  static constexpr std::pair<std::string_view, naming_mode> k_naming[] = {{"identity", naming_mode::identity},
                                                                           {"prefix", naming_mode::prefix}};
  static constexpr std::pair<std::string_view, delivery_mode> k_delivery[] = {
      {"at-least-once", delivery_mode::at_least_once}, {"exactly-once", delivery_mode::exactly_once}};
  if (const toml::node* n = t.get("naming")) read_enum(*n, "replication.naming", k_naming, r.naming);
  if (const toml::node* n = t.get("separator")) read_string(*n, "replication.separator", r.separator);
  if (const toml::node* n = t.get("topics")) read_string_array(*n, "replication.topics", r.topics);
  if (const toml::node* n = t.get("exclude")) read_string_array(*n, "replication.exclude", r.exclude);
  if (const toml::node* n = t.get("groups")) read_string_array(*n, "replication.groups", r.groups);
  if (const toml::node* n = t.get("group_exclude")) {
    read_string_array(*n, "replication.group_exclude", r.group_exclude);
  }
  if (const toml::node* n = t.get("delivery")) read_enum(*n, "replication.delivery", k_delivery, r.delivery);
  if (const toml::node* n = t.get("topic_refresh")) read_duration(*n, "replication.topic_refresh", r.topic_refresh);
  if (const toml::node* n = t.get("checkpoint_interval")) {
    read_duration(*n, "replication.checkpoint_interval", r.checkpoint_interval);
  }
  if (const toml::node* n = t.get("sync_group_offsets")) {
    read_bool(*n, "replication.sync_group_offsets", r.sync_group_offsets);
  }
}

}  // namespace

std::expected<config, config_error> load_config_string(std::string_view text, std::string_view origin,
                                                       const std::filesystem::path& base_dir) {
  config cfg;
  cfg.origin = std::string(origin);
  if (detail::is_blank(text)) {
    return std::unexpected(config_error{{{.origin = cfg.origin, .position = std::nullopt, .key = "",
                                          .message = "config is empty: expected region, state_dir, "
                                                     "[clusters.<alias>] tables and [replication]"}}});
  }

  auto root = detail::parse_document(text, origin);
  if (!root) return std::unexpected(std::move(root.error()));

  loader l(cfg);
  l.load(*root);
  std::sort(cfg.clusters.begin(), cfg.clusters.end(),
            [](const cluster_config& a, const cluster_config& b) { return a.alias < b.alias; });
  if (!cfg.state_dir.empty() && cfg.state_dir.is_relative() && !base_dir.empty()) {
    cfg.state_dir = (base_dir / cfg.state_dir).lexically_normal();
  }

  // Problems that follow from one already reported (a missing bootstrap is also an empty one)
  // are dropped: a validate() diagnostic is kept only if no failed key is it or its parent.
  std::vector<diagnostic> all = std::move(l.diagnostics);
  for (diagnostic& d : validate(cfg)) {
    const bool consequence = std::any_of(l.failed.begin(), l.failed.end(), [&](const std::string& f) {
      return d.key == f || (d.key.starts_with(f) && (d.key[f.size()] == '.' || d.key[f.size()] == '['));
    });
    if (!consequence) all.push_back(std::move(d));
  }
  if (all.empty()) return cfg;
  std::stable_sort(all.begin(), all.end(), [](const diagnostic& a, const diagnostic& b) {
    const auto line = [](const diagnostic& d) { return d.position ? d.position->line : 0u; };
    const auto col = [](const diagnostic& d) { return d.position ? d.position->column : 0u; };
    return std::pair(line(a), col(a)) < std::pair(line(b), col(b));
  });
  return std::unexpected(config_error{std::move(all)});
}

}  // namespace tandem::engine
