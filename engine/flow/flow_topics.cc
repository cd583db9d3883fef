// flow: topic discovery and partition assignment (see flow.h).
#include <algorithm>

#include "engine/flow/flow.h"
#include "engine/obs/log.h"

namespace tandem::engine {

using std::chrono::milliseconds;

topic_sync_settings flow::sync_settings() const {
  return {s_.source_region, &s_.filter, s_.configs, s_.admin_timeout,
          s_.filter.naming().kind() == policy::naming_kind::identity};
}

void flow::refresh_topics(std::chrono::steady_clock::time_point now) {
  if (pending_refresh_.valid()) {
    if (pending_refresh_.wait_for(milliseconds(0)) == std::future_status::ready)
      apply_topics(pending_refresh_.get());
    return;
  }
  if (now < next_refresh_) return;
  if (!s_.background_refresh || !refreshed_once_) {
    // The first one inline: nothing is consumed before the topics are known.
    refreshed_once_ = true;
    apply_topics(sync_and_probe(sync_settings(), idle_targets()));
    return;
  }
  pending_refresh_ = std::async(std::launch::async, [this, ts = sync_settings(),
                                                     probes = idle_targets()]() mutable {
    return sync_and_probe(ts, std::move(probes));
  });
}

// One refresh: the topics, then the ends of the idle target partitions (flow_target_loss.cc).
topic_sync_result flow::sync_and_probe(const topic_sync_settings& ts,
                                       std::vector<target_probe> probes) {
  auto res = sync_topics(*source_, *sink_, ts);
  for (auto& pr : probes) {
    auto b = sink_->partition_bounds(pr.target_topic, pr.partition, ts.admin_timeout);
    if (b) pr.high = b->high;
  }
  res.probes = std::move(probes);
  return res;
}

void flow::apply_topics(topic_sync_result res) {
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(status_mu_);
    status_.source_reachable = !res.source_error;
    // The target is only asked when the source answered; otherwise keep what we knew.
    if (!res.source_error) status_.target_reachable = !res.target_error;
  }
  if (res.source_error || res.target_error) {
    // Unreachable cluster: retry with exponential backoff (1 s .. 30 s), never crash.
    refresh_backoff_ = std::clamp(refresh_backoff_ * 2, milliseconds(1000), milliseconds(30000));
    next_refresh_ = now + refresh_backoff_;
    const auto& e = res.source_error ? *res.source_error : *res.target_error;
    std::string which = res.source_error ? s_.source_region : s_.target_region;
    log::warn(name_) << "cannot reach cluster " << which << " (" << e.message << "); retrying in "
                     << refresh_backoff_.count() << " ms";
    set_problem("cluster " + which + " unreachable: " + e.message);
    unreachable_problem_ = true;
    return;
  }
  refresh_backoff_ = milliseconds(0);
  next_refresh_ = now + s_.topic_refresh;
  for (const auto& name : res.created) log::info(name_) << "created target topic " << name;
  auto created = [&](const std::string& target) {
    return std::find(res.created.begin(), res.created.end(), target) != res.created.end();
  };
  for (const auto& name : res.grown) log::info(name_) << "added partitions to topic " << name;

  // Targets this pass created again while the flow had partitions of them: deleted under it.
  std::set<std::string> recreated;
  for (const auto& info : res.topics)
    if (auto it = topics_.find(info.source_topic);
        it != topics_.end() && !it->second.parts.empty() && created(info.target_topic))
      recreated.insert(info.source_topic);
  int ready = 0, paused = 0;
  for (auto& info : res.topics) {
    const topic_entry& t = apply_topic(info, created(info.target_topic));
    if (t.paused) ++paused;
    else if (info.state == topic_state::ready) ++ready;
  }
  check_targets(res, recreated);
  metrics_.topics_replicated().Set(ready);
  std::lock_guard lock(status_mu_);
  status_.topics_ready = ready;
  status_.topics_paused = paused;
  // Clear only the problem this refresh reported earlier (unreachable cluster); others
  // (fatal producer error, state store) stay until their cause clears them.
  if (unreachable_problem_) status_.problem.clear();
  unreachable_problem_ = false;
}

// One topic of a refresh: pause, resume, wait or assign its new partitions.
flow::topic_entry& flow::apply_topic(const replicated_topic& info, bool created_now) {
  auto [it, inserted] = topics_.try_emplace(info.source_topic);
  topic_entry& t = it->second;
  t.info = info;
  if (!t.counters) t.counters = &metrics_.topic(info.source_topic);
  if (created_now) t.created_by_us = true;
  if (!info.warning.empty() && !t.warned_larger_target) {
    log::warn(name_) << info.warning << " (logged once)";
    t.warned_larger_target = true;
  }
  if (info.state == topic_state::paused) {
    if (!t.paused) t.paused_by_mismatch = true;
    pause(t, info.problem);
  } else if (t.paused && t.paused_by_mismatch && info.state == topic_state::ready) {
    resume(t);
    assign_new_partitions(t);
  } else if (info.state == topic_state::pending) {
    log::warn(name_) << "topic not replicated yet topic=" << info.source_topic << ": "
                     << info.problem;
  } else if (!t.paused) {
    assign_new_partitions(t);
  }
  return t;
}

