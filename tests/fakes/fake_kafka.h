// In-memory fakes of the Kafka seam (engine/kafka/seam.h), so the flow logic is unit-tested
// without a broker (docs/design.md: "librdkafka sits behind a thin seam").
//
//   fake_cluster "west"                                          fake_cluster "east"
//   topics -> partitions -> stored_record                         topics -> partitions -> ...
//        ^                                                              ^
//        | poll / commit / list_topics                                  | forward appends a copy
//   fake_source ──record_ref(impl = fake_holder*)──> flow ──forward──> fake_sink
//        ^                                                              |
//        └──────────── release (dropped)       delivery report at poll()/flush(), then freed
//
// Ownership check: every record_ref a fake_source hands out is backed by a heap `fake_holder`
// registered in the source's ledger. It must go to exactly one of fake_source::release or
// fake_sink::forward (which frees it after its delivery report). A second release, a release
// after forward, a forward after release or a double forward is reported as a test failure at
// once; holders still alive when the fake_source is destroyed are reported as leaks.
//
// Failure injection (all plain public fields, changed by tests between steps):
//   fake_cluster::unreachable            list_topics/describe_configs/create_* fail with a
//                                        retriable kafka_errc::transport; sources fetch nothing
//   fake_sink::queue_full_next           the next N forwards return queue_full
//   fake_sink::queue_capacity            forwards return queue_full while this many
//                                        records are outstanding (0: unbounded)
//   fake_sink::fail_topic(t, error)      every forward to t is accepted, nothing is written,
//                                        and its delivery report carries `error`
//   fake_sink::hold_reports              poll()/flush() serve no delivery reports
//   fake_sink::fatal                     fatal_error() returns it
//   fake_sink::spin_limit                after this many queue_full in a row with no report
//                                        served in between, the caller is busy-waiting inside
//                                        one call: a test failure, then the queue accepts (so a
//                                        test fails instead of hanging)
//
// Consumer groups: fake_group_admin and fake_state_producer (checkpoints, group sync) work on
// a fake_cluster's `groups` / `group_states` / `group_epochs` and its topics.
//
// Errors are made with make_kafka_error (engine/kafka/error.h): the codes and names the
// librdkafka adapter produces (kafka_errc::queue_full is "_QUEUE_FULL", ...).
//
// Threading: single-threaded, like a flow. Polls never block unless
// fake_source::honour_poll_timeout is set (a real consumer waits for the timeout when idle).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "engine/kafka/seam.h"
#include "loopguard/origin_header.h"

namespace tandem::engine::testing {

using fake_header = std::pair<std::string, std::optional<std::string>>;  // key, value (null)

struct stored_record {
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<fake_header> headers;
  int64_t timestamp_ms = 0;
  int64_t offset = -1;  // assigned by fake_cluster::append

  // The value of the last `tandem-origin` header, nullopt if none (an empty string for a
  // header with a null value, as librdkafka's rd_kafka_header_get_last reports it).
  std::optional<std::string> origin_header() const {
    for (auto it = headers.rbegin(); it != headers.rend(); ++it)
      if (it->first == loopguard::origin_header_key) return it->second.value_or("");
    return std::nullopt;
  }
};

struct fake_partition {
  std::vector<stored_record> records;  // increasing offsets, possibly with gaps (compaction)
  int64_t next_offset = 0;             // the high watermark

  int64_t log_start() const { return records.empty() ? next_offset : records.front().offset; }
};

struct fake_topic {
  std::vector<fake_partition> partitions;
  topic_configs configs;  // explicitly set configs (what describe_configs reports)
};

// One Kafka cluster: shared by the sources and sinks of every flow that touches it.
class fake_cluster {
 public:
  explicit fake_cluster(std::string region) : region_(std::move(region)) {}
  fake_cluster(const fake_cluster&) = delete;
  fake_cluster& operator=(const fake_cluster&) = delete;

  const std::string& region() const { return region_; }

