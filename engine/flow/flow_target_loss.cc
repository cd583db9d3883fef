// flow: a target partition that lost copies while the flow runs (issue #10 "Topic
// incarnations", target side; see flow.h).
//
// A delivery that lands at or below an earlier one shows a truncated or recreated target at
// once (on_delivery marks it, copy_lost_targets acts at the end of the step), but only when new
// records arrive. An idle partition is caught at a topic refresh instead:
//   - the refresh created the target again while the flow had partitions of it: deleted under
//     the flow, every copy is gone (end 0);
//   - an idle partition (delivered into, no report since the last probe; at most
//     k_max_probes per refresh) whose high watermark is below its last delivery + 1.
// Either way: alarm target_truncated, the journal invalidates the copies that are gone and
// names the source offset after the last surviving copy, and the partition is read again from
// there (offset_journal.cc target_ends_at).
#include <algorithm>
#include <utility>

#include "engine/flow/flow.h"
#include "engine/obs/log.h"

namespace tandem::engine {
namespace {

// Bounds the requests of one refresh (one ListOffsets per probe, on the refresh's thread).
constexpr size_t k_max_probes = 256;

}  // namespace

std::vector<target_probe> flow::idle_targets() {
  std::vector<target_probe> out;
  for (auto& [name, t] : topics_) {
    if (t.paused) continue;
    for (auto& p : t.parts) {
      bool idle = p.last_dst >= 0 && !p.delivered_since_probe;
      p.delivered_since_probe = false;
      if (idle && out.size() < k_max_probes)
        out.push_back({name, t.info.target_topic, p.partition, p.last_dst, -1});
    }
  }
  return out;
}

void flow::check_targets(const topic_sync_result& res, const std::set<std::string>& recreated) {
  std::vector<std::pair<partition_state*, int64_t>> lost;
  for (const auto& name : recreated)
    for (auto& p : topics_.at(name).parts)
      if (p.last_dst >= 0) lost.emplace_back(&p, 0);
  for (const auto& pr : res.probes) {
    partition_state* p = find(pr.source_topic, pr.partition);
    if (!p || recreated.count(pr.source_topic) || pr.high < 0) continue;
    // Only if nothing was delivered since the probe was taken (a newer delivery judges itself).
    if (p->last_dst == pr.last_dst && pr.high <= pr.last_dst) lost.emplace_back(p, pr.high);
  }
  if (lost.empty()) return;
  commit();  // the journal then knows every copy delivered so far
  for (auto [p, end] : lost) target_lost(*p, end);
}

void flow::copy_lost_targets() {
  if (went_back_.empty()) return;
  commit();  // the journal then knows every copy delivered so far, the new ones included
  for (partition_state* p : std::exchange(went_back_, {})) {
    int64_t end = std::exchange(p->target_went_back_to, -1);
    if (end >= 0) target_lost(*p, end, /*alarmed=*/true);
  }
}

void flow::target_lost(partition_state& p, int64_t target_end, bool alarmed) {
  const std::string& topic = p.topic->info.source_topic;
  auto from = journal_.target_ends_at(topic, p.partition, target_end);
  if (!from) return;  // the map knows no copy at or beyond the end: nothing was lost
  if (!alarmed) metrics_.alarm(topic, "target_truncated").Increment();  // on_delivery did
  drop_waiting(topic, p.partition);
  int64_t to = *from == offset_beginning ? log_start_of(topic, p.partition) : *from;
  p.progress.rewind(to);
  p.next_expected = to;
  p.from_log_start = *from == offset_beginning;
  p.echoes.reset();
  p.last_dst = target_end - 1;  // later copies land from the new end on
  p.committed = -1;             // the rewound position is committed at the next commit
  p.target_end = 0;
  std::vector<partition_position> at = {{topic, p.partition, *from}};
  if (auto ok = source_->seek(at); !ok) {
    log::warn(name_) << "cannot read topic=" << topic << " partition=" << p.partition
                     << " again from " << to << " (" << ok.error().message << "), retrying";
    out_of_range_.push_back({topic, p.partition, to});  // resolve_out_of_range seeks again
  }
}

// The source partition's log start as the client last saw it (0 when unknown): where a
// partition read "from its log start" resumes, so that its position is never below the log.
int64_t flow::log_start_of(const std::string& topic, int32_t partition) {
  return std::max<int64_t>(0, source_->partition_watermarks(topic, partition).low);
}

}  // namespace tandem::engine
