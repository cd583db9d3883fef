// Checkpoints and group sync of flow west->east (engine/groups/checkpointer.h) on in-memory clusters
// (fake_kafka.h) and a RocksDB store in a temp directory. No broker, no sleeps: the clock is
// injected and every test runs passes by hand.
//
// The map (prefix naming, "orders" → "west.orders", partition 0):
//
//   west orders         0 .. 59 | 60 .. 99
//   east west.orders    0 .. 59 | 70 .. 109      east 60..69: not copies of west's records
//
// so a group at X <= 60 on west continues at X on east, one at X > 60 at X + 10.
#include "engine/groups/checkpointer.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/groups/checkpoint_metrics.h"
#include "tests/fakes/fake_kafka.h"
#include "offsets/run_builder.h"
#include "offsets/store.h"
#include "policy/naming.h"
#include "policy/topic_filter.h"
#include "tests/fakes/temp_dir.h"

namespace tandem::engine {
namespace {

using testing::fake_cluster;
using testing::fake_group_admin;
using testing::fake_state_producer;

const offsets::flow_id k_flow{"west", "east"};

policy::topic_filter topic_filter_for(policy::naming_kind kind,
                                      std::vector<std::string> exclude = {}) {
  std::vector<std::string> regions{"east", "west"}, all{".*"};
  auto naming = kind == policy::naming_kind::prefix ? policy::naming_policy::prefix(regions).value()
                                                    : policy::naming_policy::identity();
  return policy::topic_filter::create(all, exclude, naming).value();
}

policy::group_filter group_filter_for(std::vector<std::string> include,
                                      std::vector<std::string> exclude = {}) {
  return policy::group_filter::create(include, exclude).value();
}

std::vector<offsets::run> runs(std::vector<std::pair<int64_t, int64_t>> copies) {
  offsets::run_builder b;
  for (auto [s, d] : copies) EXPECT_TRUE(b.add({s}, {d}));
  return b.take();
}

struct harness {
  fake_cluster west{"west"};
  fake_cluster east{"east"};
  tandem::testing::temp_dir dir;
  offsets::offset_store store = offsets::offset_store::open(dir.path()).value();
  metrics m{"test"};
  checkpoint_metrics& fm = m.probe<checkpoint_metrics>("west", "east");
  fake_group_admin west_admin{west};
  fake_group_admin east_admin{east};
  fake_state_producer out{east};
  int64_t now = 1'700'000'000'000;
  std::unique_ptr<checkpointer> c;

  explicit harness(policy::naming_kind naming = policy::naming_kind::prefix,
                   policy::group_filter groups = group_filter_for({".*"}), bool sync = true,
                   std::vector<std::string> exclude = {}) {
    west.create_topic("orders", 1);
    for (int i = 0; i < 100; ++i) west.produce("orders", 0, "k", "v");
    std::string copy = naming == policy::naming_kind::prefix ? "west.orders" : "orders";
    if (naming == policy::naming_kind::prefix) {
      east.create_topic(copy, 1);
      for (int i = 0; i < 110; ++i) east.produce(copy, 0, "k", "v");
      std::vector<std::pair<int64_t, int64_t>> copies;
      for (int64_t s = 0; s < 60; ++s) copies.emplace_back(s, s);
      for (int64_t s = 60; s < 100; ++s) copies.emplace_back(s, s + 10);
      std::vector<offsets::partition_batch> batch{{{k_flow, "orders", 0}, runs(copies), {}}};
      EXPECT_TRUE(store.commit_batch(batch));
    }
    checkpointer_settings s{"west", "east", topic_filter_for(naming, std::move(exclude)),
                            std::move(groups), sync,
                            std::chrono::milliseconds(1000), [this] { return now; }, {}};
    c = std::make_unique<checkpointer>(std::move(s), west_admin, east_admin, out, store, fm);
  }