  std::map<std::string, fake_topic> topics;
  // Committed offsets of consumer groups: group -> (topic, partition) -> next offset.
  std::map<std::string, std::map<std::pair<std::string, int32_t>, int64_t>> groups;
  // Group states (fake_group_admin): a group listed here has this state; a group only in
  // `groups` is EMPTY; a group in neither is absent.
  std::map<std::string, group_state> group_states;
  // Leader epochs stored with committed offsets: group -> (topic, partition) -> epoch.
  std::map<std::string, std::map<std::pair<std::string, int32_t>, int32_t>> group_epochs;
  // Metadata strings stored with committed offsets (absent: empty).
  std::map<std::string, std::map<std::pair<std::string, int32_t>, std::string>> group_metadata;
  bool unreachable = false;

  // The state fake_group_admin reports for `group`.
  group_state state_of(const std::string& group) const {
    if (auto it = group_states.find(group); it != group_states.end()) return it->second;
    return groups.count(group) > 0 ? group_state::empty : group_state::absent;
  }

  void create_topic(const std::string& name, int32_t partitions, topic_configs configs = {}) {
    auto& t = topics[name];
    t.partitions.resize(static_cast<size_t>(partitions));
    t.configs = std::move(configs);
  }
  // Deleting and creating a topic again starts its offsets at 0. Like Kafka, deleting a topic
  // also deletes every group's committed offsets of it.
  void delete_topic(const std::string& name) {
    topics.erase(name);
    for (auto& [group, offsets] : groups)
      std::erase_if(offsets, [&](const auto& e) { return e.first.first == name; });
  }
  void add_partitions(const std::string& name, int32_t total) {
    topic(name).partitions.resize(static_cast<size_t>(total));
  }
  bool has_topic(const std::string& name) const { return topics.count(name) > 0; }
  int32_t partition_count(const std::string& name) const {
    auto it = topics.find(name);
    return it == topics.end() ? 0 : static_cast<int32_t>(it->second.partitions.size());
  }

  // Appends `r` at the partition's end; returns its offset.
  int64_t append(const std::string& topic_name, int32_t p, stored_record r) {
    auto& part = partition(topic_name, p);
    r.offset = part.next_offset++;
    part.records.push_back(std::move(r));
    return part.records.back().offset;
  }
  // A local record produced by an application of this region.
  int64_t produce(const std::string& topic_name, int32_t p, std::string key, std::string value,
                  std::vector<fake_header> headers = {}, int64_t timestamp_ms = 1'700'000'000'000) {
    return append(topic_name, p,
                  stored_record{std::move(key), std::move(value), std::move(headers),
                                timestamp_ms, -1});
  }
  // Log compaction / retention: removes the records at `offsets` (offsets stay as they were).
  void remove(const std::string& topic_name, int32_t p, const std::set<int64_t>& offsets) {
    auto& recs = partition(topic_name, p).records;
    std::erase_if(recs, [&](const stored_record& r) { return offsets.count(r.offset) > 0; });
  }

  const std::vector<stored_record>& records(const std::string& topic_name, int32_t p) const {
    return const_cast<fake_cluster*>(this)->partition(topic_name, p).records;
  }
  // Records in every partition of the topic (0 for a missing topic).
  size_t count(const std::string& topic_name) const {
    auto it = topics.find(topic_name);
    if (it == topics.end()) return 0;
    size_t n = 0;
    for (const auto& p : it->second.partitions) n += p.records.size();
    return n;
  }

  fake_topic& topic(const std::string& name) {
    auto it = topics.find(name);
    if (it == topics.end()) throw std::out_of_range("fake_cluster " + region_ + ": no topic " + name);
    return it->second;
  }
  fake_partition& partition(const std::string& topic_name, int32_t p) {
    auto& t = topic(topic_name);
    if (p < 0 || static_cast<size_t>(p) >= t.partitions.size())
      throw std::out_of_range("fake_cluster " + region_ + ": no partition " + topic_name + "/" +
                              std::to_string(p));
    return t.partitions[static_cast<size_t>(p)];
  }

