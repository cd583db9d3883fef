#include "engine/state/apply_runs.h"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

namespace tandem::engine {
namespace {

using partition_key = std::tuple<offsets::flow_id, std::string, int32_t>;
using run_key = std::pair<offsets::source_offset, offsets::target_offset>;

run_key key_of(const offsets::run& r) { return {r.src_start, r.dst_start}; }

// The last record of a key: its position among the records and its run (length 0: tombstone).
struct last_word {
  size_t pos = 0;
  offsets::run run;
};
using partition_words = std::map<run_key, last_word>;

// Rule 1: per partition and key, the last record.
std::map<partition_key, partition_words> last_words(std::span<const run_entry> entries) {
  std::map<partition_key, partition_words> out;
  for (size_t i = 0; i < entries.size(); ++i) {
    const run_record& r = entries[i].record;
    offsets::run run = r.run;
    if (entries[i].tombstone) run.length = 0;
    out[{r.flow, r.topic, r.partition}].insert_or_assign(key_of(run), last_word{i, run});
  }
  return out;
}

// Erased keys of a change that are not written again (a key written again was cut or replaced).
int64_t keys_gone(const offsets::map_change& c) {
  return std::ranges::count_if(c.erase, [&](const offsets::run& r) {
    return !std::ranges::binary_search(c.put, key_of(r), {}, key_of);  // both ordered by key
  });
}

// One partition's words applied to the store (rules 2 and 3 of apply_runs.h).
class partition_apply {
 public:
  partition_apply(offsets::offset_store& store, offsets::partition_ref p,
                  const partition_words& words, conflict_rule rule, apply_result& res)
      : store_(store), p_(std::move(p)), words_(words), rule_(rule), res_(res) {}

  void run() {
    erase_tombstoned();
    add_live();
    if (changed_) ++res_.partitions;
  }

 private:
  using stored = std::expected<std::optional<offsets::run>, offsets::error>;

  void refuse(int64_t runs, const std::string& why) {
    res_.rejected += runs;
    if (res_.problem.empty()) res_.problem = offsets::to_string(p_) + ": " + why;
  }

  void count(const offsets::map_change& c, int64_t added) {
    res_.runs_new += added;
    res_.runs_erased += keys_gone(c);
    changed_ = changed_ || !c.erase.empty() || !c.put.empty();
  }

  void erase_tombstoned() {
    std::vector<offsets::run> gone;
    for (const auto& [k, w] : words_)
      if (w.run.length == 0) gone.push_back(w.run);
    if (gone.empty()) return;
    auto c = store_.replace_runs(p_, gone, {});
    if (!c) return refuse(0, "erasing tombstoned runs: " + c.error().message);
    count(*c, 0);
  }

  // The stored run at the key of `r`: a target offset belongs to one run at most (canonical
  // rule 2, offsets/canonical.h), so only the run with the greatest dst_start <= r's can be it.
  stored at_key(const offsets::run& r) const {
    auto e = store_.lookup_by_destination(p_, offsets::target_offset{r.dst_start.v + 1});
    if (e && *e && key_of(**e) != key_of(r)) return std::optional<offsets::run>{};
    return e;
  }

  // True when every record of `r` is in the store with the same (source, target) pair: one
  // lookup per stored run the check crosses, never a scan of the partition.
  std::expected<bool, offsets::error> covered(const offsets::run& r) const {
    int64_t d = r.dst_start.v;
    while (d < r.dst_end().v) {
      auto e = store_.lookup_by_destination(p_, offsets::target_offset{d + 1});
      if (!e) return std::unexpected(e.error());
      const auto& s = *e;
      const offsets::target_offset y{d};
      if (!s || !s->covers(y) || s->source_of(y) != r.source_of(y)) return false;
      d = s->dst_end().v;
    }
    return true;
  }

  // What a live run needs. Its key stored with the same length: nothing. Stored LONGER: the
  // record cut it (replace). Stored shorter, or not at all: nothing if the store covers it
  // with the same pairs (pieces of a run the store split around copies), else add (replacing
  // the stored run of its key).
  enum class need { nothing, add, replace };
  std::expected<need, offsets::error> needs_write(const offsets::run& r) const {
    auto at = at_key(r);
    if (!at) return std::unexpected(at.error());
    if (*at && (*at)->length == r.length) return need::nothing;
    if (*at && (*at)->length > r.length) return need::replace;
    auto known = covered(r);
    if (!known) return std::unexpected(known.error());
    if (*known) return need::nothing;
    return *at ? need::replace : need::add;
  }

