// Offset map micro-benchmarks: what a delivery batch costs to record, what a translation costs,
// and what a run costs on disk.
//
//   bench_offsets [--benchmark_filter=REGEX]     (Release build; see bench/CMakeLists.txt)
//
// Runs look like a busy identity-mode partition: 50 records each, separated on the source by a
// transaction marker and on the target by local writes, so every run is a separate key.
#include <benchmark/benchmark.h>

#include <stdlib.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "offsets/partition_map.h"
#include "offsets/run_builder.h"
#include "offsets/store.h"

namespace tandem::offsets {
namespace {

namespace fs = std::filesystem;

constexpr int64_t records_per_run = 50;
const flow_id flow{"west", "east"};

run nth_run(int64_t i) {
  return run{{i * (records_per_run + 1)}, {i * (records_per_run + 7)}, records_per_run};
}

class bench_dir {
 public:
  bench_dir() {
    std::string pattern = (fs::temp_directory_path() / "tandem-bench-XXXXXX").string();
    if (char* made = mkdtemp(pattern.data())) path_ = made;
  }
  ~bench_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Appends `batches` batches of `runs_per_batch` runs, spread over `partitions` partitions.
void fill(offset_store& store, int64_t& next_run, int batches, int runs_per_batch,
          int partitions = 1) {
  std::vector<partition_batch> batch(partitions);
  for (int b = 0; b < batches; ++b) {
    for (int p = 0; p < partitions; ++p) {
      batch[p] = {{flow, "orders", p}, {}, {}};
      for (int r = 0; r < runs_per_batch / partitions; ++r) {
        batch[p].runs.push_back(nth_run(next_run + r));
      }
      batch[p].resume = batch[p].runs.back().src_end();
    }
    next_run += runs_per_batch / partitions;
    if (!store.commit_batch(batch)) abort();
  }
}

void BM_run_builder_add(benchmark::State& state) {
  run_builder b;
  int64_t src = 0, dst = 0;
  for (auto _ : state) {
    for (int i = 0; i < 1000; ++i) {
      bool gap = (src % records_per_run) == records_per_run - 1;
      benchmark::DoNotOptimize(b.add({src}, {dst}));
      src += gap ? 2 : 1;
      dst += gap ? 8 : 1;
    }
    benchmark::DoNotOptimize(b.take());
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_run_builder_add);

// One commit_batch per iteration: runs of arg(0) runs over arg(1) partitions, appended.
void BM_commit_batch(benchmark::State& state) {
  bench_dir dir;
  auto store = offset_store::open(dir.path()).value();
  int64_t next_run = 0;
  for (auto _ : state) fill(store, next_run, 1, state.range(0), state.range(1));
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["runs/s"] =
      benchmark::Counter(state.iterations() * state.range(0), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_commit_batch)->Args({100, 1})->Args({100, 10})->Args({1000, 1})
    ->Unit(benchmark::kMicrosecond);

// A store of `total_runs` runs in one partition, built once for the lookup benchmarks.
constexpr int64_t total_runs = 200'000;
struct filled_store {
  bench_dir dir;
  offset_store store = offset_store::open(dir.path()).value();
  partition_map map;
  filled_store() {
    int64_t next_run = 0;
    fill(store, next_run, total_runs / 1000, 1000);
    std::vector<run> all;
    for (int64_t i = 0; i < total_runs; ++i) all.push_back(nth_run(i));
    if (!map.insert(all)) abort();
    if (!store.compact()) abort();
  }
};
filled_store& filled() {
  static filled_store f;
  return f;
}

enum class direction { to_target, to_source };
enum class home { rocksdb, memory };

// Random offsets over the whole map; each iteration is one translation.
void BM_translate(benchmark::State& state, direction dir, home where) {
  auto& f = filled();
  const partition_ref p{flow, "orders", 0};
  const run end = nth_run(total_runs);
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int64_t> offset(
      0, dir == direction::to_target ? end.src_start.v : end.dst_start.v);
  for (auto _ : state) {
    int64_t o = offset(rng);
    if (dir == direction::to_target) {
      if (where == home::memory) benchmark::DoNotOptimize(f.map.translate_to_target({o}));
      else benchmark::DoNotOptimize(f.store.translate_to_target(p, {o}));
    } else {
      if (where == home::memory) benchmark::DoNotOptimize(f.map.translate_to_source({o}));
      else benchmark::DoNotOptimize(f.store.translate_to_source(p, {o}));
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_translate, to_target/rocksdb, direction::to_target, home::rocksdb);
BENCHMARK_CAPTURE(BM_translate, to_target/memory, direction::to_target, home::memory);
BENCHMARK_CAPTURE(BM_translate, to_source/rocksdb, direction::to_source, home::rocksdb);
BENCHMARK_CAPTURE(BM_translate, to_source/memory, direction::to_source, home::memory);

// Size on disk after a full compaction, per run (both index keys, values, file overhead).
void BM_bytes_per_run(benchmark::State& state) {
  const int64_t runs = state.range(0);
  for (auto _ : state) {
    bench_dir dir;
    auto store = offset_store::open(dir.path()).value();
    int64_t next_run = 0;
    fill(store, next_run, static_cast<int>(runs / 100), 100);
    if (!store.compact()) abort();
    auto st = store.stats().value();
    state.counters["sst_bytes/run"] = static_cast<double>(st.sst_bytes) / runs;
    state.counters["dir_bytes/run"] = static_cast<double>(st.dir_bytes) / runs;
  }
}
BENCHMARK(BM_bytes_per_run)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace tandem::offsets

BENCHMARK_MAIN();
