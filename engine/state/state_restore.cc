#include "engine/state/state_restore.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "engine/obs/log.h"

namespace tandem::engine {
namespace {

using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

// True when every record of `r` is already in the store with the same (source, target) pair.
// By destination: a target offset belongs to one run at most (canonical rule 2, offsets/
// canonical.h), the one with the greatest dst_start at or below it: one SeekForPrev per stored
// run the check crosses, never a scan of the partition.
std::expected<bool, offsets::error> covered(const offsets::offset_store& store,
                                            const offsets::partition_ref& p,
                                            const offsets::run& r) {
  int64_t d = r.dst_start.v;
  while (d < r.dst_end().v) {
    auto e = store.lookup_by_destination(p, offsets::target_offset{d + 1});
    if (!e) return std::unexpected(e.error());
    const auto& run = *e;
    if (!run || !run->covers(offsets::target_offset{d}) ||
        run->source_of(offsets::target_offset{d}) != r.source_of(offsets::target_offset{d}))
      return false;
    d = run->dst_end().v;
  }
  return true;
}

std::string scope_of(const offsets::partition_ref& p) { return offsets::to_string(p); }

}  // namespace

apply_result apply_runs(offsets::offset_store& store, std::span<const run_record> runs) {
  apply_result res;
  auto refuse = [&](const std::string& why) {
    if (res.problem.empty()) res.problem = why;
  };
  // Per partition, in (src_start, dst_start) order.
  std::map<std::tuple<offsets::flow_id, std::string, int32_t>, std::vector<offsets::run>> by_part;
  for (const auto& r : runs) by_part[{r.flow, r.topic, r.partition}].push_back(r.run);
  for (auto& [key, rs] : by_part) {
    offsets::partition_ref p{std::get<0>(key), std::get<1>(key), std::get<2>(key)};
    // The same run twice (a topic not compacted yet) is one run.
    std::ranges::sort(rs, [](const offsets::run& a, const offsets::run& b) {
      return std::tie(a.src_start, a.dst_start, a.length) <
             std::tie(b.src_start, b.dst_start, b.length);
    });
    rs.erase(std::unique(rs.begin(), rs.end()), rs.end());
    std::vector<offsets::run> fresh;
    std::optional<offsets::error> failure;
    for (const auto& r : rs) {
      auto known = covered(store, p, r);
      if (!known) {
        failure = known.error();
        break;
      }
      if (!*known) fresh.push_back(r);
    }
    if (failure) {
      res.rejected += static_cast<int64_t>(rs.size());
      refuse(scope_of(p) + ": " + failure->message);
      continue;
    }
    if (fresh.empty()) continue;
    offsets::partition_batch b{p, fresh, std::nullopt};
    if (store.commit_batch({&b, 1})) {
      res.runs_new += static_cast<int64_t>(fresh.size());
      ++res.partitions;
      continue;
    }
    // One by one: a refused run (e.g. the target was recreated) does not hold back the others.
    int64_t added = 0;
    for (const auto& r : fresh) {
      offsets::partition_batch one{p, {r}, std::nullopt};
      if (auto ok = store.commit_batch({&one, 1}); ok) {
        ++added;
      } else {
        ++res.rejected;
        refuse(scope_of(p) + " run " + offsets::to_string(r) + ": " + ok.error().message);
      }
    }
    res.runs_new += added;
    if (added > 0) ++res.partitions;
  }
  return res;
}

std::string restore_result::summary() const {
  return "restored " + std::to_string(runs) + " runs of " + std::to_string(partitions) +
         " partitions and " + std::to_string(checkpoints) + " checkpoints from " +
         std::string(k_offsets_topic) + " and tandem.checkpoints (" + std::to_string(records) +
         " records read, " + std::to_string(skipped) + " skipped" +
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
  int64_t end = -1;
  if (auto err = reader.end_offset(topic, end, s.request_timeout)) {
    if (err->code == "UNKNOWN_TOPIC_OR_PART") {
      res.reached = true;
      log::info(scope) << "restore: no " << topic << " in " << s.local_region
                       << " yet: nothing to restore from it";
      return true;
    }
    log::warn(scope) << "restore: cannot read " << topic << " of " << s.local_region << " ("
                     << err->code << ": " << err->message
                     << "); starting with the local state as it is";
    return false;
  }
  res.reached = true;
  if (end <= 0) return true;
  if (auto err = reader.start(topic, offset_beginning)) {
    log::warn(scope) << "restore: cannot read " << topic << ": " << err->message;
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
    bool at_end = false;
    if (auto err = reader.poll(batch, 5000, milliseconds(500), at_end); err && !reported) {
      log::warn(scope) << "restore: reading " << topic << ": " << err->code << ": "
                       << err->message << " (retrying until the deadline)";
      reported = true;
    }
    for (const auto& r : batch) {
      if (r.offset >= end) continue;  // written after the restore began: learned anyway
      ++res.records;
      each(r);
      next = std::max(next, r.offset + 1);
    }
    if (at_end) break;
  }
  return true;
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

  std::vector<run_record> runs;
  bool ok = read_all(reader, std::string(k_offsets_topic), s, deadline, cancel, res,
                     [&](const state_record& r) {
                       auto d = decode_run_record(r.key, r.value);
                       if (!d) return skip(d.error());
                       if (!d->tombstone && ours(d->record.flow)) runs.push_back(d->record);
                     });
  res.complete = ok;
  auto applied = apply_runs(store, runs);
  res.runs = applied.runs_new;
  res.partitions = applied.partitions;
  res.skipped += applied.rejected;
  if (!applied.problem.empty() && first_problem.empty()) first_problem = applied.problem;
  if (!res.reached) return res;  // unreachable: do not wait for the second topic too

  // The newest checkpoint per (flow, group, topic, partition).
  using ckey = std::tuple<offsets::flow_id, std::string, std::string, int32_t>;
  std::map<ckey, offsets::checkpoint> newest;
  ok = read_all(reader, "tandem.checkpoints", s, deadline, cancel, res,
                [&](const state_record& r) {
                  if (!r.value) return;  // a tombstone: nothing to restore
                  auto d = decode_checkpoint_record(r.key, r.value);
                  if (!d) return skip(d.error());
                  if (!ours(d->flow)) return;
                  const auto& c = d->checkpoint;
                  ckey k{d->flow, c.group, c.topic, c.partition};
                  auto [it, fresh] = newest.try_emplace(k, c);
                  if (!fresh && it->second.time_ms <= c.time_ms) it->second = c;
                });
  res.complete = res.complete && ok;
  std::map<ckey, int64_t> stored;  // time_ms of what the store holds
  for (const auto& remote : s.remotes) {
    offsets::flow_id f{remote, s.local_region};
    if (auto cs = store.get_checkpoints(f, ""))
      for (const auto& c : *cs) stored[{f, c.group, c.topic, c.partition}] = c.time_ms;
  }
  for (const auto& [k, c] : newest) {
    auto it = stored.find(k);
    if (it != stored.end() && it->second >= c.time_ms) continue;
    if (auto put = store.put_checkpoint(std::get<0>(k), c); !put)
      skip("checkpoint " + c.group + " " + c.topic + "/" + std::to_string(c.partition) + ": " +
           put.error().message);
    else
      ++res.checkpoints;
  }
  if (!first_problem.empty())
    log::warn(scope) << "restore: " << res.skipped << " record(s) skipped; the first: "
                     << first_problem;
  return res;
}

}  // namespace tandem::engine
