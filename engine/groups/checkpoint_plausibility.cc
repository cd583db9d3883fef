#include "engine/groups/checkpoint_plausibility.h"

#include <algorithm>
#include <limits>

#include "engine/groups/group_translation.h"

namespace tandem::engine {
namespace {

constexpr int64_t k_max = std::numeric_limits<int64_t>::max();

// The highest source offset past a run of `p` (by source and by destination: with replays the
// run starting last on one side need not end last on the other).
std::expected<int64_t, offsets::error> source_end(const offsets::offset_store& store,
                                                  const offsets::partition_ref& p) {
  int64_t end = 0;
  auto by_source = store.lookup_by_source(p, {k_max});
  if (!by_source) return std::unexpected(by_source.error());
  if (*by_source) end = std::max(end, (*by_source)->src_end().v);
  auto by_destination = store.lookup_by_destination(p, {k_max});
  if (!by_destination) return std::unexpected(by_destination.error());
  if (*by_destination) end = std::max(end, (*by_destination)->src_end().v);
  auto resume = store.resume_position(p);
  if (!resume) return std::unexpected(resume.error());
  if (*resume) end = std::max(end, (*resume)->v);
  return end;
}

// The offset past the last copy the runs of `p` put into their destination partition.
std::expected<int64_t, offsets::error> destination_end(const offsets::offset_store& store,
                                                       const offsets::partition_ref& p) {
  auto last = store.lookup_by_destination(p, {k_max});
  if (!last) return std::unexpected(last.error());
  return *last ? (*last)->dst_end().v : 0;
}

}  // namespace

std::expected<int64_t, offsets::error> source_known_end(
    const offsets::offset_store& store, const policy::naming_policy& naming,
    std::string_view from, std::string_view to, const std::string& topic, int32_t partition,
    std::span<const std::string> third_regions) {
  const std::string f(from), t(to);
  if (is_failback(naming, to, topic))  // S's "T.orders": the copies of flow {T,S}
    return destination_end(store, {{t, f}, *naming.upstream_topic(topic), partition});
  auto end = source_end(store, {{f, t}, topic, partition});
  if (!end || naming.kind() != policy::naming_kind::identity) return end;
  std::vector<std::string> into{t};  // identity: copies into S's partition, same topic name
  into.insert(into.end(), third_regions.begin(), third_regions.end());
  for (const std::string& c : into) {
    auto copies = destination_end(store, {{c, f}, topic, partition});
    if (!copies) return std::unexpected(copies.error());
    *end = std::max(*end, *copies);
  }
  return end;
}

}  // namespace tandem::engine