  std::vector<offsets::checkpoint> stored(const std::string& group = "") {
    return store.get_checkpoints(k_flow, group).value();
  }
  // Records produced to tandem.checkpoints on east, as (key, value).
  std::vector<std::pair<std::string, std::string>> produced() {
    std::vector<std::pair<std::string, std::string>> out;
    if (!east.has_topic("tandem.checkpoints")) return out;
    for (const auto& r : east.records("tandem.checkpoints", 0))
      out.emplace_back(r.key.value_or(""), r.value.value_or(""));
    return out;
  }
  double syncs(std::string_view result) { return fm.group_sync(result).Value(); }
  std::optional<int64_t> east_offset(const std::string& group, const std::string& topic = "west.orders") {
    auto g = east.groups.find(group);
    if (g == east.groups.end()) return std::nullopt;
    auto it = g->second.find({topic, 0});
    if (it == g->second.end()) return std::nullopt;
    return it->second;
  }
};

TEST(checkpointer, stores_and_produces_the_translated_offsets_of_selected_groups) {
  harness h;
  h.west.groups["billing"][{"orders", 0}] = 80;
  auto pass = h.c->run_once();
  EXPECT_TRUE(pass.complete) << pass.problem;
  EXPECT_EQ(pass.checkpoints, 1);

  auto cps = h.stored();
  ASSERT_EQ(cps.size(), 1u);
  EXPECT_EQ(cps[0].group, "billing");
  EXPECT_EQ(cps[0].topic, "orders");
  EXPECT_EQ(cps[0].source.v, 80);
  EXPECT_EQ(cps[0].target.v, 90);  // record 79 sits at 89
  EXPECT_EQ(cps[0].time_ms, h.now);

  ASSERT_TRUE(h.east.has_topic("tandem.checkpoints"));
  EXPECT_EQ(h.east.topics["tandem.checkpoints"].configs["cleanup.policy"], "compact");
  EXPECT_EQ(h.east.partition_count("tandem.checkpoints"), 1);
  auto recs = h.produced();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].first, "west|east|billing|orders|0");
  EXPECT_EQ(recs[0].second,
            "{\"v\":1,\"source\":\"west\",\"target\":\"east\",\"group\":\"billing\","
            "\"topic\":\"orders\",\"partition\":0,\"source_offset\":80,"
            "\"target_topic\":\"west.orders\",\"target_offset\":90,\"kind\":\"exact\","
            "\"time_ms\":1700000000000}");
}

// Issue #10 regression: east's west.orders was recreated (20 records now) and the map still
// describes the old log: the group's 80 would translate to 90, past the end. The checkpoint is
// the log start instead (kind clamped): a failover re-reads, never skips.
TEST(checkpointer, a_translation_past_the_end_of_the_target_is_the_log_start) {
  harness h;
  h.east.delete_topic("west.orders");
  h.east.create_topic("west.orders", 1);
  for (int i = 0; i < 20; ++i) h.east.produce("west.orders", 0, "k", "v");
  h.west.groups["billing"][{"orders", 0}] = 80;
  auto pass = h.c->run_once();
  EXPECT_TRUE(pass.complete) << pass.problem;
  auto cps = h.stored();
  ASSERT_EQ(cps.size(), 1u);
  EXPECT_EQ(cps[0].source.v, 80);
  EXPECT_EQ(cps[0].target.v, 0);
  auto recs = h.produced();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_NE(recs[0].second.find("\"kind\":\"clamped\""), std::string::npos) << recs[0].second;
}

TEST(checkpointer, never_checkpoints_tandem_groups_and_honours_the_group_patterns) {
  // Even a pattern that names tandem's own groups does not select them.
  harness h(policy::naming_kind::prefix, group_filter_for({"app.*", "tandem\\..*"}, {"app-tmp"}));
  for (const char* g : {"app-1", "app-tmp", "other", "tandem.west-to-east", "tandem.west-to-north"})
    h.west.groups[g][{"orders", 0}] = 10;
  EXPECT_TRUE(h.c->run_once().complete);
  auto cps = h.stored();
  ASSERT_EQ(cps.size(), 1u);
  EXPECT_EQ(cps[0].group, "app-1");
}

