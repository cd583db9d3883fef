// Every example under configs/ loads and validates (docs/design.md: "Every file in configs/ is
// loaded by a test"), and the files of one example describe the same topology.

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "engine/config/config.h"

namespace tandem::engine {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> example_files() {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(fs::path(TANDEM_SOURCE_DIR) / "configs")) {
    if (e.is_regular_file() && e.path().extension() == ".toml") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(test_config_examples, test_there_are_examples) {
  EXPECT_GE(example_files().size(), 7u);  // identity-2region, prefix-2region, mesh-3region
}

TEST(test_config_examples, test_every_example_loads_validates_and_has_no_warnings) {
  for (const fs::path& file : example_files()) {
    SCOPED_TRACE(file.string());
    const auto cfg = load_config(file);
    ASSERT_TRUE(cfg.has_value()) << cfg.error().render();
    EXPECT_EQ(cfg->region, file.stem().string()) << "an example's file is named after its region";
    EXPECT_GE(cfg->remotes().size(), 1u);
    for (const std::string& w : warnings(*cfg)) ADD_FAILURE() << "warning: " << w;
  }
}

TEST(test_config_examples, test_files_of_one_example_agree_on_the_topology) {
  // directory -> (region -> clusters with bootstrap), plus naming and metrics ports.
  std::map<fs::path, std::vector<config>> by_dir;
  for (const fs::path& file : example_files()) {
    auto cfg = load_config(file);
    ASSERT_TRUE(cfg.has_value()) << cfg.error().render();
    by_dir[file.parent_path()].push_back(*std::move(cfg));
  }
  for (const auto& [dir, cfgs] : by_dir) {
    SCOPED_TRACE(dir.string());
    std::set<std::string> regions;
    std::set<std::string> listens;
    std::set<fs::path> state_dirs;
    for (const config& c : cfgs) {
      regions.insert(c.region);
      listens.insert(c.metrics.listen);
      state_dirs.insert(c.state_dir);
      EXPECT_EQ(c.replication.naming, cfgs.front().replication.naming);
      ASSERT_EQ(c.clusters.size(), cfgs.front().clusters.size());
      for (std::size_t i = 0; i < c.clusters.size(); ++i) {
        EXPECT_EQ(c.clusters[i].alias, cfgs.front().clusters[i].alias);
        EXPECT_EQ(c.clusters[i].bootstrap, cfgs.front().clusters[i].bootstrap);
      }
    }
    EXPECT_EQ(regions.size(), cfgs.size()) << "one file per region";
    EXPECT_EQ(regions.size(), cfgs.front().clusters.size()) << "a file for every cluster";
    EXPECT_EQ(listens.size(), cfgs.size()) << "processes on one host need distinct metrics ports";
    EXPECT_EQ(state_dirs.size(), cfgs.size()) << "processes need distinct state dirs";
  }
}

}  // namespace
}  // namespace tandem::engine
