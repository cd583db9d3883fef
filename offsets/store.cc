// offset_store: opening (with the format check), closing, maintenance.
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>

#include <system_error>

#include "offsets/store.h"
#include "offsets/store_impl.h"

namespace tandem::offsets {
namespace fs = std::filesystem;
using detail::storage_error;

namespace detail {

error storage_error(const rocksdb::Status& s, const fs::path& path) {
  std::string msg = "offset store at " + path.string() + ": " + s.ToString();
  if (s.IsCorruption()) return error{errc::corruption, msg + " (the store is damaged)"};
  if (s.ToString().find("LOCK") != std::string::npos) {
    msg += " (is a tandem daemon using it? open it as a secondary while the daemon runs)";
  }
  return error{errc::io_error, msg};
}

std::expected<void, error> require_writable(const offset_store::impl& i) {
  if (i.mode == open_options::access::read_write) return {};
  return std::unexpected(error{errc::read_only, "offset store at " + i.path.string() +
                                                    " is open read-only: it cannot be written"});
}

error malformed(const fs::path& path, std::string_view what) {
  return error{errc::corruption,
               "offset store at " + path.string() + ": malformed " + std::string(what)};
}

}  // namespace detail

namespace {

error not_a_store(const fs::path& dir, std::string_view why) {
  return error{errc::not_a_store, dir.string() + " is not a tandem offset store: " +
                                      std::string(why)};
}

// The S or D key prefix of one partition (tag src 0 tgt 0 topic 0 partition:4).
class partition_prefix_extractor final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "tandem.partition_prefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), prefix_length(key));
  }
  bool InDomain(const rocksdb::Slice& key) const override { return prefix_length(key) != 0; }

 private:
  static size_t prefix_length(const rocksdb::Slice& key) {
    std::string_view k = detail::view(key);
    if (k.empty() || (k[0] != static_cast<char>(keys::tag::by_source) &&
                      k[0] != static_cast<char>(keys::tag::by_destination))) {
      return 0;
    }
    size_t at = 1;
    for (int name = 0; name < 3; ++name) {
      at = k.find('\0', at);
      if (at == std::string_view::npos) return 0;
      ++at;
    }
    return at + 4 <= k.size() ? at + 4 : 0;
  }
};

rocksdb::Options base_options() {
  rocksdb::Options o;
  o.keep_log_file_num = 3;  // RocksDB's own info logs (LOG, LOG.old.*)
  o.max_open_files = -1;    // required for secondaries; the store has few files
  // A commit appends runs in key order per partition: the memtable remembers where each
  // partition's last insert went. Halves the CPU of commit_batch (BM_commit_batch). The hint
  // needs non-concurrent memtable writes; commits are serialized anyway.
  o.memtable_insert_with_hint_prefix_extractor = std::make_shared<partition_prefix_extractor>();
  o.allow_concurrent_memtable_write = false;
  return o;
}

// Read-only and secondary opens (and read_write without create_if_missing) need a database.
std::expected<void, error> require_database(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return std::unexpected(not_a_store(dir, "no such directory"));
  if (!fs::exists(dir / "CURRENT", ec)) {
    return std::unexpected(not_a_store(dir, "no RocksDB database in it (no CURRENT file)"));
  }
  return {};
}

// Read-write: refuse a non-empty directory that holds something else; create a missing one.
// Returns whether a database exists already.
std::expected<bool, error> prepare_primary(const fs::path& dir, bool create_if_missing) {
  std::error_code ec;
  if (fs::exists(dir / "CURRENT", ec)) return true;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    return std::unexpected(not_a_store(dir, "the directory is not empty and holds no RocksDB "
                                            "database (no CURRENT file)"));
  }
  if (!create_if_missing) return std::unexpected(require_database(dir).error());
  // The directory is the process's own: owner only (0700). Directories above it that
  // create_directories makes get the umask's mode.
  fs::create_directories(dir, ec);
  if (!ec) fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) {
    return std::unexpected(error{errc::io_error, "cannot create offset store directory " +
                                                     dir.string() + ": " + ec.message()});
  }
  return false;
}

