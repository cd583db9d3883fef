// Smoke test of the real-Kafka harness: every field tandem must preserve (partition, key, value,
// null key/value, headers incl. null-valued and repeated ones, explicit timestamps) survives a
// produce/consume round trip on a real broker, and an outside client (kcat) sees the same.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "tests/integration/kafka_test_env.h"

namespace tandem::testing {
namespace {

std::vector<record> sample_records() {
  std::vector<record> rs;
  const int64_t base_ts = 1700000000000;  // explicit, far from "now": proves it is kept
  for (int i = 0; i < 30; ++i) {
    record r;
    r.partition = i % 3;
    r.timestamp_ms = base_ts + i * 1000;
    if (i % 5 != 0) r.key = "key-" + std::to_string(i);
    if (i % 7 != 0) r.value = "value-" + std::to_string(i) + std::string("\0bin", 4);
    r.headers.push_back({"trace", "t" + std::to_string(i)});
    if (i % 3 == 0) r.headers.push_back({"null-header", std::nullopt});
    if (i % 4 == 0) r.headers.push_back({"trace", "second"});  // repeated key, order kept
    if (i == 11)
      r.headers.push_back({"tandem-origin", "v1;o=west;s=west/orders/3/12345;d=east/orders/3"});
    rs.push_back(r);
  }
  return rs;
}

// Expected records of one partition, in produce order.
std::vector<record> of_partition(const std::vector<record>& rs, int32_t p) {
  std::vector<record> out;
  for (const auto& r : rs)
    if (r.partition == p) out.push_back(r);
  return out;
}

TEST(harness, every_cluster_answers_kcat_metadata) {
  auto cs = clusters();
  ASSERT_GE(cs.size(), 2u);
  for (const auto& c : cs) {
    auto r = run_command("kcat -L -b " + c.bootstrap + " -m 5 2>&1");
    EXPECT_EQ(r.exit_code, 0) << c.name << ": " << r.output;
    EXPECT_NE(r.output.find("1 brokers"), std::string::npos) << r.output;
  }
}

// A fresh 3-partition topic on the first cluster holding sample_records().
class harness_topic : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cs = clusters();
    ASSERT_FALSE(cs.empty());
    bootstrap = cs[0].bootstrap;
    topic = unique_topic("smoke");
    ASSERT_EQ(create_topic(bootstrap, topic, 3), "");
    ASSERT_EQ(produce(bootstrap, topic, sent), "");
  }
  std::string bootstrap, topic;
  std::vector<record> sent = sample_records();
};

TEST_F(harness_topic, records_round_trip_with_every_field_kept) {
  auto got = consume(bootstrap, topic, sent.size(), std::chrono::seconds(30));
  ASSERT_EQ(got.size(), sent.size());
  for (int32_t p = 0; p < 3; ++p) {
    auto want = of_partition(sent, p);
    auto have = of_partition(got, p);
    ASSERT_EQ(have.size(), want.size()) << "partition " << p;
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(have[i].offset, static_cast<int64_t>(i)) << "partition " << p;
      have[i].offset = -1;
      EXPECT_EQ(have[i], want[i]) << "partition " << p << " record " << i;
    }
  }
}

TEST_F(harness_topic, kcat_sees_the_same_headers_keys_and_timestamps) {
  // One line per record: partition|offset|key|timestamp|headers (kcat prints name=value pairs).
  auto r = run_command("kcat -C -b " + bootstrap + " -t " + topic +
                       " -e -q -f '%p|%o|%k|%T|%h\\n' 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::set<std::string> lines;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) lines.insert(line);
  EXPECT_EQ(lines.size(), sent.size()) << r.output;

  std::vector<int64_t> next_offset(3, 0);
  for (const auto& rec : sent) {
    std::string hdrs;
    for (const auto& h : rec.headers)
      hdrs += (hdrs.empty() ? "" : ",") + h.key + "=" + (h.value ? *h.value : "NULL");
    std::string want = std::to_string(rec.partition) + "|" +
                       std::to_string(next_offset[rec.partition]++) + "|" +
                       rec.key.value_or("") + "|" + std::to_string(rec.timestamp_ms) + "|" +
                       hdrs;
    EXPECT_TRUE(lines.count(want)) << "kcat did not show: " << want << "\nkcat printed:\n"
                                   << r.output;
  }
}

}  // namespace
}  // namespace tandem::testing