  std::vector<topic_info> topic_list() const {
    std::vector<topic_info> out;
    for (const auto& [name, t] : topics)
      out.push_back({name, static_cast<int32_t>(t.partitions.size())});
    return out;
  }

  kafka_error unreachable_error() const {
    return make_kafka_error(kafka_errc::transport, "cluster " + region_ + " unreachable (fake)");
  }

 private:
  std::string region_;
};

struct fake_ledger;

// The client-family-specific record behind record_ref::impl: a stable copy of the stored record.
struct fake_holder {
  enum class owner { flow, sink };
  std::string topic;
  stored_record record;
  std::optional<std::string> origin;  // backing store of ref.origin_header
  record_ref ref;
  owner state = owner::flow;
  std::shared_ptr<fake_ledger> ledger;
};

// The live holders of one fake_source (see the ownership check above).
struct fake_ledger {
  std::set<const fake_holder*> live;
  size_t created = 0;
  size_t released = 0;
  size_t delivered = 0;  // freed by a sink after its delivery report (success or error)

  // Every live holder of every fake_source: checked before a holder is dereferenced, so a
  // record_ref used after it was freed is reported instead of read.
  static std::set<const fake_holder*>& all_live() {
    static std::set<const fake_holder*> live;
    return live;
  }

  // The holder behind `r` if it is alive and owned by `expected`; a test failure otherwise.
  static fake_holder* check(const record_ref& r, fake_holder::owner expected, const char* what) {
    auto* h = static_cast<fake_holder*>(r.impl);
    if (all_live().count(h) == 0) {
      // r.topic points into the (freed) holder: not printed.
      ADD_FAILURE() << what << ": record_ref of partition " << r.partition << " @" << r.offset
                    << " is not alive (released or delivered already, or not from a fake_source)";
      return nullptr;
    }
    if (h->state != expected) {
      ADD_FAILURE() << what << ": record_ref " << h->topic << "/" << h->ref.partition << "@"
                    << h->ref.offset << " is owned by "
                    << (h->state == fake_holder::owner::sink ? "the sink (forwarded already)"
                                                             : "the flow (not forwarded)");
      return nullptr;
    }
    return h;
  }
  static void destroy(fake_holder* h) {
    auto ledger = h->ledger;  // keeps the ledger alive past `delete h`
    ledger->live.erase(h);
    all_live().erase(h);
    delete h;
  }
};

// record_source over a fake_cluster: a consumer of group `group_id` with manual assignment and
// auto.offset.reset=error (as engine/kafka/rdkafka/source.cc configures it): a position beyond the
// partition's end (a recreated or truncated topic) or below its log start is reported by
// take_out_of_range and the partition stops until seek().
class fake_source final : public record_source {
 public:
  explicit fake_source(fake_cluster& cluster, std::string group_id = "tandem")
      : cluster_(cluster), group_id_(std::move(group_id)),
        ledger_(std::make_shared<fake_ledger>()) {}
  ~fake_source() override {
    if (!ledger_->live.empty())
      ADD_FAILURE() << ledger_->live.size() << " record_ref(s) of cluster " << cluster_.region()
                    << " were neither released nor delivered when the source was destroyed";
  }

  // Knobs.
  bool list_topics_unreachable = false;  // only this client's list_topics fails
  bool honour_poll_timeout = false;      // an idle poll sleeps for its timeout

  // Observations.
  std::map<std::pair<std::string, int32_t>, int64_t> positions;  // next offset to fetch
  int commits = 0;
  std::vector<partition_position> seeks;  // every seek(), in order
  // The group's committed offsets (kept in the cluster: they outlive this client).
  std::map<std::pair<std::string, int32_t>, int64_t>& group() { return cluster_.groups[group_id_]; }
  const fake_ledger& ledger() const { return *ledger_; }
  size_t live_records() const { return ledger_->live.size(); }

  kafka_result<std::vector<topic_info>> list_topics(std::chrono::milliseconds) override {
    if (cluster_.unreachable || list_topics_unreachable)
      return std::unexpected(cluster_.unreachable_error());
    return cluster_.topic_list();
  }

