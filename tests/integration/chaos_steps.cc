// The group steps of the randomized fault test: see chaos_steps.h.
#include "tests/integration/chaos_steps.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/integration/failover_support.h"

namespace tandem::testing {

using namespace std::chrono_literals;

consume_figures consume_some(chaos_world& w, chaos_group& g, std::mt19937_64& rng,
                             int64_t max_per_partition) {
  consume_figures f;
  const std::string topic = w.topic_of(g.region, g.home);
  const std::string bootstrap = w.endpoint(g.region).bootstrap;
  offsets_probe probe(bootstrap);
  std::vector<int64_t> hw;  // a topic just created again may not answer at once
  wait_until([&] {
    hw = probe.high_watermarks(topic);
    return static_cast<int>(hw.size()) == chaos_world::k_partitions;
  }, 30s);
  auto rk = group_consumer(bootstrap, g.name);
  if (!rk || static_cast<int>(hw.size()) != chaos_world::k_partitions) {
    ADD_FAILURE() << g.name << ": no consumer or no watermarks of " << topic << " on " << g.region;
    return f;
  }
  auto pos = committed(rk.get(), topic, chaos_world::k_partitions);
  std::vector<std::string> values;
  for (int p = 0; p < chaos_world::k_partitions; ++p) {
    if (pos[p] < 0 || pos[p] > hw[p]) {
      ADD_FAILURE() << g.name << " on " << g.region << " " << topic << "/" << p << ": committed "
                    << pos[p] << " outside [0, " << hw[p] << "]";
      pos[p] = std::clamp<int64_t>(pos[p], 0, hw[p]);
    }
    const int64_t n = std::uniform_int_distribution<int64_t>(
        0, std::min(max_per_partition, hw[p] - pos[p]))(rng);
    if (n > 0) pos[p] = read_partition(rk.get(), topic, p, pos[p], n, values);
    if (pos[p] < 0) return f;  // read_partition failed the test
  }
  EXPECT_EQ(commit_offsets(rk.get(), topic, pos), RD_KAFKA_RESP_ERR_NO_ERROR) << g.name;
  rd_kafka_consumer_close(rk.get());
  g.committed_here = true;
  for (const auto& v : values) {
    ++f.read;
    if (!g.consumed.insert(v).second) ++f.rereads;
  }
  return f;
}

const char* to_string(move_kind k) { return k == move_kind::failover ? "failover" : "disaster"; }

namespace {

// Every record of `topic` on `region` once every alive id of g's stream is there (polled up to
// 60 s; ids known lost there are not waited for). Ids that never arrive are a failure, named,
// and recorded as lost.
std::vector<record> caught_up(chaos_world& w, chaos_model& m, const chaos_group& g,
                              const std::string& region) {
  const std::string topic = w.topic_of(region, g.home);
  const auto& lost = m.lost_in(region, topic);
  std::set<std::string> missing;
  std::vector<record> rs;
  bool ok = wait_until(
      [&] {
        rs = read_topic(w.endpoint(region).bootstrap, topic);
        std::set<std::string> present;
        for (const auto& r : rs) present.insert(r.value.value_or(""));
        missing.clear();
        for (const auto& id : m.alive_ids(g.home))
          if (!present.count(id) && !lost.count(id)) missing.insert(id);
        return missing.empty();
      },
      60s, 500ms);
  if (!ok) {
    std::string first;
    for (auto it = missing.begin(); it != missing.end() && first.size() < 200; ++it)
      first += " " + *it;
    ADD_FAILURE() << topic << " on " << region << ": " << missing.size()
                  << " alive ids of the stream never arrived (replication lost them):" << first;
    m.lost(region, topic, missing);
  }
  return rs;
}

std::string failover_args(chaos_world& w, const chaos_group& g, const std::string& to) {
  return " --config " + w.process(to).config_path().string() + " --group " + g.name +
         " --from " + g.region;
}

// Waits until `to`'s tandem checkpointed g at its committed offsets `x` in g.region.
bool checkpointed(chaos_world& w, const chaos_group& g, const std::string& to,
                  const std::vector<int64_t>& x) {
  const std::string topic = w.topic_of(g.region, g.home);
  std::string last;
  bool ok = wait_until(
      [&] {
        auto r = run_command(k_tandemctl + " groups translate" + failover_args(w, g, to) +
                             " --json 2>&1");
        last = r.output;
        auto rows = parse_partitions(r.output, topic);
        if (r.exit_code != 0 || static_cast<int>(rows.size()) != chaos_world::k_partitions)
          return false;
        for (int p = 0; p < chaos_world::k_partitions; ++p)
          if (rows[p].from_offset != x[p]) return false;
        return true;
      },
      90s, 500ms);
  EXPECT_TRUE(ok) << g.name << " " << g.region << "->" << to << ": no checkpoint at the commits "
                  << x[0] << "," << x[1] << "; last translate:\n" << last;
  return ok;
}

std::string describe_rows(const std::vector<int64_t>& start,
                          const std::map<int, partition_row>& rows) {
  std::string s;
  for (const auto& [p, r] : rows) {
    s += " p" + std::to_string(p) + ":" + std::to_string(r.from_offset) + "->" +
         std::to_string(p < static_cast<int>(start.size()) ? start[p] : -1) + "(" + r.kind +
         ",reread " + std::to_string(r.reread);
    if (r.has_identity)
      s += ",a " + std::to_string(r.a_term) + r.a_kind.substr(0, 2) + ",b " +
           std::to_string(r.b_term) + r.b_kind.substr(0, 2) +
           (r.c_term >= 0 ? ",c " + std::to_string(r.c_term) + r.c_kind.substr(0, 2) : "");
    s += ")";
  }
  return s;
}

// `tandemctl groups failover` and g's committed offsets on `to` after it; empty on a failure.
std::vector<int64_t> fail_over(chaos_world& w, const chaos_group& g, const std::string& to,
                               std::map<int, partition_row>& rows) {
  auto fo = run_command(k_tandemctl + " groups failover" + failover_args(w, g, to) +
                        " --json 2>&1");
  EXPECT_EQ(fo.exit_code, 0) << g.name << " " << g.region << "->" << to << ":\n" << fo.output;
  rows = parse_partitions(fo.output, w.topic_of(g.region, g.home));
  if (fo.exit_code != 0 || static_cast<int>(rows.size()) != chaos_world::k_partitions) return {};
  auto rk = group_consumer(w.endpoint(to).bootstrap, g.name);
  if (!rk) return {};
  auto start = committed(rk.get(), w.topic_of(to, g.home), chaos_world::k_partitions);
  rd_kafka_consumer_close(rk.get());
  for (int64_t s : start)
    if (s < 0) ADD_FAILURE() << g.name << ": no committed offset on " << to << "\n" << fo.output;
  return start;
}

}  // namespace

move_result move_group(chaos_world& w, chaos_model& m, chaos_group& g,
                       const std::string& to, move_kind kind) {
  move_result res;
  std::vector<record> dest = caught_up(w, m, g, to);
  // The ids below g's committed offsets in its region: what its position says it consumed.
  const std::string topic = w.topic_of(g.region, g.home);
  auto rk = group_consumer(w.endpoint(g.region).bootstrap, g.name);
  if (!rk) return res;
  const auto x = committed(rk.get(), topic, chaos_world::k_partitions);
  rd_kafka_consumer_close(rk.get());
  std::set<std::string> below_x;
  for (const auto& r : read_topic(w.endpoint(g.region).bootstrap, topic))
    if (r.partition < static_cast<int>(x.size()) && r.offset < x[r.partition])
      below_x.insert(r.value.value_or(""));
  if (!checkpointed(w, g, to, x)) return res;
  std::unique_ptr<broker_freeze> frozen;
  if (kind == move_kind::disaster) {
    w.process(g.region).kill();
    frozen = std::make_unique<broker_freeze>(g.region);
    if (auto e = frozen->freeze(); !e.empty()) ADD_FAILURE() << e;
  }
  std::map<int, partition_row> rows;
  const auto start = fail_over(w, g, to, rows);
  dest = read_topic(w.endpoint(to).bootstrap, w.topic_of(to, g.home));
  if (frozen) {
    frozen->resume();
    if (auto e = w.kill_restart(g.region); !e.empty()) ADD_FAILURE() << e;
  }
  if (start.empty()) return res;
  res.verdict = judge(m, g, below_x, dest, start, rows);
  res.detail = describe_rows(start, rows);
  res.done = true;
  g.region = to;
  g.committed_here = false;
  return res;
}

}  // namespace tandem::testing
