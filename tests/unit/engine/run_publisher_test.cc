// The tandem.offsets publisher (engine/state/run_publisher.h) over a thread-safe fake producer, and
// the journal's hand-over of its own runs (engine/state/offset_journal.h). No broker; waits poll with
// a deadline.
#include "engine/state/run_publisher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "engine/obs/metrics.h"
#include "engine/state/offset_journal.h"
#include "tests/fakes/temp_dir.h"

namespace tandem::engine {
namespace {

using namespace std::chrono_literals;

// A state_producer whose records become visible at flush (partition 0 of one topic). Methods
// run on the publisher's thread; the test reads under the same mutex.
class shared_fake_producer final : public state_producer {
 public:
  struct state {
    std::mutex mu;
    std::condition_variable cv;
    std::map<std::string, std::string> topic_configs;  // of the created topic
    std::string created;                              // the created topic's name
    int partitions = 0;
    // (key, value) in order; a tombstone's value is nullopt
    std::vector<std::pair<std::string, std::optional<std::string>>> delivered;
    int fail_flushes = 0;       // the next N flushes fail (their records are lost)
    bool unreachable = false;   // every call fails
    bool block_flush = false;   // flush waits until cleared
    int flushes = 0;
  };
  explicit shared_fake_producer(std::shared_ptr<state> s) : s_(std::move(s)) {}

  kafka_result<void> ensure_topic(const std::string& topic, int32_t partitions,
                                  const topic_configs& configs, std::chrono::milliseconds) override {
    std::lock_guard lock(s_->mu);
    if (s_->unreachable) return std::unexpected(make_kafka_error(kafka_errc::transport, "unreachable"));
    s_->created = topic;
    s_->partitions = partitions;
    s_->topic_configs = configs;
    return {};
  }
  kafka_result<void> produce(const std::string&, std::string_view key,
                             std::optional<std::string_view> value) override {
    std::lock_guard lock(s_->mu);
    if (s_->unreachable) return std::unexpected(make_kafka_error(kafka_errc::transport, "unreachable"));
    pending_.emplace_back(std::string(key), value ? std::optional<std::string>(*value) : std::nullopt);
    return {};
  }
  kafka_result<void> flush(std::chrono::milliseconds) override {
    std::unique_lock lock(s_->mu);
    s_->cv.wait(lock, [&] { return !s_->block_flush; });
    ++s_->flushes;
    auto pending = std::move(pending_);
    pending_.clear();
    if (s_->unreachable) return std::unexpected(make_kafka_error(kafka_errc::timed_out, "unreachable"));
    if (s_->fail_flushes > 0) {
      --s_->fail_flushes;
      return std::unexpected(make_kafka_error(kafka_errc::msg_timed_out, "delivery failed"));
    }
    for (auto& p : pending) s_->delivered.push_back(std::move(p));
    return {};
  }

