// `tandemctl groups list` over a real offset store and a fake cluster (fake_group_admin.h).
// Region west's config (prefix naming); checkpoints of two groups from east.
#include <gtest/gtest.h>

#include "tests/fakes/fake_group_admin.h"
#include "json_check.h"
#include "tools_fixture.h"

namespace tandem::tools::testing {
namespace {

constexpr int64_t k_old = 1'700'000'000'000;
constexpr int64_t k_new = k_old + 50'000;
constexpr int64_t k_now = k_old + 65'000;

class test_groups_list : public tools_test {
 protected:
  void SetUp() override {
    cluster_ = std::make_shared<fake_cluster_state>();
    env_ = fake_environment(cluster_, k_now);
  }
  std::string setup() {
    checkpoint(east_west, "billing", "orders", 0, 13, 103, k_old);
    checkpoint(east_west, "billing", "orders", 1, 2, 2, k_new);
    checkpoint(east_west, "billing", "payments", 0, 7, 7, k_new);
    checkpoint(east_west, "shipping", "orders", 0, 11, 101, k_new);
    close();
    return write_config("prefix");
  }
  result list(std::vector<std::string_view> args) {
    args.insert(args.begin(), {"groups", "list"});
    return run(args, env_);
  }
  std::shared_ptr<fake_cluster_state> cluster_;
  environment env_;
};

TEST_F(test_groups_list, test_table_shows_topics_partitions_ages_and_local_state) {
  const std::string config = setup();
  cluster_->states["billing"] = engine::group_state::stable;
  const auto r = list({"--config", config});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "FROM  GROUP     TOPICS           PARTITIONS  NEWEST  OLDEST  STATE ON west\n"
            "east  billing   orders,payments           3     15s    1m5s  stable\n"
            "east  shipping  orders                    1     15s     15s  absent\n");
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_TRUE(cluster_->altered.empty());
}

TEST_F(test_groups_list, test_json_and_an_unreachable_local_cluster) {
  const std::string config = setup();
  cluster_->fail_all = engine::make_kafka_error(engine::kafka_errc::transport, "Broker transport failure");
  const auto r = list({"--config", config, "--json", "--from", "east"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: group states on west unknown: _TRANSPORT"), std::string::npos) << r.err;
  const auto j = parse_json(r.out);
  ASSERT_TRUE(j) << r.out;
  const json& g = (*j)["groups"];
  ASSERT_EQ(g.items.size(), 2u);
  EXPECT_EQ(g[0]["group"].str, "billing");
  EXPECT_EQ(g[0]["from"].str, "east");
  EXPECT_EQ(g[0]["partitions"].num, 3);
  EXPECT_EQ(g[0]["topics"].items.size(), 2u);
  EXPECT_EQ(g[0]["newest_checkpoint_ms"].num, k_new);
  EXPECT_EQ(g[0]["oldest_checkpoint_ms"].num, k_old);
  EXPECT_EQ(g[0]["local_state"].str, "unknown");
  EXPECT_FALSE((*j)["local_cluster_error"].is_null());
}

TEST_F(test_groups_list, test_unknown_region_is_a_usage_error) {
  checkpoint(east_west, "billing", "orders", 0, 1, 1, k_new);
  close();
  const std::string config = write_config("prefix");
  const auto bad = list({"--config", config, "--from", "eats"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("east"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace tandem::tools::testing
