// Publishes the runs a process's flows commit to the compacted topic tandem.offsets of its LOCAL
// cluster (the cluster the flows write to; record format in engine/state/run_record.h), so that a
// replaced process rebuilds its map from Kafka (engine/state/state_restore.h) and the peer region's
// process learns this direction of the pair (engine/state/peer_runs.h). docs/design.md "Offset map":
// RocksDB is the local index, Kafka the durable store.
//
//   flow thread:  offset_journal::commit ──commit_batch ok──> publish(own runs)  (queued)
//                                                                  │
//   publisher thread: ensure_topic (compact, 1 partition) ──> produce, flush: one batch
//                     failure → the batch goes back to the head of the queue, retried after a
//                     backoff (1 s doubling to 30 s); tandem_offset_publish_errors_total +1 and
//                     one log line per failure streak
//
// Only a flow's OWN runs (from delivery reports) are published; runs learned from echoes or from
// the peer's topic belong to the peer, which publishes them itself. Entries are runs or
// tombstones (engine/state/run_record.h: a run erased from the map by an invalidation or a
// trim). The queue is FIFO from publish() to the topic, a failed batch going back to its head:
// a tombstone never overtakes a later re-publication of its key, nor a run an earlier one.
//
// Never blocks the caller: publish() appends under a mutex and returns. The queue is bounded
// (max_queued entries; beyond it the oldest are dropped, counted as errors and logged): a dropped
// run stays in the local store and is missing from Kafka only, so a restore from Kafka would have
// a hole there, which at failover means re-reads, never skips (docs/design.md "Translation"). A
// dropped tombstone leaves a stale run live in the topic: a replay lets the later run that
// conflicts with it win (engine/state/apply_runs.h), and a stale run nothing conflicts with
// only adds coverage the target no longer holds, which group translations clamp.
//
// Delivery is at-least-once: a failed or timed-out flush re-produces its whole batch (records
// may then be written twice; compaction keeps one per key).
//
// run(stop) is the publisher's loop on a thread its owner runs (engine/daemon/ owns every thread):
// once `stop` is requested it produces what is queued and flushes, within the deadline given to
// drain_within() (the daemon gives it what is left of its shutdown budget; none: 0), logs the
// runs left unpublished, and returns.
//
// Thread safety: publish(), drain_within() and snapshot() from any thread; run() from one.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include <prometheus/counter.h>

#include "engine/kafka/seam.h"
#include "engine/obs/metrics.h"
#include "engine/state/run_record.h"

namespace tandem::engine {

struct publisher_settings {
  std::string scope = "offsets";                    // log scope
  std::string topic = std::string(k_offsets_topic);
  std::chrono::milliseconds request_timeout{5000};  // ensure_topic and each flush. Default: 5 s
  std::chrono::milliseconds retry_backoff{1000};    // after a failure; doubles up to 30 s
  size_t max_batch = 5000;                          // runs per produce/flush round
  size_t max_queued = 1'000'000;                    // Default: 1M runs (~100 MB at most)
};

// Prometheus counters the publisher increments (either may be null).
struct publisher_counters {
  prometheus::Counter* published = nullptr;  // tandem_offset_runs_published_total
  prometheus::Counter* errors = nullptr;     // tandem_offset_publish_errors_total
};

// The publisher's counters in `registry` (its families are defined in run_publisher.cc), created
// on first call (absent from the exposition until then); the same ones afterwards.
publisher_counters publisher_metrics(metrics& registry);

class run_publisher {
 public:
  // Builds the producer, on the publisher's thread (retried after a failure).
  using producer_factory =
      std::function<std::expected<std::unique_ptr<state_producer>, std::string>()>;

  run_publisher(publisher_settings settings, producer_factory factory);
  run_publisher(const run_publisher&) = delete;
  run_publisher& operator=(const run_publisher&) = delete;

  // The publisher's loop, on the caller's thread, until `stop` is requested; then what is
  // queued within the drain deadline, and returns. Runs published before run() wait in the
  // queue. `counters` are incremented from then on.
  void run(std::stop_token stop, publisher_counters counters = {});
  // The time the final publication after the stop may take, from now (default: none, i.e.
  // one look at the queue). Call before requesting the stop.
  void drain_within(std::chrono::milliseconds deadline);
  // Queues entries (runs, tombstones) for publication, in this order; returns at once.
  void publish(std::vector<run_entry> entries);
  void publish(std::vector<run_record> runs);  // runs only

  struct stats {
    int64_t published = 0;  // entries (runs, tombstones) whose flush succeeded
    int64_t errors = 0;     // failed rounds (producer, topic, produce or flush) + dropped runs
    int64_t dropped = 0;    // runs dropped because the queue was full
    size_t queued = 0;      // runs waiting
  };
  stats snapshot() const;

 private:
  using clock = std::chrono::steady_clock;
  void publish_until(const std::stop_token& stop);
  void drain();
  // One produce/flush round of `batch`; false (and the batch requeued) on failure.
  bool round(std::vector<run_entry>& batch, std::chrono::milliseconds timeout);
  void failed(const std::string& what);
  std::vector<run_entry> take_batch();  // under mu_
  void requeue(std::vector<run_entry>& batch);

  publisher_settings s_;
  producer_factory factory_;
  publisher_counters counters_;

  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  std::deque<run_entry> queue_;
  std::optional<clock::time_point> drain_by_;
  stats stats_;
  bool reported_drop_ = false;

  // Publisher thread only.
  std::unique_ptr<state_producer> producer_;
  bool topic_ready_ = false;
  bool failing_ = false;
  std::chrono::milliseconds backoff_{0};
  clock::time_point retry_at_{};
};

}  // namespace tandem::engine