  kafka_result<topic_configs> describe_configs(const std::string& topic,
                                               std::chrono::milliseconds) override {
    if (cluster_.unreachable) return std::unexpected(cluster_.unreachable_error());
    auto it = cluster_.topics.find(topic);
    if (it == cluster_.topics.end())
      return std::unexpected(make_kafka_error(kafka_errc::unknown_topic_or_part, "no topic " + topic,
                                              error_kind::permanent));
    return topic_configs(it->second.configs.begin(), it->second.configs.end());
  }

  kafka_result<void> seek(std::span<const partition_position> to) override {
    for (const auto& s : to) {
      auto it = positions.find({s.topic, s.partition});
      if (it == positions.end())
        return std::unexpected(make_kafka_error(
            kafka_errc::unknown_partition, "seek on an unassigned partition", error_kind::permanent));
      it->second = resolve(s);
      stopped_.erase({s.topic, s.partition});
      seeks.push_back(s);
    }
    return {};
  }

  kafka_result<void> assign(std::span<const partition_position> add) override {
    for (const auto& a : add) positions[{a.topic, a.partition}] = resolve(a);
    return {};
  }

  // The offset a position names: the sentinels resolved against the partition as it is now.
  int64_t resolve(const partition_position& a) const {
    if (a.offset != offset_beginning && a.offset != offset_end) return a.offset;
    auto t = cluster_.topics.find(a.topic);
    const fake_partition* part =
        t != cluster_.topics.end() && a.partition >= 0 &&
                static_cast<size_t>(a.partition) < t->second.partitions.size()
            ? &t->second.partitions[static_cast<size_t>(a.partition)]
            : nullptr;
    return !part ? 0 : a.offset == offset_beginning ? part->log_start() : part->next_offset;
  }

  void poll(std::vector<record_ref>& out, size_t max, std::chrono::milliseconds timeout) override {
    size_t before = out.size();
    if (!cluster_.unreachable) {
      for (auto& [tp, pos] : positions) {
        auto t = cluster_.topics.find(tp.first);
        if (t == cluster_.topics.end() || tp.second < 0 ||
            static_cast<size_t>(tp.second) >= t->second.partitions.size())
          continue;
        const auto& part = t->second.partitions[static_cast<size_t>(tp.second)];
        if (stopped_.count(tp)) continue;
        if (pos > part.next_offset || pos < part.log_start()) {  // out of range: reported
          stopped_.insert(tp);
          out_of_range_.push_back({tp.first, tp.second, pos});
          continue;
        }
        const auto& recs = part.records;
        auto it = std::lower_bound(recs.begin(), recs.end(), pos,
                                   [](const stored_record& r, int64_t o) { return r.offset < o; });
        for (; it != recs.end() && out.size() - before < max; ++it) {
          out.push_back(hand_out(tp.first, tp.second, *it));
          pos = it->offset + 1;
        }
      }
    }
    if (out.size() == before && honour_poll_timeout) std::this_thread::sleep_for(timeout);
  }

  void release(const record_ref& r) override {
    if (auto* h = fake_ledger::check(r, fake_holder::owner::flow, "release")) {
      ++ledger_->released;
      fake_ledger::destroy(h);
    }
  }

  kafka_result<void> commit(std::span<const partition_position> ps) override {
    if (cluster_.unreachable) return std::unexpected(cluster_.unreachable_error());
    for (const auto& p : ps) group()[{p.topic, p.partition}] = p.offset;
    ++commits;
    return {};
  }

  kafka_result<std::vector<partition_position>> committed(
      std::span<const partition_position> partitions, std::chrono::milliseconds) override {
    if (cluster_.unreachable) return std::unexpected(cluster_.unreachable_error());
    std::vector<partition_position> out(partitions.begin(), partitions.end());
    for (auto& p : out) {
      auto it = group().find({p.topic, p.partition});
      p.offset = it == group().end() ? -1 : it->second;
    }
    return out;
  }

