// Opening an offset store: the three access modes, and one clear error per kind of bad
// directory, naming the path.
#include <rocksdb/db.h>

#include <gtest/gtest.h>

#include <fstream>

#include "offsets/keys.h"
#include "offsets/store.h"
#include "tests/fakes/temp_dir.h"

namespace tandem::offsets {
namespace {

namespace fs = std::filesystem;
using tandem::testing::temp_dir;

const partition_ref p{{"west", "east"}, "orders", 0};

std::expected<void, error> commit(offset_store& s, std::vector<run> runs) {
  partition_batch b{p, std::move(runs), {}};
  return s.commit_batch({&b, 1});
}

open_options read_only() { return {open_options::access::read_only, false, {}}; }

// Opens `dir` expecting failure; checks the code and that the message names the path.
error open_error(const fs::path& dir, errc code, const open_options& o = {}) {
  auto s = offset_store::open(dir, o);
  EXPECT_FALSE(s);
  if (s) return {};
  EXPECT_EQ(s.error().code, code) << s.error().message;
  EXPECT_NE(s.error().message.find(dir.string()), std::string::npos) << s.error().message;
  return s.error();
}

void write_file(const fs::path& f, const std::string& content) {
  std::ofstream(f, std::ios::trunc | std::ios::binary) << content;
}

// Writes keys straight into a RocksDB at `dir`, bypassing offset_store.
void raw_put(const fs::path& dir, const std::string& key, const std::string& value) {
  rocksdb::Options o;
  o.create_if_missing = true;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(o, dir.string(), &db).ok());
  ASSERT_TRUE(db->Put(rocksdb::WriteOptions{}, key, value).ok());
  delete db;
}

TEST(offset_store_open, creates_a_missing_directory_and_reopens_it) {
  temp_dir dir;
  const fs::path nested = dir / "state" / "east";
  ASSERT_TRUE(offset_store::open(nested));
  EXPECT_TRUE(fs::exists(nested / "CURRENT"));
  EXPECT_TRUE(offset_store::open(nested));
}

TEST(offset_store_open, a_missing_store_is_an_error_unless_creating) {
  temp_dir dir;
  open_error(dir / "none", errc::not_a_store, read_only());
  open_error(dir / "none", errc::not_a_store, {open_options::access::read_write, false, {}});
  open_error(dir / "none", errc::not_a_store, {open_options::access::secondary, false, dir / "s"});
}

TEST(offset_store_open, read_only_sees_what_the_primary_wrote_and_cannot_write) {
  temp_dir dir;
  {
    auto primary = offset_store::open(dir.path()).value();
    ASSERT_TRUE(commit(primary, {{{0}, {10}, 5}}));
  }
  auto reader = offset_store::open(dir.path(), read_only()).value();
  EXPECT_EQ(reader.runs(p).value(), (std::vector<run>{{{0}, {10}, 5}}));
  EXPECT_EQ(commit(reader, {{{5}, {15}, 1}}).error().code, errc::read_only);
  EXPECT_EQ(reader.trim_below(p, {3}).error().code, errc::read_only);
  EXPECT_EQ(reader.put_checkpoint(p.flow, {"g", "orders", 0, {}, {}, 0}).error().code,
            errc::read_only);
}

TEST(offset_store_open, a_secondary_follows_the_running_primary_after_catch_up) {
  temp_dir dir;
  auto primary = offset_store::open(dir / "db").value();
  ASSERT_TRUE(commit(primary, {{{0}, {10}, 5}}));
  open_options o{open_options::access::secondary, false, dir / "secondary"};
  auto secondary = offset_store::open(dir / "db", o).value();
  EXPECT_EQ(secondary.runs(p).value(), (std::vector<run>{{{0}, {10}, 5}}));

  ASSERT_TRUE(commit(primary, {{{5}, {20}, 5}}));
  ASSERT_TRUE(secondary.catch_up());
  EXPECT_EQ(secondary.runs(p).value(), (std::vector<run>{{{0}, {10}, 5}, {{5}, {20}, 5}}));
  EXPECT_EQ(secondary.translate_to_target(p, {7})->offset.v, 22);
  EXPECT_EQ(commit(secondary, {{{10}, {30}, 1}}).error().code, errc::read_only);
}

TEST(offset_store_open, a_secondary_needs_a_directory_of_its_own) {
  temp_dir dir;
  ASSERT_TRUE(offset_store::open(dir.path()));
  auto s = offset_store::open(dir.path(), {open_options::access::secondary, false, {}});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, errc::invalid_argument);
}

