#include "engine/groups/group_translation.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace tandem::engine {
namespace {

using offsets::translation;

// exact < rounded < below_coverage < empty: how much the position was guessed.
int rank(translation k) {
  switch (k) {
    case translation::exact: return 0;
    case translation::rounded: return 1;
    case translation::below_coverage: return 2;
    case translation::empty: return 3;
    case translation::clamped: return 4;
  }
  return 4;
}

// Nothing recorded below the position (below_coverage) or nothing at all (empty): the log
// start. Copies are written in source order, so the unrecorded records before the first
// recorded copy may be copies of records at or after the group's position: starting at the
// first recorded copy could skip them. Otherwise the translated offset, never below the log
// start.
int64_t clamp_to_log(translation kind, int64_t offset, int64_t log_start) {
  if (kind == translation::below_coverage || kind == translation::empty) return log_start;
  return std::max(offset, log_start);
}

// A result past the destination's end points at records that are gone: the log start instead
// (see group_translation.h), re-reading an unknown number of records.
group_translation clamp_to_end(group_translation out, int64_t log_start,
                               std::optional<int64_t> end) {
  if (!end || out.offset <= *end) return out;
  out.offset = log_start;
  out.kind = translation::clamped;
  out.reread = std::nullopt;
  return out;
}

// The destination offset of the group's own position `x`, when the map records the record at
// `x` (then resuming there would re-read nothing): the earliest copy of the latest run starting
// at or below x, if it covers x.
std::expected<std::optional<int64_t>, offsets::error> copy_of(const offsets::run_index& runs,
                                                              offsets::source_offset x) {
  auto r = runs.earliest_copy_starting_below({x.v + 1});
  if (!r) return std::unexpected(r.error());
  if (!*r || !(*r)->covers(x)) return std::nullopt;
  return (*r)->target_of(x).v;
}

// The source offset of the copy at `y`, when the map records it.
std::expected<std::optional<int64_t>, offsets::error> original_of(const offsets::run_index& runs,
                                                                  offsets::target_offset y) {
  auto r = runs.last_starting_below({y.v + 1});
  if (!r) return std::unexpected(r.error());
  if (!*r || !(*r)->covers(y)) return std::nullopt;
  return (*r)->source_of(y).v;
}

// Rounded: the distance from where the group resumes up to where its own position lands.
std::optional<int64_t> rounding_distance(translation kind, int64_t resume,
                                         std::optional<int64_t> own_position) {
  if (kind == translation::exact) return 0;
  if (kind != translation::rounded || !own_position) return std::nullopt;
  return std::max<int64_t>(0, *own_position - resume);
}

// The highest third-region term (the offset identity_failover_position reports only the lowest
// of): the re-read bound needs the frontier furthest ahead.
std::expected<std::optional<int64_t>, offsets::error> highest_third_term(
    const offsets::identity_failover& f, int64_t position, const offsets::run_index& a_to_b,
    const offsets::run_index& b_to_a, std::span<const offsets::third_region_maps> third,
    int64_t b_log_start) {
  if (third.size() < 2) return f.c_term ? std::optional(f.c_term->v) : std::nullopt;
  std::optional<int64_t> highest;
  for (const auto& m : third) {
    auto one = offsets::identity_failover_position({position}, a_to_b, b_to_a, {&m, 1},
                                                   {b_log_start});
    if (!one) return std::unexpected(one.error());
    highest = std::max(highest.value_or(one->c_term->v), one->c_term->v);
  }
  return highest;
}

// Identity: the rule is the same in both directions, with A the cluster the group leaves; mesh:
// `third` holds C→A and C→B per third region C.
std::expected<group_translation, offsets::error> identity_move(
    std::string_view topic, int32_t partition, int64_t position, const offsets::run_index& a_to_b,
    const offsets::run_index& b_to_a, std::span<const offsets::third_region_maps> third,
    int64_t b_log_start) {
  auto f = offsets::identity_failover_position({position}, a_to_b, b_to_a, third, {b_log_start});
  if (!f) return std::unexpected(f.error());
  auto highest_c = highest_third_term(*f, position, a_to_b, b_to_a, third, b_log_start);
  if (!highest_c) return std::unexpected(highest_c.error());
  group_translation out;
  out.topic = std::string(topic);
  out.partition = partition;
  out.offset = f->start.v;
  // The kind of the lowest term; among equal lowest terms, the worst.
  std::vector<std::pair<int64_t, translation>> terms{{f->a_term.v, f->a_kind},
                                                     {f->b_term.v, f->b_kind}};
  if (f->c_term) terms.emplace_back(f->c_term->v, f->c_kind);
  const int64_t lowest = std::ranges::min(terms).first;
  int64_t highest = std::max(f->a_term.v, f->b_term.v);
  if (*highest_c) highest = std::max(highest, **highest_c);
  std::optional<translation> kind;
  for (const auto& [term, k] : terms)
    if (term == lowest && (!kind || rank(k) > rank(*kind))) kind = k;
  out.kind = *kind;
  out.reread = std::max<int64_t>(0, highest - f->start.v);
  out.identity = *f;
  return out;
}

offsets::error not_a_mirror(std::string_view topic, std::string_view region) {
  return {offsets::errc::invalid_argument,
          "topic \"" + std::string(topic) + "\" is not a mirror of region \"" +
              std::string(region) + "\" under prefix naming (expected \"" + std::string(region) +
              "<separator><topic>\")"};
}

// Identity naming, mesh: the runs of every third region C for a group moving from `from` to `to`
// on `topic`/`partition`: C→from ({C, from}) and C→to ({C, to}). Empty under prefix naming.
class third_maps {
 public:
  third_maps(const offsets::offset_store& store, const policy::naming_policy& naming,
             std::span<const std::string> regions, std::string_view from, std::string_view to,
             const std::string& topic, int32_t partition) {
    if (naming.kind() != policy::naming_kind::identity) return;
    parts_.reserve(2 * regions.size());  // never reallocated: maps_ refers to its elements
    for (const std::string& c : regions) {
      const auto& c_to_from = parts_.emplace_back(
          store, offsets::partition_ref{{c, std::string(from)}, topic, partition});
      const auto& c_to_to = parts_.emplace_back(
          store, offsets::partition_ref{{c, std::string(to)}, topic, partition});
      maps_.push_back({c_to_from, c_to_to});
    }
  }
  third_maps(const third_maps&) = delete;  // maps_ refers to parts_
  third_maps& operator=(const third_maps&) = delete;
  std::span<const offsets::third_region_maps> maps() const { return maps_; }

