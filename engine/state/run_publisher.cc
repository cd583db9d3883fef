#include "engine/state/run_publisher.h"

#include <algorithm>

#include "engine/obs/log.h"

namespace tandem::engine {

using std::chrono::milliseconds;

run_publisher::run_publisher(publisher_settings settings, producer_factory factory)
    : s_(std::move(settings)), factory_(std::move(factory)), backoff_(s_.retry_backoff) {}

run_publisher::~run_publisher() { stop(milliseconds(0)); }

void run_publisher::start(publisher_counters counters) {
  if (thread_.joinable()) return;
  counters_ = counters;
  thread_ = std::thread([this] { loop(); });
}

void run_publisher::publish(std::vector<run_record> runs) {
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

void run_publisher::stop(milliseconds deadline) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      stopping_ = true;
      stop_by_ = clock::now() + deadline;
    }
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

run_publisher::stats run_publisher::snapshot() const {
  std::lock_guard lock(mu_);
  stats s = stats_;
  s.queued = queue_.size();
  return s;
}

std::vector<run_record> run_publisher::take_batch() {
  size_t n = std::min(queue_.size(), s_.max_batch);
  auto end = queue_.begin() + static_cast<std::ptrdiff_t>(n);
  std::vector<run_record> batch(std::make_move_iterator(queue_.begin()),
                                std::make_move_iterator(end));
  queue_.erase(queue_.begin(), end);
  return batch;
}

void run_publisher::requeue(std::vector<run_record>& batch) {
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

bool run_publisher::round(std::vector<run_record>& batch, milliseconds timeout) {
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
  for (const auto& r : batch)
    if (auto ok = producer_->produce(s_.topic, encode_run_key(r), encode_run_value(r)); !ok)
      return fail(to_string(ok.error()));
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

void run_publisher::loop() {
  // Running: one round whenever runs wait and no backoff is pending.
  for (;;) {
    std::vector<run_record> batch;
    {
      std::unique_lock lock(mu_);
      while (!stopping_ && (queue_.empty() || clock::now() < retry_at_)) {
        if (queue_.empty())
          cv_.wait(lock);
        else
          cv_.wait_until(lock, retry_at_);
      }
      if (stopping_) break;
      batch = take_batch();
    }
    round(batch, s_.request_timeout);
  }
  // Stopping: what is queued, within the deadline (no backoff: one attempt per batch).
  for (;;) {
    std::vector<run_record> batch;
    clock::time_point by;
    {
      std::lock_guard lock(mu_);
      by = stop_by_;
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
