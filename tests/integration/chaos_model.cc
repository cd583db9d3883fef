// The model and the oracle of the randomized fault test: see chaos_model.h.
#include "tests/integration/chaos_model.h"

#include <algorithm>

namespace tandem::testing {

std::vector<std::string> chaos_model::produce(const std::string& origin, int n) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) {
    std::string id = origin + "-" + std::to_string(next_seq_[origin]++);
    born_[id] = incarnation_[origin];
    ids.push_back(std::move(id));
  }
  return ids;
}

std::string chaos_model::origin_of(const std::string& id) {
  auto dash = id.rfind('-');
  return dash == std::string::npos ? "" : id.substr(0, dash);
}

bool chaos_model::alive(const std::string& id) const {
  auto it = born_.find(id);
  if (it == born_.end()) return false;
  auto inc = incarnation_.find(origin_of(id));
  return it->second == (inc == incarnation_.end() ? 0 : inc->second);
}

std::set<std::string> chaos_model::alive_ids(const std::string& home) const {
  std::set<std::string> out;
  for (const auto& [id, inc] : born_)
    if ((identity_ || origin_of(id) == home) && alive(id)) out.insert(id);
  return out;
}

void chaos_model::lost(const std::string& region, const std::string& topic,
                       const std::set<std::string>& ids) {
  lost_[region + "/" + topic].insert(ids.begin(), ids.end());
}

void chaos_model::forget_lost(const std::string& region, const std::string& topic) {
  lost_.erase(region + "/" + topic);
}

const std::set<std::string>& chaos_model::lost_in(const std::string& region,
                                                  const std::string& topic) const {
  static const std::set<std::string> none;
  auto it = lost_.find(region + "/" + topic);
  return it == lost_.end() ? none : it->second;
}

namespace {

// Per partition: the spread of the identity frontiers (max - min; 0 under prefix naming).
int64_t frontier_spread(const partition_row& r) {
  if (!r.has_identity) return 0;
  int64_t lo = r.to_offset, hi = r.to_offset;
  for (int64_t t : {r.a_term, r.b_term, r.c_term})
    if (t >= 0) lo = std::min(lo, t), hi = std::max(hi, t);
  return hi - lo;
}

struct partition_tally {
  int64_t rereads = 0, replays = 0, orphans = 0;
};

}  // namespace

move_verdict judge(const chaos_model& m, const chaos_group& g,
                   const std::set<std::string>& below_x, const std::vector<record>& dest,
                   const std::vector<int64_t>& start, const std::map<int, partition_row>& rows) {
  move_verdict v;
  const std::set<std::string> alive = m.alive_ids(g.home);
  std::set<std::string> present, read;
  std::map<int, std::set<std::string>> seen_in_partition;
  std::map<int, partition_tally> tally;
  for (const auto& r : dest) {
    const std::string id = r.value.value_or("");
    const bool after = r.partition < static_cast<int>(start.size()) && r.offset >= start[r.partition];
    auto& seen = seen_in_partition[r.partition];
    if (after) {
      auto& t = tally[r.partition];
      ++v.read;
      if (below_x.count(id) || read.count(id)) ++t.rereads;
      else if (g.consumed.count(id)) ++v.earlier;
      if (seen.count(id)) ++t.replays;
      if (!alive.count(id)) ++t.orphans;
      read.insert(id);
    }
    seen.insert(id);
    present.insert(id);
  }
  for (const auto& id : alive) {
    if (!present.count(id)) ++v.missing;
    if (g.consumed.count(id)) continue;
    ++v.expected;
    if (present.count(id) && !read.count(id)) {
      ++v.skipped;
      if (v.first_skipped.size() < 5) v.first_skipped.push_back(id);
    }
  }
  for (const auto& [p, t] : tally) {
    v.rereads += t.rereads;
    v.replays += t.replays;
    v.orphans += t.orphans;
    auto row = rows.find(p);
    const int64_t spread = row == rows.end() ? 0 : frontier_spread(row->second);
    v.spread += spread;
    v.bound += spread + t.replays + t.orphans;
    v.beyond_bound += std::max<int64_t>(0, t.rereads - spread - t.replays - t.orphans);
    if (row != rows.end() && row->second.reread >= 0)
      v.beyond_reported += std::max<int64_t>(0, t.rereads - row->second.reread);
  }
  return v;
}

}  // namespace tandem::testing