// Neither replicated by this flow nor a failback to a topic east replicates (failback_* below):
// Kafka internals, a mirror of a mirror, a mirror of east whose upstream east's config excludes.
TEST(checkpointer, skips_topics_the_flow_does_not_replicate) {
  harness h(policy::naming_kind::prefix, group_filter_for({".*"}), true, {"payments"});
  for (const char* t : {"__consumer_offsets", "east.west.orders", "east.payments", "payments"}) {
    h.west.create_topic(t, 1);
    h.west.groups["app"][{t, 0}] = 5;
  }
  h.east.create_topic("payments", 1);  // would be east's side of a failback from east.payments
  h.west.groups["app"][{"orders", 0}] = 5;
  EXPECT_TRUE(h.c->run_once().complete);
  auto cps = h.stored();
  ASSERT_EQ(cps.size(), 1u);
  EXPECT_EQ(cps[0].topic, "orders");
}

TEST(checkpointer, produces_a_checkpoint_again_only_when_it_changed) {
  harness h;
  h.west.groups["app"][{"orders", 0}] = 20;
  EXPECT_EQ(h.c->run_once().produced, 1);
  h.now += 5000;
  EXPECT_EQ(h.c->run_once().produced, 0);
  EXPECT_EQ(h.stored()[0].time_ms, h.now);  // the store is refreshed at every pass
  h.west.groups["app"][{"orders", 0}] = 30;
  EXPECT_EQ(h.c->run_once().produced, 1);
  EXPECT_EQ(h.produced().size(), 2u);
}

// Guards against a monotonic "only emit newer checkpoints" filter: it would keep a rewound
// group's old, too-high position, and a failover would then skip the records the group went
// back to re-process.
TEST(checkpointer, a_group_that_rewinds_at_the_source_is_checkpointed_in_the_next_pass) {
  harness h;
  h.west.groups["app"][{"orders", 0}] = 90;
  h.c->run_once();
  EXPECT_EQ(h.stored()[0].target.v, 100);
  EXPECT_EQ(h.east_offset("app"), 100);  // synced into the absent group

  h.west.groups["app"][{"orders", 0}] = 20;  // reset for reprocessing
  auto pass = h.c->run_once();
  EXPECT_EQ(pass.rewinds, 1);
  EXPECT_EQ(pass.produced, 1);
  EXPECT_EQ(h.stored()[0].source.v, 20);
  EXPECT_EQ(h.stored()[0].target.v, 20);
  EXPECT_NE(h.produced().back().second.find("\"source_offset\":20,"), std::string::npos);
  // Group sync still never moves east's group backwards.
  EXPECT_EQ(h.east_offset("app"), 100);
  EXPECT_EQ(h.syncs("skipped_ahead"), 1);
}

// Issue #10: an offset beyond west's high watermark (100) cannot be a real position (here an
// admin committed past the log end): not checkpointed, counted, and the previous checkpoint
// stays, in the store, in tandem.checkpoints and in east's synced group: re-reads, never skips.
TEST(checkpointer, an_offset_beyond_the_source_high_watermark_is_rejected) {
  harness h;
  h.west.groups["app"][{"orders", 0}] = 50;
  h.c->run_once();
  h.west.groups["app"][{"orders", 0}] = 5000;
  for (int i = 0; i < 2; ++i) {  // counted at every pass (logged once)
    auto pass = h.c->run_once();
    EXPECT_TRUE(pass.complete) << pass.problem;
    EXPECT_EQ(pass.rejected, 1);
    EXPECT_EQ(pass.checkpoints, 0);
    EXPECT_EQ(pass.produced, 0);
    EXPECT_EQ(pass.rewinds, 0);
  }
  EXPECT_EQ(h.fm.checkpoint_rejected("beyond_high_watermark").Value(), 2);
  ASSERT_EQ(h.stored().size(), 1u);
  EXPECT_EQ(h.stored()[0].source.v, 50);
  EXPECT_EQ(h.stored()[0].target.v, 50);
  EXPECT_EQ(h.produced().size(), 1u);
  EXPECT_EQ(h.east_offset("app"), 50);

  // At the high watermark exactly (the group consumed everything): plausible again.
  h.west.groups["app"][{"orders", 0}] = 100;
  auto pass = h.c->run_once();
  EXPECT_EQ(pass.rejected, 0);
  EXPECT_EQ(pass.checkpoints, 1);
  EXPECT_EQ(h.stored()[0].source.v, 100);
  EXPECT_EQ(h.stored()[0].target.v, 110);
  EXPECT_EQ(h.east_offset("app"), 110);
}

