// Issue #10, deliverable 2: "the durable map is the truth, invalidations included". The offset
// journal publishes what its invalidations and trims change (tombstones, rewritten runs) to
// tandem.offsets; restore and the peer learner replay the topic by log order (last word per key
// wins). Journal + publisher over a fake cluster, restore over a reader of its records, a real
// RocksDB store in a temp directory. No broker.
#include <gtest/gtest.h>

#include <chrono>
#include <stop_token>

#include "engine/state/offset_journal.h"
#include "engine/state/peer_runs.h"
#include "engine/state/run_publisher.h"
#include "engine/state/state_restore.h"
#include "tests/fakes/fake_kafka.h"
#include "tests/fakes/temp_dir.h"

namespace tandem::engine {
namespace {

using namespace std::chrono_literals;
using offsets::run;
using testing::fake_cluster;
using testing::fake_state_producer;

run R(int64_t s, int64_t d, int64_t n) { return {{s}, {d}, n}; }

const offsets::flow_id k_we{"west", "east"};  // the own flow of east's process
const offsets::partition_ref k_orders0{k_we, "orders", 0};

// A tandem.offsets record as the tests compare them: the run (length 0 for a tombstone).
struct word {
  run r;
  bool tombstone = false;
  bool operator==(const word&) const = default;
};
word live(int64_t s, int64_t d, int64_t n) { return {R(s, d, n), false}; }
word gone(int64_t s, int64_t d) { return {R(s, d, 0), true}; }

// The reader of one topic's records, for restore_state (partition 0, then at the end).
class records_reader final : public state_reader {
 public:
  explicit records_reader(std::vector<state_record> records) : records_(std::move(records)) {}
  kafka_result<int64_t> end_offset(const std::string& topic, std::chrono::milliseconds) override {
    if (topic != k_offsets_topic)
      return std::unexpected(make_kafka_error(kafka_errc::unknown_topic_or_part, "no " + topic));
    return static_cast<int64_t>(records_.size());
  }
  kafka_result<void> start(const std::string&, int64_t) override { return {}; }
  kafka_result<bool> poll(std::vector<state_record>& out, size_t, std::chrono::milliseconds) override {
    out.insert(out.end(), records_.begin(), records_.end());
    return true;
  }

 private:
  std::vector<state_record> records_;
};

// East's process: the journal of flow west->east publishing to east's tandem.offsets.
struct east_process {
  tandem::testing::temp_dir dir;
  std::shared_ptr<offsets::offset_store> store = open_state(dir.path()).value();
  fake_cluster east{"east"};
  std::shared_ptr<run_publisher> publisher = std::make_shared<run_publisher>(
      publisher_settings{}, [this]() -> std::expected<std::unique_ptr<state_producer>, std::string> {
        return std::make_unique<fake_state_producer>(east);
      });
  std::unique_ptr<flow_journal> journal = make_offset_journal(store, "west", "east", publisher);

