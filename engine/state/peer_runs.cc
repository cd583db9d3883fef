#include "engine/state/peer_runs.h"

#include <thread>
#include <vector>

#include "engine/obs/log.h"

namespace tandem::engine {

using std::chrono::milliseconds;

peer_run_learner::peer_run_learner(offsets::offset_store& store, offsets::flow_id flow)
    : store_(store), flow_(std::move(flow)), scope_(offsets::to_string(flow_)) {}

learn_counts peer_run_learner::learn(std::span<const state_record> records) {
  learn_counts c;
  std::string problem;
  std::vector<run_record> runs;
  for (const auto& r : records) {
    ++c.records;
    auto d = decode_run_record(r.key, r.value);
    if (!d) {
      ++c.skipped;
      if (problem.empty()) problem = d.error();
      continue;
    }
    if (!d->tombstone && d->record.flow == flow_) runs.push_back(std::move(d->record));
  }
  if (!runs.empty()) {
    auto applied = apply_runs(store_, runs);
    c.runs = applied.runs_new;
    c.skipped += applied.rejected;
    if (problem.empty()) problem = applied.problem;
  }
  if (!problem.empty() && !reported_) {
    log::warn(scope_) << "peer runs: skipped a record (further ones are only counted): "
                      << problem;
    reported_ = true;
  }
  total_.records += c.records;
  total_.runs += c.runs;
  total_.skipped += c.skipped;
  return c;
}

void tail_peer_runs(state_reader& reader, peer_run_learner& learner, const tail_settings& s,
                    const std::atomic<bool>& stopping) {
  using clock_type = std::chrono::steady_clock;
  bool started = false;
  bool failing = false;
  bool caught_up = false;
  auto retry_at = clock_type::now();
  auto trouble = [&](const kafka_error& e) {
    if (!failing)
      log::warn(learner.scope()) << "peer runs: cannot read the peer's " << s.topic
                                 << " (retrying every " << s.retry_interval.count() / 1000
                                 << " s): " << to_string(e);
    failing = true;
    retry_at = clock_type::now() + s.retry_interval;
  };
  std::vector<state_record> batch;
  while (!stopping) {
    if (!started) {
      if (clock_type::now() < retry_at) {
        std::this_thread::sleep_for(milliseconds(100));
        continue;
      }
      if (auto end = reader.end_offset(s.topic, s.request_timeout); !end) {
        trouble(end.error());
        continue;
      }
      if (auto ok = reader.start(s.topic, offset_beginning); !ok) {
        trouble(ok.error());
        continue;
      }
      started = true;
      caught_up = false;
    }
    batch.clear();
    auto polled = reader.poll(batch, 5000, s.poll_timeout);
    const bool at_end = polled && *polled;
    if (!polled) {
      // deleted: start over later
      if (polled.error().is(kafka_errc::unknown_topic_or_part)) started = false;
      trouble(polled.error());
      std::this_thread::sleep_for(milliseconds(100));  // the client retries by itself meanwhile
    } else if (failing && (!batch.empty() || at_end)) {
      log::info(learner.scope()) << "peer runs: reading the peer's " << s.topic << " again";
      failing = false;
    }
    if (!batch.empty()) learner.learn(batch);
    if (at_end && !caught_up) {
      caught_up = true;
      const auto& t = learner.total();
      log::info(learner.scope()) << "peer runs: caught up with the peer's " << s.topic << ": "
                                 << t.records << " records read, " << t.runs << " runs learned, "
                                 << t.skipped << " skipped";
    }
  }
}

}  // namespace tandem::engine
