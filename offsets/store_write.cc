// offset_store: commits, trims and checkpoint writes.
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <limits>
#include <tuple>

#include "offsets/canonical.h"
#include "offsets/store.h"
#include "offsets/store_impl.h"

namespace tandem::offsets {
namespace fs = std::filesystem;
using detail::at_prefix;
using detail::run_at;
using detail::storage_error;

namespace {

constexpr int64_t int64_max = std::numeric_limits<int64_t>::max();

// Every write of the store. WAL on, no fsync: after an OS crash the last batches may be lost,
// and that is safe. Kafka is the source of truth: runs and resume positions are lost together
// (one WriteBatch), so the flow resumes from an older position and re-copies those records,
// which only makes copies (replays), never a hole; the map rebuilds from tandem.offsets.
// An fsync per delivery batch would cost a disk flush per batch for no safety gained.
rocksdb::WriteOptions write_options() {
  rocksdb::WriteOptions w;
  w.sync = false;
  w.disableWAL = false;  // a process crash (not an OS crash) loses nothing
  return w;
}

std::string key_with(std::string_view prefix, int64_t first, int64_t second) {
  std::string k(prefix);
  keys::append_int64(k, first);
  keys::append_int64(k, second);
  return k;
}

// Runs of one index whose range meets [begin, end): the run (S: group) containing `begin`, then
// every run starting before `end`. `start_of`/`end_of` read the index's side of a run.
template <class StartOf, class EndOf>
std::expected<void, error> collect_meeting(rocksdb::DB& db, keys::tag t, std::string_view prefix,
                                           int64_t begin, int64_t end, StartOf start_of,
                                           EndOf end_of, const fs::path& path,
                                           std::vector<run>& out) {
  auto it = detail::new_iterator(db);
  int64_t from = begin;
  it->SeekForPrev(key_with(prefix, begin, int64_max));
  if (at_prefix(*it, prefix)) {
    auto r = run_at(*it, t, prefix, path);
    if (!r) return std::unexpected(r.error());
    if (end_of(*r) > begin) from = start_of(*r);
  }
  std::string from_key(prefix);
  keys::append_int64(from_key, from);
  for (it->Seek(from_key); at_prefix(*it, prefix); it->Next()) {
    auto r = run_at(*it, t, prefix, path);
    if (!r) return std::unexpected(r.error());
    if (start_of(*r) >= end) break;
    out.push_back(*r);
  }
  if (!it->status().ok()) return std::unexpected(storage_error(it->status(), path));
  return {};
}

// The key prefixes of one partition, built once per commit.
struct partition_keys {
  explicit partition_keys(const partition_ref& p)
      : by_source(keys::partition_prefix(keys::tag::by_source, p)),
        by_destination(keys::partition_prefix(keys::tag::by_destination, p)) {}
  std::string by_source;
  std::string by_destination;
};

// Runs whose source range meets [src_begin, src_end) or whose target range meets
// [dst_begin, dst_end), in one partition: what plan_insert needs as `existing`.
std::expected<std::vector<run>, error> runs_meeting(rocksdb::DB& db, const partition_keys& k,
                                                    const run_hull& h, const fs::path& path) {
  std::vector<run> out;
  auto ok = collect_meeting(
      db, keys::tag::by_source, k.by_source, h.src_begin.v, h.src_end.v,
      [](const run& r) { return r.src_start.v; }, [](const run& r) { return r.src_end().v; },
      path, out);
  if (ok) {
    ok = collect_meeting(
        db, keys::tag::by_destination, k.by_destination, h.dst_begin.v, h.dst_end.v,
        [](const run& r) { return r.dst_start.v; }, [](const run& r) { return r.dst_end().v; },
        path, out);
  }
  if (!ok) return std::unexpected(ok.error());
  return out;
}

// The stored runs at the keys (src_start, dst_start) of `wanted`, whatever their length.
std::expected<std::vector<run>, error> stored_at_keys(rocksdb::DB& db, const partition_keys& k,
                                                      std::span<const run> wanted,
                                                      const fs::path& path) {
  std::vector<run> out;
  std::string value;
  for (const run& w : wanted) {
    rocksdb::Status s =
        db.Get(rocksdb::ReadOptions{}, keys::run_key(keys::tag::by_source, k.by_source, w), &value);
    if (s.IsNotFound()) continue;
    if (!s.ok()) return std::unexpected(storage_error(s, path));
    keys::reader v(value);
    int64_t length = 0;
    run r{w.src_start, w.dst_start, 0};
    if (!v.int64(length) || !v.done() || !is_valid(r = run{w.src_start, w.dst_start, length}))
      return std::unexpected(detail::malformed(path, "run record"));
    if (std::ranges::find(out, r) == out.end()) out.push_back(r);
  }
  return out;
}

// The end of the last run of an index: in canonical form, the greatest end of all its runs.
std::expected<int64_t, error> last_end(rocksdb::DB& db, keys::tag t, std::string_view prefix,
                                       const fs::path& path) {
  auto it = detail::new_iterator(db);
  it->SeekForPrev(std::string(prefix) + std::string(16, '\xff'));  // after all run keys
  if (!at_prefix(*it, prefix)) {
    if (!it->status().ok()) return std::unexpected(storage_error(it->status(), path));
    return 0;
  }
  auto r = run_at(*it, t, prefix, path);
  if (!r) return std::unexpected(r.error());
  return t == keys::tag::by_source ? r->src_end().v : r->dst_end().v;
}

using frontier = offset_store::impl::frontier;

std::expected<frontier, error> stored_frontier(rocksdb::DB& db, const partition_keys& k,
                                               const fs::path& path) {
  auto src = last_end(db, keys::tag::by_source, k.by_source, path);
  if (!src) return std::unexpected(src.error());
  auto dst = last_end(db, keys::tag::by_destination, k.by_destination, path);
  if (!dst) return std::unexpected(dst.error());
  return frontier{*src, *dst};
}

// Keeps offset_store::run_count's counts (once counted) after a write of `change`. Under write_mu.
void count_runs(offset_store::impl& store, const flow_id& flow, const map_change& change) {
  if (store.run_counts)
    (*store.run_counts)[flow] +=
        static_cast<int64_t>(change.put.size()) - static_cast<int64_t>(change.erase.size());
}

void apply(rocksdb::WriteBatch& wb, const partition_keys& k, const map_change& change) {
  for (const run& r : change.erase) {
    wb.Delete(keys::run_key(keys::tag::by_source, k.by_source, r));
    wb.Delete(keys::run_key(keys::tag::by_destination, k.by_destination, r));
  }
  for (const run& r : change.put) {  // after the deletes: a split run may keep its key
    const std::string length = keys::encode_int64(r.length);
    wb.Put(keys::run_key(keys::tag::by_source, k.by_source, r), length);
    wb.Put(keys::run_key(keys::tag::by_destination, k.by_destination, r), length);
  }
}

// Writes `change` of partition `p` in one WriteBatch, then keeps the run counts; `frontier`:
// also forgets the cached frontier (recomputed from the store on the next commit). Under
// write_mu.
std::expected<void, error> write_change(offset_store::impl& store, const partition_ref& p,
                                        const map_change& change, bool frontier) {
  partition_keys k(p);
  rocksdb::WriteBatch wb;
  apply(wb, k, change);
  rocksdb::Status s = store.db->Write(write_options(), &wb);
  if (!s.ok()) return std::unexpected(storage_error(s, store.path));
  if (frontier) store.frontiers.erase(k.by_source);
  count_runs(store, p.flow, change);
  return {};
}

// The stored runs an incoming batch of one partition may meet: none when it starts beyond the
// partition's frontier (the usual append), else read from both indexes.
// `f_out`: the partition's frontier before the batch.
std::expected<std::vector<run>, error> existing_for(offset_store::impl& store,
                                                    const partition_keys& k, const run_hull& h,
                                                    frontier& f_out) {
  auto cached = store.frontiers.find(k.by_source);
  if (cached == store.frontiers.end()) {
    auto f = stored_frontier(*store.db, k, store.path);
    if (!f) return std::unexpected(f.error());
    cached = store.frontiers.emplace(k.by_source, *f).first;
  }
  f_out = cached->second;
  if (h.src_begin.v >= f_out.src_end && h.dst_begin.v >= f_out.dst_end) return std::vector<run>{};
  return runs_meeting(*store.db, k, h, store.path);
}

// Bad names, negative resume positions, a partition listed twice (its second part would be
// planned against a store that does not yet hold the first).
std::expected<void, error> validate_batch(std::span<const partition_batch> batch) {
  std::vector<std::string> seen;
  for (const partition_batch& pb : batch) {
    if (auto ok = validate(pb.partition); !ok) return ok;
    if (pb.resume && (pb.resume->v < 0 || pb.resume->v > max_offset)) {
      return std::unexpected(error{errc::invalid_argument,
          to_string(pb.partition) + ": invalid resume position " + std::to_string(pb.resume->v)});
    }
    seen.push_back(keys::partition_prefix(keys::tag::by_source, pb.partition));
  }
  std::ranges::sort(seen);
  if (std::ranges::adjacent_find(seen) != seen.end()) {
    return std::unexpected(error{errc::invalid_argument,
        "a partition is listed twice in one batch (merge its runs into one entry)"});
  }
  return {};
}

}  // namespace

std::expected<void, error> offset_store::commit_batch(std::span<const partition_batch> batch,
                                                     std::vector<map_change>* out) {
  if (auto ok = detail::require_writable(*impl_); !ok) return ok;
  if (auto ok = validate_batch(batch); !ok) return ok;
  std::lock_guard lock(impl_->write_mu);
  rocksdb::WriteBatch wb;
  std::vector<std::pair<std::string, frontier>> advanced;  // applied once the batch is written
  std::vector<std::pair<const flow_id*, map_change>> changes;  // one per entry, in order
  for (const partition_batch& pb : batch) {
    const partition_ref& ref = pb.partition;
    partition_keys k(ref);
    changes.emplace_back(&ref.flow, map_change{});
    if (auto hull = hull_of(pb.runs)) {
      frontier f;
      auto existing = existing_for(*impl_, k, *hull, f);
      if (!existing) return std::unexpected(existing.error());
      auto plan = plan_insert(*existing, pb.runs);
      if (!plan) {
        return std::unexpected(
            error{plan.error().code, to_string(ref) + ": " + plan.error().message});
      }
      apply(wb, k, *plan);
      changes.back().second = std::move(*plan);
      advanced.emplace_back(std::move(k.by_source),
                            frontier{std::max(f.src_end, hull->src_end.v),
                                     std::max(f.dst_end, hull->dst_end.v)});
    }
    if (pb.resume) {
      wb.Put(keys::partition_prefix(keys::tag::resume, ref), keys::encode_int64(pb.resume->v));
    }
  }
  rocksdb::Status s = impl_->db->Write(write_options(), &wb);
  if (!s.ok()) return std::unexpected(storage_error(s, impl_->path));
  for (auto& [prefix, f] : advanced) impl_->frontiers[prefix] = f;
  for (const auto& [flow, change] : changes) count_runs(*impl_, *flow, change);
  if (out) {
    out->clear();
    for (auto& c : changes) out->push_back(std::move(c.second));
  }
  return {};
}

std::expected<map_change, error> offset_store::trim_below(const partition_ref& p,
                                                          source_offset log_start) {
  if (auto ok = detail::require_writable(*impl_); !ok) return std::unexpected(ok.error());
  if (auto ok = validate(p); !ok) return std::unexpected(ok.error());
  std::lock_guard lock(impl_->write_mu);
  auto below = detail::runs_starting_below(*impl_->db, p, log_start, impl_->path);
  if (!below) return std::unexpected(below.error());
  map_change plan = plan_trim(*below, log_start);
  if (auto ok = write_change(*impl_, p, plan, false); !ok) return std::unexpected(ok.error());
  return plan;
}

std::expected<map_change, error> offset_store::invalidate(const partition_ref& p, side which,
                                                          int64_t from) {
  if (auto ok = detail::require_writable(*impl_); !ok) return std::unexpected(ok.error());
  if (auto ok = validate(p); !ok) return std::unexpected(ok.error());
  if (from < 0 || from > max_offset) {
    return std::unexpected(error{errc::invalid_argument,
        to_string(p) + ": invalid offset " + std::to_string(from) + " to invalidate from"});
  }
  std::lock_guard lock(impl_->write_mu);
  auto all = detail::runs_starting_below(*impl_->db, p, {max_offset}, impl_->path);
  if (!all) return std::unexpected(all.error());
  map_change plan = which == side::source ? plan_invalidate_source(*all, {from})
                                          : plan_invalidate_destination(*all, {from});
  if (auto ok = write_change(*impl_, p, plan, true); !ok) return std::unexpected(ok.error());
  return plan;
}

std::expected<map_change, error> offset_store::replace_runs(const partition_ref& p,
                                                            std::span<const run> erase,
                                                            std::span<const run> put) {
  if (auto ok = detail::require_writable(*impl_); !ok) return std::unexpected(ok.error());
  if (auto ok = validate(p); !ok) return std::unexpected(ok.error());
  std::lock_guard lock(impl_->write_mu);
  partition_keys k(p);
  auto gone = stored_at_keys(*impl_->db, k, erase, impl_->path);
  if (!gone) return std::unexpected(gone.error());
  std::vector<run> existing;
  if (auto hull = hull_of(put)) {
    auto meeting = runs_meeting(*impl_->db, k, *hull, impl_->path);
    if (!meeting) return std::unexpected(meeting.error());
    for (const run& r : *meeting)
      if (std::ranges::find(*gone, r) == gone->end()) existing.push_back(r);
  }
  auto plan = plan_insert(existing, put);
  if (!plan) {
    return std::unexpected(error{plan.error().code, to_string(p) + ": " + plan.error().message});
  }
  map_change change{std::move(*gone), std::move(plan->put)};
  change.erase.insert(change.erase.end(), plan->erase.begin(), plan->erase.end());
  std::ranges::sort(change.erase, [](const run& a, const run& b) {
    return std::tie(a.src_start, a.dst_start) < std::tie(b.src_start, b.dst_start);
  });
  if (auto ok = write_change(*impl_, p, change, true); !ok) return std::unexpected(ok.error());
  return change;
}

std::expected<void, error> offset_store::put_checkpoint(const flow_id& flow, const checkpoint& c) {
  if (auto ok = detail::require_writable(*impl_); !ok) return ok;
  if (auto ok = validate(partition_ref{flow, c.topic, c.partition}); !ok) return ok;
  if (c.group.empty() || c.group.find('\0') != std::string::npos) {
    return std::unexpected(error{errc::invalid_argument,
        "invalid consumer group name '" + c.group + "': non-empty, without NUL"});
  }
  std::string value;
  keys::append_int64(value, c.target.v);
  keys::append_int64(value, c.source.v);
  keys::append_int64(value, c.time_ms);
  rocksdb::Status s = impl_->db->Put(
      write_options(), keys::checkpoint_key(flow, c.group, c.topic, c.partition), value);
  if (!s.ok()) return std::unexpected(storage_error(s, impl_->path));
  return {};
}

}  // namespace tandem::offsets
