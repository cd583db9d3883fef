// Shared set-up of the tandemctl tests: a temp dir holding a config of region "west" (remotes
// "east" and "central") whose state_dir is a real offset store the test fills with
// offset_store::commit_batch, and a runner for tandemctl commands in-process.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "offsets/store.h"
#include "tests/fakes/temp_dir.h"
#include "tools/tandemctl.h"

namespace tandem::tools::testing {

namespace fs = std::filesystem;

struct result {
  int code;
  std::string out;
  std::string err;
};

// `tandemctl ARGS...`, in-process.
inline result run(std::vector<std::string_view> args) {
  std::ostringstream out, err;
  const int code = tools::run(args, {out, err});
  return {code, out.str(), err.str()};
}

// The same with `env` (clusters and clock) for the groups commands.
inline result run(std::vector<std::string_view> args, const environment& env) {
  std::ostringstream out, err;
  const int code = tools::run(args, {out, err}, env);
  return {code, out.str(), err.str()};
}

using tandem::testing::temp_dir;

inline const offsets::flow_id east_west{"east", "west"};  // own flow of region west
inline const offsets::flow_id west_east{"west", "east"};  // peer flow (learned from echoes)

class tools_test : public ::testing::Test {
 protected:
  // Writes `<dir>/west.toml`; state_dir "state" is relative to it.
  std::string write_config(std::string_view naming = "identity", std::string_view state_dir = "state") {
    const fs::path file = dir_.path() / "west.toml";
    std::ofstream(file) << "region = \"west\"\n"
                        << "state_dir = \"" << state_dir << "\"\n"
                        << "[clusters.west]\nbootstrap = \"127.0.0.1:19093\"\n"
                        << "[clusters.east]\nbootstrap = \"127.0.0.1:19092\"\n"
                        << "[clusters.central]\nbootstrap = \"127.0.0.1:19094\"\n"
                        << "[replication]\nnaming = \"" << naming << "\"\ntopics = [\"orders.*\"]\n";
    return file.string();
  }

  fs::path state_dir() const { return dir_.path() / "state"; }

  // The store as the daemon holds it (read-write); opened on first use, closed by close().
  offsets::offset_store& primary() {
    if (!primary_) primary_.emplace(offsets::offset_store::open(state_dir()).value());
    return *primary_;
  }
  void close() { primary_.reset(); }

  void commit(const offsets::flow_id& flow, std::string topic, int32_t partition, std::vector<offsets::run> runs,
              std::optional<int64_t> resume = std::nullopt) {
    offsets::partition_batch b{{flow, std::move(topic), partition}, std::move(runs), std::nullopt};
    if (resume) b.resume = offsets::source_offset{*resume};
    auto ok = primary().commit_batch({&b, 1});
    ASSERT_TRUE(ok) << ok.error().message;
  }

  void checkpoint(const offsets::flow_id& flow, std::string group, std::string topic, int32_t partition,
                  int64_t source, int64_t target, int64_t time_ms) {
    offsets::checkpoint c{std::move(group), std::move(topic), partition, {source}, {target}, time_ms};
    auto ok = primary().put_checkpoint(flow, c);
    ASSERT_TRUE(ok) << ok.error().message;
  }

  // The map most tests use (closed again, as after a daemon stopped):
  //   east->west orders/0: src 10..14 -> dst 100..104, src 20..24 -> dst 110..114; resume 25
  //   east->west orders/1: src 0..2 -> dst 0..2; resume 3
  //   east->west orders/2: no runs; resume 7                (translations are "empty")
  //   west->east orders/0: src 0..1 -> dst 50..51           (peer, no resume position)
  void standard_map() {
    commit(east_west, "orders", 0, {{{10}, {100}, 5}, {{20}, {110}, 5}}, 25);
    commit(east_west, "orders", 1, {{{0}, {0}, 3}}, 3);
    commit(east_west, "orders", 2, {}, 7);
    commit(west_east, "orders", 0, {{{0}, {50}, 2}});
    close();
  }

  temp_dir dir_;
  std::optional<offsets::offset_store> primary_;
};

}  // namespace tandem::tools::testing
