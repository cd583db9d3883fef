// `tandemctl rebuild`: reading one flow direction's target topics into the store (rebuild.h).
#include <algorithm>
#include <chrono>
#include <ostream>

#include "tools/rebuild.h"

namespace tandem::tools::rebuild {
namespace {

using clock = std::chrono::steady_clock;
constexpr std::chrono::seconds k_timeout{10};             // per metadata / watermark request
constexpr int64_t k_chunk = 100'000;                       // records of ours per commit
constexpr std::chrono::seconds k_progress_every{5};        // progress lines during long reads

// Commits the rebuilder's runs (no resume position). Returns the number of runs.
std::expected<int64_t, failure> commit(partition_rebuilder& b, offsets::offset_store& store) {
  offsets::partition_batch pb{b.source(), b.take(), std::nullopt};
  if (pb.runs.empty()) return 0;
  if (auto ok = store.commit_batch({&pb, 1}); !ok) return std::unexpected(store_failure(ok.error()));
  return static_cast<int64_t>(pb.runs.size());
}

struct partition_job {
  const flow_settings& s;
  engine::partition_reader& reader;
  offsets::offset_store& store;
  const reporter& rep;
};

// Reads one partition from its log start to the high watermark seen now. A read problem is
// recorded in `t.problems`; a store problem is the error.
std::expected<void, failure> rebuild_partition(const partition_job& job, const offsets::flow_id& flow,
                                               topic_result& t, int32_t p) {
  auto queried = job.reader.query_watermarks(t.target_topic, p, k_timeout);
  if (!queried) {
    t.problems.push_back(std::to_string(p) + ": cannot read its watermarks (" + engine::to_string(queried.error()) +
                         ")");
    return {};
  }
  const engine::watermarks w = *queried;
  partition_rebuilder b({flow, t.topic, p}, t.target_topic);
  std::optional<failure> store_error;
  int64_t fed = 0;
  const int64_t from = std::max<int64_t>(w.low, 0);
  int64_t next_offset = from;  // how far the read got, also when it fails
  auto last_line = clock::now();
  auto visit = [&](std::span<const engine::header_record> records) {
    for (const auto& r : records) b.add(r.offset, r.origin_header);
    if (!records.empty()) next_offset = records.back().offset + 1;
    if (clock::now() - last_line >= k_progress_every) {
      last_line = clock::now();
      job.rep.err << job.rep.name << ": " << offsets::to_string(flow) << ' ' << t.target_topic << '/' << p << ": "
                  << b.counts().records << " of " << (w.high - w.low) << " records read\n";
    }
    if (store_error || b.counts().ours - fed < k_chunk) return;
    fed = b.counts().ours;
    if (auto n = commit(b, job.store); n) t.runs += *n;
    else store_error = n.error();
  };
  auto got = job.reader.read(t.target_topic, p, from, w.high, visit, job.s.idle);
  if (!store_error) {
    if (auto n = commit(b, job.store); n) t.runs += *n;
    else store_error = n.error();
  }
  t.counts += b.counts();
  if (store_error) return std::unexpected(*store_error);
  if (!got) {
    t.problems.push_back(std::to_string(p) + ": read stopped at offset " + std::to_string(next_offset) + " (" +
                         engine::to_string(got.error()) + ")");
  } else if (!got->complete) {
    t.problems.push_back(std::to_string(p) + ": nothing to read for " + std::to_string(job.s.idle.count()) +
                         " ms at offset " + std::to_string(got->next_offset) + ", before the high watermark " +
                         std::to_string(w.high) + " (an open transaction?)");
  }
  return {};
}

}  // namespace

std::vector<topic_pair> target_topics(const flow_settings& s, const offsets::flow_id& flow,
                                      const std::vector<engine::topic_info>& on_target) {
  const auto& naming = s.filter.naming();
  std::vector<topic_pair> out;
  for (const auto& t : on_target) {
    std::string source = t.name;
    if (naming.kind() == policy::naming_kind::prefix) {
      if (naming.topic_source(t.name) != flow.source_region) continue;
      source = *naming.upstream_topic(t.name);
    }
    if (!s.filter.selects(source)) continue;
    out.push_back({source, t.name, t.partitions});
  }
  std::ranges::sort(out, {}, &topic_pair::target);
  return out;
}

std::expected<flow_result, failure> rebuild_flow(const flow_settings& s, const offsets::flow_id& flow,
                                                 engine::partition_reader& reader, offsets::offset_store& store,
                                                 const reporter& rep) {
  flow_result res{flow, role_of(s.cfg, flow), flow.target_region, std::nullopt, {}};
  auto topics = reader.list_topics(k_timeout);
  if (!topics) {
    res.skipped = "cannot reach the cluster of " + flow.target_region + " (" + engine::to_string(topics.error()) + ")";
    rep.err << rep.name << ": warning: flow " << offsets::to_string(flow) << " skipped: " << *res.skipped << '\n';
    return res;
  }
  const partition_job job{s, reader, store, rep};
  for (const auto& tp : target_topics(s, flow, *topics)) {
    topic_result t{tp.source, tp.target, tp.partitions, {}, 0, {}};
    for (int32_t p = 0; p < tp.partitions; ++p)
      if (auto ok = rebuild_partition(job, flow, t, p); !ok) return std::unexpected(ok.error());
    rep.err << rep.name << ": " << offsets::to_string(flow) << ' ' << t.target_topic << ": " << t.partitions
            << " partitions, " << t.counts.records << " records read, " << t.counts.ours << " with our header, "
            << t.runs << " runs\n";
    for (const auto& pr : t.problems)
      rep.err << rep.name << ": warning: " << t.target_topic << " partition " << pr << '\n';
    res.topics.push_back(std::move(t));
  }
  return res;
}

}  // namespace tandem::tools::rebuild
