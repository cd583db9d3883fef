// The world of the randomized fault test: see chaos_world.h.
#include "tests/integration/chaos_world.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "tests/integration/failover_support.h"

namespace tandem::testing {

using namespace std::chrono_literals;

const std::vector<std::string>& chaos_fault_kinds() {
  static const std::vector<std::string> kinds{"kill", "wipe", "recreate_target",
                                              "recreate_source"};
  return kinds;
}

std::set<std::string> chaos_faults_from_env(const std::set<std::string>& defaults) {
  const char* env = std::getenv("TANDEM_CHAOS_FAULTS");
  if (!env) return defaults;
  const std::string text = env;
  if (text == "all") return {chaos_fault_kinds().begin(), chaos_fault_kinds().end()};
  std::set<std::string> out;
  if (text == "none" || text.empty()) return out;
  std::istringstream in(text);
  for (std::string kind; std::getline(in, kind, ',');) {
    bool known = false;
    for (const auto& k : chaos_fault_kinds()) known = known || k == kind;
    if (known) out.insert(kind);
    else ADD_FAILURE() << "TANDEM_CHAOS_FAULTS: unknown fault kind '" << kind << "'";
  }
  return out;
}

chaos_world::chaos_world(size_t regions, std::string naming)
    : naming_(std::move(naming)),
      eps_(region_endpoints(regions)),
      topic_(unique_topic("chaos")),
      group_prefix_(unique_topic("chaos-group")) {}

chaos_world::~chaos_world() {
  for (auto& p : procs_)
    if (p->running()) p->terminate();
}

std::string chaos_world::start_process(tandem_process& p) {
  if (auto e = p.start(); !e.empty()) return p.region() + ": " + e;
  if (!p.wait_ready(90s)) return p.region() + " not ready after 90 s\n" + p.log_tail();
  return "";
}

void chaos_world::start() {
  for (const auto& e : eps_)
    ASSERT_EQ(create_topic(e.bootstrap, topic_, k_partitions), "") << e.alias;
  for (const auto& e : eps_) {
    procs_.push_back(std::make_unique<tandem_process>(
        tandem_options{e.alias, eps_, naming_, {topic_}, "1s", "info"}));
    append_replication_keys(*procs_.back(), group_prefix_ + ".*");
    ASSERT_EQ(procs_.back()->start(), "") << e.alias;
  }
  for (auto& p : procs_) ASSERT_TRUE(p->wait_ready(90s)) << p->region() << "\n" << p->log_tail();
}

std::vector<std::string> chaos_world::regions() const {
  std::vector<std::string> out;
  for (const auto& e : eps_) out.push_back(e.alias);
  return out;
}

const region_endpoint& chaos_world::endpoint(const std::string& region) const {
  for (const auto& e : eps_)
    if (e.alias == region) return e;
  throw std::invalid_argument("no region " + region);
}

tandem_process& chaos_world::process(const std::string& region) {
  for (auto& p : procs_)
    if (p->region() == region) return *p;
  throw std::invalid_argument("no process of " + region);
}

std::string chaos_world::topic_of(const std::string& region, const std::string& home) const {
  return identity() || region == home ? topic_ : home + "." + topic_;
}

std::string chaos_world::produce(const std::string& region, int partition,
                                 const std::vector<std::string>& ids) {
  std::vector<record> rs;
  for (const auto& id : ids) {
    record r;
    r.partition = partition;
    r.key = "k" + id;
    r.value = id;
    rs.push_back(std::move(r));
  }
  return testing::produce(endpoint(region).bootstrap, topic_, rs);
}

std::string chaos_world::kill_restart(const std::string& region) {
  auto& p = process(region);
  p.kill();
  return start_process(p);
}

std::string chaos_world::wipe_restore(const std::string& region) {
  auto& p = process(region);
  p.kill();
  std::error_code ec;
  std::filesystem::remove_all(p.dir() / "state", ec);
  if (ec) return "removing " + (p.dir() / "state").string() + ": " + ec.message();
  return start_process(p);
}

std::string chaos_world::recreate(const std::string& region, const std::string& topic,
                                  bool while_stopped) {
  auto& p = process(region);
  if (while_stopped) {
    auto st = p.terminate();
    if (!st.exited || st.code != 0) return region + " did not stop cleanly: " + st.describe();
  }
  const std::string bootstrap = endpoint(region).bootstrap;
  if (auto e = delete_topic(bootstrap, topic); !e.empty()) return "delete " + topic + ": " + e;
  offsets_probe probe(bootstrap);
  std::string e = create_topic(bootstrap, topic, k_partitions);
  // A running tandem may have created its target again already: wait for it to be led.
  if (!e.empty() && contains(e, "already exists") &&
      wait_until([&] { return probe.partitions(topic) == k_partitions; }, 30s))
    e.clear();
  if (!e.empty()) return "create " + topic + ": " + e;
  return while_stopped ? start_process(p) : "";
}

std::string chaos_world::reset_group(const std::string& region, const std::string& group,
                                     const std::string& topic) {
  auto rk = group_consumer(endpoint(region).bootstrap, group);
  if (!rk) return "no consumer";
  auto e = commit_offsets(rk.get(), topic, std::vector<int64_t>(k_partitions, 0));
  rd_kafka_consumer_close(rk.get());
  return e == RD_KAFKA_RESP_ERR_NO_ERROR ? "" : rd_kafka_err2str(e);
}

}  // namespace tandem::testing
