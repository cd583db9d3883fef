// flow: a position the source refused as out of range (see flow.h; issue #10 "Out of range").
//
//   log start          high watermark        position
//       |   [low, high): the log now    |  [high, pos): gone   |
//   pos < low:  retention deleted [pos, low) first → retention_outran, continue at low
//   pos > high: the log ended below the position   → source_truncated, [high, pos) reported,
//               continue at high (truncated log) or at low (recreated topic: a new log)
#include <algorithm>

#include "engine/flow/flow.h"
#include "engine/obs/log.h"

namespace tandem::engine {

void flow::handle_out_of_range() {
  auto fresh = source_->take_out_of_range();
  out_of_range_.insert(out_of_range_.end(), fresh.begin(), fresh.end());
  std::erase_if(out_of_range_, [&](const partition_position& r) { return resolve_out_of_range(r); });
}

// true: the partition continues at its new position (or is not ours); false: try again later.
bool flow::resolve_out_of_range(const partition_position& refused) {
  partition_state* p = find(refused.topic, refused.partition);
  if (!p) return true;
  const std::string& topic = p->topic->info.source_topic;
  auto w = source_->query_watermarks(topic, p->partition, s_.admin_timeout);
  if (!w) {
    log::warn(name_) << "source refused the position of topic=" << topic
                     << " partition=" << p->partition << " as out of range; cannot read its "
                     << "watermarks (" << w.error().message << "), retrying";
    return false;
  }
  int64_t pos = refused.offset >= 0 ? refused.offset : p->next_expected;
  int64_t to = pos;
  if (pos < w->low) {
    metrics_.alarm(topic, "retention_outran").Increment();
    log::error(name_) << "ALARM source retention deleted records before replication topic="
                      << topic << " partition=" << p->partition << " lost_offsets=" << pos
                      << ".." << w->low - 1 << "; continuing at the log start " << w->low;
    to = w->low;
  } else if (pos > w->high) {
    to = continue_above_end(*p, pos, *w);
  } else {
    log::warn(name_) << "source refused position " << pos << " of topic=" << topic
                     << " partition=" << p->partition << " that is now within [" << w->low
                     << ", " << w->high << "]; reading it again";
  }
  std::vector<partition_position> at = {{topic, p->partition, to}};
  if (auto ok = source_->seek(at); !ok) {
    log::warn(name_) << "cannot continue topic=" << topic << " partition=" << p->partition
                     << " at " << to << " (" << ok.error().message << "), retrying";
    return false;
  }
  p->progress.rewind(to);
  if (to < pos) p->echoes.reset();  // the echoes read before are gone with the old log
  p->next_expected = to;
  p->from_log_start = to == w->low;
  p->trimmed_below = std::min(p->trimmed_below, w->low);  // a recreated log starts lower
  return true;
}

// The log ends below the position: the records [high, pos) are gone from the source. A
// truncation (unclean leader election) keeps the log below `high`, so the flow continues there
// and copies nothing twice. A topic deleted and recreated is a new log whose records
// [low, high) were never copied: continuing at `high` would skip them. librdkafka 2.0.2 shows
// neither topic ids nor leader epochs; what tells the two apart is the flow group's committed
// offset on the source: Kafka deletes a topic's committed offsets with the topic, so a
// partition that still has one is the log the flow committed on (truncated). Without one (or
// unreadable) the log is read again from its start: duplicates rather than a skip.
int64_t flow::continue_above_end(partition_state& p, int64_t pos, const watermarks& w) {
  const std::string& topic = p.topic->info.source_topic;
  std::vector<partition_position> ask = {{topic, p.partition, -1}};
  auto got = source_->committed(ask, s_.admin_timeout);
  bool same_log = got && got->size() == 1 && (*got)[0].offset >= 0;
  int64_t to = same_log ? w.high : w.low;
  metrics_.alarm(topic, "source_truncated").Increment();
  log::error(name_) << "ALARM source partition ends below the position topic=" << topic
                    << " partition=" << p.partition << " position=" << pos
                    << " new_end=" << w.high << ": records [" << w.high << ", " << pos
                    << ") are gone from the source; "
                    << (same_log ? "truncated (the flow group's offset survived): continuing "
                                   "at the end "
                                 : "recreated (the flow group's offset is gone): copying the "
                                   "new log from its start ")
                    << to;
  journal_.source_went_back(topic, p.partition, to);
  if (s_.filter.naming().kind() == policy::naming_kind::identity)
    journal_.peer_copies_gone(topic, p.partition, to);  // the peer's copies past `to` went too
  return to;
}

}  // namespace tandem::engine
