// The known end of a source partition (engine/groups/checkpoint_plausibility.h): what the map of
// the process of T knows of S's partition, used where S cannot be read (restore, tandemctl).
// A RocksDB store in a temp directory, no broker.
#include "engine/groups/checkpoint_plausibility.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "offsets/store.h"
#include "policy/naming.h"
#include "tests/fakes/temp_dir.h"

namespace tandem::engine {
namespace {

const std::vector<std::string> k_regions{"a", "b", "c"};
const offsets::flow_id k_ab{"a", "b"};  // a's records copied into b: the group moves a -> b
const offsets::flow_id k_ba{"b", "a"};
const offsets::flow_id k_ca{"c", "a"};

policy::naming_policy prefix() { return policy::naming_policy::prefix(k_regions, ".").value(); }
policy::naming_policy identity() { return policy::naming_policy::identity(); }

offsets::run R(int64_t s, int64_t d, int64_t n) { return {{s}, {d}, n}; }

struct harness {
  tandem::testing::temp_dir dir;
  offsets::offset_store store = offsets::offset_store::open(dir.path()).value();

  void commit(const offsets::flow_id& f, const std::string& topic, std::vector<offsets::run> runs,
              std::optional<int64_t> resume = std::nullopt) {
    std::optional<offsets::source_offset> r;
    if (resume) r = offsets::source_offset{*resume};
    std::vector<offsets::partition_batch> b{{{f, topic, 0}, std::move(runs), r}};
    ASSERT_TRUE(store.commit_batch(b));
  }
  int64_t end(const policy::naming_policy& naming, const std::string& topic,
              std::vector<std::string> third = {}) {
    return source_known_end(store, naming, "a", "b", topic, 0, third).value();
  }
};

TEST(source_known_end, nothing_known_is_zero) {
  harness h;
  EXPECT_EQ(h.end(prefix(), "orders"), 0);
  EXPECT_EQ(h.end(identity(), "orders"), 0);
  EXPECT_EQ(h.end(prefix(), "b.orders"), 0);  // failback
}

// Prefix: the end of the source coverage of {a,b}, or the flow's resume position when it read
// further (records it did not copy: filtered, compacted away, markers).
TEST(source_known_end, prefix_is_the_runs_source_end_or_the_resume_position) {
  harness h;
  h.commit(k_ab, "orders", {R(0, 0, 40), R(50, 40, 10)});
  EXPECT_EQ(h.end(prefix(), "orders"), 60);
  h.commit(k_ab, "orders", {}, 75);
  EXPECT_EQ(h.end(prefix(), "orders"), 75);
  // A replay starting below the last run but reaching further (a second copy of 30..89).
  h.commit(k_ab, "orders", {R(30, 100, 60)});
  EXPECT_EQ(h.end(prefix(), "orders"), 90);
  // {b,a} says nothing about a's "orders" under prefix naming (its copies are in "b.orders").
  h.commit(k_ba, "orders", {R(0, 0, 500)});
  EXPECT_EQ(h.end(prefix(), "orders"), 90);
}

// Failback: a group on a's "b.orders" (b's records copied into a): the destination end of the
// runs of {b,a}; {a,b}'s runs are about another partition.
TEST(source_known_end, failback_is_the_destination_end_of_the_reverse_flow) {
  harness h;
  h.commit(k_ab, "orders", {R(0, 0, 500)}, 500);
  h.commit(k_ba, "orders", {R(0, 10, 20), R(25, 30, 5)});
  EXPECT_EQ(h.end(prefix(), "b.orders"), 35);
}

// Identity: a's "orders" also holds copies of b's (and, in a mesh, c's) records: the highest of
// the source end of {a,b}, the destination ends of {b,a} and {c,a}.
TEST(source_known_end, identity_counts_the_copies_into_the_source_partition) {
  harness h;
  h.commit(k_ab, "orders", {R(0, 0, 10)}, 12);
  EXPECT_EQ(h.end(identity(), "orders"), 12);
  h.commit(k_ba, "orders", {R(0, 20, 5)});
  EXPECT_EQ(h.end(identity(), "orders"), 25);
  h.commit(k_ca, "orders", {R(0, 40, 3)});
  EXPECT_EQ(h.end(identity(), "orders"), 25);  // c is not a region of this move
  EXPECT_EQ(h.end(identity(), "orders", {"c"}), 43);
}

}  // namespace
}  // namespace tandem::engine
