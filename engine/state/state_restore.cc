#include "engine/state/state_restore.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "engine/obs/log.h"

namespace tandem::engine {
namespace {

using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

}  // namespace

std::string restore_result::rejected_text() const {
  int64_t n = 0;
  for (const auto& [source, count] : checkpoints_rejected) n += count;
  return n == 0 ? "" : ", " + std::to_string(n) + " checkpoints rejected";
}

std::string restore_result::summary() const {
  return "restored " + std::to_string(runs) + " runs of " + std::to_string(partitions) +
         " partitions and " + std::to_string(checkpoints) + " checkpoints from " +
         std::string(k_offsets_topic) + " and tandem.checkpoints (" + std::to_string(records) +
         " records read, " + std::to_string(runs_erased) + " stored runs erased, " +
         std::to_string(skipped) + " skipped" + rejected_text() +
         (complete ? "" : ", incomplete") + ")";
}

namespace {

// Reads partition 0 of `topic` from the beginning up to its current end, calling `each` per
// record. False when the cluster could not be reached or the deadline passed.
template <class F>
bool read_all(state_reader& reader, const std::string& topic, const restore_settings& s,
              clock_type::time_point deadline, const std::atomic<bool>& cancel,
              restore_result& res, F&& each) {
  const std::string scope = s.local_region;
  auto end_offset = reader.end_offset(topic, s.request_timeout);
  if (!end_offset) {
    const kafka_error& err = end_offset.error();
    if (err.is(kafka_errc::unknown_topic_or_part)) {
      res.reached = true;
      log::info(scope) << "restore: no " << topic << " in " << s.local_region
                       << " yet: nothing to restore from it";
      return true;
    }
    log::warn(scope) << "restore: cannot read " << topic << " of " << s.local_region << " ("
                     << to_string(err) << "); starting with the local state as it is";
    return false;
  }
  const int64_t end = *end_offset;
  res.reached = true;
  if (end <= 0) return true;
  if (auto ok = reader.start(topic, offset_beginning); !ok) {
    log::warn(scope) << "restore: cannot read " << topic << ": " << ok.error().message;
    return false;
  }
  int64_t next = 0;
  bool reported = false;
  std::vector<state_record> batch;
  while (next < end) {
    if (cancel || clock_type::now() >= deadline) {
      log::warn(scope) << "restore: " << topic << " read up to offset " << next << " of " << end
                       << (cancel ? " (stopping)" : " (deadline passed)");
      return false;
    }
    batch.clear();
    auto polled = reader.poll(batch, 5000, milliseconds(500));
    if (!polled && !reported) {
      log::warn(scope) << "restore: reading " << topic << ": " << to_string(polled.error())
                       << " (retrying until the deadline)";
      reported = true;
    }
    for (const auto& r : batch) {
      if (r.offset >= end) continue;  // written after the restore began: learned anyway
      ++res.records;
      each(r);
      next = std::max(next, r.offset + 1);
    }
    if (polled && *polled) break;  // at the end
  }
  return true;
}

// Whether a checkpoint record is beyond its source partition's known end (asked once per
// partition, after the runs were applied); counts and logs (the first) rejections.
class end_check {
 public:
  end_check(const restore_settings& s, restore_result& res) : s_(s), res_(res) {}
  bool plausible(const offsets::flow_id& f, const offsets::checkpoint& c) {
    if (!s_.source_known_end) return true;
    auto key = std::make_tuple(f, c.topic, c.partition);
    auto it = ends_.find(key);
    if (it == ends_.end())
      it = ends_.emplace(key, s_.source_known_end(f, c.topic, c.partition)).first;
    if (c.source.v <= it->second) return true;
    if (res_.checkpoints_rejected[f.source_region]++ == 0)
      log::warn(s_.local_region)
          << "restore: checkpoint of group " << c.group << " on " << f.source_region << "'s "
          << c.topic << "/" << c.partition << " at " << c.source.v << " rejected: beyond the "
          << "end the offset map knows of that partition (" << it->second << "); the previous "
          << "plausible checkpoint of the group is kept (re-reads, never skips); without one, the "
          << "group is checkpointed at the partition's start";
    return false;
  }