 private:
  std::vector<offsets::stored_partition> parts_;
  std::vector<offsets::third_region_maps> maps_;
};

}  // namespace

std::expected<group_translation, offsets::error> translate_group_to_target(
    const policy::naming_policy& naming, std::string_view source_region,
    std::string_view target_region, std::string_view topic, int32_t partition,
    offsets::source_offset x, offsets::target_offset target_log_start, const pair_maps& maps,
    std::optional<int64_t> destination_end) {
  auto clamped = [&](group_translation t) {
    return clamp_to_end(std::move(t), target_log_start.v, destination_end);
  };
  (void)target_region;
  if (naming.kind() == policy::naming_kind::identity) {
    auto m = identity_move(topic, partition, x.v, maps.s_to_t, maps.t_to_s, maps.third,
                           target_log_start.v);
    if (!m) return m;
    return clamped(std::move(*m));
  }

  auto t = offsets::translate_to_target(maps.s_to_t, x);
  if (!t) return std::unexpected(t.error());
  group_translation out;
  out.topic = naming.target_topic(source_region, topic);
  out.partition = partition;
  out.kind = t->kind;
  out.offset = clamp_to_log(t->kind, t->offset.v, target_log_start.v);
  std::optional<int64_t> own;
  if (t->kind == translation::rounded) {
    auto c = copy_of(maps.s_to_t, x);
    if (!c) return std::unexpected(c.error());
    own = *c;
  }
  out.reread = rounding_distance(t->kind, out.offset, own);
  return clamped(std::move(out));
}