 private:
  std::shared_ptr<state> s_;
  std::vector<std::pair<std::string, std::optional<std::string>>> pending_;
};

struct harness {
  std::shared_ptr<shared_fake_producer::state> fake =
      std::make_shared<shared_fake_producer::state>();
  publisher_settings settings() {
    publisher_settings s;
    s.retry_backoff = 5ms;
    s.request_timeout = 1000ms;
    return s;
  }
  run_publisher::producer_factory factory() {
    return [f = fake]() -> std::expected<std::unique_ptr<state_producer>, std::string> {
      return std::make_unique<shared_fake_producer>(f);
    };
  }
  size_t delivered() {
    std::lock_guard lock(fake->mu);
    return fake->delivered.size();
  }
  std::set<std::string> delivered_keys() {
    std::lock_guard lock(fake->mu);
    std::set<std::string> keys;
    for (auto& [k, v] : fake->delivered) keys.insert(k);
    return keys;
  }
};

// The daemon owns the publisher's thread (engine/daemon/service.h); here a plain jthread does.
std::jthread start(run_publisher& p, publisher_counters counters = {}) {
  return std::jthread([&p, counters](std::stop_token stop) { p.run(stop, counters); });
}
void stop(run_publisher& p, std::jthread& t, std::chrono::milliseconds deadline) {
  p.drain_within(deadline);
  t.request_stop();
  if (t.joinable()) t.join();
}

bool wait_for(const std::function<bool()>& cond, std::chrono::milliseconds deadline = 10s) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (cond()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return cond();
}

std::vector<run_record> some_runs(int n, int64_t base = 0) {
  std::vector<run_record> out;
  for (int i = 0; i < n; ++i)
    out.push_back({{"west", "east"}, "orders", i % 2, {{base + 10 * i}, {base + 10 * i + 5}, 10}});
  return out;
}

TEST(run_publisher, creates_the_compacted_topic_and_publishes_every_run) {
  harness h;
  metrics m("test");
  run_publisher p(h.settings(), h.factory());
  p.publish(some_runs(3));  // before start: waits in the queue
  auto t = start(p, publisher_metrics(m));
  p.publish(some_runs(2, 1000));
  ASSERT_TRUE(wait_for([&] { return h.delivered() == 5; })) << h.delivered();
  {
    std::lock_guard lock(h.fake->mu);
    EXPECT_EQ(h.fake->created, "tandem.offsets");
    EXPECT_EQ(h.fake->partitions, 1);
    EXPECT_EQ(h.fake->topic_configs, (topic_configs{{"cleanup.policy", "compact"}}));
    EXPECT_EQ(h.fake->delivered[0].first, "west|east|orders|0|0|5");
    EXPECT_EQ(h.fake->delivered[0].second, encode_run_value(some_runs(1)[0]));
  }
  stop(p, t, 1s);
  auto st = p.snapshot();
  EXPECT_EQ(st.published, 5);
  EXPECT_EQ(st.errors, 0);
  EXPECT_EQ(publisher_metrics(m).published->Value(), 5);
  EXPECT_EQ(publisher_metrics(m).errors->Value(), 0);
}

TEST(run_publisher, a_failed_flush_is_counted_and_its_batch_published_again) {
  harness h;
  h.fake->fail_flushes = 2;
  metrics m("test");
  run_publisher p(h.settings(), h.factory());
  auto t = start(p, publisher_metrics(m));
  auto runs = some_runs(4);
  p.publish(runs);
  ASSERT_TRUE(wait_for([&] { return h.delivered() == 4; })) << h.delivered();
  std::set<std::string> want;
  for (auto& r : runs) want.insert(encode_run_key(r));
  EXPECT_EQ(h.delivered_keys(), want);
  stop(p, t, 1s);
  EXPECT_EQ(p.snapshot().errors, 2);
  EXPECT_EQ(publisher_metrics(m).errors->Value(), 2);
  EXPECT_EQ(p.snapshot().published, 4);
}

TEST(run_publisher, an_unreachable_cluster_keeps_the_runs_queued_until_it_is_back) {
  harness h;
  h.fake->unreachable = true;
  run_publisher p(h.settings(), h.factory());
  auto t = start(p);
  p.publish(some_runs(3));
  ASSERT_TRUE(wait_for([&] { return p.snapshot().errors >= 3; }));
  EXPECT_EQ(p.snapshot().queued, 3u);
  EXPECT_EQ(h.delivered(), 0u);
  {
    std::lock_guard lock(h.fake->mu);
    h.fake->unreachable = false;
  }
  ASSERT_TRUE(wait_for([&] { return h.delivered() == 3; }));
  stop(p, t, 1s);
  EXPECT_EQ(p.snapshot().queued, 0u);
}

TEST(run_publisher, publish_returns_while_the_producer_is_blocked) {
  harness h;
  {
    std::lock_guard lock(h.fake->mu);
    h.fake->block_flush = true;
  }
  run_publisher p(h.settings(), h.factory());
  auto t = start(p);
  p.publish(some_runs(1));
  ASSERT_TRUE(wait_for([&] { return p.snapshot().queued == 0; }));  // taken: flush is blocked
  // The flow thread's side: must return although the publisher thread is stuck in flush.
  auto f = std::async(std::launch::async, [&] { p.publish(some_runs(50, 100)); });
  EXPECT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(p.snapshot().queued, 50u);
  {
    std::lock_guard lock(h.fake->mu);
    h.fake->block_flush = false;
  }
  h.fake->cv.notify_all();
  ASSERT_TRUE(wait_for([&] { return h.delivered() == 51; }));
  stop(p, t, 1s);
}

TEST(run_publisher, stop_publishes_what_is_queued) {
  harness h;
  run_publisher p(h.settings(), h.factory());
  auto t = start(p);
  p.publish(some_runs(20));
  stop(p, t, 2s);  // no wait before: the queued runs are produced and flushed at the stop
  EXPECT_EQ(h.delivered(), 20u);
  EXPECT_EQ(p.snapshot().queued, 0u);
}

TEST(run_publisher, stop_gives_up_at_the_deadline_when_the_cluster_is_gone) {
  harness h;
  h.fake->unreachable = true;
  run_publisher p(h.settings(), h.factory());
  auto t = start(p);
  p.publish(some_runs(5));
  auto t0 = std::chrono::steady_clock::now();
  stop(p, t, 300ms);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_EQ(p.snapshot().queued, 5u);
  EXPECT_EQ(h.delivered(), 0u);
}

TEST(run_publisher, a_full_queue_drops_the_oldest_runs_and_counts_them) {
  harness h;
  auto s = h.settings();
  s.max_queued = 5;
  run_publisher p(s, h.factory());
  auto runs = some_runs(8);
  p.publish(runs);  // not started: nothing leaves the queue
  auto st = p.snapshot();
  EXPECT_EQ(st.queued, 5u);
  EXPECT_EQ(st.dropped, 3);
  EXPECT_EQ(st.errors, 3);
  auto t = start(p);
  stop(p, t, 2s);
  std::set<std::string> want;
  for (size_t i = 3; i < runs.size(); ++i) want.insert(encode_run_key(runs[i]));
  EXPECT_EQ(h.delivered_keys(), want);
}

TEST(offset_journal, publishes_its_own_committed_runs_and_never_the_peer_runs) {
  harness h;
  tandem::testing::temp_dir dir;
  auto store = open_state(dir.path());
  ASSERT_TRUE(store) << store.error().message;
  auto p = std::make_shared<run_publisher>(h.settings(), h.factory());
  auto t = start(*p);
  auto j = make_offset_journal(*store, "west", "east", p);
  // Own flow west->east: 0..2 -> 10..12, then a gap on the target: 3 -> 20.
  for (int64_t i = 0; i < 3; ++i) j->delivered("orders", 0, i, 10 + i);
  j->delivered("orders", 0, 3, 20);
  // An echo: east's record orders/0@7 was copied to west orders/0@30 (peer flow east->west).
  j->echo("orders", 0, 30, "orders", 7);
  ASSERT_TRUE(j->commit(std::vector<partition_position>{{"orders", 0, 4}}));
  stop(*p, t, 2s);
  EXPECT_EQ(h.delivered_keys(),
            (std::set<std::string>{"west|east|orders|0|0|10", "west|east|orders|0|3|20"}));
  // The store has the peer run too (not published).
  auto peer = (*store)->runs({{"east", "west"}, "orders", 0});
  ASSERT_TRUE(peer);
  EXPECT_EQ(peer->size(), 1u);
}

TEST(offset_journal, a_failed_commit_publishes_nothing) {
  harness h;
  tandem::testing::temp_dir dir;
  auto store = open_state(dir.path());
  ASSERT_TRUE(store);
  auto p = std::make_shared<run_publisher>(h.settings(), h.factory());
  auto t = start(*p);
  auto j = make_offset_journal(*store, "west", "east", p);
  j->delivered("orders", 0, 0, 10);
  ASSERT_TRUE(j->commit(std::vector<partition_position>{{"orders", 0, 1}}));
  // A commit the store refuses (a negative resume position): its runs are not published.
  j->delivered("orders", 1, 0, 0);
  j->delivered("orders", 1, 1, 1);
  EXPECT_FALSE(j->commit(std::vector<partition_position>{{"orders", 1, -5}}));
  stop(*p, t, 2s);
  EXPECT_EQ(h.delivered_keys(), (std::set<std::string>{"west|east|orders|0|0|10"}));
}

TEST(metrics, publisher_counters_have_their_names_and_types) {
  metrics m("test");
  publisher_metrics(m).published->Increment();
  publisher_metrics(m).errors->Increment();
  std::map<std::string, prometheus::MetricType> seen;
  for (const auto& fam : m.registry()->Collect()) {
    EXPECT_FALSE(fam.help.empty());
    seen[fam.name] = fam.type;
  }
  EXPECT_EQ(seen.at("tandem_offset_runs_published_total"), prometheus::MetricType::Counter);
  EXPECT_EQ(seen.at("tandem_offset_publish_errors_total"), prometheus::MetricType::Counter);
}

}  // namespace
}  // namespace tandem::engine
