#include "engine/kafka/rdkafka/client_check.h"

#include <algorithm>

#include "engine/kafka/rdkafka/common.h"
#include "engine/kafka/rdkafka/properties.h"

namespace tandem::engine::rdk {
namespace {

struct client_check {
  std::vector<std::string>& errors;
  std::vector<std::string>& warnings;
};

// librdkafka's configuration warnings of the client being created on this thread.
thread_local std::vector<std::string>* captured = nullptr;

void capture(const rd_kafka_t*, int level, const char* facility, const char* message) {
  std::string_view m(message);
  // Expected here: the check leaves bootstrap.servers empty on purpose.
  if (!captured || level > 4 || m.find("bootstrap.servers") != std::string_view::npos) return;
  captured->push_back(std::string(facility) + ": " + message);
}

// Properties written under [producer] that only consumers know, and the other way round.
void misplaced(const cluster_config& c, client_check& out) {
  auto check = [&](const std::map<std::string, std::string>& props, property_scope wrong,
                   const char* section, const char* other) {
    for (const auto& [k, v] : props)
      if (scope_of(k) == wrong)
        out.errors.push_back("clusters." + c.alias + "." + section + ": property \"" + k +
                             "\" does not apply to " + section + "s; put it in [clusters." +
                             c.alias + "." + other + "] or [clusters." + c.alias +
                             ".librdkafka]");
  };
  check(c.producer, property_scope::consumer, "producer", "consumer");
  check(c.consumer, property_scope::producer, "consumer", "producer");
}

// Creates one client of `type` with `settings` (no brokers) and destroys it.
void try_client(rd_kafka_type_t type, const cluster_config& c, const properties& settings,
                client_check& out) {
  cluster_config offline = c;
  offline.bootstrap.clear();
  auto conf = make_conf(type, offline, settings, &capture);
  const std::string kind = type == RD_KAFKA_PRODUCER ? "producer" : "consumer";
  if (!conf) {
    out.errors.push_back(conf.error());
    return;
  }
  std::vector<std::string> warned;
  captured = &warned;
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, *conf, err, sizeof err);
  captured = nullptr;
  if (!rk) {
    rd_kafka_conf_destroy(*conf);
    out.errors.push_back("clusters." + c.alias + ": librdkafka refuses the configuration: " + err);
    return;
  }
  rd_kafka_destroy(rk);
  for (auto& w : warned)
    out.warnings.push_back("clusters." + c.alias + " (" + kind + "): librdkafka " + w);
}

}  // namespace

void check_clients(const config& cfg, std::vector<std::string>& errors,
                   std::vector<std::string>& warnings) {
  client_check out{errors, warnings};
  size_t errors_before = errors.size(), warnings_before = warnings.size();
  for (const cluster_config& c : cfg.clusters) {
    misplaced(c, out);
    // What the flows' sinks and sources set (sink.cc, source.cc); the other clients set less.
    try_client(RD_KAFKA_PRODUCER, c, idempotent_producer("tandem-check", {{"message.timeout.ms", "0"}}),
               out);
    try_client(RD_KAFKA_CONSUMER, c,
               manual_consumer("tandem-check", "tandem-check",
                               {{"isolation.level", "read_committed"}, {"auto.offset.reset", "error"}}),
               out);
  }
  // A property both client kinds refuse is named once.
  auto dedupe = [](std::vector<std::string>& v, size_t from) {
    for (size_t i = from; i < v.size(); ++i)
      if (std::find(v.begin() + static_cast<std::ptrdiff_t>(from),
                    v.begin() + static_cast<std::ptrdiff_t>(i), v[i]) != v.begin() + static_cast<std::ptrdiff_t>(i))
        v.erase(v.begin() + static_cast<std::ptrdiff_t>(i--));
  };
  dedupe(errors, errors_before);
  dedupe(warnings, warnings_before);
}

}  // namespace tandem::engine::rdk