// A source partition whose end cannot be read (the topic is gone on west) is not checkpointed:
// the pass is incomplete, the other partitions are checkpointed.
TEST(checkpointer, an_offset_whose_source_end_is_unknown_is_not_checkpointed) {
  harness h;
  h.west.groups["app"][{"gone", 0}] = 3;
  h.west.groups["app"][{"orders", 0}] = 50;
  auto pass = h.c->run_once();
  EXPECT_FALSE(pass.complete);
  EXPECT_NE(pass.problem.find("high watermark of gone/0 on west"), std::string::npos)
      << pass.problem;
  EXPECT_EQ(pass.checkpoints, 1);
  EXPECT_EQ(pass.rejected, 0);
  ASSERT_EQ(h.stored().size(), 1u);
  EXPECT_EQ(h.stored()[0].topic, "orders");
}

TEST(checkpointer, group_sync_creates_an_absent_group_without_a_leader_epoch) {
  harness h;
  h.west.groups["app"][{"orders", 0}] = 50;
  h.west.group_epochs["app"][{"orders", 0}] = 7;  // west's epoch: meaningless on east
  ASSERT_EQ(h.east.state_of("app"), group_state::absent);
  h.c->run_once();
  ASSERT_EQ(h.east_admin.altered.size(), 1u);
  const auto& call = h.east_admin.altered[0];
  EXPECT_EQ(call.group, "app");
  ASSERT_EQ(call.offsets.size(), 1u);
  EXPECT_EQ(call.offsets[0].topic, "west.orders");
  EXPECT_EQ(call.offsets[0].offset, 50);
  EXPECT_EQ(call.offsets[0].leader_epoch, std::nullopt);
  EXPECT_EQ(call.offsets[0].metadata, "tandem-sync;v1;o=west");
  EXPECT_EQ(h.east_offset("app"), 50);
  EXPECT_EQ(h.east.state_of("app"), group_state::empty);
  EXPECT_EQ(h.syncs("synced"), 1);
}

TEST(checkpointer, group_sync_moves_an_empty_group_forward_never_backward) {
  harness h;
  h.west.groups["behind"][{"orders", 0}] = 50;
  h.east.groups["behind"][{"west.orders", 0}] = 10;
  h.west.groups["ahead"][{"orders", 0}] = 50;
  h.east.groups["ahead"][{"west.orders", 0}] = 80;
  h.west.groups["level"][{"orders", 0}] = 50;
  h.east.groups["level"][{"west.orders", 0}] = 50;
  h.c->run_once();
  EXPECT_EQ(h.east_offset("behind"), 50);
  EXPECT_EQ(h.east_offset("ahead"), 80);
  EXPECT_EQ(h.east_offset("level"), 50);
  ASSERT_EQ(h.east_admin.altered.size(), 1u);  // only "behind" was written
  EXPECT_EQ(h.east_admin.altered[0].group, "behind");
  EXPECT_EQ(h.syncs("synced"), 1);
  EXPECT_EQ(h.syncs("skipped_ahead"), 1);
}

TEST(checkpointer, group_sync_leaves_an_active_group_alone) {
  harness h;
  h.west.groups["app"][{"orders", 0}] = 50;
  h.east.groups["app"][{"west.orders", 0}] = 10;
  h.east.group_states["app"] = group_state::stable;
  h.c->run_once();
  h.c->run_once();
  EXPECT_TRUE(h.east_admin.altered.empty());
  EXPECT_EQ(h.east_offset("app"), 10);
  EXPECT_EQ(h.syncs("skipped_active"), 2);
  // Once its members leave, the next pass syncs it.
  h.east.group_states["app"] = group_state::empty;
  h.c->run_once();
  EXPECT_EQ(h.east_offset("app"), 50);
}