 private:
  const restore_settings& s_;
  restore_result& res_;
  std::map<std::tuple<offsets::flow_id, std::string, int32_t>, int64_t> ends_;
};

// Adds the checkpoints the store lacks. The store's own win: they are what this process wrote
// last (a checkpoint is stored before it is produced); one restored from an old backup is
// older, which re-reads at failover, never skips, and the checkpointer replaces it at its next
// pass. Returns how many were added.
template <class Skip>
int64_t restore_missing_checkpoints(
    offsets::offset_store& store, const restore_settings& s,
    const std::map<std::tuple<offsets::flow_id, std::string, std::string, int32_t>,
                   offsets::checkpoint>& last,
    Skip&& skip) {
  std::set<std::tuple<offsets::flow_id, std::string, std::string, int32_t>> stored;
  for (const auto& remote : s.remotes) {
    offsets::flow_id f{remote, s.local_region};
    if (auto cs = store.get_checkpoints(f, ""))
      for (const auto& c : *cs) stored.insert({f, c.group, c.topic, c.partition});
  }
  int64_t added = 0;
  for (const auto& [k, c] : last) {
    if (stored.count(k)) continue;
    if (auto put = store.put_checkpoint(std::get<0>(k), c); !put)
      skip("checkpoint " + c.group + " " + c.topic + "/" + std::to_string(c.partition) + ": " +
           put.error().message);
    else
      ++added;
  }
  return added;
}

// A key without any plausible record gets a checkpoint at the partition's start: tandemctl
// then moves the partition from there, committed (re-reads), rather than leaving it to the
// consumer's auto.offset.reset (maybe "latest": a skip). Never the record itself: tandemctl
// trusts the store's checkpoints (tools/groups_plan.cc).
template <class Map>
void at_partition_start(const Map& rejected, Map& last) {
  for (auto [k, c] : rejected)
    if (!last.count(k)) {
      c.source = offsets::source_offset{0};
      c.target = offsets::target_offset{0};
      last.emplace(k, c);
    }
}

}  // namespace

restore_result restore_state(state_reader& reader, offsets::offset_store& store,
                             const restore_settings& s, const std::atomic<bool>& cancel) {
  restore_result res;
  const auto deadline = clock_type::now() + s.deadline;
  const std::string& scope = s.local_region;
  std::string first_problem;
  auto skip = [&](const std::string& why) {
    ++res.skipped;
    if (first_problem.empty()) first_problem = why;
  };
  auto ours = [&](const offsets::flow_id& f) {
    return f.target_region == s.local_region && s.remotes.count(f.source_region) > 0;
  };

  std::vector<run_entry> entries;  // in log order, tombstones included
  bool ok = read_all(reader, std::string(k_offsets_topic), s, deadline, cancel, res,
                     [&](const state_record& r) {
                       auto d = decode_run_record(r.key, r.value);
                       if (!d) return skip(d.error());
                       if (ours(d->record.flow)) entries.push_back(std::move(*d));
                     });
  res.complete = ok;
  auto applied = apply_entries(store, entries, conflict_rule::log_order);
  res.runs = applied.runs_new;
  res.runs_erased = applied.runs_erased;
  res.partitions = applied.partitions;
  res.skipped += applied.rejected;
  if (!applied.problem.empty() && first_problem.empty()) first_problem = applied.problem;
  if (!res.reached) return res;  // unreachable: do not wait for the second topic too

  // Per (flow, group, topic, partition), the last checkpoint in the topic's log order: what
  // compaction keeps, and the order the checkpointer wrote them in. Never wall-clock time: a
  // record from a host whose clock ran ahead would win over every later one (issue #10).
  using ckey = std::tuple<offsets::flow_id, std::string, std::string, int32_t>;
  std::map<ckey, offsets::checkpoint> last, rejected;
  end_check ends(s, res);  // issue #10: a record beyond the source's known end is rejected
  ok = read_all(reader, "tandem.checkpoints", s, deadline, cancel, res,
                [&](const state_record& r) {
                  if (!r.value) return;  // a tombstone: nothing to restore
                  auto d = decode_checkpoint_record(r.key, r.value);
                  if (!d) return skip(d.error());
                  if (!ours(d->flow)) return;
                  const auto& c = d->checkpoint;
                  ckey k{d->flow, c.group, c.topic, c.partition};
                  if (ends.plausible(d->flow, c)) last.insert_or_assign(k, c);
                  else rejected.insert_or_assign(k, c);
                });
  at_partition_start(rejected, last);
  res.complete = res.complete && ok;
  res.checkpoints = restore_missing_checkpoints(store, s, last, skip);
  if (!first_problem.empty())
    log::warn(scope) << "restore: " << res.skipped << " record(s) skipped; the first: "
                     << first_problem;
  return res;
}

}  // namespace tandem::engine
