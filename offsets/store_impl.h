// Internals shared by store*.cc: the RocksDB handle and small helpers. Not part of the API.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>

#include <expected>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "offsets/canonical.h"
#include "offsets/error.h"
#include "offsets/keys.h"
#include "offsets/run.h"
#include "offsets/store.h"

namespace tandem::offsets {

struct offset_store::impl {
  // Upper bounds of the ends of a partition's stored runs, on both sides. A commit whose runs
  // all start at or above them cannot meet a stored run: it skips reading its neighbourhood.
  // Valid because this process is the only writer (RocksDB's lock), and trims only lower the
  // true ends.
  struct frontier {
    int64_t src_end = 0;
    int64_t dst_end = 0;
  };

  std::unique_ptr<rocksdb::DB> db;
  std::filesystem::path path;
  open_options::access mode = open_options::access::read_write;
  std::mutex write_mu;  // one writer at a time: commits read their neighbourhood first
  std::unordered_map<std::string, frontier> frontiers;  // by S prefix; guarded by write_mu
  // Runs per flow once run_count() counted them; kept up to date by the writes (write_mu).
  std::optional<std::map<flow_id, int64_t>> run_counts;
};

namespace detail {

inline std::string_view view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

// corruption for RocksDB's Corruption, io_error otherwise; the message names the path.
error storage_error(const rocksdb::Status& s, const std::filesystem::path& path);

// errc::read_only unless the store was opened read_write.
std::expected<void, error> require_writable(const offset_store::impl& i);

// errc::corruption: a key or value of ours that does not decode.
error malformed(const std::filesystem::path& path, std::string_view what);

inline std::unique_ptr<rocksdb::Iterator> new_iterator(rocksdb::DB& db) {
  return std::unique_ptr<rocksdb::Iterator>(db.NewIterator(rocksdb::ReadOptions{}));
}

// True when the iterator stands on a key of `prefix`. Every seek is followed by this check:
// SeekForPrev lands on the previous partition's (topic's, flow's) last key when this one has
// nothing at or below the target, and Seek/Next run into the next one's first.
inline bool at_prefix(const rocksdb::Iterator& it, std::string_view prefix) {
  return it.Valid() && view(it.key()).starts_with(prefix);
}

// The runs of partition `p` with src_start < `end`, ordered by (src_start, dst_start).
std::expected<std::vector<run>, error> runs_starting_below(rocksdb::DB& db, const partition_ref& p,
                                                           source_offset end,
                                                           const std::filesystem::path& path);

// The run at the iterator, an S or D key under `prefix`.
std::expected<run, error> run_at(const rocksdb::Iterator& it, keys::tag t,
                                 std::string_view prefix, const std::filesystem::path& path);

}  // namespace detail
}  // namespace tandem::offsets