// Loop guard: under identity naming east's process syncs east's groups into west. If west's
// process checkpointed that copy back, a user who rewinds (or deletes) the group on east would
// see it moved forward again within one pass, skipping the records it went back to.
TEST(checkpointer, offsets_written_by_group_sync_are_not_checkpointed_back) {
  harness h;
  h.west.groups["app"][{"orders", 0}] = 50;
  h.west.group_metadata["app"][{"orders", 0}] = "tandem-sync;v1;o=east";
  h.east.groups["app"][{"west.orders", 0}] = 0;  // rewound by its owner, consumers stopped
  auto pass = h.c->run_once();
  EXPECT_TRUE(pass.complete);
  EXPECT_EQ(pass.checkpoints, 0);
  EXPECT_TRUE(h.stored().empty());
  EXPECT_EQ(h.east_offset("app"), 0);
  // A consumer that really consumes on west commits its own offset (its metadata replaces ours).
  h.west.groups["app"][{"orders", 0}] = 55;
  h.west.group_metadata["app"][{"orders", 0}] = "";
  EXPECT_EQ(h.c->run_once().checkpoints, 1);
  EXPECT_EQ(h.east_offset("app"), 55);
}

TEST(checkpointer, group_sync_can_be_turned_off) {
  harness h(policy::naming_kind::prefix, group_filter_for({".*"}), /*sync=*/false);
  h.west.groups["app"][{"orders", 0}] = 50;
  EXPECT_TRUE(h.c->run_once().complete);
  EXPECT_EQ(h.stored().size(), 1u);
  EXPECT_EQ(h.east_admin.describes, 0);
  EXPECT_FALSE(h.east_offset("app"));
}

TEST(checkpointer, a_failed_commit_counts_as_failed_and_is_retried) {
  harness h;
  h.west.groups["app"][{"orders", 0}] = 50;
  h.east_admin.fail_alter = 1;
  h.c->run_once();
  EXPECT_EQ(h.syncs("failed"), 1);
  EXPECT_FALSE(h.east_offset("app"));
  h.c->run_once();
  EXPECT_EQ(h.east_offset("app"), 50);
}

TEST(checkpointer, checkpoint_age_grows_while_the_source_cannot_be_read) {
  harness h;
  h.west.groups["app"][{"orders", 0}] = 50;
  h.now += 3000;
  EXPECT_TRUE(h.c->run_once().complete);
  EXPECT_EQ(h.fm.checkpoint_age().Value(), 0);
  h.west.unreachable = true;
  h.now += 12'000;
  auto pass = h.c->run_once();
  EXPECT_FALSE(pass.complete);
  EXPECT_NE(pass.problem.find("listing consumer groups"), std::string::npos) << pass.problem;
  EXPECT_EQ(h.fm.checkpoint_age().Value(), 12);
  h.now += 1000;
  h.c->update_age();
  EXPECT_EQ(h.fm.checkpoint_age().Value(), 13);
  // The stored checkpoint is still there for a failover.
  EXPECT_EQ(h.stored().size(), 1u);
}

TEST(checkpointer, a_failed_flush_produces_everything_again_next_pass) {
  harness h;
  h.west.groups["app"][{"orders", 0}] = 50;
  h.out.flush_error = make_kafka_error(kafka_errc::msg_timed_out, "not delivered (test)");
  EXPECT_FALSE(h.c->run_once().complete);
  EXPECT_EQ(h.c->run_once().produced, 1);
}

TEST(checkpointer, a_partition_whose_copy_does_not_exist_yet_is_retried) {
  harness h;
  h.west.create_topic("payments", 1);
  for (int i = 0; i < 3; ++i) h.west.produce("payments", 0, "k", "v");  // 3 is plausible
  h.west.groups["app"][{"payments", 0}] = 3;  // east has no west.payments yet
  h.west.groups["app"][{"orders", 0}] = 50;
  auto pass = h.c->run_once();
  EXPECT_FALSE(pass.complete);
  EXPECT_EQ(pass.checkpoints, 1);  // orders is checkpointed all the same
  h.east.create_topic("west.payments", 1);
  EXPECT_TRUE(h.c->run_once().complete);
  EXPECT_EQ(h.stored().size(), 2u);
}

