// One inbound flow S→T: consume the remote cluster S, produce into the local cluster T.
//
//   S: record_source ──poll──> decide (loopguard) ──replicate──> name (policy) ──forward──> T
//                                  │ drop (echo / third party)                  │ delivery report
//                                  └──> progress.dropped                         └──> progress.delivered
//                                                                                     journal.delivered
//   every commit_interval: journal.commit(positions) (RocksDB), source.commit(positions) (Kafka)
//   every topic_refresh:   sync_topics + assign new partitions
//                          (after the first: on a helper thread, applied by step() when done)
//
// Operation (one step()):
//   1. refresh topics when due (creating/growing targets, pausing mismatches);
//   2. poll a batch; per record: loopguard decision; drops are done at once, others are
//      forwarded with the origin header, on the same partition, with the source timestamp;
//   3. serve delivery reports: a partition's resume position advances only over records that
//      are delivered (acks=all) or dropped (partition_progress);
//   4. commit positions when due.
// A full producer queue makes step() serve reports for a bounded time, then return with the
// unhandled rest of the batch kept for the next step() (bounded memory, and the owner still
// sees stop requests while the target is down).
//
// Never skip silently: a record below the partition's position (the source went back:
// truncated or recreated) rewinds the position and is replicated; a gap that starts below
// the source's log start (retention deleted records before they were replicated) is
// replicated past. Both raise tandem_alarms_total and log an error. A position the source
// refuses as out of range (issue #10) is decided with the partition's watermarks
// (flow_out_of_range.cc): below the log start → retention_outran, continue at the log start;
// above the end → source_truncated, the vanished offsets logged, continue at the end of a
// truncated log or at the start of a recreated one. A source topic deleted and recreated is
// found by its witness, the flow group's committed offset (flow_incarnation.cc), at start and
// before each commit: source_recreated, the new log copied from its start.
//
// Failure handling: a permanent produce error (e.g. record too large) pauses that topic with a
// clear error; its position stays before the failed record, so nothing is skipped. A fatal
// producer error or a retriable delivery failure sets needs_restart(): the owner stops this
// flow and starts a new one, which resumes from the committed positions (at-least-once).
//
// Threading: every method but status() runs on the flow's own thread. With
// background_refresh, sync_topics (the source's list_topics / describe_configs and the sink's
// list_topics / create_topic / create_partitions) runs on a helper thread while the flow thread
// keeps polling and forwarding: those calls must be safe to make concurrently with the rest
// (librdkafka's are; the unit tests' fakes are not, so those tests turn it off). Why: a refresh
// waits for a metadata round trip to each cluster (ms, up to admin_timeout when one is slow),
// and every record arriving meanwhile would wait with it.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <expected>
#include <map>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "engine/flow/flow_journal.h"
#include "engine/kafka/seam.h"
#include "engine/flow/flow_metrics.h"
#include "engine/flow/progress.h"
#include "engine/flow/topic_sync.h"
#include "loopguard/echo_claim.h"
#include "policy/topic_filter.h"

namespace tandem::engine {

struct flow_settings {
  std::string source_region;
  std::string target_region;
  policy::topic_filter filter;
  config_copy_policy configs;
  std::chrono::milliseconds topic_refresh{5000};
  std::chrono::milliseconds commit_interval{1000};
  // How often every assigned partition's position is committed to the flow group even when
  // unchanged (see keep_witnesses). Default: 1 h (Kafka keeps offsets 7 days by default).
  std::chrono::milliseconds witness_keepalive{std::chrono::hours(1)};
  std::chrono::milliseconds admin_timeout{3000};  // bounds a refresh while a cluster is down
  size_t batch_size = 2000;
  // Refreshes after the first one run on a helper thread (see "Threading" below).
  bool background_refresh = true;
};

// A snapshot for /readyz and logs.
struct flow_status {
  bool source_reachable = false;
  bool target_reachable = false;
  int topics_ready = 0;
  int topics_paused = 0;
  std::string problem;  // the latest error, empty when none
  // Since when every journal commit failed (positions and runs not persisted); nullopt while
  // they succeed. The owner reports the flow not ready past a grace period (docs/design.md
  // "Safety rules").
  std::optional<std::chrono::steady_clock::time_point> commit_failing_since;
};

using sink_factory =
    std::function<std::expected<std::unique_ptr<record_sink>, std::string>(delivery_handler)>;

class flow {
 public:
  flow(flow_settings settings, std::unique_ptr<record_source> source, flow_journal& journal,
       flow_metrics& metrics);
  ~flow();
  flow(const flow&) = delete;
  flow& operator=(const flow&) = delete;

