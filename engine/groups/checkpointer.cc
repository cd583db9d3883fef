#include "engine/groups/checkpointer.h"

#include <algorithm>

#include "engine/groups/checkpoint_plausibility.h"
#include "engine/groups/group_translation.h"
#include "engine/obs/log.h"

namespace tandem::engine {
namespace {

using std::chrono::milliseconds;

int64_t system_now_ms() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

checkpointer::checkpointer(checkpointer_settings settings, group_admin& source,
                           group_admin& target, state_producer& out,
                           offsets::offset_store& store, checkpoint_metrics& metrics)
    : s_(std::move(settings)),
      name_(s_.source_region + "->" + s_.target_region),
      flow_{s_.source_region, s_.target_region},
      source_(source),
      target_(target),
      out_(out),
      store_(store),
      metrics_(metrics) {
  // The age of what a failover would use right now: the newest stored checkpoint, if any.
  last_complete_ms_ = now_ms();
  if (auto stored = store_.get_checkpoints(flow_, ""); stored && !stored->empty()) {
    int64_t newest = 0;
    for (const auto& c : *stored) newest = std::max(newest, c.time_ms);
    last_complete_ms_ = newest;
  }
}

int64_t checkpointer::now_ms() const { return s_.now_ms ? s_.now_ms() : system_now_ms(); }

void checkpointer::update_age() {
  metrics_.checkpoint_age().Set(std::max<int64_t>(0, now_ms() - last_complete_ms_) / 1000.0);
}

void checkpointer::note(checkpoint_pass& pass, const std::string& problem, log_level level) {
  log::line(level, name_) << problem;
  pass.complete = false;
  if (pass.problem.empty()) pass.problem = problem;
}

bool checkpointer::ensure_topic() {
  if (topic_ready_) return true;
  auto ok = out_.ensure_topic(std::string(k_checkpoint_topic), 1, {{"cleanup.policy", "compact"}},
                              s_.request_timeout);
  if (!ok) {
    log::warn(name_) << "cannot create " << k_checkpoint_topic << " (checkpoints are kept "
                     << "locally; retried next pass): " << to_string(ok.error());
    return false;
  }
  topic_ready_ = true;
  return true;
}

checkpoint_pass checkpointer::run_once() {
  checkpoint_pass pass;
  pass.complete = true;
  bounds_.clear();
  source_bounds_.clear();
  bool topic_ok = ensure_topic();

  auto listing = source_.list_groups(s_.request_timeout);
  std::vector<group_listing> listed;
  if (listing) listed = std::move(listing->value);
  const kafka_error* list_failure = failure_of(listing);
  const bool listed_all = !list_failure;
  if (list_failure) {
    note(pass, "listing consumer groups of " + s_.source_region + ": " + list_failure->message);
    if (listed.empty()) {  // nothing to work on; the age keeps growing
      update_age();
      return pass;
    }
  }
  std::sort(listed.begin(), listed.end(),
            [](const group_listing& a, const group_listing& b) { return a.group < b.group; });

  std::map<std::string, std::vector<pass_entry>> by_group;
  for (const auto& g : listed) {
    if (g.group.starts_with(k_tandem_group_prefix) || !s_.groups.selects(g.group)) continue;
    std::vector<pass_entry> entries;
    checkpoint_group(g.group, entries, pass);
    if (!entries.empty()) by_group.emplace(g.group, std::move(entries));
  }

  // Produced records, then one flush per pass. A failed flush forgets what was produced: the
  // next pass produces every checkpoint again (compaction keeps the newest per key).
  if (topic_ok && pass.produced > 0) {
    if (auto flushed = out_.flush(s_.request_timeout); !flushed) {
      note(pass, std::string("writing ") + std::string(k_checkpoint_topic) + ": " +
                     flushed.error().message);
      produced_.clear();
    }
  }

  // Forget the groups S no longer has (only after a complete listing). Their stored
  // checkpoints stay: the last position of a deleted group is still a valid answer.
  if (listed_all) forget_gone(listed);

  if (s_.sync_group_offsets)
    for (const auto& [group, entries] : by_group) sync_group(group, entries);

  pass.groups = static_cast<int>(by_group.size());
  if (pass.complete) last_complete_ms_ = now_ms();
  update_age();
  log::debug(name_) << "checkpoint pass: groups=" << pass.groups
                    << " checkpoints=" << pass.checkpoints << " produced=" << pass.produced
                    << " rewinds=" << pass.rewinds << " rejected=" << pass.rejected
                    << (pass.complete ? "" : " (incomplete)");
  return pass;
}

void checkpointer::forget_gone(const std::vector<group_listing>& listed) {
  std::set<std::string> names;
  for (const auto& g : listed) names.insert(g.group);
  auto gone = [&](const partition_key& k) { return names.count(std::get<0>(k)) == 0; };
  std::erase_if(last_source_, [&](const auto& kv) { return gone(kv.first); });
  std::erase_if(produced_, [&](const auto& kv) { return gone(kv.first); });
  std::erase_if(reported_implausible_, gone);
}

void checkpointer::checkpoint_group(const std::string& group, std::vector<pass_entry>& out,
                                    checkpoint_pass& pass) {
  auto read = source_.committed_offsets(group, s_.request_timeout);
  std::vector<group_offset> committed;
  if (read) committed = std::move(read->value);
  if (const kafka_error* err = failure_of(read)) {
    // What was read is still checkpointed; the pass is incomplete.
    note(pass, "committed offsets of group " + group + " on " + s_.source_region + ": " +
                   err->message);
  }
  const policy::naming_policy& naming = s_.topics.naming();
  for (const auto& o : committed) {
    if (!checkpointed_topic(o.topic)) continue;
    // A position tandem's group sync wrote into S (from T or a third region) is not the
    // group's own progress: checkpointing it back could move T's group forward past records
    // its consumers rewound to, or re-create a group its owner deleted.
    if (o.metadata.starts_with(k_sync_metadata_prefix)) continue;
    if (!plausible(group, o, pass)) continue;
    std::string target_topic =
        destination_topic(naming, s_.source_region, s_.target_region, o.topic);
    int64_t read_at = now_ms();
    auto t = translate(group, o, target_topic, pass);
    if (!t) continue;
    if (is_failback(naming, s_.target_region, o.topic))
      note_coverage(group, o.topic, o.partition, o.offset, t->topic, t->kind);
    pass_entry e{{group, o.topic, o.partition, {o.offset}, {t->offset}, read_at}, t->topic};
    if (auto stored = store_.put_checkpoint(flow_, e.c); !stored) {
      note(pass, "storing checkpoint of group " + group + ": " + stored.error().message);
      continue;
    }
    ++pass.checkpoints;
    partition_key key{group, o.topic, o.partition};
    if (auto last = last_source_.find(key); last != last_source_.end() && o.offset < last->second) {
      ++pass.rewinds;
      log::info(name_) << "group rewound on " << s_.source_region << " group=" << group
                       << " topic=" << o.topic << " partition=" << o.partition << " from "
                       << last->second << " to " << o.offset << ": checkpoint now "
                       << t->offset << " on " << t->topic;
    }
    last_source_[key] = o.offset;
    produce(e, t->kind, pass);
    out.push_back(std::move(e));
  }
}

bool checkpointer::plausible(const std::string& group, const group_offset& o,
                             checkpoint_pass& pass) {
  const auto where = std::make_pair(o.topic, o.partition);
  std::optional<watermarks> b;
  if (auto it = source_bounds_.find(where);
      it != source_bounds_.end() && o.offset <= it->second.high)
    b = it->second;
  if (!b) {  // not asked yet this pass, or lower than the offset: S's end now (it grows)
    auto v = source_.partition_bounds(o.topic, o.partition, s_.request_timeout);
    if (!v || v->high < 0) {
      note(pass, "high watermark of " + o.topic + "/" + std::to_string(o.partition) + " on " +
                     s_.source_region + " (group " + group + " not checkpointed there this " +
                     "pass): " + (v ? std::string("unknown") : v.error().message));
      return false;
    }
    b = source_bounds_.insert_or_assign(where, *v).first->second;
  }
  const partition_key key{group, o.topic, o.partition};
  if (o.offset <= b->high) {
    reported_implausible_.erase(key);
    return true;
  }
  ++pass.rejected;
  metrics_.checkpoint_rejected(k_beyond_high_watermark).Increment();
  if (reported_implausible_.insert(key).second)
    log::warn(name_) << "group " << group << " committed " << o.offset << " on "
                     << s_.source_region << "'s " << o.topic << "/" << o.partition
                     << ", beyond its high watermark " << b->high << ": not checkpointed (a "
                     << "failover from it would skip records; the previous checkpoint stays). "
                     << "Logged once per group and partition while it stays so.";
  return false;
}

bool checkpointer::checkpointed_topic(std::string_view topic) const {
  if (s_.topics.selects(topic)) return true;
  const policy::naming_policy& naming = s_.topics.naming();
  if (!is_failback(naming, s_.target_region, topic)) return false;
  // "T.orders" on S: a failback when T's "orders" is a topic this config replicates (not a
  // mirror itself, not internal, included, not excluded).
  auto upstream = naming.upstream_topic(topic);
  return upstream && s_.topics.selects(*upstream);
}

void checkpointer::note_coverage(const std::string& group, const std::string& topic,
                                 int32_t partition, int64_t position,
                                 const std::string& destination, offsets::translation kind) {
  auto key = std::make_pair(topic, partition);
  if (kind == offsets::translation::exact || kind == offsets::translation::rounded) {
    reported_uncovered_.erase(key);
    return;
  }
  if (!reported_uncovered_.insert(key).second) return;
  log::warn(name_) << "failback checkpoint of group " << group << " on " << s_.source_region
                   << "'s " << topic << "/" << partition << " at " << position << ": "
                   << (kind == offsets::translation::empty
                           ? "no run of flow "
                           : "no run below this position of flow ")
                   << s_.target_region << "->" << s_.source_region << " is known for "
                   << destination << "/" << partition << " (not learned from "
                   << s_.source_region << "'s tandem.offsets yet?); checkpointing the log start "
                   << "of " << destination << " on " << s_.target_region
                   << " (a failback would re-read, never skip). Logged once per partition.";
}

std::optional<watermarks> checkpointer::bounds(const std::string& topic, int32_t partition,
                                               checkpoint_pass& pass, bool fresh) {
  auto key = std::make_pair(topic, partition);
  if (auto it = bounds_.find(key); !fresh && it != bounds_.end()) return it->second;
  auto v = target_.partition_bounds(topic, partition, s_.request_timeout);
  if (!v || v->low < 0) {
    // Typically the target topic does not exist yet: the flow creates it.
    note(pass, "log start of " + topic + "/" + std::to_string(partition) + " on " +
                   s_.target_region + ": " + (v ? std::string("unknown") : v.error().message),
         log_level::debug);
    return std::nullopt;
  }
  bounds_.insert_or_assign(key, *v);
  return *v;
}

std::optional<group_translation> checkpointer::translate(const std::string& group,
                                                         const group_offset& o,
                                                         const std::string& target_topic,
                                                         checkpoint_pass& pass) {
  const policy::naming_policy& naming = s_.topics.naming();
  for (bool fresh : {false, true}) {
    auto b = bounds(target_topic, o.partition, pass, fresh);
    if (!b) return std::nullopt;
    std::optional<int64_t> end;
    if (b->high >= 0) end = b->high;
    auto t = translate_group_move(store_, naming, s_.source_region, s_.target_region, o.topic,
                                  o.partition, o.offset, b->low, end, s_.third_regions);
    if (!t) {
      note(pass, "translating group " + group + " " + o.topic + "/" +
                     std::to_string(o.partition) + ": " + t.error().message);
      return std::nullopt;
    }
    if (t->kind != offsets::translation::clamped || fresh) return std::move(*t);
  }
  return std::nullopt;
}

void checkpointer::produce(const pass_entry& e, offsets::translation kind,
                           checkpoint_pass& pass) {
  if (!topic_ready_) return;
  partition_key key{e.c.group, e.c.topic, e.c.partition};
  auto it = produced_.find(key);
  if (it != produced_.end() && it->second.source == e.c.source.v &&
      it->second.target == e.c.target.v)
    return;
  const checkpoint_record r{flow_, e.c};
  const std::string k = encode_checkpoint_key(r);
  const std::string v = encode_checkpoint_value(r, e.target_topic, kind);
  if (auto ok = out_.produce(std::string(k_checkpoint_topic), k, v); !ok) {
    note(pass, std::string("producing to ") + std::string(k_checkpoint_topic) + ": " +
                   ok.error().message);
    return;
  }
  produced_[key] = {e.c.source.v, e.c.target.v};
  ++pass.produced;
}

void checkpointer::sync_group(const std::string& group, const std::vector<pass_entry>& entries) {
  auto count = [&](std::string_view result, size_t n = 1) {
    metrics_.group_sync(result).Increment(static_cast<double>(n));
  };
  auto described = target_.describe_group(group, s_.request_timeout);
  if (!described) {
    log::warn(name_) << "group sync: cannot describe group " << group << " on "
                     << s_.target_region << ": " << to_string(described.error());
    count("failed", entries.size());
    return;
  }
  const group_state state = *described;
  if (!is_idle(state)) {
    if (reported_active_.insert(group).second)
      log::info(name_) << "group sync: group " << group << " is active on " << s_.target_region
                       << " (state " << to_string(state)
                       << "): its offsets are not touched while it has members";
    count("skipped_active", entries.size());
    return;
  }
  reported_active_.erase(group);

  std::map<std::pair<std::string, int32_t>, int64_t> at;  // the group's offsets on T
  if (state != group_state::absent) {
    auto read = complete(target_.committed_offsets(group, s_.request_timeout));
    if (!read) {
      log::warn(name_) << "group sync: cannot read offsets of group " << group << " on "
                       << s_.target_region << ": " << to_string(read.error());
      count("failed", entries.size());
      return;
    }
    for (const auto& o : *read) at[{o.topic, o.partition}] = o.offset;
  }

  const std::string sync_mark =
      std::string(k_sync_metadata_prefix) + "v1;o=" + s_.source_region;
  std::vector<group_offset> commits;
  for (const auto& e : entries) {
    auto it = at.find({e.target_topic, e.c.partition});
    if (it != at.end() && it->second > e.c.target.v) {
      count("skipped_ahead");  // never move a group backwards
      continue;
    }
    if (it != at.end() && it->second == e.c.target.v) continue;
    // Never the source's leader epoch: it means nothing on T's partition. The mark keeps this
    // position from being checkpointed back by the peer (see checkpointer.h, step 3).
    commits.push_back({e.target_topic, e.c.partition, e.c.target.v, std::nullopt, sync_mark});
  }
  if (commits.empty()) return;
  if (auto ok = target_.alter_offsets(group, commits, s_.request_timeout); !ok) {
    log::warn(name_) << "group sync: committing group " << group << " on " << s_.target_region
                     << " failed (retried next pass): " << to_string(ok.error());
    count("failed", commits.size());
    return;
  }
  count("synced", commits.size());
  log::info(name_) << "group sync: group " << group << " on " << s_.target_region << " ("
                   << to_string(state) << ") moved forward on " << commits.size()
                   << " partition(s)";
}

}  // namespace tandem::engine
