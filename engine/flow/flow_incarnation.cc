// flow: which incarnation of a source topic a position belongs to (see flow.h; issue #10
// "Topic incarnations", docs/design.md "Incarnations, invalidation, clamps").
//
// librdkafka 2.0.2 shows neither topic ids nor leader epochs. The witness tandem reads instead
// is the flow group's committed offset on the source: the flow commits every position it
// persists there, and Kafka deletes a topic's committed offsets together with the topic. So:
//
//   at start     journal position P > 0, group offset gone  → recreated while stopped
//                no journal position,    group offset gone  → a new partition, or a state
//                                                              directory restored from Kafka
//                                                              (its runs may be of an old log)
//   while running, before each commit of a changed partition: the offset seen before (witnessed)
//                is gone now                                 → deleted (and maybe recreated)
//
// Either way: alarm tandem_alarms_total{reason="source_recreated"}, the partition's runs are
// invalidated from source offset 0 and the new log is copied from its start. Copies of the new
// log made before the check are made again (duplicates, never skips).
//
// What the witness cannot see (documented in docs/design.md): a deletion, recreation and refill
// that falls between the check and the commit right after it (milliseconds); flow-group offsets
// deleted by hand or expired while tandem was stopped longer than offsets.retention.minutes (a
// false alarm: the partition is copied again). While running, keep_witnesses re-commits idle
// partitions so that their offsets never expire.
#include <algorithm>

#include "engine/flow/flow.h"
#include "engine/obs/log.h"

namespace tandem::engine {

int64_t flow::start_position(topic_entry& t, int32_t partition, std::optional<int64_t> resume,
                             std::optional<int64_t> group, bool group_read) {
  const std::string& topic = t.info.source_topic;
  if (resume && (group || !group_read || *resume <= 0))
    return resume_within_target(t, partition, *resume);
  if (resume) {
    metrics_.alarm(topic, "source_recreated").Increment();
    log::error(name_) << "ALARM source topic recreated while stopped topic=" << topic
                      << " partition=" << partition << " resume_position=" << *resume
                      << ": the flow group's committed offset on the source is gone (Kafka "
                         "deletes it with the topic); copying the new log from its start";
    forget_old_log(topic, partition);
    return offset_beginning;
  }
  // An empty target this flow created: the group's offsets would skip records.
  if (t.created_by_us) return offset_beginning;
  if (group) return *group;
  // Nothing anywhere: a new partition, or a restored state directory whose source topic was
  // recreated since; runs restored for it would describe the old log.
  if (group_read) forget_old_log(topic, partition);
  return offset_beginning;
}

void flow::check_incarnations(std::vector<partition_position>& changed) {
  std::vector<partition_position> ask = changed;
  for (auto& [name, t] : topics_)
    for (auto& p : t.parts)
      if (p.witness_pending) ask.push_back({name, p.partition, -1});
  if (ask.empty()) return;
  auto got = source_->committed(ask, s_.admin_timeout);
  if (!got) return;  // unreadable now: the next commit looks again
  for (size_t i = 0; i < ask.size() && i < got->size(); ++i) {
    partition_state* p = find(ask[i].topic, ask[i].partition);
    if (!p) continue;
    if ((*got)[i].offset >= 0) {
      p->witnessed = true;
      p->witness_pending = false;
    } else if (p->witnessed && i < changed.size()) {  // seen before, gone now: deleted
      restart_recreated(*p);
      changed[i].offset = p->progress.position();
    }
  }
}

// After the flow group commit of `sent`: the partitions not yet witnessed are looked for at the
// next commit.
void flow::expect_witnesses(std::span<const partition_position> sent) {
  for (const auto& c : sent)
    if (partition_state* p = find(c.topic, c.partition); p && !p->witnessed)
      p->witness_pending = true;
}

void flow::restart_recreated(partition_state& p) {
  const std::string& topic = p.topic->info.source_topic;
  metrics_.alarm(topic, "source_recreated").Increment();
  log::error(name_) << "ALARM source topic deleted topic=" << topic << " partition="
                    << p.partition << " position=" << p.progress.position()
                    << ": the flow group's committed offset on the source vanished (Kafka "
                       "deletes it with the topic); copying the new log from its start";
  forget_old_log(topic, p.partition);
  drop_waiting(topic, p.partition);
  p.progress.rewind(0);
  p.next_expected = 0;
  p.from_log_start = true;
  p.echoes.reset();
  p.trimmed_below = 0;
  p.witnessed = false;
  p.witness_pending = false;
  p.committed = -1;  // the rewound position is committed at the next commit
  std::vector<partition_position> at = {{topic, p.partition, offset_beginning}};
  if (auto ok = source_->seek(at); !ok) {
    log::warn(name_) << "cannot restart topic=" << topic << " partition=" << p.partition
                     << " at its log start (" << ok.error().message << "), retrying";
    out_of_range_.push_back({topic, p.partition, 0});  // resolve_out_of_range seeks again
  }
}

// The runs that describe the old log go: the flow's own by source offset and, under identity
// naming, the peer's copies that were written into it.
void flow::forget_old_log(const std::string& topic, int32_t partition) {
  journal_.source_went_back(topic, partition, 0);
  if (s_.filter.naming().kind() == policy::naming_kind::identity)
    journal_.peer_copies_gone(topic, partition, 0);
}

void flow::keep_witnesses(std::chrono::steady_clock::time_point now) {
  if (now < next_keepalive_) return;
  bool first = next_keepalive_ == std::chrono::steady_clock::time_point{};
  next_keepalive_ = now + s_.witness_keepalive;
  if (first) return;
  std::vector<partition_position> all;
  for (auto& [name, t] : topics_)
    for (auto& p : t.parts)
      if (p.witnessed && p.committed >= 0) all.push_back({name, p.partition, p.committed});
  if (all.empty()) return;
  if (auto ok = source_->commit(all); !ok)
    log::warn(name_) << "cannot refresh the flow group's offsets: " << ok.error().message;
}

}  // namespace tandem::engine