// Failback (prefix naming): east's own `orders` copied by the process of west into west's
// `east.orders` (flow east->west, runs learned by east's process from west's tandem.offsets):
//
//   east orders         0 .. 59 | 60 .. 69 | 70 .. 99
//   west east.orders    0 .. 59 |          | 60 .. 89     east 60..69 never copied (compacted)
//
// A group consuming west's `east.orders` at Y continues on east's `orders` at
// src(last copy below Y) + 1.
struct failback_harness : harness {
  const offsets::flow_id back{"east", "west"};
  explicit failback_harness(bool with_runs = true) {
    east.create_topic("orders", 1);
    for (int i = 0; i < 100; ++i) east.produce("orders", 0, "k", "v");
    west.create_topic("east.orders", 1);
    for (int i = 0; i < 90; ++i) west.produce("east.orders", 0, "k", "v");
    if (!with_runs) return;
    std::vector<std::pair<int64_t, int64_t>> copies;
    for (int64_t s = 0; s < 60; ++s) copies.emplace_back(s, s);
    for (int64_t s = 70; s < 100; ++s) copies.emplace_back(s, s - 10);
    std::vector<offsets::partition_batch> batch{{{back, "orders", 0}, runs(copies), {}}};
    EXPECT_TRUE(store.commit_batch(batch));
  }
};

TEST(checkpointer, failback_checkpoints_a_mirror_of_the_local_region_onto_its_upstream) {
  failback_harness h;
  h.west.groups["app"][{"east.orders", 0}] = 80;  // consumed copies 0..79: east 0..59, 70..89
  auto pass = h.c->run_once();
  EXPECT_TRUE(pass.complete) << pass.problem;
  auto cps = h.stored();
  ASSERT_EQ(cps.size(), 1u);
  EXPECT_EQ(cps[0].topic, "east.orders");  // the group's topic on west
  EXPECT_EQ(cps[0].source.v, 80);
  EXPECT_EQ(cps[0].target.v, 90);  // copy 79 is east's record 89
  auto recs = h.produced();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].first, "west|east|app|east.orders|0");
  EXPECT_NE(recs[0].second.find("\"topic\":\"east.orders\",\"partition\":0,\"source_offset\":80,"
                                "\"target_topic\":\"orders\",\"target_offset\":90,"
                                "\"kind\":\"exact\""),
            std::string::npos)
      << recs[0].second;
  // Group sync: east's group on east's `orders`, marked, without an epoch.
  EXPECT_EQ(h.east_offset("app", "orders"), 90);
  EXPECT_FALSE(h.east_offset("app", "east.orders"));
  ASSERT_EQ(h.east_admin.altered.size(), 1u);
  EXPECT_EQ(h.east_admin.altered[0].offsets[0].metadata, "tandem-sync;v1;o=west");
  EXPECT_EQ(h.east_admin.altered[0].offsets[0].leader_epoch, std::nullopt);
  EXPECT_EQ(h.syncs("synced"), 1);
}

// Copies of east 60..69 are not in west's east.orders: a group at 60 on west (copies 0..59
// consumed) has consumed east 0..59 and resumes at 60; it cannot have consumed 60..69.
TEST(checkpointer, failback_across_a_hole_resumes_after_the_last_consumed_copy) {
  failback_harness h;
  h.west.groups["app"][{"east.orders", 0}] = 60;
  EXPECT_TRUE(h.c->run_once().complete);
  EXPECT_EQ(h.stored()[0].target.v, 60);
  EXPECT_EQ(h.east_offset("app", "orders"), 60);
}

TEST(checkpointer, failback_group_sync_never_moves_backwards_nor_touches_an_active_group) {
  failback_harness h;
  h.west.groups["ahead"][{"east.orders", 0}] = 30;
  h.east.groups["ahead"][{"orders", 0}] = 95;  // consumed further on east since
  h.west.groups["busy"][{"east.orders", 0}] = 30;
  h.east.groups["busy"][{"orders", 0}] = 10;
  h.east.group_states["busy"] = group_state::stable;
  EXPECT_TRUE(h.c->run_once().complete);
  EXPECT_EQ(h.stored("ahead")[0].target.v, 30);
  EXPECT_EQ(h.east_offset("ahead", "orders"), 95);
  EXPECT_EQ(h.east_offset("busy", "orders"), 10);
  EXPECT_TRUE(h.east_admin.altered.empty());
  EXPECT_EQ(h.syncs("skipped_ahead"), 1);
  EXPECT_EQ(h.syncs("skipped_active"), 1);
}

