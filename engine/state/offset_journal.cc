#include "engine/state/offset_journal.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <tuple>

#include "engine/obs/log.h"
#include "offsets/run_builder.h"

namespace tandem::engine {
namespace {

// Run builders of one flow direction, by topic then partition (heterogeneous lookup: no string
// is built per delivery report).
class builders {
 public:
  offsets::run_builder& at(std::string_view topic, int32_t partition) {
    auto it = by_topic_.find(topic);
    if (it == by_topic_.end()) it = by_topic_.emplace(std::string(topic), std::deque<offsets::run_builder>{}).first;
    auto& parts = it->second;
    while (parts.size() <= static_cast<size_t>(partition)) parts.emplace_back();
    return parts[partition];
  }
  template <class F>
  void for_each(F&& f) {
    for (auto& [topic, parts] : by_topic_)
      for (size_t p = 0; p < parts.size(); ++p) f(topic, static_cast<int32_t>(p), parts[p]);
  }

 private:
  std::map<std::string, std::deque<offsets::run_builder>, std::less<>> by_topic_;
};

class offset_journal final : public flow_journal {
 public:
  offset_journal(std::shared_ptr<offsets::offset_store> store, offsets::flow_id own,
                 std::shared_ptr<run_publisher> publisher)
      : store_(std::move(store)),
        publisher_(std::move(publisher)),
        own_(std::move(own)),
        peer_{own_.target_region, own_.source_region},
        name_(offsets::to_string(own_)) {}

  std::optional<int64_t> resume_position(const std::string& topic, int32_t partition) override {
    auto r = store_->resume_position({own_, topic, partition});
    if (!r) {
      log::error(name_) << "cannot read resume position: " << r.error().message;
      return std::nullopt;
    }
    if (!*r) return std::nullopt;
    return (*r)->v;
  }

  void delivered(std::string_view topic, int32_t partition, int64_t src, int64_t dst) override {
    offsets::run_builder& b = own_runs_.at(topic, partition);
    auto ok = b.add({src}, {dst});
    if (!ok && ok.error().code == offsets::errc::out_of_order) {
      auto last = b.last_destination();
      if (last && dst <= last->v) {
        target_went_back(b, topic, partition, dst, last->v);
      } else {
        // A replay (the flow re-copies from its committed position after a failed delivery)
        // or a truncated source: new copies of source records, kept beside the earlier ones.
        if (!b.empty()) carried_.push_back({{own_, std::string(topic), partition}, b.take(), std::nullopt});
      }
      b = offsets::run_builder{};
      ok = b.add({src}, {dst});
    }
    if (!ok)
      log::error(name_) << "offset map alarm topic=" << topic << " partition=" << partition
                        << ": " << ok.error().message;
  }

  void echo(std::string_view topic, int32_t partition, int64_t offset, std::string_view peer_topic,
            int64_t peer_offset) override {
    // The peer flow (target→source) copied its record peer_topic/partition@peer_offset to
    // topic/partition@offset of our source cluster. Runs are named by their source topic.
    (void)topic;
    offsets::run_builder& b = peer_runs_.at(peer_topic, partition);
    auto ok = b.add({peer_offset}, {offset});
    if (!ok && ok.error().code == offsets::errc::out_of_order) {
      auto last = b.last_destination();
      if (last && offset <= last->v) {
        // Our source partition went back (truncated, or deleted and recreated: the flow
        // alarms): the learned runs from `offset` on point at records that are gone.
        (void)b.take();
        note_invalidation(peer_, peer_topic, partition, offset);
      } else {
        // The peer replayed (re-copied older records after a restart): keep what was learned,
        // start a new builder for the replayed copies; the store keeps every copy.
        carried_.push_back({{peer_, std::string(peer_topic), partition}, b.take(), std::nullopt});
      }
      b = offsets::run_builder{};
      ok = b.add({peer_offset}, {offset});
    }
    if (!ok)
      log::warn(name_) << "echo not learned topic=" << peer_topic << " partition=" << partition
                       << ": " << ok.error().message;
  }

  std::optional<int64_t> target_ends_at(std::string_view topic, int32_t partition,
                                        int64_t target_end) override {
    offsets::partition_ref p{own_, std::string(topic), partition};
    // Delivered, not committed yet: those copies may be gone too (a hole re-reads, never skips).
    (void)own_runs_.at(topic, partition).take();
    auto last = store_->lookup_by_destination(p, offsets::target_offset{offsets::max_offset});
    if (!last || !*last || (*last)->dst_end().v <= target_end) return std::nullopt;
    auto t = store_->translate_to_source(p, offsets::target_offset{target_end});
    bool known = t && (t->kind == offsets::translation::exact ||
                       t->kind == offsets::translation::rounded);
    log::error(name_) << "ALARM target partition ends below its copies topic=" << topic
                      << " partition=" << partition << " target_end=" << target_end
                      << " copies_up_to=" << (*last)->dst_end().v - 1
                      << " (truncated, or deleted and recreated); copying again from source "
                      << (known ? "offset " + std::to_string(t->offset.v) : "log start");
    note_invalidation(own_, topic, partition, target_end);
    return known ? t->offset.v : offset_beginning;
  }

