// Traffic and verification for the engine's acceptance tests on real Kafka.
//
//   workload{region, partitions, base_ts}.make(seq)  the original of record `seq` of a region,
//                                                    recomputable from what is read back
//   paced_producer                                   a thread producing a workload's records
//                                                    [0, n) at a given rate (idempotent, acks=all)
//   offsets_probe                                    high watermarks of a topic (record counts),
//                                                    one long-lived client for frequent polls
//   analyze(records read back, context)              per origin region: records, distinct,
//                                                    duplicates, missing, order, field equality,
//                                                    origin header checked field by field
//
// A workload record: key "k<seq % 257>" (the partition follows the key: key index % partitions),
// value "<region>-<seq>|" + padding, timestamp base_ts + seq, one header "it-trace" =
// "<region>/<seq>". Replicated copies carry the same plus a last header `tandem-origin`.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/integration/kafka_test_env.h"

namespace tandem::testing {

struct workload {
  std::string region;
  int32_t partitions = 6;
  int64_t base_timestamp_ms = 0;
  // Records from `grown_at_seq` on spread over `partitions_after` partitions (a topic that
  // received partitions mid-run); -1: never.
  int64_t grown_at_seq = -1;
  int32_t partitions_after = 0;

  record make(int64_t seq) const;
};

// (region, seq) of a value written by workload::make; nullopt for any other record.
std::optional<std::pair<std::string, int64_t>> workload_id(const record& r);

// Milliseconds since the epoch (wall clock), for workload timestamps.
int64_t wall_clock_ms();

class paced_producer {
 public:
  // Starts producing records [first, first + count) of `w` into `topic` at `bootstrap`, at up to
  // `per_second` records per second (0: as fast as the client goes).
  paced_producer(std::string bootstrap, std::string topic, workload w, int64_t count,
                 double per_second = 0, int64_t first = 0);
  ~paced_producer();
  paced_producer(const paced_producer&) = delete;
  paced_producer& operator=(const paced_producer&) = delete;

  int64_t acked() const { return acked_; }
  bool finished() const { return finished_; }
  // Joins the thread. Returns an error text, empty when every record was acknowledged.
  std::string wait();
  std::chrono::milliseconds duration() const { return duration_; }

 private:
  void run();

  std::string bootstrap_, topic_;
  workload w_;
  int64_t first_, count_;
  double per_second_;
  std::atomic<int64_t> acked_{0};
  std::atomic<bool> finished_{false};
  std::mutex mu_;
  std::string error_;
  std::chrono::milliseconds duration_{0};
  std::thread thread_;
};

class offsets_probe {
 public:
  explicit offsets_probe(const std::string& bootstrap);
  ~offsets_probe();
  offsets_probe(const offsets_probe&) = delete;
  offsets_probe& operator=(const offsets_probe&) = delete;

  // Partition count with every partition led, -1 when the topic is unknown.
  int partitions(const std::string& topic);
  // High watermark per partition (queried from the broker); empty on any error.
  std::vector<int64_t> high_watermarks(const std::string& topic);
  // Records in the topic: the sum of high watermarks (logs start at 0, no transactions in these
  // tests). -1 on error.
  int64_t records(const std::string& topic);
  // Every topic name of the cluster; empty on error.
  std::vector<std::string> topics();

 private:
  rd_kafka_t* rk_ = nullptr;
};

// Adds partitions to `topic` until it has `total` (Admin CreatePartitions) and waits until the
// metadata shows them led. Returns an error text, empty on success.
std::string create_partitions(const std::string& bootstrap, const std::string& topic,
                              int total);

// Polls `condition` every `every` until it holds or `deadline` passes; true when it held.
template <class F>
bool wait_until(F condition, std::chrono::milliseconds deadline,
                std::chrono::milliseconds every = std::chrono::milliseconds(200)) {
  auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(every);
  }
}

// ---- verification ------------------------------------------------------------------------------

struct analysis_context {
  std::string region;        // the cluster the records were read from
  std::string topic;         // the topic read there (the `d=` topic of copies)
  std::string source_topic;  // the topic in the origin clusters (the `s=` topic); identity: topic
  std::map<std::string, workload> workloads;  // origin region -> its workload
  std::map<std::string, int64_t> expected;    // origin region -> records [0, n) expected here
  // origin region -> (seq -> offset of the original in the origin cluster). When given for an
  // origin, the `s=` offset of each copy's header must match exactly.
  std::map<std::string, std::map<int64_t, int64_t>> origin_offsets;
};

struct origin_tally {
  int64_t records = 0;       // read, duplicates included
  int64_t distinct = 0;      // different seqs
  int64_t duplicates = 0;    // records - distinct
  int64_t missing = 0;       // expected seqs never read
  int64_t out_of_order = 0;  // first occurrences behind an earlier one of the same partition
  int64_t mismatched = 0;    // partition, key, value, timestamp or headers differ
};

struct topic_report {
  int64_t total = 0;
  int64_t unexpected = 0;  // records of no expected origin / seq out of range
  std::map<std::string, origin_tally> origins;
  std::vector<std::string> problems;  // the first few, in detail

  int64_t duplicates() const;
  int64_t missing() const;
  int64_t out_of_order() const;
  int64_t mismatched() const;
  std::string summary() const;
};

topic_report analyze(const std::vector<record>& records, const analysis_context& ctx);

// seq -> offset of the records of `region`'s own workload among `records` (first occurrence).
std::map<int64_t, int64_t> local_offsets(const std::vector<record>& records,
                                         const std::string& region);

}  // namespace tandem::testing
