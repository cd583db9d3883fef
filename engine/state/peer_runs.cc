#include "engine/state/peer_runs.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "engine/obs/log.h"

namespace tandem::engine {

using std::chrono::milliseconds;

peer_run_learner::peer_run_learner(offsets::offset_store& store, offsets::flow_id flow,
                                   std::vector<offsets::flow_id> also)
    : store_(store), scope_(offsets::to_string(flow)) {
  flows_.push_back(std::move(flow));
  for (auto& f : also) flows_.push_back(std::move(f));
}

std::vector<offsets::flow_id> third_region_flows(const std::string& remote,
                                                 std::span<const std::string> third_regions,
                                                 bool identity) {
  std::vector<offsets::flow_id> out;
  if (identity)
    for (const std::string& c : third_regions) out.push_back({c, remote});
  return out;
}

learn_counts peer_run_learner::learn(std::span<const state_record> records) {
  learn_counts c;
  std::string problem;
  std::vector<run_entry> entries;  // in log order, tombstones included
  for (const auto& r : records) {
    ++c.records;
    auto d = decode_run_record(r.key, r.value);
    if (!d) {
      ++c.skipped;
      if (problem.empty()) problem = d.error();
      continue;
    }
    if (std::ranges::find(flows_, d->record.flow) != flows_.end()) entries.push_back(std::move(*d));
  }
  if (!entries.empty()) {
    auto applied = apply_entries(store_, entries, conflict_rule::newest_record);
    c.runs = applied.runs_new;
    c.erased = applied.runs_erased;
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
  total_.erased += c.erased;
  total_.skipped += c.skipped;
  return c;
}

namespace {

// One tail of the peer's topic: where it is and whether it is failing.
struct peer_tail {
  state_reader& reader;
  peer_run_learner& learner;
  const tail_settings& s;
  bool started = false;
  bool failing = false;
  bool caught_up = false;

  void trouble(const kafka_error& e) {
    if (!failing)
      log::warn(learner.scope()) << "peer runs: cannot read the peer's " << s.topic
                                 << " (retrying every " << s.retry_interval.count() / 1000
                                 << " s): " << to_string(e);
    failing = true;
  }

  // Subscribes from the beginning; false (reported) when the peer cannot be read.
  bool start() {
    auto end = reader.end_offset(s.topic, s.request_timeout);
    auto ok = end ? reader.start(s.topic, offset_beginning) : std::unexpected(end.error());
    if (!ok) {
      trouble(ok.error());
      return false;
    }
    started = true;
    caught_up = false;
    return true;
  }

  // One poll into the learner; false on an error (reported).
  bool poll(std::vector<state_record>& batch) {
    batch.clear();
    auto polled = reader.poll(batch, 5000, s.poll_timeout);
    const bool at_end = polled && *polled;
    if (!polled) {
      // deleted: start over later
      if (polled.error().is(kafka_errc::unknown_topic_or_part)) started = false;
      trouble(polled.error());
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
                                 << t.erased << " erased, " << t.skipped << " skipped";
    }
    return polled.has_value();
  }
};

}  // namespace

void tail_peer_runs(state_reader& reader, peer_run_learner& learner, const tail_settings& s,
                    const std::atomic<bool>& stopping, const stop_wait& wait) {
  peer_tail tail{reader, learner, s};
  std::vector<state_record> batch;
  while (!stopping) {
    if (!tail.started) {
      if (!tail.start() && !wait(s.retry_interval)) return;
      continue;
    }
    // After an error the client retries by itself meanwhile; a deleted topic is looked for
    // again after the retry interval.
    if (!tail.poll(batch) && !wait(tail.started ? milliseconds(100) : s.retry_interval)) return;
  }
}

}  // namespace tandem::engine
