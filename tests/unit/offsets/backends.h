// The two homes of a partition's runs under one test interface, so that the same tables check
// partition_map (memory) and offset_store (RocksDB): both must round identically.
//   "memory"   partition_map
//   "rocksdb"  offset_store, partition west->east orders/3 alone in the store
//   "crowded"  offset_store with neighbours on both sides in key order (partitions 2 and 4,
//              topics "order" and "orders2", flows west->eas and west->east2), each covering
//              every offset a test uses: an unchecked seek would answer from them.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "offsets/partition_map.h"
#include "offsets/store.h"
#include "tests/fakes/temp_dir.h"

namespace tandem::offsets::testing {

class backend {
 public:
  virtual ~backend() = default;
  virtual std::expected<void, error> insert(const std::vector<run>& runs) = 0;
  virtual size_t trim_below(source_offset log_start) = 0;
  virtual std::vector<run> runs() const = 0;
  virtual const run_index& index() const = 0;

  target_translation to_target(int64_t x) const { return *translate_to_target(index(), {x}); }
  source_translation to_source(int64_t y) const { return *translate_to_source(index(), {y}); }
};

class memory_backend final : public backend {
 public:
  std::expected<void, error> insert(const std::vector<run>& runs) override {
    return map_.insert(runs);
  }
  size_t trim_below(source_offset log_start) override { return map_.trim_below(log_start); }
  std::vector<run> runs() const override { return map_.runs(); }
  const run_index& index() const override { return map_; }

 private:
  partition_map map_;
};

inline const partition_ref tested_partition{{"west", "east"}, "orders", 3};

class store_backend final : public backend {
 public:
  explicit store_backend(bool crowded)
      : store_(offset_store::open(dir_.path()).value()), index_(store_, tested_partition) {
    if (crowded) add_neighbours();
  }
  std::expected<void, error> insert(const std::vector<run>& runs) override {
    partition_batch b{tested_partition, runs, {}};
    return store_.commit_batch({&b, 1});
  }
  size_t trim_below(source_offset log_start) override {
    return store_.trim_below(tested_partition, log_start)->erase.size();
  }
  std::vector<run> runs() const override { return *store_.runs(tested_partition); }
  const run_index& index() const override { return index_; }

 private:
  void add_neighbours() {
    const std::vector<run> everywhere{{{0}, {0}, 1'000'000}};
    const partition_ref t = tested_partition;
    for (const partition_ref& n : {partition_ref{t.flow, t.topic, 2},
                                   partition_ref{t.flow, t.topic, 4},
                                   partition_ref{t.flow, "order", 3},
                                   partition_ref{t.flow, "orders2", 3},
                                   partition_ref{{"west", "eas"}, t.topic, 3},
                                   partition_ref{{"west", "east2"}, t.topic, 3}}) {
      partition_batch b{n, everywhere, source_offset{1'000'000}};
      ASSERT_TRUE(store_.commit_batch({&b, 1}));
    }
  }

  tandem::testing::temp_dir dir_;
  offset_store store_;
  stored_partition index_;
};

inline std::unique_ptr<backend> make_backend(const std::string& kind) {
  if (kind == "memory") return std::make_unique<memory_backend>();
  return std::make_unique<store_backend>(kind == "crowded");
}

// Instantiates a TEST_P suite over the three backends.
#define TANDEM_ALL_BACKENDS(suite)                                                \
  INSTANTIATE_TEST_SUITE_P(backends, suite,                                       \
                           ::testing::Values("memory", "rocksdb", "crowded"),     \
                           [](const auto& info) { return std::string(info.param); })

}  // namespace tandem::offsets::testing
