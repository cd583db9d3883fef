// Restore at start (engine/state/state_restore.h) and the peer-run learner (engine/state/peer_runs.h) over a
// fake state_reader and a RocksDB store in a temp directory. No broker.
#include "engine/state/state_restore.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>

#include "engine/daemon/service.h"
#include "engine/groups/checkpoint_plausibility.h"
#include "engine/state/peer_runs.h"
#include "tests/fakes/temp_dir.h"

namespace tandem::engine {
namespace {

using namespace std::chrono_literals;

// Topics of one cluster (partition 0 each); thread-safe so a test can append while a tail runs.
class fake_reader final : public state_reader {
 public:
  std::mutex mu;
  std::map<std::string, std::vector<state_record>> topics;
  bool unreachable = false;
  int end_offset_calls = 0;

  void append(const std::string& topic, std::string key, std::optional<std::string> value) {
    std::lock_guard lock(mu);
    auto& t = topics[topic];
    t.push_back({std::move(key), std::move(value), static_cast<int64_t>(t.size())});
  }
  void append_run(const std::string& topic, const run_record& r) {
    append(topic, encode_run_key(r), encode_run_value(r));
  }

  kafka_result<int64_t> end_offset(const std::string& topic, std::chrono::milliseconds) override {
    std::lock_guard lock(mu);
    ++end_offset_calls;
    if (unreachable) return std::unexpected(make_kafka_error(kafka_errc::transport, "connection refused"));
    auto it = topics.find(topic);
    if (it == topics.end())
      return std::unexpected(make_kafka_error(kafka_errc::unknown_topic_or_part, "no topic " + topic));
    return static_cast<int64_t>(it->second.size());
  }
  kafka_result<void> start(const std::string& topic, int64_t offset) override {
    std::lock_guard lock(mu);
    topic_ = topic;
    pos_ = offset < 0 ? 0 : offset;
    return {};
  }
  kafka_result<bool> poll(std::vector<state_record>& out, size_t max,
                          std::chrono::milliseconds) override {
    std::unique_lock lock(mu);
    if (unreachable) return std::unexpected(make_kafka_error(kafka_errc::transport, "connection refused"));
    auto& t = topics[topic_];
    size_t n = 0;
    while (n < max && pos_ < static_cast<int64_t>(t.size())) out.push_back(t[pos_++]), ++n;
    const bool at_end = pos_ == static_cast<int64_t>(t.size());
    lock.unlock();
    if (n == 0) std::this_thread::sleep_for(1ms);  // a real poll waits when idle
    return at_end;
  }

