// offset_store: whole-store scans (stats) and checkpoint reads.
#include <map>
#include <system_error>
#include <tuple>

#include "offsets/store.h"
#include "offsets/store_impl.h"

namespace tandem::offsets {
namespace fs = std::filesystem;
using detail::storage_error;
using detail::view;

namespace {

// Reads "src 0 tgt 0 topic 0 partition:4" from the front of a key after its tag.
bool read_partition(keys::reader& k, partition_ref& out) {
  return k.name(out.flow.source_region) && k.name(out.flow.target_region) && k.name(out.topic) &&
         k.int32(out.partition);
}

std::expected<checkpoint, error> checkpoint_at(const rocksdb::Iterator& it, size_t flow_prefix,
                                               const fs::path& path) {
  checkpoint c;
  keys::reader k(view(it.key()).substr(flow_prefix));
  keys::reader v(view(it.value()));
  if (!k.name(c.group) || !k.name(c.topic) || !k.int32(c.partition) || !k.done() ||
      !v.int64(c.target.v) || !v.int64(c.source.v) || !v.int64(c.time_ms) || !v.done()) {
    return std::unexpected(detail::malformed(path, "checkpoint record"));
  }
  return c;
}

uint64_t directory_bytes(const fs::path& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      auto size = it->file_size(size_ec);
      if (!size_ec) total += size;
    }
  }
  return total;
}

// Adds the key at the iterator to the per-partition figures (S: a run, R: a resume position).
std::expected<void, error> count_key(const rocksdb::Iterator& it, const fs::path& path,
                                     std::map<std::tuple<flow_id, std::string, int32_t>,
                                              partition_stats>& parts) {
  auto tag = static_cast<keys::tag>(it.key()[0]);
  if (tag != keys::tag::by_source && tag != keys::tag::resume) return {};
  keys::reader k(view(it.key()).substr(1));
  partition_ref ref;
  if (!read_partition(k, ref)) return std::unexpected(detail::malformed(path, "key"));
  partition_stats& ps = parts[{ref.flow, ref.topic, ref.partition}];
  ps.partition = ref;
  keys::reader v(view(it.value()));
  int64_t number = 0;
  if (!v.int64(number) || !v.done()) return std::unexpected(detail::malformed(path, "value"));
  if (tag == keys::tag::resume) {
    ps.resume = source_offset{number};
  } else {
    ++ps.runs;
    ps.copied_records += number;
  }
  return {};
}

}  // namespace

std::expected<std::vector<checkpoint>, error> offset_store::get_checkpoints(
    const flow_id& flow, std::string_view group) const {
  if (auto ok = validate(flow); !ok) return std::unexpected(ok.error());
  const std::string flow_prefix = keys::flow_prefix(keys::tag::checkpoint, flow);
  std::string prefix = flow_prefix;
  if (!group.empty()) keys::append_name(prefix, group);
  std::vector<checkpoint> out;
  auto it = detail::new_iterator(*impl_->db);
  for (it->Seek(prefix); detail::at_prefix(*it, prefix); it->Next()) {
    auto c = checkpoint_at(*it, flow_prefix.size(), impl_->path);
    if (!c) return std::unexpected(c.error());
    out.push_back(std::move(*c));
  }
  if (!it->status().ok()) return std::unexpected(storage_error(it->status(), impl_->path));
  return out;
}

std::expected<store_stats, error> offset_store::stats() const {
  store_stats out;
  std::map<std::tuple<flow_id, std::string, int32_t>, partition_stats> parts;
  auto it = detail::new_iterator(*impl_->db);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ++out.keys;
    if (it->key().empty()) return std::unexpected(detail::malformed(impl_->path, "empty key"));
    if (static_cast<keys::tag>(it->key()[0]) == keys::tag::checkpoint) ++out.checkpoints;
    if (auto ok = count_key(*it, impl_->path, parts); !ok) return std::unexpected(ok.error());
  }
  if (!it->status().ok()) return std::unexpected(storage_error(it->status(), impl_->path));
  for (auto& [key, ps] : parts) out.partitions.push_back(std::move(ps));
  impl_->db->GetIntProperty("rocksdb.total-sst-files-size", &out.sst_bytes);
  out.dir_bytes = directory_bytes(impl_->path);
  return out;
}

std::map<flow_id, int64_t> runs_per_flow(const store_stats& stats) {
  std::map<flow_id, int64_t> out;
  for (const auto& ps : stats.partitions) out[ps.partition.flow] += ps.runs;
  return out;
}

std::expected<int64_t, error> offset_store::run_count(const flow_id& flow) const {
  auto count_in = [&](const std::map<flow_id, int64_t>& counts) {
    auto it = counts.find(flow);
    return it == counts.end() ? int64_t{0} : it->second;
  };
  if (impl_->mode != open_options::access::read_write) {
    auto st = stats();
    if (!st) return std::unexpected(st.error());
    return count_in(runs_per_flow(*st));
  }
  std::lock_guard lock(impl_->write_mu);  // no write between the scan and the count
  if (!impl_->run_counts) {
    auto st = stats();
    if (!st) return std::unexpected(st.error());
    impl_->run_counts = runs_per_flow(*st);
  }
  return count_in(*impl_->run_counts);
}

}  // namespace tandem::offsets