// Before east's process has learned the runs of flow east->west, a failback checkpoint is the
// log start of east's orders (re-reads everything still there, skips nothing); once the runs
// are known, the next pass has the exact position.
TEST(checkpointer, failback_without_learned_runs_starts_at_the_log_start_until_they_arrive) {
  failback_harness h(/*with_runs=*/false);
  h.east.remove("orders", 0, {0, 1, 2, 3, 4});  // east's log starts at 5
  h.west.groups["app"][{"east.orders", 0}] = 80;
  EXPECT_TRUE(h.c->run_once().complete);
  EXPECT_EQ(h.stored()[0].target.v, 5);
  EXPECT_NE(h.produced().back().second.find("\"kind\":\"empty\""), std::string::npos);
  EXPECT_EQ(h.east_offset("app", "orders"), 5);
  h.c->run_once();
  EXPECT_EQ(h.stored()[0].target.v, 5);

  std::vector<std::pair<int64_t, int64_t>> copies;
  for (int64_t s = 70; s < 100; ++s) copies.emplace_back(s, s - 10);
  std::vector<offsets::partition_batch> batch{{{h.back, "orders", 0}, runs(copies), {}}};
  ASSERT_TRUE(h.store.commit_batch(batch));
  EXPECT_TRUE(h.c->run_once().complete);
  EXPECT_EQ(h.stored()[0].target.v, 90);
  EXPECT_EQ(h.east_offset("app", "orders"), 90);  // an empty group moves forward
}

// Group sync of east's process wrote west's position into east's orders; west's process syncs
// east's groups into west's east.orders the same way. Such marked offsets on west are not
// checkpointed back (the loop guard holds for mirror topics too).
TEST(checkpointer, failback_ignores_offsets_written_by_group_sync) {
  failback_harness h;
  h.west.groups["app"][{"east.orders", 0}] = 80;
  h.west.group_metadata["app"][{"east.orders", 0}] = "tandem-sync;v1;o=east";
  h.east.groups["app"][{"orders", 0}] = 20;  // rewound on east by its owner
  auto pass = h.c->run_once();
  EXPECT_TRUE(pass.complete);
  EXPECT_EQ(pass.checkpoints, 0);
  EXPECT_EQ(h.east_offset("app", "orders"), 20);
}

// Identity naming: both flows of the pair, the group's copy topic has the same name.
//   west orders:  a0 a1 b0' b2' a4 a5 b3' ...   east orders: b0 a0' b2 b3 a1' a4' b6 a5' ...
TEST(checkpointer, identity_naming_uses_both_flows_of_the_pair) {
  harness h(policy::naming_kind::identity);
  h.east.create_topic("orders", 1);
  for (int i = 0; i < 11; ++i) h.east.produce("orders", 0, "k", "v");
  std::vector<offsets::partition_batch> batch{
      {{k_flow, "orders", 0}, runs({{0, 1}, {1, 4}, {4, 5}, {5, 7}, {7, 9}, {9, 10}}), {}},
      {{{"east", "west"}, "orders", 0}, runs({{0, 2}, {2, 3}, {3, 6}, {6, 8}, {8, 10}}), {}}};
  ASSERT_TRUE(h.store.commit_batch(batch));
  h.west.groups["app"][{"orders", 0}] = 6;
  EXPECT_TRUE(h.c->run_once().complete);
  auto cps = h.stored();
  ASSERT_EQ(cps.size(), 1u);
  EXPECT_EQ(cps[0].target.v, 3);  // min(a = 8, b = 3): from b3, the first unconsumed east record
  EXPECT_EQ(h.east_offset("app", "orders"), 3);
}

}  // namespace
}  // namespace tandem::engine