  // Creates the sink (its delivery handler points at this flow). Error: bad client config.
  [[nodiscard]] std::expected<void, std::string> start(const sink_factory& make_sink);
  // One iteration (see class comment). `idle_wait` bounds the poll when nothing is in flight.
  void step(std::chrono::milliseconds idle_wait = std::chrono::milliseconds(100));
  // Stops consuming, waits up to `drain` for in-flight records, commits. Safe to call twice.
  void stop(std::chrono::milliseconds drain);

  bool needs_restart() const { return needs_restart_; }
  flow_status status() const;
  const std::string& name() const { return name_; }

 private:
  struct topic_entry;
  struct partition_state {
    topic_entry* topic = nullptr;
    int32_t partition = 0;
    partition_progress progress;
    int64_t committed = -1;  // last position handed to the journal
    int64_t next_expected = 0;  // offset after the last record consumed (continuity check)
    // Assigned at the log start: the first record's offset is wherever the log starts, not a
    // gap to alarm on.
    bool from_log_start = false;
    int64_t trimmed_below = 0;  // the source's log start last handed to journal.trim_below
    int64_t last_dst = -1;      // target offset of the last delivery report (alarm if it goes back)
    // Echo headers believed so far (loopguard/echo_claim.h), reset when the source goes back.
    loopguard::echo_order echoes{};
    // The end of the target partition last asked for: echoes claiming an offset below it need
    // no request (it only grows; reset when the target partition went back).
    int64_t target_end = 0;
    // The flow group's committed offset of this partition was seen on the source: the witness
    // of the source topic's incarnation (flow_incarnation.cc). Its disappearance means the
    // topic was deleted (Kafka deletes a topic's committed offsets with it).
    bool witnessed = false;
    // A position was committed to the flow group and not yet seen there: looked for at the
    // next commit even when the position does not change.
    bool witness_pending = false;
    // A delivery report arrived since the last target probe (flow_target_loss.cc).
    bool delivered_since_probe = false;
    // A delivery landed at or below an earlier one: the target lost its copies from here on;
    // copied again at the end of the step (flow_target_loss.cc). -1: none.
    int64_t target_went_back_to = -1;
  };
  struct topic_entry {
    replicated_topic info;
    topic_counters* counters = nullptr;  // cached: no metrics lookup per record
    bool paused = false;
    bool paused_by_mismatch = false;  // cleared when the partition counts match again
    bool warned_malformed = false;
    bool warned_larger_target = false;
    bool warned_rejected = false;  // an echo header not believed was logged
    bool created_by_us = false;  // target created by this flow: never resume from group offsets
    // Delivered since the last publish_metrics(): counted here, added to the Prometheus
    // counters once per step (their atomic updates cost more than the rest of a report).
    uint64_t unpublished_records = 0;
    uint64_t unpublished_bytes = 0;
    // Partitions being consumed, indexed by partition number. A deque: growing it keeps
    // references to existing entries valid.
    std::deque<partition_state> parts;
  };

