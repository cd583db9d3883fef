// The store's identity (region, cluster ids) and the state directory's permissions.
#include <gtest/gtest.h>

#include <filesystem>

#include "offsets/store.h"
#include "tests/fakes/temp_dir.h"

namespace tandem::offsets {
namespace {

namespace fs = std::filesystem;
using tandem::testing::temp_dir;

TEST(offset_store_identity, a_new_store_has_none_and_keeps_what_is_recorded) {
  temp_dir dir;
  const store_identity id{"east", {{"east", "Ab3-cluster"}, {"west", "Xy9_cluster"}}};
  {
    auto s = offset_store::open(dir / "s");
    ASSERT_TRUE(s) << s.error().message;
    auto none = s->identity();
    ASSERT_TRUE(none) << none.error().message;
    EXPECT_FALSE(none->has_value());
    ASSERT_TRUE(s->put_identity(id));
  }
  auto s = offset_store::open(dir / "s");
  ASSERT_TRUE(s) << s.error().message;
  auto got = s->identity();
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, id);
  // Replaced, not merged.
  ASSERT_TRUE(s->put_identity({"east", {}}));
  EXPECT_EQ(s->identity()->value(), (store_identity{"east", {}}));
}

TEST(offset_store_identity, a_secondary_reads_it_and_cannot_write_it) {
  temp_dir dir;
  auto primary = offset_store::open(dir / "s");
  ASSERT_TRUE(primary);
  ASSERT_TRUE(primary->put_identity({"east", {{"east", "c1"}}}));
  auto secondary = offset_store::open(
      dir / "s", {open_options::access::secondary, false, dir / "secondary"});
  ASSERT_TRUE(secondary) << secondary.error().message;
  EXPECT_EQ(secondary->identity()->value().cluster_ids.at("east"), "c1");
  auto write = secondary->put_identity({"west", {}});
  ASSERT_FALSE(write);
  EXPECT_EQ(write.error().code, errc::read_only);
}

TEST(offset_store_identity, an_empty_name_is_refused) {
  temp_dir dir;
  auto s = offset_store::open(dir / "s");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->put_identity({"", {}}).error().code, errc::invalid_argument);
  EXPECT_EQ(s->put_identity({"east", {{"east", ""}}}).error().code, errc::invalid_argument);
  EXPECT_FALSE(s->identity()->has_value());
}

TEST(offset_store_identity, a_created_state_directory_is_owner_only) {
  temp_dir dir;
  const fs::path state = dir / "state" / "east";
  ASSERT_TRUE(offset_store::open(state));
  EXPECT_EQ(fs::status(state).permissions() & fs::perms::all, fs::perms::owner_all);
}

}  // namespace
}  // namespace tandem::offsets