std::expected<std::unique_ptr<rocksdb::DB>, error> open_db(const fs::path& dir,
                                                            const open_options& o) {
  rocksdb::Options options = base_options();
  rocksdb::DB* db = nullptr;
  rocksdb::Status s;
  switch (o.mode) {
    case open_options::access::read_write: {
      auto exists = prepare_primary(dir, o.create_if_missing);
      if (!exists) return std::unexpected(exists.error());
      options.create_if_missing = !*exists;
      s = rocksdb::DB::Open(options, dir.string(), &db);
      break;
    }
    case open_options::access::read_only:
      if (auto ok = require_database(dir); !ok) return std::unexpected(ok.error());
      s = rocksdb::DB::OpenForReadOnly(options, dir.string(), &db);
      break;
    case open_options::access::secondary: {
      if (auto ok = require_database(dir); !ok) return std::unexpected(ok.error());
      std::error_code ec;
      if (o.secondary_dir.empty() || (fs::create_directories(o.secondary_dir, ec), ec)) {
        return std::unexpected(error{errc::invalid_argument,
            "opening " + dir.string() + " as a secondary needs a writable secondary_dir"});
      }
      s = rocksdb::DB::OpenAsSecondary(options, dir.string(), o.secondary_dir.string(), &db);
      break;
    }
  }
  if (!s.ok()) return std::unexpected(storage_error(s, dir));
  return std::unique_ptr<rocksdb::DB>(db);
}

// The format key tells a tandem store, and which version. A database without it is ours only
// if it is empty (a first open that stopped before writing it); read_write then writes it.
std::expected<void, error> check_format(rocksdb::DB& db, const fs::path& dir, bool writable) {
  std::string value;
  rocksdb::Status s = db.Get(rocksdb::ReadOptions{}, keys::format_key(), &value);
  if (s.ok()) {
    auto version = keys::parse_format(value);
    if (!version) return std::unexpected(detail::malformed(dir, "format key '" + value + "'"));
    if (*version != keys::format_version) {
      return std::unexpected(error{errc::version_mismatch,
          "offset store at " + dir.string() + " has format " + std::to_string(*version) +
          "; this build of tandem reads format " + std::to_string(keys::format_version) +
          " (use a matching tandem, or move the directory away to start a new map)"});
    }
    return {};
  }
  if (!s.IsNotFound()) return std::unexpected(storage_error(s, dir));
  auto it = detail::new_iterator(db);
  it->SeekToFirst();
  if (it->Valid()) {
    return std::unexpected(
        not_a_store(dir, "it is a RocksDB database without tandem's format key"));
  }
  if (!it->status().ok()) return std::unexpected(storage_error(it->status(), dir));
  if (!writable) return {};
  rocksdb::WriteOptions sync;
  sync.sync = true;  // once per store
  s = db.Put(sync, keys::format_key(), keys::format_value(keys::format_version));
  if (!s.ok()) return std::unexpected(storage_error(s, dir));
  return {};
}

}  // namespace

std::expected<offset_store, error> offset_store::open(const fs::path& dir,
                                                      const open_options& options) {
  auto db = open_db(dir, options);
  if (!db) return std::unexpected(db.error());
  bool writable = options.mode == open_options::access::read_write;
  if (auto ok = check_format(**db, dir, writable); !ok) return std::unexpected(ok.error());
  auto i = std::make_unique<impl>();
  i->db = std::move(*db);
  i->path = dir;
  i->mode = options.mode;
  return offset_store(std::move(i));
}

offset_store::offset_store(std::unique_ptr<impl> i) : impl_(std::move(i)) {}
offset_store::offset_store(offset_store&&) noexcept = default;
offset_store& offset_store::operator=(offset_store&&) noexcept = default;
offset_store::~offset_store() = default;

const fs::path& offset_store::path() const { return impl_->path; }

std::expected<void, error> offset_store::catch_up() {
  if (impl_->mode != open_options::access::secondary) return {};
  rocksdb::Status s = impl_->db->TryCatchUpWithPrimary();
  if (!s.ok()) return std::unexpected(storage_error(s, impl_->path));
  return {};
}

std::expected<void, error> offset_store::compact() {
  if (auto ok = detail::require_writable(*impl_); !ok) return ok;
  rocksdb::Status s = impl_->db->Flush(rocksdb::FlushOptions{});
  if (s.ok()) s = impl_->db->CompactRange(rocksdb::CompactRangeOptions{}, nullptr, nullptr);
  if (!s.ok()) return std::unexpected(storage_error(s, impl_->path));
  return {};
}

}  // namespace tandem::offsets
