// The state directory's identity: what `tandem run` refuses (exit 2) and what it adopts.
#include "engine/state/state_identity.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <vector>

#include "tests/fakes/temp_dir.h"

namespace tandem::engine {
namespace {

namespace fs = std::filesystem;
using tandem::testing::temp_dir;

offsets::offset_store open_store(const fs::path& dir) {
  auto s = offsets::offset_store::open(dir);
  EXPECT_TRUE(s) << s.error().message;
  return std::move(*s);
}

const std::vector<cluster_seen> k_b_and_a = {{"b", "kafka-b:9092", "id-B"},
                                             {"a", "kafka-a:9092", "id-A"}};

TEST(state_identity, a_directory_without_identity_is_adopted_and_recorded) {
  temp_dir dir;
  auto store = open_store(dir / "b");  // as a tandem before identities left it
  auto notes = claim_state_dir(store, "b", k_b_and_a);
  ASSERT_TRUE(notes) << notes.error().message;
  ASSERT_FALSE(notes->empty());
  EXPECT_NE(notes->front().find("adopting it for region b"), std::string::npos) << notes->front();
  EXPECT_EQ(store.identity()->value(),
            (offsets::store_identity{"b", {{"a", "id-A"}, {"b", "id-B"}}}));
  // The second start has nothing new to say.
  auto again = claim_state_dir(store, "b", k_b_and_a);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());
}

TEST(state_identity, another_region_is_a_mismatch_naming_both) {
  temp_dir dir;
  auto store = open_store(dir / "a");
  ASSERT_TRUE(store.put_identity({"a", {{"a", "id-A"}}}));
  auto r = claim_state_dir(store, "b", k_b_and_a);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().mismatch);
  const std::string& m = r.error().message;
  EXPECT_NE(m.find("state_dir " + (dir / "a").string() + " belongs to region a (clusters a=id-A)"),
            std::string::npos) << m;
  EXPECT_NE(m.find("the config says region b"), std::string::npos) << m;
  EXPECT_EQ(store.identity()->value().region, "a");  // untouched
}

TEST(state_identity, another_cluster_id_is_a_mismatch_naming_both) {
  temp_dir dir;
  auto store = open_store(dir / "b");
  ASSERT_TRUE(store.put_identity({"b", {{"a", "id-A"}, {"b", "id-B"}}}));
  const std::vector<cluster_seen> restored_elsewhere = {{"b", "kafka-c:9092", "id-C"}};
  auto r = claim_state_dir(store, "b", restored_elsewhere);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().mismatch);
  EXPECT_NE(r.error().message.find("belongs to region b (clusters a=id-A, b=id-B); the config's "
                                   "cluster b (kafka-c:9092) reports cluster id id-C"),
            std::string::npos)
      << r.error().message;
}

TEST(state_identity, an_unanswered_cluster_is_recorded_when_it_answers) {
  temp_dir dir;
  auto store = open_store(dir / "b");
  const std::vector<cluster_seen> only_b = {{"b", "kafka-b:9092", "id-B"}};
  ASSERT_TRUE(claim_state_dir(store, "b", only_b));  // a did not answer at start
  EXPECT_EQ(store.identity()->value().cluster_ids.count("a"), 0u);
  const std::vector<cluster_seen> a_later = {{"a", "kafka-a:9092", "id-A"}};
  auto notes = claim_state_dir(store, "b", a_later);
  ASSERT_TRUE(notes);
  ASSERT_EQ(notes->size(), 1u);
  EXPECT_NE(notes->front().find("recorded cluster a id id-A"), std::string::npos);
  EXPECT_EQ(store.identity()->value().cluster_ids.at("a"), "id-A");
  const std::vector<cluster_seen> a_replaced = {{"a", "kafka-x:9092", "id-X"}};
  EXPECT_TRUE(claim_state_dir(store, "b", a_replaced).error().mismatch);
}

TEST(state_identity, a_directory_open_to_others_is_restricted_to_the_owner) {
  temp_dir dir;
  const fs::path state = dir / "b";
  fs::create_directory(state);
  fs::permissions(state, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec,
                  fs::perm_options::replace);
  auto warning = restrict_state_dir(state);
  ASSERT_TRUE(warning);
  EXPECT_NE(warning->find("(mode 0755); set it to 0700"), std::string::npos) << *warning;
  EXPECT_EQ(fs::status(state).permissions() & fs::perms::all, fs::perms::owner_all);
  EXPECT_FALSE(restrict_state_dir(state));          // now fine: nothing to say
  EXPECT_FALSE(restrict_state_dir(dir / "absent"));  // the store creates it 0700
}

}  // namespace
}  // namespace tandem::engine