// A resume position is only as good as the copies behind it: a target partition that lost
// copies while the flow was stopped (truncated, or deleted and recreated) is copied again from
// the first source record whose copy is gone (issue #10; the journal invalidates the stale
// runs). Unknown target bounds (unreachable): the resume position, as before.
int64_t flow::resume_within_target(topic_entry& t, int32_t partition, int64_t pos) {
  auto bounds = sink_->partition_bounds(t.info.target_topic, partition, s_.admin_timeout);
  if (!bounds || bounds->high < 0) return pos;
  auto from = journal_.target_ends_at(t.info.source_topic, partition, bounds->high);
  if (!from) return pos;
  metrics_.alarm(t.info.source_topic, "target_truncated").Increment();
  if (*from == offset_beginning) return offset_beginning;
  return std::min(pos, *from);
}

// Starts consuming partitions of `t` not yet assigned, each where start_position says
// (flow_incarnation.cc): the flow group's committed offsets are read for all of them at once.
void flow::assign_new_partitions(topic_entry& t) {
  int32_t have = static_cast<int32_t>(t.parts.size());
  if (t.info.partitions <= have) return;
  std::vector<partition_position> ask;
  for (int32_t p = have; p < t.info.partitions; ++p) ask.push_back({t.info.source_topic, p, -1});
  auto group = source_->committed(ask, s_.admin_timeout);
  if (!group)
    log::warn(name_) << "cannot read the flow group's offsets of " << t.info.source_topic << " ("
                     << group.error().message << "); a topic recreated while stopped goes "
                     << "unnoticed until the next commit";
  std::vector<partition_position> add;
  std::vector<std::optional<int64_t>> resumed;  // the journal's position, where the flow resumes
  std::vector<bool> rewound;  // starts below the position the journal or the group recorded
  for (size_t i = 0; i < ask.size(); ++i) {
    int32_t p = ask[i].partition;
    std::optional<int64_t> g;
    if (group && i < group->size() && (*group)[i].offset >= 0) g = (*group)[i].offset;
    auto resume = journal_.resume_position(t.info.source_topic, p);
    add.push_back({t.info.source_topic, p, start_position(t, p, resume, g, group.has_value())});
    resumed.push_back(resume && add.back().offset == *resume ? resume : std::nullopt);
    auto recorded = resume ? resume : g;
    rewound.push_back(recorded && add.back().offset != *recorded);
  }
  if (auto ok = source_->assign(add); !ok) {
    log::error(name_) << "cannot assign partitions of " << t.info.source_topic << ": "
                      << ok.error().message;
    return;
  }
  for (size_t i = 0; i < add.size(); ++i) {
    const auto& a = add[i];
    int64_t start = std::max<int64_t>(0, a.offset);
    // A rewound start is committed at once (journal and flow group): were the state directory
    // lost before a record moved, the old, higher position would be resumed from and the
    // records it is rewound for never copied (the chaos test, seed 6).
    if (rewound[i] && a.offset == offset_beginning)
      if (auto w = source_->query_watermarks(a.topic, a.partition, s_.admin_timeout); w && w->low > 0)
        start = w->low;
    bool witnessed = group && i < group->size() && (*group)[i].offset >= 0;
    t.parts.push_back(partition_state{.topic = &t,
                                      .partition = a.partition,
                                      .progress = partition_progress(start),
                                      .committed = rewound[i] ? -1 : start,
                                      .next_expected = start,
                                      .from_log_start = a.offset == offset_beginning,
                                      .witnessed = witnessed});
    // Resumed where the journal says (no copy found lost at start): the target is watched from
    // the last copy the map knows, so an idle partition's loss is seen (flow_target_loss.cc).
    if (resumed[i])
      t.parts.back().last_dst = journal_.last_copy(t.info.source_topic, a.partition).value_or(-1);
  }
  last_state_ = nullptr;
  log::info(name_) << "replicating topic=" << t.info.source_topic << " -> "
                   << t.info.target_topic << " partitions " << have << ".."
                   << t.info.partitions - 1;
}

// A topic paused by a partition-count mismatch continues once the counts match: every assigned
// partition goes back to its position (records released while paused were not advanced over).
void flow::resume(topic_entry& t) {
  std::vector<partition_position> to;
  for (auto& p : t.parts) {
    p.progress.rewind(p.progress.position());
    p.next_expected = p.progress.position();
    to.push_back({t.info.source_topic, p.partition, p.progress.position()});
  }
  if (auto ok = source_->seek(to); !ok) {
    log::error(name_) << "cannot resume topic=" << t.info.source_topic << ": "
                      << ok.error().message;
    return;
  }
  t.paused = false;
  t.paused_by_mismatch = false;
  metrics_.topic_paused(t.info.source_topic).Set(0);
  drop_waiting(t.info.source_topic, std::nullopt);  // the seek re-reads them
  log::info(name_) << "topic resumed topic=" << t.info.source_topic
                   << ": partition counts match again";
}

}  // namespace tandem::engine

namespace tandem::engine {

void flow::drop_waiting(std::string_view topic, std::optional<int32_t> partition) {
  for (size_t i = batch_pos_; i < batch_.size(); ++i)
    if (batch_[i].topic == topic && (!partition || batch_[i].partition == *partition)) {
      source_->release(batch_[i]);
      batch_.erase(batch_.begin() + static_cast<std::ptrdiff_t>(i--));
    }
}

}  // namespace tandem::engine