std::expected<group_translation, offsets::error> translate_group_to_source(
    const policy::naming_policy& naming, std::string_view source_region,
    std::string_view target_region, std::string_view target_topic, int32_t partition,
    offsets::target_offset y, offsets::source_offset source_log_start, const pair_maps& maps,
    std::optional<int64_t> destination_end) {
  auto clamped = [&](group_translation t) {
    return clamp_to_end(std::move(t), source_log_start.v, destination_end);
  };
  (void)target_region;
  if (naming.kind() == policy::naming_kind::identity) {
    auto m = identity_move(target_topic, partition, y.v, maps.t_to_s, maps.s_to_t, maps.third,
                           source_log_start.v);
    if (!m) return m;
    return clamped(std::move(*m));
  }

  if (naming.topic_source(target_topic) != source_region)
    return std::unexpected(not_a_mirror(target_topic, source_region));
  auto s = offsets::translate_to_source(maps.s_to_t, y);
  if (!s) return std::unexpected(s.error());
  group_translation out;
  out.topic = *naming.upstream_topic(target_topic);
  out.partition = partition;
  out.kind = s->kind;
  out.offset = clamp_to_log(s->kind, s->offset.v, source_log_start.v);
  std::optional<int64_t> own;
  if (s->kind == translation::rounded) {
    auto o = original_of(maps.s_to_t, y);
    if (!o) return std::unexpected(o.error());
    own = *o;
  }
  out.reread = rounding_distance(s->kind, out.offset, own);
  return clamped(std::move(out));
}

std::expected<group_translation, offsets::error> translate_group_to_target(
    const offsets::offset_store& store, const policy::naming_policy& naming,
    std::string_view source_region, std::string_view target_region, std::string_view topic,
    int32_t partition, offsets::source_offset x, offsets::target_offset target_log_start,
    std::optional<int64_t> destination_end, std::span<const std::string> third_regions) {
  offsets::flow_id st{std::string(source_region), std::string(target_region)};
  offsets::flow_id ts{st.target_region, st.source_region};
  // Identity: both flows name the partition `topic`. Prefix: {T,S} is not read.
  offsets::stored_partition s_to_t(store, {st, std::string(topic), partition});
  offsets::stored_partition t_to_s(store, {ts, std::string(topic), partition});
  third_maps third(store, naming, third_regions, source_region, target_region, std::string(topic),
                   partition);  // the group leaves S
  return translate_group_to_target(naming, source_region, target_region, topic, partition, x,
                                   target_log_start, {s_to_t, t_to_s, third.maps()},
                                   destination_end);
}

std::expected<group_translation, offsets::error> translate_group_to_source(
    const offsets::offset_store& store, const policy::naming_policy& naming,
    std::string_view source_region, std::string_view target_region,
    std::string_view target_topic, int32_t partition, offsets::target_offset y,
    offsets::source_offset source_log_start, std::optional<int64_t> destination_end,
    std::span<const std::string> third_regions) {
  offsets::flow_id st{std::string(source_region), std::string(target_region)};
  offsets::flow_id ts{st.target_region, st.source_region};
  // Runs are named by their flow's source topic: S's topic is the upstream of T's copy.
  std::string source_topic(target_topic);
  if (naming.kind() == policy::naming_kind::prefix) {
    auto up = naming.topic_source(target_topic) == source_region
                  ? naming.upstream_topic(target_topic)
                  : std::nullopt;
    if (!up) return std::unexpected(not_a_mirror(target_topic, source_region));
    source_topic = *up;
  }
  offsets::stored_partition s_to_t(store, {st, source_topic, partition});
  offsets::stored_partition t_to_s(store, {ts, source_topic, partition});
  third_maps third(store, naming, third_regions, target_region, source_region, source_topic,
                   partition);  // the group leaves T
  return translate_group_to_source(naming, source_region, target_region, target_topic, partition,
                                   y, source_log_start, {s_to_t, t_to_s, third.maps()},
                                   destination_end);
}

bool is_failback(const policy::naming_policy& naming, std::string_view to,
                 std::string_view topic) {
  return naming.kind() == policy::naming_kind::prefix && naming.topic_source(topic) == to;
}

std::string destination_topic(const policy::naming_policy& naming, std::string_view from,
                              std::string_view to, std::string_view topic) {
  if (is_failback(naming, to, topic)) return *naming.upstream_topic(topic);
  return naming.target_topic(from, topic);
}

std::expected<group_translation, offsets::error> translate_group_move(
    const offsets::offset_store& store, const policy::naming_policy& naming,
    std::string_view from, std::string_view to, std::string_view topic, int32_t partition,
    int64_t position, int64_t destination_log_start, std::optional<int64_t> destination_end,
    std::span<const std::string> third_regions) {
  if (is_failback(naming, to, topic))
    return translate_group_to_source(store, naming, to, from, topic, partition, {position},
                                     {destination_log_start}, destination_end, third_regions);
  return translate_group_to_target(store, naming, from, to, topic, partition, {position},
                                   {destination_log_start}, destination_end, third_regions);
}

}  // namespace tandem::engine