  void trim_below(std::string_view topic, int32_t partition, int64_t log_start) override {
    offsets::partition_ref p{own_, std::string(topic), partition};
    auto change = store_->trim_below(p, {log_start});
    if (!change) {
      log::warn(name_) << "cannot trim the offset map of " << offsets::to_string(p)
                       << " below the source's log start " << log_start << ": "
                       << change.error().message;
    } else if (!change->erase.empty()) {
      log::info(name_) << "offset map of " << offsets::to_string(p) << " trimmed below the source's "
                       << "log start " << log_start << ": " << change->erase.size()
                       << " run(s) erased or cut";
      publish(p, *change);
    }
  }

  void source_went_back(std::string_view topic, int32_t partition, int64_t from) override {
    // Runs delivered and not yet committed are dropped with the stale ones: a hole in the map
    // only makes a translation re-read (docs/design.md "Translation").
    (void)own_runs_.at(topic, partition).take();
    auto [it, fresh] = source_invalidations_.try_emplace({std::string(topic), partition}, from);
    if (!fresh) it->second = std::min(it->second, from);
  }

  std::optional<int64_t> last_copy(std::string_view topic, int32_t partition) override {
    offsets::partition_ref p{own_, std::string(topic), partition};
    auto last = store_->lookup_by_destination(p, offsets::target_offset{offsets::max_offset});
    if (!last || !*last) return std::nullopt;
    return (*last)->dst_end().v - 1;
  }

  void peer_copies_gone(std::string_view topic, int32_t partition, int64_t from) override {
    (void)peer_runs_.at(topic, partition).take();  // learned from echoes of the old log
    note_invalidation(peer_, topic, partition, from);
  }

  std::expected<void, std::string> commit(std::span<const partition_position> positions) override {
    std::vector<offsets::partition_batch> batch;
    std::map<std::pair<std::string, int32_t>, size_t> own_index;
    own_runs_.for_each([&](const std::string& topic, int32_t p, offsets::run_builder& b) {
      if (b.empty()) return;
      own_index[{topic, p}] = batch.size();
      batch.push_back({{own_, topic, p}, b.take(), std::nullopt});
    });
    for (const auto& pos : positions) {
      auto it = own_index.find({pos.topic, pos.partition});
      if (it != own_index.end()) {
        batch[it->second].resume = offsets::source_offset{pos.offset};
      } else {
        batch.push_back({{own_, pos.topic, pos.partition}, {}, offsets::source_offset{pos.offset}});
      }
    }
    if (auto ok = invalidate_pending(); !ok) return ok;
    // commit_batch takes each partition once: runs closed by a replay go into batches of their
    // own (published like the rest when they are the flow's own), before the newer ones.
    std::vector<offsets::partition_batch> carried, peer;
    carried.swap(carried_);
    for (auto& c : carried) {
      if (c.partition.flow == peer_) {
        peer.push_back(std::move(c));
        continue;
      }
      if (auto ok = commit_own({&c, 1}); !ok) return ok;
    }
    peer_runs_.for_each([&](const std::string& topic, int32_t p, offsets::run_builder& b) {
      if (!b.empty()) peer.push_back({{peer_, topic, p}, b.take(), std::nullopt});
    });
    if (!batch.empty()) {
      if (auto ok = commit_own(batch); !ok) return ok;
    }
    commit_peer_runs(peer);
    return {};
  }

 private:
  // Runs learned from echoes are claims of the records that carry them (docs/design.md "Origin
  // header": a header is a claim, not a proof). One that conflicts with the map is dropped and
  // counted, partition by partition: it never fails the commit of the flow's own positions and
  // runs, which are committed first (issue #10: a crafted header stopped every commit).
  void commit_peer_runs(std::span<const offsets::partition_batch> peer) {
    for (const auto& b : peer) {
      auto ok = store_->commit_batch({&b, 1});
      if (ok) continue;
      rejected_peer_runs_ += static_cast<int64_t>(b.runs.size());
      if (warned_peer_.insert({b.partition.topic, b.partition.partition}).second)
        log::warn(name_) << "learned runs of " << offsets::to_string(b.partition)
                         << " dropped (further ones of this partition only counted): "
                         << ok.error().message;
    }
  }

  // The target partition went back (truncated, or deleted and recreated): the runs of this
  // batch and the stored ones from `dst` on describe records that are gone. docs/design.md "Safety
  // rules": alarm and invalidate them (at the next commit, before its runs are added, which
  // would otherwise conflict with them forever).
  void target_went_back(offsets::run_builder& b, std::string_view topic, int32_t partition,
                        int64_t dst, int64_t last) {
    log::error(name_) << "ALARM target partition went back topic=" << topic
                      << " partition=" << partition << " delivered_at=" << dst
                      << " after=" << last
                      << " (truncated or recreated); invalidating its offset map from there";
    (void)b.take();  // those runs point at the old log
    note_invalidation(own_, topic, partition, dst);
  }

