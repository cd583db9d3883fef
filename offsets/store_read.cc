// offset_store: lookups, dumps, checkpoints and stats. Every seek checks the key prefix.
#include <limits>
#include <map>
#include <system_error>
#include <tuple>

#include "offsets/store.h"
#include "offsets/store_impl.h"

namespace tandem::offsets {
namespace fs = std::filesystem;
using detail::at_prefix;
using detail::run_at;
using detail::storage_error;

namespace detail {

std::expected<run, error> run_at(const rocksdb::Iterator& it, keys::tag t,
                                 std::string_view prefix, const fs::path& path) {
  auto r = keys::decode_run(t, view(it.key()).substr(prefix.size()), view(it.value()));
  if (!r) return std::unexpected(malformed(path, "run record"));
  return *r;
}

std::expected<std::vector<run>, error> runs_starting_below(rocksdb::DB& db, const partition_ref& p,
                                                           source_offset end, const fs::path& path) {
  const std::string prefix = keys::partition_prefix(keys::tag::by_source, p);
  std::vector<run> out;
  auto it = new_iterator(db);
  for (it->Seek(prefix); at_prefix(*it, prefix); it->Next()) {
    auto r = run_at(*it, keys::tag::by_source, prefix, path);
    if (!r) return std::unexpected(r.error());
    if (r->src_start >= end) break;
    out.push_back(*r);
  }
  if (!it->status().ok()) return std::unexpected(storage_error(it->status(), path));
  return out;
}

}  // namespace detail

namespace {

constexpr int64_t int64_max = std::numeric_limits<int64_t>::max();

// prefix + (first) + (int64 max): at or after every key of `prefix` whose first number is
// <= first, before every key whose first number is greater.
std::string last_key_with(std::string_view prefix, int64_t first) {
  std::string k(prefix);
  keys::append_int64(k, first);
  keys::append_int64(k, int64_max);
  return k;
}

std::expected<std::optional<run>, error> no_run(const rocksdb::Iterator& it,
                                                const fs::path& path) {
  if (!it.status().ok()) return std::unexpected(storage_error(it.status(), path));
  return std::nullopt;
}

// The first run under `prefix` (S: smallest src_start, its earliest copy; D: smallest dst_start).
std::expected<std::optional<run>, error> first_run(rocksdb::DB& db, keys::tag t,
                                                   const partition_ref& p, const fs::path& path) {
  if (auto ok = validate(p); !ok) return std::unexpected(ok.error());
  const std::string prefix = keys::partition_prefix(t, p);
  auto it = detail::new_iterator(db);
  it->Seek(prefix);
  if (!at_prefix(*it, prefix)) return no_run(*it, path);
  return run_at(*it, t, prefix, path);
}

}  // namespace

std::expected<std::optional<run>, error> offset_store::lookup_by_source(const partition_ref& p,
                                                                        source_offset x) const {
  if (auto ok = validate(p); !ok) return std::unexpected(ok.error());
  if (x.v <= 0) return std::nullopt;  // runs start at offsets >= 0
  const std::string prefix = keys::partition_prefix(keys::tag::by_source, p);
  auto it = detail::new_iterator(*impl_->db);
  it->SeekForPrev(last_key_with(prefix, x.v - 1));
  // Without this check, a partition with nothing below x would answer with the last run of
  // the partition (topic, flow) stored before it.
  if (!at_prefix(*it, prefix)) return no_run(*it, impl_->path);
  auto earliest = run_at(*it, keys::tag::by_source, prefix, impl_->path);
  if (!earliest) return std::unexpected(earliest.error());
  // The seek landed on the group's latest copy (largest dst_start); walk back to its earliest.
  for (it->Prev(); at_prefix(*it, prefix); it->Prev()) {
    auto copy = run_at(*it, keys::tag::by_source, prefix, impl_->path);
    if (!copy) return std::unexpected(copy.error());
    if (copy->src_start != earliest->src_start) break;
    earliest = copy;
  }
  if (!it->status().ok()) return std::unexpected(storage_error(it->status(), impl_->path));
  return *earliest;
}

std::expected<std::optional<run>, error> offset_store::lookup_by_destination(
    const partition_ref& p, target_offset y) const {
  if (auto ok = validate(p); !ok) return std::unexpected(ok.error());
  if (y.v <= 0) return std::nullopt;
  const std::string prefix = keys::partition_prefix(keys::tag::by_destination, p);
  auto it = detail::new_iterator(*impl_->db);
  it->SeekForPrev(last_key_with(prefix, y.v - 1));
  if (!at_prefix(*it, prefix)) return no_run(*it, impl_->path);  // see lookup_by_source
  return run_at(*it, keys::tag::by_destination, prefix, impl_->path);
}

std::expected<std::optional<run>, error> offset_store::first_by_source(
    const partition_ref& p) const {
  return first_run(*impl_->db, keys::tag::by_source, p, impl_->path);
}

std::expected<std::optional<run>, error> offset_store::first_by_destination(
    const partition_ref& p) const {
  return first_run(*impl_->db, keys::tag::by_destination, p, impl_->path);
}

std::expected<target_translation, error> offset_store::translate_to_target(
    const partition_ref& p, source_offset x) const {
  return offsets::translate_to_target(stored_partition(*this, p), x);
}

std::expected<source_translation, error> offset_store::translate_to_source(
    const partition_ref& p, target_offset y) const {
  return offsets::translate_to_source(stored_partition(*this, p), y);
}

std::expected<std::vector<run>, error> offset_store::runs(const partition_ref& p) const {
  if (auto ok = validate(p); !ok) return std::unexpected(ok.error());
  return detail::runs_starting_below(*impl_->db, p, {max_offset}, impl_->path);
}

std::expected<std::optional<source_offset>, error> offset_store::resume_position(
    const partition_ref& p) const {
  if (auto ok = validate(p); !ok) return std::unexpected(ok.error());
  std::string value;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions{},
                                     keys::partition_prefix(keys::tag::resume, p), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return std::unexpected(storage_error(s, impl_->path));
  keys::reader v(value);
  int64_t next = 0;
  if (!v.int64(next) || !v.done()) {
    return std::unexpected(detail::malformed(impl_->path, "resume position"));
  }
  return source_offset{next};
}

}  // namespace tandem::offsets