  // Starts a refresh when due (in the background after the first) and applies a finished one.
  void refresh_topics(std::chrono::steady_clock::time_point now);
  void apply_topics(topic_sync_result res);
  topic_entry& apply_topic(const replicated_topic& info, bool created_now);
  int64_t resume_within_target(topic_entry& t, int32_t partition, int64_t pos);
  // Where a newly assigned partition starts (flow_incarnation.cc), given the journal's resume
  // position and the flow group's committed offset (nullopt: none / unreadable).
  int64_t start_position(topic_entry& t, int32_t partition, std::optional<int64_t> resume,
                         std::optional<int64_t> group, bool group_read);
  // Before positions are committed: a partition whose witness vanished belongs to a new
  // incarnation of its topic; it is restarted from its log start and its entry in `changed`
  // rewritten (flow_incarnation.cc).
  void check_incarnations(std::vector<partition_position>& changed);
  void restart_recreated(partition_state& p);
  void forget_old_log(const std::string& topic, int32_t partition);
  void expect_witnesses(std::span<const partition_position> sent);
  // Commits every assigned partition's position to the flow group now and then, so that an
  // idle partition's committed offset never expires (offsets.retention.minutes) and is then
  // mistaken for a deleted topic.
  void keep_witnesses(std::chrono::steady_clock::time_point now);
  // Targets that lost copies while the flow runs (flow_target_loss.cc): the idle partitions to
  // probe at the next refresh, and what a refresh found.
  std::vector<target_probe> idle_targets();
  topic_sync_result sync_and_probe(const topic_sync_settings& ts, std::vector<target_probe> probes);
  void check_targets(const topic_sync_result& res, const std::set<std::string>& recreated);
  void target_lost(partition_state& p, int64_t target_end, bool alarmed = false);
  void copy_lost_targets();  // the partitions on_delivery marked (target_went_back_to)
  int64_t log_start_of(const std::string& topic, int32_t partition);
  topic_sync_settings sync_settings() const;
  void assign_new_partitions(topic_entry& t);
  // false: the producer queue stayed full; the record is kept for the next step().
  bool handle(const record_ref& r);
  bool forward(const record_ref& r, partition_state& p, topic_entry& t);
  // Judges an echo's header (loopguard/echo_claim.h); a rejected one is counted and logged.
  loopguard::claim judge_echo(const record_ref& r, partition_state& p,
                              const loopguard::origin& header);
  void check_continuity(const record_ref& r, partition_state& p);
  // Positions the source refused as out of range: where each partition continues
  // (flow_out_of_range.cc). A refusal that cannot be resolved yet (watermarks unreadable) is
  // kept and tried again at the next step.
  void handle_out_of_range();
  bool resolve_out_of_range(const partition_position& refused);
  int64_t continue_above_end(partition_state& p, int64_t pos, const watermarks& w);
  void release_leftovers();
  // Releases the records of `topic` (one partition, or all) still waiting in the batch: a seek
  // reads them again.
  void drop_waiting(std::string_view topic, std::optional<int32_t> partition);
  void on_delivery(const record_ref& src, int64_t dst_offset, const kafka_error* error);
  // Serves delivery reports (sink_->poll) / adds what they counted to the metrics.
  int serve_reports(std::chrono::milliseconds timeout);
  void publish_metrics();
  void pause(topic_entry& t, const std::string& why);
  void resume(topic_entry& t);
  void commit();
  partition_state* find(std::string_view topic, int32_t partition);
  void set_problem(const std::string& p);

  flow_settings s_;
  std::string name_;  // "west->east", the log scope
  std::unique_ptr<record_source> source_;
  std::unique_ptr<record_sink> sink_;  // destroyed before source_ (holds its messages)
  flow_journal& journal_;
  flow_metrics& metrics_;

  // std::map: node-based, partition_state::topic pointers stay valid.
  std::map<std::string, topic_entry, std::less<>> topics_;
  // One-entry cache for find(): records of a batch come in runs of one partition.
  std::string_view last_topic_;
  int32_t last_partition_ = -1;
  partition_state* last_state_ = nullptr;

  // Metrics of delivered records not yet published (see topic_entry::unpublished_records).
  std::vector<topic_entry*> unpublished_;
  std::vector<double> latency_counts_;  // per bucket of latency_buckets_seconds, then +Inf
  double latency_sum_s_ = 0;
  uint64_t latency_observed_ = 0;
  // Wall clock of the reports being served: read once per poll, not once per record.
  int64_t report_clock_ms_ = -1;

  std::vector<partition_position> out_of_range_;  // refused positions not yet resolved
  std::vector<partition_state*> went_back_;  // partitions with target_went_back_to set
  std::vector<record_ref> batch_;
  size_t batch_pos_ = 0;  // records before it are handled; the rest wait for a full queue
  std::string header_buf_;
  std::chrono::steady_clock::time_point next_refresh_{};
  std::future<topic_sync_result> pending_refresh_;  // a background refresh under way
  bool refreshed_once_ = false;
  std::chrono::steady_clock::time_point next_commit_{};
  std::chrono::steady_clock::time_point next_keepalive_{};
  std::chrono::milliseconds refresh_backoff_{0};
  bool stopped_ = false;
  bool unreachable_problem_ = false;  // status_.problem was set by an unreachable cluster
  std::atomic<bool> needs_restart_{false};

  mutable std::mutex status_mu_;
  flow_status status_;
};

}  // namespace tandem::engine
