// Acceptance, the state directory's identity on real Kafka (docs/design.md "Safety rules"):
//   1. region b's process records region b and the cluster ids of a and b in its state_dir;
//      pointed at another cluster (c) as its local cluster b with the same state_dir, `tandem
//      run` exits 2 naming the directory, the recorded id and the id c reports;
//   2. a state_dir of region a used by region b's config: exit 2, naming both regions.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "offsets/store.h"
#include "tests/integration/engine_scenario.h"

namespace tandem::testing {
namespace {

using namespace std::chrono_literals;

// Starts `p` with its (rewritten) config and waits for it to exit by itself.
exit_status run_to_exit(tandem_process& p, std::chrono::milliseconds deadline) {
  if (auto err = p.start(); !err.empty()) {
    ADD_FAILURE() << err;
    return {};
  }
  if (!wait_until([&] { return !p.running(); }, deadline, 50ms)) {
    ADD_FAILURE() << "tandem " << p.region() << " still runs after the deadline";
    return p.kill();
  }
  return *p.last_exit();
}

// Writes `p`'s config file again: `o` with `state_dir`, on p's metrics port.
void rewrite_config(const tandem_process& p, const tandem_options& o,
                    const std::filesystem::path& state_dir) {
  std::ofstream(p.config_path(), std::ios::trunc) << tandem_config_text(o, state_dir, p.port());
}

// The identity recorded in a stopped process's state_dir.
std::optional<offsets::store_identity> identity_of(const std::filesystem::path& state_dir) {
  auto store = offsets::offset_store::open(
      state_dir, {offsets::open_options::access::read_only, false, {}});
  if (!store) {
    ADD_FAILURE() << store.error().message;
    return std::nullopt;
  }
  auto id = store->identity();
  if (!id) ADD_FAILURE() << id.error().message;
  return id ? *id : std::nullopt;
}

TEST(state_dir_identity, another_cluster_or_region_is_refused_with_exit_2) {
  auto eps = region_endpoints(3);
  ASSERT_EQ(eps.size(), 3u);
  const auto& a = eps[0];
  const auto& b = eps[1];
  const auto& c = eps[2];
  const std::string topic = unique_topic("state-identity");
  const std::vector<region_endpoint> ab = {a, b};

  // 1. b's own state_dir, recorded on a first run.
  auto pb = start_tandem(b.alias, ab, {topic});
  if (HasFailure()) return;
  auto st = pb->terminate(10s);
  ASSERT_TRUE(st.exited && st.code == 0) << st.describe();
  const auto b_state = pb->dir() / "state";
  auto recorded = identity_of(b_state);
  ASSERT_TRUE(recorded);
  EXPECT_EQ(recorded->region, b.alias);
  ASSERT_EQ(recorded->cluster_ids.size(), 2u);
  const std::string b_id = recorded->cluster_ids.at(b.alias);
  std::printf("[figures] state_dir of %s records %s=%s, %s=%s\n", b.alias.c_str(), a.alias.c_str(),
              recorded->cluster_ids.at(a.alias).c_str(), b.alias.c_str(), b_id.c_str());

  //    The same state_dir with cluster b's bootstrap pointing at cluster c.
  tandem_options moved = pb->options();
  moved.clusters = {a, {b.alias, c.bootstrap}};
  rewrite_config(*pb, moved, b_state);
  auto refused = run_to_exit(*pb, 30s);
  EXPECT_TRUE(refused.exited) << refused.describe();
  EXPECT_EQ(refused.code, 2) << refused.describe();
  const std::string log = pb->log();
  EXPECT_NE(log.find("state_dir " + b_state.string() + " belongs to region " + b.alias),
            std::string::npos) << log;
  EXPECT_NE(log.find("the config's cluster " + b.alias + " (" + c.bootstrap + ") reports "),
            std::string::npos) << log;
  EXPECT_EQ(identity_of(b_state)->cluster_ids.at(b.alias), b_id);  // not overwritten
  if (auto at = log.find("tandem run: state_dir"); at != std::string::npos)
    std::printf("[figures] %s\n", log.substr(at, log.find('\n', at) - at).c_str());

  // 2. Region b's config over region a's state_dir.
  auto pa = start_tandem(a.alias, ab, {topic});
  if (HasFailure()) return;
  st = pa->terminate(10s);
  ASSERT_TRUE(st.exited && st.code == 0) << st.describe();
  rewrite_config(*pb, pb->options(), pa->dir() / "state");
  auto wrong_region = run_to_exit(*pb, 30s);
  EXPECT_TRUE(wrong_region.exited) << wrong_region.describe();
  EXPECT_EQ(wrong_region.code, 2) << wrong_region.describe();
  const std::string log2 = pb->log();
  EXPECT_NE(log2.find("state_dir " + (pa->dir() / "state").string() + " belongs to region " +
                      a.alias + " (clusters "),
            std::string::npos) << log2;
  EXPECT_NE(log2.find("the config says region " + b.alias), std::string::npos) << log2;
  EXPECT_EQ(identity_of(pa->dir() / "state")->region, a.alias);
}

}  // namespace
}  // namespace tandem::testing