  // Rule 3 for the live words in log order: first all new runs in one write (the usual case:
  // nothing stored meets them), else one by one.
  void add_live() {
    std::vector<const last_word*> live;
    for (const auto& [k, w] : words_)
      if (w.run.length > 0) live.push_back(&w);
    std::ranges::sort(live, {}, &last_word::pos);
    std::vector<const last_word*> todo;
    std::vector<offsets::run> fresh;
    bool plain = true;  // no stored run at a key with another length
    for (const last_word* w : live) {
      auto needed = needs_write(w->run);
      if (!needed) return refuse(static_cast<int64_t>(live.size()), needed.error().message);
      if (*needed == need::nothing) continue;
      plain = plain && *needed == need::add;
      todo.push_back(w);
      fresh.push_back(w->run);
    }
    if (todo.empty()) return;
    if (plain) {
      if (auto c = store_.replace_runs(p_, {}, fresh)) return count(*c, static_cast<int64_t>(todo.size()));
    }
    for (const last_word* w : todo) add_one(*w);
  }

  // The stored runs `r` conflicts with: they own a target offset of `r` for another source
  // record. Walks the stored runs backwards from r's target end, one lookup each: target
  // ranges of stored runs are disjoint (canonical rule 2), so the first one that ends at or
  // below r's start ends the walk. Only after the store refused `r`.
  std::expected<std::vector<offsets::run>, offsets::error> conflicting(const offsets::run& r) const {
    std::vector<offsets::run> out;
    offsets::target_offset below = r.dst_end();
    for (;;) {
      auto e = store_.lookup_by_destination(p_, below);
      if (!e) return std::unexpected(e.error());
      if (!*e || (*e)->dst_end() <= r.dst_start) return out;
      const offsets::run& s = **e;
      if (s.src_start.v - s.dst_start.v != r.src_start.v - r.dst_start.v) out.push_back(s);
      below = s.dst_start;
    }
  }

  bool replaceable(const offsets::run& s, size_t pos) const {
    if (rule_ == conflict_rule::newest_record) return true;
    auto it = words_.find(key_of(s));
    return it != words_.end() && it->second.run == s && it->second.pos < pos;
  }

  void add_one(const last_word& w) {
    const std::span<const offsets::run> put(&w.run, 1);
    auto needed = needs_write(w.run);  // again: the runs added before may cover it now
    if (!needed) return refuse(1, needed.error().message);
    if (*needed == need::nothing) return;
    auto at = at_key(w.run);
    if (!at) return refuse(1, at.error().message);
    std::vector<offsets::run> erase;
    if (*at) erase.push_back(**at);
    auto c = store_.replace_runs(p_, erase, put);
    if (!c && c.error().code == offsets::errc::destination_conflict) {
      auto others = conflicting(w.run);
      if (others && !others->empty() &&
          std::ranges::all_of(*others, [&](const auto& s) { return replaceable(s, w.pos); })) {
        erase.insert(erase.end(), others->begin(), others->end());
        c = store_.replace_runs(p_, erase, put);
      }
    }
    if (!c) return refuse(1, "run " + offsets::to_string(w.run) + ": " + c.error().message);
    count(*c, 1);
  }

  offsets::offset_store& store_;
  offsets::partition_ref p_;
  const partition_words& words_;
  conflict_rule rule_;
  apply_result& res_;
  bool changed_ = false;
};

}  // namespace

apply_result apply_entries(offsets::offset_store& store, std::span<const run_entry> in_log_order,
                           conflict_rule rule) {
  apply_result res;
  for (const auto& [k, words] : last_words(in_log_order)) {
    offsets::partition_ref p{std::get<0>(k), std::get<1>(k), std::get<2>(k)};
    partition_apply(store, std::move(p), words, rule, res).run();
  }
  return res;
}

apply_result apply_runs(offsets::offset_store& store, std::span<const run_record> runs) {
  std::vector<run_entry> entries;
  entries.reserve(runs.size());
  for (const auto& r : runs) entries.push_back({r, false});
  return apply_entries(store, entries, conflict_rule::log_order);
}

}  // namespace tandem::engine