  watermarks partition_watermarks(const std::string& topic, int32_t partition) override {
    auto t = cluster_.topics.find(topic);
    if (t == cluster_.topics.end() || partition < 0 ||
        static_cast<size_t>(partition) >= t->second.partitions.size())
      return {};
    const auto& part = t->second.partitions[static_cast<size_t>(partition)];
    return {part.log_start(), part.next_offset};
  }

  kafka_result<watermarks> query_watermarks(const std::string& topic, int32_t partition,
                                            std::chrono::milliseconds) override {
    if (cluster_.unreachable) return std::unexpected(cluster_.unreachable_error());
    return partition_watermarks(topic, partition);
  }

  std::vector<partition_position> take_out_of_range() override {
    return std::exchange(out_of_range_, {});
  }

 private:
  record_ref hand_out(const std::string& topic, int32_t partition, const stored_record& rec) {
    auto* h = new fake_holder;
    h->topic = topic;
    h->record = rec;
    h->origin = rec.origin_header();
    h->ledger = ledger_;
    record_ref& r = h->ref;
    r.impl = h;
    r.topic = h->topic;
    r.partition = partition;
    r.offset = rec.offset;
    r.timestamp_ms = rec.timestamp_ms;
    if (h->origin) r.origin_header = std::string_view(*h->origin);
    r.bytes = rec.key.value_or("").size() + rec.value.value_or("").size();
    for (const auto& [k, v] : rec.headers) r.bytes += k.size() + v.value_or("").size();
    ledger_->live.insert(h);
    fake_ledger::all_live().insert(h);
    ++ledger_->created;
    return r;
  }

  fake_cluster& cluster_;
  std::string group_id_;
  std::shared_ptr<fake_ledger> ledger_;
  std::vector<partition_position> out_of_range_;       // reported by poll, not yet taken
  std::set<std::pair<std::string, int32_t>> stopped_;  // out of range, until seek()
};

// record_sink over a fake_cluster: an idempotent producer plus topic admin.
class fake_sink final : public record_sink {
 public:
  fake_sink(fake_cluster& cluster, delivery_handler on_delivery)
      : cluster_(cluster), on_delivery_(std::move(on_delivery)) {}
  ~fake_sink() override {
    // Like rdkafka_sink: purge, handing every outstanding record back as purged.
    hold_reports = false;
    // A record already written to the cluster was in flight (it stays there, unacknowledged:
    // at-least-once); one that failed never left the queue.
    for (auto& rep : reports_)
      rep.error = rep.dst_offset >= 0
                      ? make_kafka_error(kafka_errc::purge_inflight, "purged in flight at shutdown (fake)")
                      : make_kafka_error(kafka_errc::purge_queue, "purged from the queue at shutdown (fake)");
    serve(reports_.size());
  }

  // Knobs.
  int queue_full_next = 0;
  size_t queue_capacity = 0;
  bool hold_reports = false;
  bool list_topics_unreachable = false;
  std::optional<kafka_error> fatal;
  std::optional<kafka_error> refuse_growth;  // create_partitions fails with it while set
  int spin_limit = 10'000;
  void fail_topic(const std::string& topic, kafka_error e) { failing_[topic] = std::move(e); }
  void heal_topic(const std::string& topic) { failing_.erase(topic); }

  // Observations.
  struct created_topic {
    std::string name;
    int32_t partitions;
    topic_configs configs;
  };
  std::vector<created_topic> created;
  std::vector<std::pair<std::string, int32_t>> grown;  // (topic, new total)
  int forwards = 0;            // accepted forwards
  int queue_full_returned = 0;

  kafka_result<std::vector<topic_info>> list_topics(std::chrono::milliseconds) override {
    if (cluster_.unreachable || list_topics_unreachable)
      return std::unexpected(cluster_.unreachable_error());
    return cluster_.topic_list();
  }