  void note_invalidation(const offsets::flow_id& flow, std::string_view topic, int32_t partition,
                         int64_t from) {
    auto [it, fresh] = invalidations_.try_emplace({flow, std::string(topic), partition}, from);
    if (!fresh) it->second = std::min(it->second, from);
  }

  // Erases or cuts the runs noted as pointing at records that are gone. A failure on the own
  // flow fails the commit (its new runs would conflict with the stale ones); on the learned
  // peer direction it is logged: the own positions and runs are committed all the same.
  std::expected<void, std::string> invalidate_pending() {
    std::map<std::pair<std::string, int32_t>, int64_t> by_source;
    by_source.swap(source_invalidations_);
    for (const auto& [key, from] : by_source) {
      offsets::partition_ref p{own_, key.first, key.second};
      auto n = store_->invalidate(p, offsets::offset_store::side::source, from);
      if (!n) {
        source_invalidations_.insert(by_source.begin(), by_source.end());  // the next commit retries
        return std::unexpected(n.error().message);
      }
      if (!n->erase.empty())
        log::warn(name_) << "offset map of " << offsets::to_string(p)
                         << " invalidated from source offset " << from << ": "
                         << n->erase.size() << " run(s) erased or rewritten";
      publish(p, *n);
    }
    std::map<std::tuple<offsets::flow_id, std::string, int32_t>, int64_t> pending;
    pending.swap(invalidations_);
    for (const auto& [key, from] : pending) {
      offsets::partition_ref p{std::get<0>(key), std::get<1>(key), std::get<2>(key)};
      auto n = store_->invalidate(p, offsets::offset_store::side::destination, from);
      if (!n && p.flow == own_) return std::unexpected(n.error().message);
      if (!n) {
        log::warn(name_) << "cannot invalidate the learned runs of " << offsets::to_string(p)
                         << " from offset " << from << ": " << n.error().message;
        continue;
      }
      log::warn(name_) << "offset map of " << offsets::to_string(p) << " invalidated from target offset "
                       << from << ": " << n->erase.size() << " run(s) erased or rewritten";
      if (p.flow == own_) publish(p, *n);  // the learned peer runs are the peer's to publish
    }
    return {};
  }

  // Commits entries of the own flow and publishes what the store did with their runs.
  std::expected<void, std::string> commit_own(std::span<const offsets::partition_batch> batch) {
    std::vector<offsets::map_change> changes;
    if (auto ok = store_->commit_batch(batch, &changes); !ok)
      return std::unexpected(ok.error().message);
    for (size_t i = 0; i < batch.size(); ++i) publish(batch[i].partition, changes[i]);
    return {};
  }

  // Hands a committed change of an own partition to the publisher: a tombstone for each erased
  // key that is not written again, then the runs written (a key written again is re-published
  // with its new length). The publisher's queue is FIFO, so this reaches tandem.offsets after
  // everything published before it.
  void publish(const offsets::partition_ref& p, const offsets::map_change& change) {
    if (!publisher_ || p.flow != own_) return;
    std::vector<run_entry> out;
    auto key = [](const offsets::run& r) { return std::pair(r.src_start, r.dst_start); };
    for (const auto& r : change.erase) {  // both lists are ordered by key (store.h)
      if (!std::ranges::binary_search(change.put, key(r), {}, key))
        out.push_back({{own_, p.topic, p.partition, {r.src_start, r.dst_start, 0}}, true});
    }
    for (const auto& r : change.put) out.push_back({{own_, p.topic, p.partition, r}, false});
    publisher_->publish(std::move(out));
  }

  std::shared_ptr<offsets::offset_store> store_;
  std::shared_ptr<run_publisher> publisher_;
  offsets::flow_id own_;
  offsets::flow_id peer_;
  std::string name_;
  builders own_runs_;
  builders peer_runs_;
  std::vector<offsets::partition_batch> carried_;  // runs closed by a replay
  int64_t rejected_peer_runs_ = 0;  // learned runs dropped by commit_peer_runs
  std::set<std::pair<std::string, int32_t>> warned_peer_;
  // (flow, topic, partition) -> target offset to invalidate the map from, at the next commit
  std::map<std::tuple<offsets::flow_id, std::string, int32_t>, int64_t> invalidations_;
  // (topic, partition) of the own flow -> source offset to invalidate the map from
  std::map<std::pair<std::string, int32_t>, int64_t> source_invalidations_;
};

}  // namespace

std::expected<std::shared_ptr<offsets::offset_store>, offsets::error> open_state(
    const std::filesystem::path& state_dir) {
  auto store = offsets::offset_store::open(state_dir);
  if (!store) return std::unexpected(store.error());
  return std::make_shared<offsets::offset_store>(std::move(*store));
}

std::unique_ptr<flow_journal> make_offset_journal(std::shared_ptr<offsets::offset_store> store,
                                                  const std::string& source_region,
                                                  const std::string& target_region,
                                                  std::shared_ptr<run_publisher> publisher) {
  return std::make_unique<offset_journal>(
      std::move(store), offsets::flow_id{source_region, target_region}, std::move(publisher));
}

}  // namespace tandem::engine
