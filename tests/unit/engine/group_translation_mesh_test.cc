// Mesh (three or more regions), identity naming: a group moving from a to b over the RocksDB
// store starts at min(a, b, one term per third region) (docs/design.md "Incarnations,
// invalidation, clamps", mesh; engine/groups/group_translation.h).
//
// The picture of tests/unit/offsets/identity_test.cc: c1 reached b before a.
//
//   offset on a:  0    1    2    3    4
//   record:       b0'  c0'  b3'  a3   ...
//   offset on b:  0    1    2    3    4
//   record:       b0   c0'  c1'  b3   a3'
//
// A group at X = 4 on a has consumed b0 c0 b3 a3: a = 5, b = 4, c = 2 (c1' not read on a).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "engine/groups/group_translation.h"
#include "offsets/run_builder.h"
#include "offsets/store.h"
#include "policy/naming.h"
#include "tests/fakes/temp_dir.h"

namespace tandem::engine {
namespace {

using offsets::translation;

std::vector<offsets::run> runs_of(const std::map<int64_t, int64_t>& copies) {
  offsets::run_builder b;
  for (auto [s, d] : copies) EXPECT_TRUE(b.add({s}, {d}));
  return b.take();
}

// The store of the process of b: its own flows {a,b}, {c,b}; {b,a} learned from echoes or a's
// tandem.offsets; {c,a} learned from a's tandem.offsets (engine/state/peer_runs.h). A fourth
// region d (only in the two-third-regions test) has d5 on b at 6 and d6 at 7, d5 on a at 3:
// its term is dst_d→b(d5) + 1 = 7.
struct mesh_store {
  tandem::testing::temp_dir dir;
  offsets::offset_store store = offsets::offset_store::open(dir.path()).value();
  mesh_store() {
    auto batch = [](offsets::flow_id f, const std::map<int64_t, int64_t>& copies) {
      return offsets::partition_batch{{std::move(f), "orders", 0}, runs_of(copies), {}};
    };
    std::vector<offsets::partition_batch> b{
        batch({"a", "b"}, {{3, 4}}),         batch({"b", "a"}, {{0, 0}, {3, 2}}),
        batch({"c", "a"}, {{0, 1}}),         batch({"c", "b"}, {{0, 1}, {1, 2}}),
        batch({"d", "a"}, {{5, 3}}),         batch({"d", "b"}, {{5, 6}, {6, 7}})};
    EXPECT_TRUE(store.commit_batch(b));
  }
};

const std::vector<std::string> k_c{"c"};

TEST(group_translation_mesh, the_store_based_move_starts_at_the_lowest_of_three_frontiers) {
  mesh_store m;
  const auto identity = policy::naming_policy::identity();
  // Two regions only (main's translation): min(a, b) = 4 would skip c1' at 2.
  auto pair = translate_group_move(m.store, identity, "a", "b", "orders", 0, 4, 0).value();
  EXPECT_EQ(pair.offset, 4);
  EXPECT_FALSE(pair.identity->c_term.has_value());

  auto t = translate_group_move(m.store, identity, "a", "b", "orders", 0, 4, 0, 5, k_c).value();
  EXPECT_EQ(t.topic, "orders");
  EXPECT_EQ(t.offset, 2);
  EXPECT_EQ(t.kind, translation::exact);
  ASSERT_TRUE(t.identity.has_value());
  EXPECT_EQ(t.identity->a_term.v, 5);
  EXPECT_EQ(t.identity->b_term.v, 4);
  ASSERT_TRUE(t.identity->c_term.has_value());
  EXPECT_EQ(t.identity->c_term->v, 2);
  EXPECT_EQ(t.identity->c_kind, translation::exact);
  EXPECT_EQ(t.reread, 5 - 2);  // up to the highest frontier
  // Clamped to b's log start as ever.
  EXPECT_EQ(translate_group_move(m.store, identity, "a", "b", "orders", 0, 4, 3, 5, k_c)->offset,
            3);
}

// translate_group_to_source moves a group from T to S: the third region's maps are {C,T} (into
// the cluster the group leaves) and {C,S}, the same answer as the move a→b above.
TEST(group_translation_mesh, failback_reads_the_third_region_into_the_cluster_left) {
  mesh_store m;
  auto t = translate_group_to_source(m.store, policy::naming_policy::identity(), "b", "a",
                                     "orders", 0, {4}, {0}, std::nullopt, k_c)
               .value();
  EXPECT_EQ(t.offset, 2);
  EXPECT_EQ(t.identity->c_term->v, 2);
  auto fwd = translate_group_to_target(m.store, policy::naming_policy::identity(), "a", "b",
                                       "orders", 0, {4}, {0}, std::nullopt, k_c)
                 .value();
  EXPECT_EQ(fwd.offset, 2);
}

// Two third regions: the start is the lowest term (c: 2), the re-read bound reaches the highest
// (d: 7), the c_term reported is the lowest.
TEST(group_translation_mesh, every_third_region_counts_and_the_reread_bound_reaches_the_highest) {
  mesh_store m;
  const std::vector<std::string> cd{"c", "d"};
  auto t = translate_group_move(m.store, policy::naming_policy::identity(), "a", "b", "orders", 0,
                                4, 0, std::nullopt, cd)
               .value();
  EXPECT_EQ(t.offset, 2);
  EXPECT_EQ(t.identity->c_term->v, 2);
  EXPECT_EQ(t.reread, 7 - 2);
  // d alone: its term 7 is above a and b; the start stays min(a, b) = 4.
  const std::vector<std::string> d{"d"};
  auto only_d = translate_group_move(m.store, policy::naming_policy::identity(), "a", "b",
                                     "orders", 0, 4, 0, std::nullopt, d)
                    .value();
  EXPECT_EQ(only_d.offset, 4);
  EXPECT_EQ(only_d.identity->c_term->v, 7);
  EXPECT_EQ(only_d.reread, 7 - 4);
}

// Prefix naming never reads third regions: a's "orders" goes to b's "a.orders" through {a,b}.
TEST(group_translation_mesh, prefix_naming_ignores_the_third_regions) {
  mesh_store m;
  const std::vector<std::string> regions{"a", "b", "c", "d"};
  const auto prefix = policy::naming_policy::prefix(regions, ".").value();
  auto plain = translate_group_move(m.store, prefix, "a", "b", "orders", 0, 4, 0).value();
  auto mesh = translate_group_move(m.store, prefix, "a", "b", "orders", 0, 4, 0, std::nullopt,
                                   k_c)
                  .value();
  EXPECT_EQ(mesh.topic, "a.orders");
  EXPECT_EQ(mesh.offset, plain.offset);
  EXPECT_EQ(mesh.kind, plain.kind);
  EXPECT_FALSE(mesh.identity.has_value());
}

}  // namespace
}  // namespace tandem::engine