  kafka_result<void> create_topic(const std::string& topic, int32_t partitions,
                                  const topic_configs& configs, std::chrono::milliseconds) override {
    if (cluster_.unreachable) return std::unexpected(cluster_.unreachable_error());
    if (cluster_.has_topic(topic))
      return std::unexpected(make_kafka_error(kafka_errc::topic_already_exists,
                                              "topic " + topic + " already exists"));
    if (partitions <= 0)
      return std::unexpected(make_kafka_error(kafka_errc::invalid_partitions,
                                              "bad partition count", error_kind::permanent));
    cluster_.create_topic(topic, partitions, configs);
    created.push_back({topic, partitions, configs});
    return {};
  }

  kafka_result<void> create_partitions(const std::string& topic, int32_t total,
                                       std::chrono::milliseconds) override {
    if (cluster_.unreachable) return std::unexpected(cluster_.unreachable_error());
    if (!cluster_.has_topic(topic))
      return std::unexpected(make_kafka_error(kafka_errc::unknown_topic_or_part,
                                              "no topic " + topic, error_kind::permanent));
    if (refuse_growth) return std::unexpected(*refuse_growth);
    if (total <= cluster_.partition_count(topic))
      return std::unexpected(make_kafka_error(
          kafka_errc::invalid_partitions,
          "topic " + topic + " already has " + std::to_string(cluster_.partition_count(topic)) +
              " partitions",
          error_kind::permanent));
    cluster_.add_partitions(topic, total);
    grown.emplace_back(topic, total);
    return {};
  }

  kafka_result<void> forward(const record_ref& r, const std::string& topic, int32_t partition,
                             std::string_view origin_header) override {
    bool full = queue_full_next > 0 || (queue_capacity > 0 && reports_.size() >= queue_capacity);
    if (full && ++full_in_a_row_ > spin_limit) {
      ADD_FAILURE() << "forward() returned _QUEUE_FULL " << spin_limit
                    << " times in a row while no delivery report could be served: the caller "
                       "spins inside one call (the fake now accepts the record to end it)";
      full = false;
    }
    if (full) {
      if (queue_full_next > 0) --queue_full_next;
      ++queue_full_returned;
      return std::unexpected(make_kafka_error(kafka_errc::queue_full, "Local: Queue full"));
    }
    full_in_a_row_ = 0;
    auto* h = fake_ledger::check(r, fake_holder::owner::flow, "forward");
    if (!h)
      return std::unexpected(make_kafka_error(kafka_errc::invalid_arg, "not a live fake record",
                                              error_kind::permanent));
    if (cluster_.partition_count(topic) <= partition || partition < 0)
      return std::unexpected(make_kafka_error(
          kafka_errc::unknown_partition, "no partition " + topic + "/" + std::to_string(partition),
          error_kind::permanent));
    h->state = fake_holder::owner::sink;
    ++forwards;
    report rep{h, -1, std::nullopt};
    if (auto f = failing_.find(topic); f != failing_.end()) {
      rep.error = f->second;
    } else {
      stored_record copy = h->record;
      copy.headers.emplace_back(std::string(loopguard::origin_header_key),
                                std::string(origin_header));
      rep.dst_offset = cluster_.append(topic, partition, std::move(copy));
    }
    reports_.push_back(std::move(rep));
    return {};
  }

  int poll(std::chrono::milliseconds) override {
    return hold_reports ? 0 : serve(reports_.size());
  }
  int flush(std::chrono::milliseconds) override {
    if (!hold_reports) serve(reports_.size());
    return outstanding();
  }
  int outstanding() override { return static_cast<int>(reports_.size()); }
  std::optional<kafka_error> fatal_error() override { return fatal; }

  int bounds_queries = 0;  // partition_bounds calls
  kafka_result<watermarks> partition_bounds(const std::string& topic, int32_t partition,
                                            std::chrono::milliseconds) override {
    if (cluster_.unreachable) return std::unexpected(cluster_.unreachable_error());
    ++bounds_queries;
    if (!cluster_.has_topic(topic) || cluster_.partition_count(topic) <= partition || partition < 0)
      return std::unexpected(make_kafka_error(
          kafka_errc::unknown_topic_or_part, "no partition " + topic + "/" + std::to_string(partition),
          error_kind::permanent));
    const auto& part = cluster_.partition(topic, partition);
    return watermarks{part.log_start(), part.next_offset};
  }