  void deliver(int64_t src, int64_t dst, int64_t n) {
    for (int64_t i = 0; i < n; ++i) journal->delivered("orders", 0, src + i, dst + i);
  }
  void commit(int64_t resume) {
    auto ok = journal->commit(std::vector<partition_position>{{"orders", 0, resume}});
    ASSERT_TRUE(ok) << ok.error();
  }
  // Publishes everything queued, on this thread: the publisher's loop with its stop already
  // requested drains the queue and returns (once per publisher).
  std::vector<state_record> published() {
    publisher->drain_within(5s);
    std::stop_source stop;
    stop.request_stop();
    publisher->run(stop.get_token());
    std::vector<state_record> out;
    if (!east.has_topic(std::string(k_offsets_topic))) return out;
    for (const auto& r : east.records(std::string(k_offsets_topic), 0))
      out.push_back({r.key.value_or(""), r.value, r.offset});
    return out;
  }
};

// The words of flow west->east orders/0 in `records`, in log order.
std::vector<word> words_of(const std::vector<state_record>& records) {
  std::vector<word> out;
  for (const auto& rec : records) {
    auto d = decode_run_record(rec.key, rec.value);
    EXPECT_TRUE(d) << d.error();
    if (d && d->record.flow == k_we) out.push_back({d->record.run, d->tombstone});
  }
  return out;
}

TEST(durable_map, a_recreated_target_publishes_tombstones_then_the_new_runs) {
  east_process e;
  e.deliver(0, 0, 10);
  e.commit(10);
  e.deliver(10, 0, 5);  // the target was deleted and recreated: copies land at 0 again
  e.commit(15);
  EXPECT_EQ(e.store->runs(k_orders0).value(), (std::vector<run>{R(10, 0, 5)}));
  EXPECT_EQ(words_of(e.published()),
            (std::vector<word>{live(0, 0, 10), gone(0, 0), live(10, 0, 5)}));
}

TEST(durable_map, a_truncated_or_recreated_source_publishes_the_cut_run_and_tombstones) {
  east_process e;
  e.deliver(0, 100, 10);
  e.commit(10);
  e.journal->source_went_back("orders", 0, 6);  // truncated at 6: the run is cut, same key
  e.commit(6);
  e.journal->source_went_back("orders", 0, 0);  // recreated: a new log from 0
  e.deliver(0, 110, 3);
  e.commit(3);
  EXPECT_EQ(e.store->runs(k_orders0).value(), (std::vector<run>{R(0, 110, 3)}));
  EXPECT_EQ(words_of(e.published()), (std::vector<word>{live(0, 100, 10), live(0, 100, 6),
                                                        gone(0, 100), live(0, 110, 3)}));
}

TEST(durable_map, a_trim_publishes_the_head_cut_as_a_tombstone_and_a_new_key) {
  east_process e;
  e.deliver(0, 100, 4);
  e.deliver(10, 200, 10);  // a gap: two runs
  e.journal->echo("orders", 0, 50, "orders", 2);  // a peer run: never published by east
  e.commit(20);
  e.journal->trim_below("orders", 0, 12);  // the first run goes, the second is cut at its head
  EXPECT_EQ(e.store->runs(k_orders0).value(), (std::vector<run>{R(12, 202, 8)}));
  EXPECT_EQ(words_of(e.published()), (std::vector<word>{live(0, 100, 4), live(10, 200, 10),
                                                        gone(0, 100), gone(10, 200),
                                                        live(12, 202, 8)}));
}

TEST(durable_map, a_replay_publishes_the_pieces_the_store_keeps) {
  east_process e;
  e.deliver(0, 0, 5);
  e.commit(5);
  e.deliver(2, 5, 3);  // replayed from 2 after a failed delivery: a second copy of 2..4
  e.commit(5);
  e.journal->target_ends_at("orders", 0, 6);  // target truncated at 6 while stopped
  e.commit(5);
  EXPECT_EQ(e.store->runs(k_orders0).value(),
            (std::vector<run>{R(0, 0, 2), R(2, 2, 1), R(2, 5, 1), R(3, 3, 2)}));
  // (0 -> 0, 5) is split around the copy: its key is re-published with the first piece's
  // length; the cut of the copy at 6 splits the other copy of its group again.
  EXPECT_EQ(words_of(e.published()),
            (std::vector<word>{live(0, 0, 5), live(0, 0, 2), live(2, 2, 3), live(2, 5, 3),
                               live(2, 2, 1), live(2, 5, 1), live(3, 3, 2)}));
}

restore_settings settings_of_east() {
  restore_settings s;
  s.local_region = "east";
  s.remotes = {"west"};
  s.deadline = 5s;
  return s;
}

// The bug of issue #10: the target recreated while tandem runs, the state directory lost,
// restored from tandem.offsets. Before, the stale run came back, the correct one was refused
// ("target offset 0 is claimed by two source records"). Now: exactly the live map.
TEST(durable_map, restore_into_an_empty_store_after_a_recreation_yields_the_live_map) {
  east_process e;
  e.deliver(0, 0, 10);
  e.deliver(20, 30, 10);
  e.commit(30);
  e.journal->trim_below("orders", 0, 3);
  e.deliver(30, 0, 5);  // the target recreated
  e.commit(35);
  e.deliver(35, 5, 2);
  e.deliver(36, 20, 2);  // a replay of 36 after a failed delivery
  e.commit(38);
  const auto live_map = e.store->runs(k_orders0).value();
  ASSERT_EQ(live_map, (std::vector<run>{R(30, 0, 5), R(35, 5, 1), R(36, 6, 1), R(36, 20, 1),
                                        R(37, 21, 1)}));
  records_reader reader(e.published());
  tandem::testing::temp_dir fresh_dir;
  auto fresh = offsets::offset_store::open(fresh_dir.path()).value();
  std::atomic<bool> cancel{false};
  auto res = restore_state(reader, fresh, settings_of_east(), cancel);
  EXPECT_EQ(res.skipped, 0);
  EXPECT_EQ(fresh.runs(k_orders0).value(), live_map);
  // Translations land on the new target log: source 32 -> target 2, never the stale 32.
  EXPECT_EQ(fresh.translate_to_target(k_orders0, {33}).value().offset.v, 3);
}

// The rules of state_restore.h for a store that is not empty, and for missing tombstones.
TEST(durable_map, restore_decides_conflicts_by_log_order_and_keeps_unpublished_runs) {
  auto record = [](const word& w, int64_t offset) {
    run_entry e{{k_we, "orders", 0, w.r}, w.tombstone};
    return state_record{encode_run_key(e.record), encode_run_value(e), offset};
  };
  auto restore = [&](std::vector<word> words, std::vector<run> stored) {
    std::vector<state_record> records;
    for (const auto& w : words) records.push_back(record(w, static_cast<int64_t>(records.size())));
    records_reader reader(records);
    tandem::testing::temp_dir dir;
    auto store = offsets::offset_store::open(dir.path()).value();
    offsets::partition_batch b{k_orders0, stored, std::nullopt};
    EXPECT_TRUE(store.commit_batch({&b, 1}));
    std::atomic<bool> cancel{false};
    auto res = restore_state(reader, store, settings_of_east(), cancel);
    return std::pair(store.runs(k_orders0).value(), res);
  };
  // A tombstone lost (a full publish queue): the later of two conflicting runs wins.
  EXPECT_EQ(restore({live(0, 0, 100), live(100, 0, 5)}, {}).first, (std::vector<run>{R(100, 0, 5)}));
  // ... and replaces every earlier run it meets on the target, not the ones beside it.
  EXPECT_EQ(restore({live(0, 0, 10), live(20, 10, 10), live(40, 20, 10), live(60, 40, 5),
                     live(100, 5, 20)},
                    {})
                .first,
            (std::vector<run>{R(60, 40, 5), R(100, 5, 20)}));
  // A store from a backup holds runs the topic tombstoned or cut since: they go.
  auto [from_backup, res] = restore({live(0, 0, 100), live(200, 100, 50), gone(0, 0),
                                     live(100, 0, 5), live(200, 100, 20)},
                                    {R(0, 0, 100), R(200, 100, 50)});
  EXPECT_EQ(from_backup, (std::vector<run>{R(100, 0, 5), R(200, 100, 20)}));
  EXPECT_EQ(res.runs_erased, 1);
  // A stored run the topic does not hold was committed but not yet published: newer than the
  // topic, it wins over the topic's stale run (refused, counted).
  auto [unpublished, res2] = restore({live(0, 0, 100)}, {R(100, 0, 5)});
  EXPECT_EQ(unpublished, (std::vector<run>{R(100, 0, 5)}));
  EXPECT_EQ(res2.skipped, 1);
}

// The peer learner (east's process learns west's map of flow east->west from west's topic):
// tombstones erase exactly their run, rewritten runs replace the stored ones.
TEST(durable_map, the_peer_learner_applies_tombstones_and_rewritten_runs) {
  tandem::testing::temp_dir dir;
  auto store = offsets::offset_store::open(dir.path()).value();
  const offsets::flow_id ew{"east", "west"};
  const offsets::partition_ref peer0{ew, "orders", 0};
  peer_run_learner learner(store, ew);
  int64_t offset = 0;
  auto batch = [&](std::vector<word> words) {
    std::vector<state_record> records;
    for (const auto& w : words) {
      run_entry e{{ew, "orders", 0, w.r}, w.tombstone};
      records.push_back({encode_run_key(e.record), encode_run_value(e), offset++});
    }
    return learner.learn(records);
  };
  batch({live(0, 0, 10), live(10, 20, 10)});
  EXPECT_EQ(store.runs(peer0).value(), (std::vector<run>{R(0, 0, 10), R(10, 20, 10)}));
  // West's copy of east's topic was recreated: tombstones, then the new runs.
  auto c = batch({gone(0, 0), gone(10, 20)});
  EXPECT_EQ(c.erased, 2);
  batch({live(20, 0, 5)});
  EXPECT_EQ(store.runs(peer0).value(), (std::vector<run>{R(20, 0, 5)}));
  // A cut (same key, shorter): the stored run is replaced.
  batch({live(20, 0, 3)});
  EXPECT_EQ(store.runs(peer0).value(), (std::vector<run>{R(20, 0, 3)}));
  // A newer run without the tombstones of the ones it conflicts with: the peer's word wins.
  batch({live(40, 1, 4)});
  EXPECT_EQ(store.runs(peer0).value(), (std::vector<run>{R(40, 1, 4)}));
  EXPECT_EQ(learner.total().skipped, 0);
}

}  // namespace
}  // namespace tandem::engine
