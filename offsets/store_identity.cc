// offset_store: the store's identity (the region and the cluster ids it belongs to).
#include "offsets/store.h"
#include "offsets/store_impl.h"

namespace tandem::offsets {
using detail::storage_error;

namespace {

bool usable(std::string_view name) {
  return !name.empty() && name.find('\0') == std::string_view::npos;
}

}  // namespace

std::expected<void, error> offset_store::put_identity(const store_identity& id) {
  if (auto ok = detail::require_writable(*impl_); !ok) return ok;
  bool valid = usable(id.region);
  for (const auto& [alias, cluster] : id.cluster_ids) {
    valid = valid && usable(alias) && usable(cluster);
  }
  if (!valid) {
    return std::unexpected(error{errc::invalid_argument,
                                 "store identity: region, cluster aliases and cluster ids must "
                                 "be non-empty and free of NUL bytes"});
  }
  std::string value;
  keys::append_name(value, id.region);
  for (const auto& [alias, cluster] : id.cluster_ids) {
    keys::append_name(value, alias);
    keys::append_name(value, cluster);
  }
  rocksdb::WriteOptions sync;
  sync.sync = true;  // rare, and a restart must see it
  std::lock_guard lock(impl_->write_mu);
  rocksdb::Status s = impl_->db->Put(sync, keys::identity_key(), value);
  if (!s.ok()) return std::unexpected(storage_error(s, impl_->path));
  return {};
}

std::expected<std::optional<store_identity>, error> offset_store::identity() const {
  std::string value;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions{}, keys::identity_key(), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return std::unexpected(storage_error(s, impl_->path));
  store_identity id;
  keys::reader r(value);
  if (!r.name(id.region)) return std::unexpected(detail::malformed(impl_->path, "identity"));
  while (!r.done()) {
    std::string alias, cluster;
    if (!r.name(alias) || !r.name(cluster)) {
      return std::unexpected(detail::malformed(impl_->path, "identity"));
    }
    id.cluster_ids[std::move(alias)] = std::move(cluster);
  }
  return id;
}

}  // namespace tandem::offsets