  // Serves up to `n` delivery reports in produce order (also while hold_reports is set).
  int serve(size_t n) {
    int served = 0;
    while (n-- > 0 && !reports_.empty()) {
      report rep = std::move(reports_.front());
      reports_.pop_front();
      if (rep.error)
        on_delivery_(rep.holder->ref, -1, &*rep.error);
      else
        on_delivery_(rep.holder->ref, rep.dst_offset, nullptr);
      ++rep.holder->ledger->delivered;
      fake_ledger::destroy(rep.holder);
      ++served;
    }
    if (served > 0) full_in_a_row_ = 0;
    return served;
  }

 private:
  struct report {
    fake_holder* holder;
    int64_t dst_offset;
    std::optional<kafka_error> error;
  };

  fake_cluster& cluster_;
  delivery_handler on_delivery_;
  std::deque<report> reports_;
  std::map<std::string, kafka_error> failing_;
  int full_in_a_row_ = 0;
};

// group_admin over a fake_cluster (its `groups`, `group_states`, `group_epochs`). Like Kafka,
// alter_offsets refuses a group with members ("UNKNOWN_MEMBER_ID") and creates an absent one.
//
// Knobs: fail_list / fail_committed / fail_describe / fail_alter make the next calls of that kind
// fail (retriable kafka_errc::transport); cluster.unreachable fails every call.
// Observations: every alter_offsets call as received (leader epochs included), and counts.
class fake_group_admin final : public group_admin {
 public:
  explicit fake_group_admin(fake_cluster& cluster) : cluster_(cluster) {}

  int fail_list = 0;
  int fail_committed = 0;
  int fail_describe = 0;
  int fail_alter = 0;

  struct alter_call {
    std::string group;
    std::vector<group_offset> offsets;
  };
  std::vector<alter_call> altered;
  int lists = 0;
  int describes = 0;
  int bounds_queries = 0;

  kafka_result<partial<std::vector<group_listing>>> list_groups(
      std::chrono::milliseconds) override {
    if (auto e = failure(fail_list)) return std::unexpected(std::move(*e));
    ++lists;
    std::set<std::string> names;
    for (const auto& [g, offsets] : cluster_.groups) names.insert(g);
    for (const auto& [g, state] : cluster_.group_states)
      if (state != group_state::absent) names.insert(g);
    partial<std::vector<group_listing>> out;
    for (const auto& g : names) out.value.push_back({g, cluster_.state_of(g)});
    return out;
  }

  kafka_result<group_state> describe_group(const std::string& group,
                                           std::chrono::milliseconds) override {
    if (auto e = failure(fail_describe)) return std::unexpected(std::move(*e));
    ++describes;
    return cluster_.state_of(group);
  }

  kafka_result<partial<std::vector<group_offset>>> committed_offsets(
      const std::string& group, std::chrono::milliseconds) override {
    if (auto e = failure(fail_committed)) return std::unexpected(std::move(*e));
    partial<std::vector<group_offset>> out;
    auto it = cluster_.groups.find(group);
    if (it == cluster_.groups.end()) return out;
    const auto& epochs = cluster_.group_epochs[group];
    for (const auto& [tp, offset] : it->second) {
      group_offset o{tp.first, tp.second, offset, std::nullopt, {}};
      if (auto e = epochs.find(tp); e != epochs.end()) o.leader_epoch = e->second;
      if (auto m = cluster_.group_metadata[group].find(tp); m != cluster_.group_metadata[group].end())
        o.metadata = m->second;
      out.value.push_back(std::move(o));
    }
    return out;
  }

