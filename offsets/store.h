// offset_store: the offset maps, resume positions and checkpoints of a process, in RocksDB.
//
// RocksDB is the local index; Kafka (the target log, tandem.offsets, tandem.checkpoints) is the
// durable store. One directory per process (state_dir). The daemon opens it read-write;
// tandemctl opens it as a secondary while the daemon runs (read-only when it does not: RocksDB
// leaves a read-only instance undefined while a primary writes).
//
//   delivery reports ──> run_builder ──> commit_batch ──> S/D runs + R resume   (one WriteBatch)
//   group offsets ──> translate_to_target ──> put_checkpoint ──> C
//   tandemctl ──> runs / stats / translate_* (same rounding code as partition_map: translate.h)
//
// Runs are kept in canonical form (canonical.h) per (flow, topic, partition); keys in keys.h.
//
// Thread safety: all methods may be called concurrently. Writes (commit_batch, trim_below,
// put_checkpoint) are serialized inside the store: a commit reads the neighbouring runs before
// writing, and one process is the only writer of a directory (RocksDB's lock file).
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "offsets/canonical.h"
#include "offsets/error.h"
#include "offsets/ids.h"
#include "offsets/run.h"
#include "offsets/translate.h"

namespace tandem::offsets {

struct open_options {
  enum class access { read_write, read_only, secondary };
  // How to open. Default: read_write
  access mode = access::read_write;
  // read_write: create the directory and an empty store if there is none. Default: true
  bool create_if_missing = true;
  // secondary: a directory of the secondary's own (its info log). Required for secondary.
  std::filesystem::path secondary_dir;
};

// One partition's part of a commit: the flow's own runs from run_builder::take(), or the peer
// flow's runs learned from echoes (identity naming), which must be committed together with the
// resume position that moves past those echoes.
struct partition_batch {
  partition_ref partition;
  std::vector<run> runs;                 // may be empty
  std::optional<source_offset> resume;   // next source offset to consume after this batch
};

// A consumer group's position, translated for failover.
struct checkpoint {
  std::string group;
  std::string topic;       // source topic
  int32_t partition = 0;
  source_offset source;    // the group's committed offset on the source
  target_offset target;    // where it continues on the target (translate_to_target)
  int64_t time_ms = 0;     // when the source offset was read, ms since the epoch

  bool operator==(const checkpoint&) const = default;
};

// What a state directory belongs to (docs/design.md, "Safety rules"): the region of the process
// that writes it and the Kafka cluster id of each cluster it replicates between, by config
// alias. Runs describe those clusters' logs: a store of another region or cluster is refused.
struct store_identity {
  std::string region;
  std::map<std::string, std::string> cluster_ids;  // alias → cluster id as Kafka reports it

  bool operator==(const store_identity&) const = default;
};

struct partition_stats {
  partition_ref partition;
  int64_t runs = 0;
  int64_t copied_records = 0;          // sum of run lengths (a record copied twice counts 2)
  std::optional<source_offset> resume;
};

struct store_stats {
  std::vector<partition_stats> partitions;  // ordered by flow, topic, partition
  int64_t keys = 0;                         // every key, runs counted twice (S and D)
  int64_t checkpoints = 0;
  uint64_t sst_bytes = 0;                   // live SST files (RocksDB's estimate)
  uint64_t dir_bytes = 0;                   // all files of the directory: SST, WAL, MANIFEST...
};

// Runs per flow of a stats() scan (tandemctl offsets stats, offset_store::run_count).
std::map<flow_id, int64_t> runs_per_flow(const store_stats& stats);

class offset_store {
 public:
  // Opens (read_write: creates if missing) the store in `dir`.
  // errc::not_a_store: no store there (read-only, secondary, or create_if_missing=false), a
  //   non-empty directory without a RocksDB database, or a RocksDB database without our
  //   format key. errc::version_mismatch: a store of another format version.
  // errc::corruption: RocksDB reports damage. errc::io_error: anything else, e.g. the
  //   directory is locked by a running daemon. Every message names the path.
  static std::expected<offset_store, error> open(const std::filesystem::path& dir,
                                                 const open_options& options = {});
  offset_store(offset_store&&) noexcept;  // a moved-from store may only be destroyed or assigned
  offset_store& operator=(offset_store&&) noexcept;
  ~offset_store();  // closes the database

  const std::filesystem::path& path() const;

  // --- Writes (errc::read_only unless opened read_write) --------------------------------

  // Adds the batch's runs and sets its resume positions, in ONE WriteBatch: either all of it
  // is in the store after a crash or none. WAL on, no fsync per batch (see store_write.cc).
  // Partitions may belong to different flows (own runs and echo-learned peer runs).
  // errc::invalid_argument: a bad name, run, resume position, or a partition listed twice.
  // errc::destination_conflict: see plan_insert; nothing is written.
  // `changes` (optional): receives what the commit did to the stored runs, one map_change per
  // batch entry, in order (empty for an entry without runs). Usually `put` is the entry's runs;
  // a run that meets stored copies is split (canonical.h), and then its pieces are what the
  // store holds: the offset journal publishes these, so tandem.offsets keys the runs as the
  // store does.
  std::expected<void, error> commit_batch(std::span<const partition_batch> batch,
                                          std::vector<map_change>* changes = nullptr);