 private:
  std::string topic_;
  int64_t pos_ = 0;
};

offsets::run R(int64_t s, int64_t d, int64_t n) { return {{s}, {d}, n}; }

struct store_harness {
  tandem::testing::temp_dir dir;
  offsets::offset_store store = offsets::offset_store::open(dir.path()).value();
  std::vector<offsets::run> runs(const offsets::flow_id& f, const std::string& topic = "orders",
                                 int32_t p = 0) {
    return store.runs({f, topic, p}).value();
  }
};

const offsets::flow_id k_ba{"b", "a"};  // process a's own inbound flow
const offsets::flow_id k_ab{"a", "b"};  // the peer direction, published by b

TEST(apply_runs, adds_what_is_new_and_skips_what_the_store_covers) {
  store_harness h;
  std::vector<run_record> rs = {{k_ba, "orders", 0, R(10, 100, 10)},
                                {k_ba, "orders", 1, R(0, 0, 5)}};
  auto first = apply_runs(h.store, rs);
  EXPECT_EQ(first.runs_new, 2);
  EXPECT_EQ(first.partitions, 2);
  EXPECT_EQ(first.rejected, 0);
  auto again = apply_runs(h.store, rs);
  EXPECT_EQ(again.runs_new, 0);
  EXPECT_EQ(again.partitions, 0);
  EXPECT_EQ(h.runs(k_ba), (std::vector<offsets::run>{R(10, 100, 10)}));
}

TEST(apply_runs, overlapping_copies_coexist_and_split_runs_still_count_as_known) {
  store_harness h;
  // A replay copied 15..18 a second time at 250.
  ASSERT_EQ(apply_runs(h.store, std::vector<run_record>{{k_ba, "orders", 0, R(10, 100, 10)},
                                                        {k_ba, "orders", 0, R(15, 250, 4)}})
                .runs_new,
            2);
  EXPECT_EQ(h.runs(k_ba), (std::vector<offsets::run>{R(10, 100, 5), R(15, 105, 4), R(15, 250, 4),
                                                     R(19, 109, 1)}));
  // The original run is covered by its three pieces.
  EXPECT_EQ(apply_runs(h.store, std::vector<run_record>{{k_ba, "orders", 0, R(10, 100, 10)}})
                .runs_new,
            0);
  // A run extending past the known coverage is new.
  EXPECT_EQ(apply_runs(h.store, std::vector<run_record>{{k_ba, "orders", 0, R(10, 100, 12)}})
                .runs_new,
            1);
}

TEST(apply_runs, a_conflicting_run_is_refused_and_the_others_of_its_partition_are_kept) {
  store_harness h;
  ASSERT_EQ(apply_runs(h.store, std::vector<run_record>{{k_ba, "orders", 0, R(0, 0, 10)}}).runs_new,
            1);
  // Target 5 already holds source 5: source 50 cannot land there too.
  auto res = apply_runs(h.store, std::vector<run_record>{{k_ba, "orders", 0, R(50, 5, 1)},
                                                         {k_ba, "orders", 0, R(60, 60, 3)}});
  EXPECT_EQ(res.runs_new, 1);
  EXPECT_EQ(res.rejected, 1);
  EXPECT_NE(res.problem.find("b->a orders/0"), std::string::npos) << res.problem;
  EXPECT_EQ(h.runs(k_ba), (std::vector<offsets::run>{R(0, 0, 10), R(60, 60, 3)}));
}

TEST(peer_run_learner, keeps_only_its_flow_and_counts_malformed_records) {
  store_harness h;
  peer_run_learner learner(h.store, k_ab);
  const run_record ours{k_ab, "orders", 0, R(0, 7, 3)};
  const run_record other{{"c", "b"}, "orders", 0, R(0, 0, 3)};
  std::vector<state_record> records = {
      {encode_run_key(ours), encode_run_value(ours), 0},
      {encode_run_key(other), encode_run_value(other), 1},
      {"a|b|orders|0|3|10", std::nullopt, 2},  // tombstone of a key never stored: nothing
      {"garbage", std::string("{}"), 3},
  };
  auto c = learner.learn(records);
  EXPECT_EQ(c.records, 4);
  EXPECT_EQ(c.runs, 1);
  EXPECT_EQ(c.skipped, 1);
  EXPECT_EQ(h.runs(k_ab), (std::vector<offsets::run>{R(0, 7, 3)}));
  EXPECT_TRUE(h.runs({"c", "b"}).empty());
}

// Mesh (issue #10): the process of a learns from b's tandem.offsets, besides {a, b}, b's
// inbound flow from the third region c under identity naming ({c, b}: what a group moving from
// b to a needs), never under prefix naming; b's flow from a itself ({a, b}) is not a third one.
TEST(peer_run_learner, keeps_the_third_regions_flows_into_the_peer_under_identity_only) {
  const std::vector<std::string> third{"c"};
  EXPECT_EQ(third_region_flows("b", third, true), (std::vector<offsets::flow_id>{{"c", "b"}}));
  EXPECT_TRUE(third_region_flows("b", third, false).empty());
  const run_record ours{k_ab, "orders", 0, R(0, 7, 3)};
  const run_record c_to_b{{"c", "b"}, "orders", 0, R(0, 0, 3)};
  const run_record c_to_a{{"c", "a"}, "orders", 0, R(0, 3, 2)};  // not b's: never published there
  std::vector<state_record> records = {{encode_run_key(ours), encode_run_value(ours), 0},
                                       {encode_run_key(c_to_b), encode_run_value(c_to_b), 1},
                                       {encode_run_key(c_to_a), encode_run_value(c_to_a), 2}};
  for (bool identity : {true, false}) {
    SCOPED_TRACE(identity ? "identity" : "prefix");
    store_harness h;
    peer_run_learner learner(h.store, k_ab, third_region_flows("b", third, identity));
    EXPECT_EQ(learner.learn(records).runs, identity ? 2 : 1);
    EXPECT_EQ(h.runs(k_ab), (std::vector<offsets::run>{R(0, 7, 3)}));
    EXPECT_EQ(h.runs({"c", "b"}),
              identity ? std::vector<offsets::run>{R(0, 0, 3)} : std::vector<offsets::run>{});
    EXPECT_TRUE(h.runs({"c", "a"}).empty());
  }
}

TEST(tail_peer_runs, waits_for_the_topic_then_learns_old_and_new_records_until_stopped) {
  store_harness h;
  fake_reader reader;
  reader.unreachable = true;
  peer_run_learner learner(h.store, k_ab);
  tail_settings s;
  s.retry_interval = 10ms;
  std::atomic<bool> stopping{false};
  std::stop_source stop;  // the daemon's service gives the same pair (engine/daemon/service.h)
  stop_waiter waiter;
  std::thread t([&] {
    tail_peer_runs(reader, learner, s, stopping,
                   [&](std::chrono::milliseconds d) { return waiter.wait_for(stop.get_token(), d); });
  });
  auto wait_for = [&](auto cond) {
    for (auto until = std::chrono::steady_clock::now() + 10s;
         std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(2ms))
      if (cond()) return true;
    return cond();
  };
  EXPECT_TRUE(wait_for([&] {
    std::lock_guard lock(reader.mu);
    return reader.end_offset_calls >= 2;  // retried while unreachable
  }));
  {
    std::lock_guard lock(reader.mu);
    reader.unreachable = false;  // reachable, but no topic yet
  }
  EXPECT_TRUE(wait_for([&] {
    std::lock_guard lock(reader.mu);
    return reader.end_offset_calls >= 4;
  }));
  reader.append_run("tandem.offsets", {k_ab, "orders", 0, R(0, 7, 3)});
  EXPECT_TRUE(wait_for([&] { return h.runs(k_ab).size() == 1; }));
  reader.append_run("tandem.offsets", {k_ab, "orders", 0, R(3, 20, 2)});
  reader.append_run("tandem.offsets", {k_ba, "orders", 0, R(0, 0, 2)});  // b's own? not {a,b}
  EXPECT_TRUE(wait_for([&] { return h.runs(k_ab).size() == 2; }));
  stopping = true;
  stop.request_stop();
  t.join();
  EXPECT_EQ(h.runs(k_ab), (std::vector<offsets::run>{R(0, 7, 3), R(3, 20, 2)}));
  EXPECT_TRUE(h.runs(k_ba).empty());
  EXPECT_EQ(learner.total().runs, 2);
}

std::string checkpoint_value(const std::string& source, const std::string& target,
                             const std::string& group, int64_t so, int64_t to, int64_t time) {
  return "{\"v\":1,\"source\":\"" + source + "\",\"target\":\"" + target + "\",\"group\":\"" +
         group + "\",\"topic\":\"orders\",\"partition\":0,\"source_offset\":" +
         std::to_string(so) + ",\"target_topic\":\"" + source +
         ".orders\",\"target_offset\":" + std::to_string(to) +
         ",\"kind\":\"exact\",\"time_ms\":" + std::to_string(time) + "}";
}

restore_settings settings_of_a() {
  restore_settings s;
  s.local_region = "a";
  s.remotes = {"b"};
  s.deadline = 10s;
  return s;
}

// Checkpoints: per key the last record in tandem.checkpoints' log order, never the largest
// time_ms (issue #10: a record from a clock running ahead won over every later one, and a
// failover then skipped what the group had not read); the store's own checkpoint wins.
TEST(restore_state, restores_the_local_flows_runs_and_the_checkpoints_the_store_lacks) {
  store_harness h;
  fake_reader reader;
  // a's topic: a's own flow b->a (restored), another region's flow c->a (c is no remote of
  // this config: ignored), and a duplicate of a run (not compacted yet).
  reader.append_run("tandem.offsets", {k_ba, "orders", 0, R(0, 0, 100)});
  reader.append_run("tandem.offsets", {k_ba, "orders", 1, R(0, 0, 50)});
  reader.append_run("tandem.offsets", {k_ba, "orders", 1, R(50, 60, 50)});
  reader.append_run("tandem.offsets", {k_ba, "orders", 1, R(50, 60, 50)});
  reader.append_run("tandem.offsets", {{"c", "a"}, "orders", 0, R(0, 0, 9)});
  reader.append("tandem.offsets", "b|a|orders|0|0|0", std::nullopt);  // that run was erased
  reader.append("tandem.offsets", "broken", std::string("x"));
  // The store already knows one of them.
  ASSERT_EQ(apply_runs(h.store, std::vector<run_record>{{k_ba, "orders", 1, R(0, 0, 50)}}).runs_new,
            1);
  // Checkpoints: g1 and g2 in the store and in Kafka (the store wins), g3 only in Kafka (twice:
  // the later one wins), g5 only in Kafka, its later record carrying an older time_ms.
  ASSERT_TRUE(h.store.put_checkpoint(k_ba, {"g1", "orders", 0, {5}, {5}, 1000}));
  ASSERT_TRUE(h.store.put_checkpoint(k_ba, {"g2", "orders", 0, {9}, {9}, 3000}));
  auto ckpt = [&](const std::string& source, const std::string& group, int64_t offset,
                  int64_t time) {
    reader.append("tandem.checkpoints", source + "|a|" + group + "|orders|0",
                  checkpoint_value(source, "a", group, offset, offset, time));
  };
  ckpt("b", "g1", 7, 2000);
  ckpt("b", "g2", 8, 2000);
  ckpt("b", "g3", 1, 500);
  ckpt("b", "g3", 2, 600);
  ckpt("c", "g4", 2, 600);
  ckpt("b", "g5", 100, 9'000'000'000'000);  // written by a host whose clock ran ahead
  ckpt("b", "g5", 50, 2500);

  std::atomic<bool> cancel{false};
  auto res = restore_state(reader, h.store, settings_of_a(), cancel);
  EXPECT_TRUE(res.reached);
  EXPECT_TRUE(res.complete);
  EXPECT_EQ(res.records, 14);
  EXPECT_EQ(res.runs, 1);        // orders/1 50..99 (orders/0 0..99: its last record a tombstone)
  EXPECT_EQ(res.partitions, 1);
  EXPECT_EQ(res.checkpoints, 2);  // g3 and g5
  EXPECT_EQ(res.skipped, 1);      // "broken"
  EXPECT_EQ(res.summary().rfind("restored 1 runs of 1 partitions and 2 checkpoints from "
                                "tandem.offsets", 0),
            0u)
      << res.summary();
  EXPECT_TRUE(h.runs(k_ba, "orders", 0).empty());
  EXPECT_EQ(h.runs(k_ba, "orders", 1), (std::vector<offsets::run>{R(0, 0, 50), R(50, 60, 50)}));
  EXPECT_TRUE(h.runs({"c", "a"}).empty());
  auto cps = h.store.get_checkpoints(k_ba, "").value();
  ASSERT_EQ(cps.size(), 4u);
  EXPECT_EQ(cps[0], (offsets::checkpoint{"g1", "orders", 0, {5}, {5}, 1000}));
  EXPECT_EQ(cps[1], (offsets::checkpoint{"g2", "orders", 0, {9}, {9}, 3000}));
  EXPECT_EQ(cps[2], (offsets::checkpoint{"g3", "orders", 0, {2}, {2}, 600}));
  EXPECT_EQ(cps[3], (offsets::checkpoint{"g5", "orders", 0, {50}, {50}, 2500}));
  EXPECT_TRUE(h.store.get_checkpoints({"c", "a"}, "").value().empty());

  // Idempotent: a second restore adds nothing.
  auto again = restore_state(reader, h.store, settings_of_a(), cancel);
  EXPECT_EQ(again.runs, 0);
  EXPECT_EQ(again.checkpoints, 0);
}

// Issue #10: a checkpoint record beyond the end the map knows of its source partition (here
// b's orders/0: copies of 0..99) is rejected. Per key the last PLAUSIBLE record wins: a forged
// record appended after g1's real one leaves g1 at its real position; g3 at the end exactly is
// plausible; g2 has nothing plausible and keeps its last record, for tandemctl to reject at
// failover (committing the partition's start). Without a known end (the callback unset)
// nothing is checked.
TEST(restore_state, a_checkpoint_beyond_the_source_known_end_is_rejected) {
  auto scenario = [](bool check, store_harness& h) {
    fake_reader reader;
    reader.append_run("tandem.offsets", {k_ba, "orders", 0, R(0, 0, 100)});
    auto ckpt = [&](const std::string& group, int64_t offset) {
      reader.append("tandem.checkpoints", "b|a|" + group + "|orders|0",
                    checkpoint_value("b", "a", group, offset, std::min<int64_t>(offset, 100), 1));
    };
    ckpt("g1", 40);
    ckpt("g1", 5'000'000);  // forged, after the real one
    ckpt("g2", 101);
    ckpt("g3", 100);
    restore_settings s = settings_of_a();
    const std::vector<std::string> regions{"a", "b"};
    if (check)
      s.source_known_end = [&h, naming = policy::naming_policy::prefix(regions, ".").value()](
                               const offsets::flow_id& f, const std::string& topic,
                               int32_t p) -> int64_t {
        return source_known_end(h.store, naming, f.source_region, f.target_region, topic, p)
            .value();
      };
    std::atomic<bool> cancel{false};
    return restore_state(reader, h.store, s, cancel);
  };
  store_harness h;
  auto res = scenario(true, h);
  EXPECT_EQ(res.checkpoints, 3);
  EXPECT_EQ(res.checkpoints_rejected, (std::map<std::string, int64_t>{{"b", 2}}));
  EXPECT_EQ(res.skipped, 0);
  EXPECT_NE(res.summary().find(", 2 checkpoints rejected"), std::string::npos) << res.summary();
  auto cps = h.store.get_checkpoints(k_ba, "").value();
  ASSERT_EQ(cps.size(), 3u);
  EXPECT_EQ(cps[0], (offsets::checkpoint{"g1", "orders", 0, {40}, {40}, 1}));
  // g2 has no plausible record: checkpointed at the partition's start (re-reads, never skips).
  EXPECT_EQ(cps[1], (offsets::checkpoint{"g2", "orders", 0, {0}, {0}, 1}));
  EXPECT_EQ(cps[2], (offsets::checkpoint{"g3", "orders", 0, {100}, {100}, 1}));

  store_harness unchecked;
  res = scenario(false, unchecked);
  EXPECT_TRUE(res.checkpoints_rejected.empty());
  EXPECT_EQ(unchecked.store.get_checkpoints(k_ba, "g1").value().at(0).source.v, 5'000'000);
}

TEST(restore_state, missing_topics_restore_nothing_and_an_unreachable_cluster_is_reported) {
  store_harness h;
  fake_reader reader;
  std::atomic<bool> cancel{false};
  auto res = restore_state(reader, h.store, settings_of_a(), cancel);
  EXPECT_TRUE(res.reached);
  EXPECT_TRUE(res.complete);
  EXPECT_EQ(res.records, 0);
  EXPECT_EQ(res.runs, 0);

  reader.unreachable = true;
  res = restore_state(reader, h.store, settings_of_a(), cancel);
  EXPECT_FALSE(res.reached);
  EXPECT_FALSE(res.complete);
  EXPECT_EQ(reader.end_offset_calls, 3);  // the second topic is not tried
}

TEST(restore_state, stops_at_the_deadline_when_records_never_reach_the_end) {
  store_harness h;
  fake_reader reader;
  reader.append_run("tandem.offsets", {k_ba, "orders", 0, R(0, 0, 10)});
  reader.append_run("tandem.offsets", {k_ba, "orders", 0, R(10, 10, 10)});
  // The end offset says 2 but the reader never delivers the second record (e.g. a broker that
  // stopped answering mid-way).
  struct stuck final : state_reader {
    fake_reader& inner;
    explicit stuck(fake_reader& r) : inner(r) {}
    kafka_result<int64_t> end_offset(const std::string& t, std::chrono::milliseconds to) override {
      return inner.end_offset(t, to);
    }
    kafka_result<void> start(const std::string& t, int64_t o) override { return inner.start(t, o); }
    bool gave = false;
    kafka_result<bool> poll(std::vector<state_record>& out, size_t,
                            std::chrono::milliseconds) override {
      if (gave) return std::this_thread::sleep_for(1ms), false;
      gave = true;
      auto polled = inner.poll(out, 1, 0ms);
      if (!polled) return polled;
      return false;  // never at the end
    }
  } reader2(reader);
  auto s = settings_of_a();
  s.deadline = 200ms;
  std::atomic<bool> cancel{false};
  auto t0 = std::chrono::steady_clock::now();
  auto res = restore_state(reader2, h.store, s, cancel);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_FALSE(res.complete);
  EXPECT_EQ(res.runs, 1);  // what was read is kept
}

}  // namespace
}  // namespace tandem::engine
