#include "engine/state/run_publisher.h"

#include <algorithm>

#include "engine/obs/log.h"

namespace tandem::engine {

using std::chrono::milliseconds;

namespace {

constexpr family_spec k_runs_published{
    "tandem_offset_runs_published_total",
    "Offset-map runs (and tombstones of erased runs) written to the local cluster's "
    "tandem.offsets topic."};
constexpr family_spec k_publish_errors{
    "tandem_offset_publish_errors_total",
    "Failed attempts to write runs to tandem.offsets (retried), plus runs dropped from a full "
    "publish queue."};

}  // namespace

publisher_counters publisher_metrics(metrics& registry) {
  return {&registry.counter(k_runs_published).Add({}),
          &registry.counter(k_publish_errors).Add({})};
}

run_publisher::run_publisher(publisher_settings settings, producer_factory factory)
    : s_(std::move(settings)), factory_(std::move(factory)), backoff_(s_.retry_backoff) {}

void run_publisher::run(std::stop_token stop, publisher_counters counters) {
  {
    std::lock_guard lock(mu_);
    counters_ = counters;
  }
  publish_until(stop);
  drain();
}

void run_publisher::drain_within(milliseconds deadline) {
  std::lock_guard lock(mu_);
  if (!drain_by_) drain_by_ = clock::now() + deadline;
}

void run_publisher::publish(std::vector<run_record> runs) {
  std::vector<run_entry> entries;
  entries.reserve(runs.size());
  for (auto& r : runs) entries.push_back({std::move(r), false});
  publish(std::move(entries));
}

void run_publisher::publish(std::vector<run_entry> runs) {
  if (runs.empty()) return;
  {
    std::lock_guard lock(mu_);
    for (auto& r : runs) queue_.push_back(std::move(r));
    size_t over = queue_.size() > s_.max_queued ? queue_.size() - s_.max_queued : 0;
    if (over > 0) {
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(over));
      stats_.dropped += static_cast<int64_t>(over);
      stats_.errors += static_cast<int64_t>(over);
      if (counters_.errors) counters_.errors->Increment(static_cast<double>(over));
      if (!reported_drop_)
        log::error(s_.scope) << "more than " << s_.max_queued << " runs wait for " << s_.topic
                             << ": dropping the oldest (kept in the local store only)";
      reported_drop_ = true;
    } else {
      reported_drop_ = false;
    }
  }
  cv_.notify_one();
}

run_publisher::stats run_publisher::snapshot() const {
  std::lock_guard lock(mu_);
  stats s = stats_;
  s.queued = queue_.size();
  return s;
}

std::vector<run_entry> run_publisher::take_batch() {
  size_t n = std::min(queue_.size(), s_.max_batch);
  auto end = queue_.begin() + static_cast<std::ptrdiff_t>(n);
  std::vector<run_entry> batch(std::make_move_iterator(queue_.begin()),
                                std::make_move_iterator(end));
  queue_.erase(queue_.begin(), end);
  return batch;
}

void run_publisher::requeue(std::vector<run_entry>& batch) {
  std::lock_guard lock(mu_);
  queue_.insert(queue_.begin(), std::make_move_iterator(batch.begin()),
                std::make_move_iterator(batch.end()));
  batch.clear();
}

void run_publisher::failed(const std::string& what) {
  {
    std::lock_guard lock(mu_);
    ++stats_.errors;
  }
  if (counters_.errors) counters_.errors->Increment();
  if (!failing_)
    log::warn(s_.scope) << "publishing runs to " << s_.topic << " failed (retrying every "
                        << "few seconds; the runs are in the local store): " << what;
  failing_ = true;
  retry_at_ = clock::now() + backoff_;
  backoff_ = std::min(backoff_ * 2, milliseconds(30000));
}

bool run_publisher::round(std::vector<run_entry>& batch, milliseconds timeout) {
  auto fail = [&](const std::string& what) {
    failed(what);
    requeue(batch);
    return false;
  };
  if (!producer_) {
    auto p = factory_();
    if (!p) return fail(p.error());
    producer_ = std::move(*p);
  }
  if (!topic_ready_) {
    if (auto ok = producer_->ensure_topic(s_.topic, 1, {{"cleanup.policy", "compact"}}, timeout);
        !ok)
      return fail("creating " + s_.topic + ": " + to_string(ok.error()));
    topic_ready_ = true;
  }
  for (const auto& e : batch) {
    const std::optional<std::string> value = encode_run_value(e);  // nullopt: a tombstone
    if (auto ok = producer_->produce(s_.topic, encode_run_key(e.record), value); !ok)
      return fail(to_string(ok.error()));
  }
  if (auto ok = producer_->flush(timeout); !ok) return fail(to_string(ok.error()));
  {
    std::lock_guard lock(mu_);
    stats_.published += static_cast<int64_t>(batch.size());
  }
  if (counters_.published) counters_.published->Increment(static_cast<double>(batch.size()));
  if (failing_) log::info(s_.scope) << "publishing runs to " << s_.topic << " again";
  failing_ = false;
  backoff_ = s_.retry_backoff;
  return true;
}

void run_publisher::publish_until(const std::stop_token& stop) {
  // One round whenever runs wait and no backoff is pending.
  for (;;) {
    std::vector<run_entry> batch;
    {
      std::unique_lock lock(mu_);
      auto go = [&] { return !queue_.empty() && clock::now() >= retry_at_; };
      if (queue_.empty())
        cv_.wait(lock, stop, go);
      else
        cv_.wait_until(lock, stop, retry_at_, go);
      if (stop.stop_requested()) return;
      if (!go()) continue;
      batch = take_batch();
    }
    round(batch, s_.request_timeout);
  }
}

void run_publisher::drain() {
  // What is queued, within the deadline (no backoff: one attempt per batch).
  for (;;) {
    std::vector<run_entry> batch;
    clock::time_point by;
    {
      std::lock_guard lock(mu_);
      by = drain_by_.value_or(clock::now());
      if (queue_.empty()) break;
      batch = take_batch();
    }
    auto left = std::chrono::duration_cast<milliseconds>(by - clock::now());
    if (left.count() <= 0) {
      requeue(batch);
      break;
    }
    if (!round(batch, std::min(left, s_.request_timeout))) break;
  }
  size_t left = snapshot().queued;
  if (left > 0)
    log::warn(s_.scope) << left << " run(s) not published to " << s_.topic
                        << " at shutdown (they are in the local store; a restore from Kafka "
                           "would miss them: re-reads at failover, never skips)";
  producer_.reset();  // on this thread: the producer's destructor may flush briefly
}

}  // namespace tandem::engine