TEST(offset_store_open, a_second_writer_is_told_the_store_is_in_use) {
  temp_dir dir;
  auto primary = offset_store::open(dir.path()).value();
  auto e = open_error(dir.path(), errc::io_error);
  EXPECT_NE(e.message.find("secondary"), std::string::npos) << e.message;
}

TEST(offset_store_open, a_store_of_another_format_version_is_refused) {
  temp_dir dir;
  ASSERT_TRUE(offset_store::open(dir.path()));
  raw_put(dir.path(), keys::format_key(), keys::format_value(99));
  auto e = open_error(dir.path(), errc::version_mismatch);
  EXPECT_NE(e.message.find("format 99"), std::string::npos) << e.message;
  open_error(dir.path(), errc::version_mismatch, read_only());
}

TEST(offset_store_open, a_rocksdb_database_of_something_else_is_not_a_store) {
  temp_dir dir;
  raw_put(dir.path(), "user:42", "{\"name\":\"x\"}");
  auto e = open_error(dir.path(), errc::not_a_store);
  EXPECT_NE(e.message.find("format key"), std::string::npos) << e.message;
  open_error(dir.path(), errc::not_a_store, read_only());
}

TEST(offset_store_open, an_unreadable_format_key_is_corruption) {
  temp_dir dir;
  raw_put(dir.path(), keys::format_key(), "tandem-offsets format=one");
  open_error(dir.path(), errc::corruption);
}

// A RocksDB database left empty (a first open that stopped before writing the format key) is
// taken over.
TEST(offset_store_open, an_empty_rocksdb_database_becomes_a_store) {
  temp_dir dir;
  raw_put(dir.path(), "k", "v");
  {
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options{}, dir.path().string(), &db).ok());
    ASSERT_TRUE(db->Delete(rocksdb::WriteOptions{}, "k").ok());
    delete db;
  }
  ASSERT_TRUE(offset_store::open(dir.path()));
  EXPECT_TRUE(offset_store::open(dir.path(), read_only()));
}

TEST(offset_store_open, a_directory_of_other_files_is_not_a_store) {
  temp_dir dir;
  write_file(dir / "notes.txt", "hello");
  auto e = open_error(dir.path(), errc::not_a_store);
  EXPECT_NE(e.message.find("not empty"), std::string::npos) << e.message;
  EXPECT_TRUE(fs::exists(dir / "notes.txt"));
  EXPECT_FALSE(fs::exists(dir / "CURRENT"));  // nothing created beside the user's files
}

TEST(offset_store_open, garbage_in_current_is_reported_with_the_path) {
  temp_dir dir;
  ASSERT_TRUE(offset_store::open(dir.path()));
  write_file(dir / "CURRENT", "\x01\x02garbage");
  auto s = offset_store::open(dir.path());
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find(dir.path().string()), std::string::npos) << s.error().message;
  EXPECT_TRUE(s.error().code == errc::corruption || s.error().code == errc::io_error)
      << s.error().message;
}

TEST(offset_store_open, a_garbled_manifest_is_reported_as_corruption) {
  temp_dir dir;
  {
    auto store = offset_store::open(dir.path()).value();
    ASSERT_TRUE(commit(store, {{{0}, {0}, 5}}));
  }
  int garbled = 0;
  for (const auto& f : fs::directory_iterator(dir.path())) {
    if (f.path().filename().string().starts_with("MANIFEST-")) {
      write_file(f.path(), std::string(4096, '\x5a'));
      ++garbled;
    }
  }
  ASSERT_GT(garbled, 0);
  auto e = open_error(dir.path(), errc::corruption);
  EXPECT_NE(e.message.find("damaged"), std::string::npos) << e.message;
}

}  // namespace
}  // namespace tandem::offsets