  kafka_result<void> alter_offsets(const std::string& group, std::span<const group_offset> offsets,
                                   std::chrono::milliseconds) override {
    if (auto e = failure(fail_alter)) return std::unexpected(std::move(*e));
    altered.push_back({group, {offsets.begin(), offsets.end()}});
    if (!is_idle(cluster_.state_of(group)))
      return std::unexpected(make_kafka_error(kafka_errc::unknown_member_id,
                                              "group " + group + " has members (fake)",
                                              error_kind::permanent));
    auto& g = cluster_.groups[group];
    for (const auto& o : offsets) {
      g[{o.topic, o.partition}] = o.offset;
      if (o.leader_epoch)
        cluster_.group_epochs[group][{o.topic, o.partition}] = *o.leader_epoch;
      else
        cluster_.group_epochs[group].erase({o.topic, o.partition});
      cluster_.group_metadata[group][{o.topic, o.partition}] = o.metadata;
    }
    if (cluster_.group_states.count(group) == 0 || cluster_.group_states[group] == group_state::absent)
      cluster_.group_states[group] = group_state::empty;
    return {};
  }

  kafka_result<watermarks> partition_bounds(const std::string& topic, int32_t partition,
                                            std::chrono::milliseconds) override {
    if (cluster_.unreachable) return std::unexpected(cluster_.unreachable_error());
    ++bounds_queries;
    if (cluster_.partition_count(topic) <= partition || partition < 0)
      return std::unexpected(make_kafka_error(
          kafka_errc::unknown_topic_or_part, "no partition " + topic + "/" + std::to_string(partition),
          error_kind::permanent));
    const auto& part = cluster_.partition(topic, partition);
    return watermarks{part.log_start(), part.next_offset};
  }

 private:
  std::optional<kafka_error> failure(int& knob) {
    if (cluster_.unreachable) return cluster_.unreachable_error();
    if (knob > 0) {
      --knob;
      return make_kafka_error(kafka_errc::transport, "injected failure (fake)");
    }
    return std::nullopt;
  }

  fake_cluster& cluster_;
};

// state_producer over a fake_cluster: ensure_topic creates the topic, produce appends a record
// (key, value) to partition 0 at once; flush returns `flush_error` once if set.
class fake_state_producer final : public state_producer {
 public:
  explicit fake_state_producer(fake_cluster& cluster) : cluster_(cluster) {}

  std::optional<kafka_error> flush_error;  // returned by the next flush, then cleared
  int ensures = 0;

  kafka_result<void> ensure_topic(const std::string& topic, int32_t partitions,
                                  const topic_configs& configs, std::chrono::milliseconds) override {
    if (cluster_.unreachable) return std::unexpected(cluster_.unreachable_error());
    ++ensures;
    if (!cluster_.has_topic(topic)) cluster_.create_topic(topic, partitions, configs);
    return {};
  }

  kafka_result<void> produce(const std::string& topic, std::string_view key,
                             std::optional<std::string_view> value) override {
    if (cluster_.unreachable) return std::unexpected(cluster_.unreachable_error());
    if (!cluster_.has_topic(topic))
      return std::unexpected(make_kafka_error(kafka_errc::unknown_topic,
                                              "no topic " + topic + " (fake)", error_kind::permanent));
    std::optional<std::string> v;
    if (value) v = std::string(*value);  // nullopt: a tombstone
    cluster_.append(topic, 0, stored_record{std::string(key), std::move(v), {}, 0, -1});
    return {};
  }

  kafka_result<void> flush(std::chrono::milliseconds) override {
    std::optional<kafka_error> e;
    e.swap(flush_error);
    if (e) return std::unexpected(std::move(*e));
    return {};
  }

 private:
  fake_cluster& cluster_;
};

// A sink_factory (engine/flow/flow.h) building a fake_sink over `cluster`; `*made` receives the
// sink, which lives as long as the flow.
inline auto fake_sink_factory(fake_cluster& cluster, fake_sink** made = nullptr) {
  return [&cluster, made](delivery_handler h)
             -> std::expected<std::unique_ptr<record_sink>, std::string> {
    auto sink = std::make_unique<fake_sink>(cluster, std::move(h));
    if (made) *made = sink.get();
    return sink;
  };
}

}  // namespace tandem::engine::testing