  // The writes below report WHAT they changed, not a count: `erase` holds the stored runs
  // removed, `put` the runs written in their place (both ordered by (src_start, dst_start)).
  // A run cut at its end keeps its key (src_start, dst_start) with a new length: it is in both
  // lists. A run cut at its head, or split, yields new keys. An erased key that is not put
  // again is gone from the map (tandem.offsets gets a tombstone for it: offset_journal).

  // Drops the runs below the source's log start (plan_trim). One WriteBatch.
  std::expected<map_change, error> trim_below(const partition_ref& p, source_offset log_start);

  // Forgets what the map says about the partition from a source or a target offset on, when
  // that side was truncated or recreated (plan_invalidate_source / _destination): runs erased,
  // cut, or split to keep the map canonical. One WriteBatch.
  enum class side { source, destination };
  std::expected<map_change, error> invalidate(const partition_ref& p, side which, int64_t from);

  // Erases the stored runs at the keys (src_start, dst_start) of `erase` (whatever their
  // length; keys the store does not hold are ignored), then adds `put` as commit_batch does
  // (plan_insert against what remains). One WriteBatch: all of it or nothing. For replaying
  // tandem.offsets into a store (engine/state/state_restore.h): a tombstone erases its key, a
  // record of a known key with another length replaces the stored run, a newer run replaces
  // the runs it conflicts with. Erasing keeps the map canonical (a subset of a canonical map
  // is canonical). errc::invalid_argument, errc::destination_conflict: as commit_batch.
  std::expected<map_change, error> replace_runs(const partition_ref& p, std::span<const run> erase,
                                                std::span<const run> put);

  // Records (replaces) what the store belongs to; synced to disk (rare: at start).
  // errc::invalid_argument: an empty or NUL-containing region, alias or cluster id.
  std::expected<void, error> put_identity(const store_identity& id);

  // Writes (replaces) the checkpoint of (flow, group, topic, partition).
  std::expected<void, error> put_checkpoint(const flow_id& flow, const checkpoint& c);

  // --- Reads ----------------------------------------------------------------------------

  // Next source offset to consume; nullopt if never committed.
  std::expected<std::optional<source_offset>, error> resume_position(
      const partition_ref& p) const;

  // The run_index lookups of translate.h; nullopt: no run starts below. lookup_by_source: the
  // earliest copy (smallest dst_start) among the runs with the greatest src_start < x, one
  // SeekForPrev then Prev over that group's other copies. lookup_by_destination: the run with
  // the greatest dst_start < y, one SeekForPrev. first_*: one Seek.
  std::expected<std::optional<run>, error> lookup_by_source(const partition_ref& p,
                                                            source_offset x) const;
  std::expected<std::optional<run>, error> lookup_by_destination(const partition_ref& p,
                                                                 target_offset y) const;
  std::expected<std::optional<run>, error> first_by_source(const partition_ref& p) const;
  std::expected<std::optional<run>, error> first_by_destination(const partition_ref& p) const;

  // The rules of translate.h over the stored runs.
  std::expected<target_translation, error> translate_to_target(const partition_ref& p,
                                                               source_offset x) const;
  std::expected<source_translation, error> translate_to_source(const partition_ref& p,
                                                               target_offset y) const;

  // What the store belongs to; nullopt when none is recorded (a store of an older tandem).
  std::expected<std::optional<store_identity>, error> identity() const;

  // All runs of a partition ordered by (src_start, dst_start), for dumps.
  std::expected<std::vector<run>, error> runs(const partition_ref& p) const;

  // Checkpoints of a flow: of one group, or of every group when `group` is empty; ordered by
  // group, topic, partition.
  std::expected<std::vector<checkpoint>, error> get_checkpoints(const flow_id& flow,
                                                                std::string_view group) const;

  // Scans the whole store: runs per partition, keys, bytes.
  std::expected<store_stats, error> stats() const;

  // Runs of `flow` in the map. Read-write: the first call counts every flow's runs (stats()),
  // later calls answer from counts this handle's writes keep up to date (cheap). Read-only and
  // secondary handles scan on every call.
  std::expected<int64_t, error> run_count(const flow_id& flow) const;

  // --- Maintenance ----------------------------------------------------------------------

  // Secondary: reads what the primary wrote since open or the last catch_up. Others: no-op.
  std::expected<void, error> catch_up();
  // Read-write: flushes and compacts everything (benchmarks, before measuring size).
  std::expected<void, error> compact();

  struct impl;

 private:
  explicit offset_store(std::unique_ptr<impl> i);
  std::unique_ptr<impl> impl_;
};

// One partition of a store as a run_index, e.g. for identity_failover_position.
// Holds a reference: the store must outlive it and stay where it is (not be moved from).
class stored_partition final : public run_index {
 public:
  stored_partition(const offset_store& store, partition_ref p)
      : store_(store), ref_(std::move(p)) {}

  std::expected<std::optional<run>, error> earliest_copy_starting_below(
      source_offset x) const override {
    return store_.lookup_by_source(ref_, x);
  }
  std::expected<std::optional<run>, error> last_starting_below(target_offset y) const override {
    return store_.lookup_by_destination(ref_, y);
  }
  std::expected<std::optional<run>, error> first_by_source() const override {
    return store_.first_by_source(ref_);
  }
  std::expected<std::optional<run>, error> first_by_destination() const override {
    return store_.first_by_destination(ref_);
  }

 private:
  const offset_store& store_;
  partition_ref ref_;
};

}  // namespace tandem::offsets
