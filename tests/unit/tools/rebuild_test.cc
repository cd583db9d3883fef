// `tandemctl rebuild` without Kafka: partition_rebuilder on hand-written header sequences, and
// the command over a fake partition_reader (tools::environment) into a real offset store.
#include <gtest/gtest.h>

#include <map>

#include "tests/unit/tools/json_check.h"
#include "tests/unit/tools/tools_fixture.h"
#include "tools/rebuild_partition.h"

namespace tandem::tools::testing {
namespace {

using runs = std::vector<offsets::run>;

// The header tandem writes for flow S->T: s = S/topic/p/src, d = T/dst_topic/p.
std::string hdr(std::string_view s, std::string_view t, std::string_view topic, int p, int64_t src,
                std::string_view dst_topic = {}) {
  return "v1;o=" + std::string(s) + ";s=" + std::string(s) + "/" + std::string(topic) + "/" + std::to_string(p) +
         "/" + std::to_string(src) + ";d=" + std::string(t) + "/" +
         std::string(dst_topic.empty() ? topic : dst_topic) + "/" + std::to_string(p);
}

// ---- partition_rebuilder --------------------------------------------------------------------

TEST(partition_rebuilder, keeps_only_headers_naming_this_flow_and_partition) {
  partition_rebuilder b({east_west, "orders", 3}, "orders");
  b.add(40, hdr("east", "west", "orders", 3, 10));
  b.add(41, hdr("east", "west", "orders", 3, 11));
  b.add(42, hdr("east", "west", "payments", 3, 12));           // d and s name another topic
  b.add(43, "v1;o=east;s=east/orders/3/12;d=west/other/3");     // d names another topic
  b.add(44, "v1;o=east;s=east/orders/3/12;d=west/orders/4");    // d names another partition
  b.add(45, "v1;o=east;s=east/orders/3/12;d=central/orders/3"); // d names another region
  b.add(46, hdr("central", "west", "orders", 3, 12));           // another flow (mesh)
  b.add(47, "v1;o=east;s=east/orders/2/12;d=west/orders/3");    // s names another partition
  b.add(48, "v1;o=east;s=eas");                                 // malformed
  b.add(49, "garbage");                                         // malformed
  b.add(50, std::nullopt);                                      // a local record
  b.add(51, hdr("east", "west", "orders", 3, 12));
  b.add(52, hdr("east", "west", "orders", 3, 13));
  const auto& c = b.counts();
  EXPECT_EQ(c.records, 13);
  EXPECT_EQ(c.ours, 4);
  EXPECT_EQ(c.other, 6);
  EXPECT_EQ(c.malformed, 2);
  EXPECT_EQ(c.replays, 0);
  EXPECT_EQ(b.take(), (runs{{{10}, {40}, 2}, {{12}, {51}, 2}}));
  EXPECT_TRUE(b.take().empty());
}

TEST(partition_rebuilder, gaps_on_either_side_start_new_runs) {
  partition_rebuilder b({east_west, "orders", 0}, "orders");
  b.add(100, hdr("east", "west", "orders", 0, 10));
  b.add(101, hdr("east", "west", "orders", 0, 11));
  b.add(102, hdr("east", "west", "orders", 0, 13));  // source gap (12 compacted or aborted)
  b.add(104, hdr("east", "west", "orders", 0, 14));  // target gap (103: a marker or local record)
  b.add(105, hdr("east", "west", "orders", 0, 15));
  EXPECT_EQ(b.take(), (runs{{{10}, {100}, 2}, {{13}, {102}, 1}, {{14}, {104}, 2}}));
}

TEST(partition_rebuilder, a_replay_starts_a_new_builder_and_keeps_both_copies) {
  partition_rebuilder b({east_west, "orders", 0}, "orders");
  for (int64_t i = 0; i < 5; ++i) b.add(100 + i, hdr("east", "west", "orders", 0, 10 + i));
  // The flow restarted from source offset 12: 12..16 written again after 10..14.
  for (int64_t i = 0; i < 5; ++i) b.add(105 + i, hdr("east", "west", "orders", 0, 12 + i));
  EXPECT_EQ(b.counts().replays, 1);
  EXPECT_EQ(b.counts().ours, 10);
  EXPECT_EQ(b.take(), (runs{{{10}, {100}, 5}, {{12}, {105}, 5}}));
}

TEST(partition_rebuilder, take_in_chunks_keeps_order_checks) {
  partition_rebuilder b({east_west, "orders", 0}, "orders");
  b.add(0, hdr("east", "west", "orders", 0, 5));
  b.add(1, hdr("east", "west", "orders", 0, 6));
  EXPECT_EQ(b.take(), (runs{{{5}, {0}, 2}}));
  b.add(2, hdr("east", "west", "orders", 0, 7));
  b.add(3, hdr("east", "west", "orders", 0, 3));  // back below the previous chunk: a replay
  EXPECT_EQ(b.counts().replays, 1);
  EXPECT_EQ(b.take(), (runs{{{7}, {2}, 1}, {{3}, {3}, 1}}));
}

// ---- the command over a fake cluster --------------------------------------------------------

struct fake_record {
  int64_t offset;
  std::optional<std::string> header;
};

// One cluster: topics -> partitions -> records (log start = first record's offset or `low`).
struct fake_cluster {
  bool reachable = true;
  std::map<std::string, std::vector<std::vector<fake_record>>> topics;
  int reads = 0;
};

class fake_reader final : public engine::partition_reader {
 public:
  explicit fake_reader(fake_cluster& c) : c_(c) {}

  engine::kafka_result<std::vector<engine::topic_info>> list_topics(std::chrono::milliseconds) override {
    if (!c_.reachable)
      return std::unexpected(engine::make_kafka_error(engine::kafka_errc::transport, "connection refused"));
    std::vector<engine::topic_info> out;
    for (const auto& [name, parts] : c_.topics) out.push_back({name, static_cast<int32_t>(parts.size())});
    return out;
  }
  engine::kafka_result<engine::watermarks> query_watermarks(const std::string& topic, int32_t p,
                                                            std::chrono::milliseconds) override {
    const auto& recs = c_.topics.at(topic).at(p);
    engine::watermarks out;
    out.low = recs.empty() ? 0 : recs.front().offset;
    out.high = recs.empty() ? 0 : recs.back().offset + 1;
    return out;
  }
  engine::kafka_result<engine::range_read> read(
      const std::string& topic, int32_t p, int64_t from, int64_t to,
      const std::function<void(std::span<const engine::header_record>)>& visit,
      std::chrono::milliseconds) override {
    ++c_.reads;
    std::vector<engine::header_record> batch;
    engine::range_read out{from, true};
    for (const auto& r : c_.topics.at(topic).at(p)) {
      if (r.offset < from || r.offset >= to) continue;
      batch.push_back({r.offset, r.header ? std::optional<std::string_view>(*r.header) : std::nullopt});
      out.next_offset = r.offset + 1;
      if (batch.size() == 3) {  // several batches per partition
        visit(batch);
        batch.clear();
      }
    }
    if (!batch.empty()) visit(batch);
    return out;
  }

 private:
  fake_cluster& c_;
};

offsets::open_options read_only() {
  offsets::open_options o;
  o.mode = offsets::open_options::access::read_only;
  return o;
}

class rebuild_test : public tools_test {
 protected:
  rebuild_test() {
    env_.partition_reader = [this](const engine::cluster_config& c)
        -> std::expected<std::unique_ptr<engine::partition_reader>, std::string> {
      return std::make_unique<fake_reader>(clusters_[c.alias]);
    };
  }

  result rebuild(std::vector<std::string_view> extra) {
    std::vector<std::string_view> args{"rebuild", "--config", config_, "--state-dir", out_dir_};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args, env_);
  }

  // The runs of the rebuilt store (opened read-only after the command closed it).
  runs runs_of(const offsets::flow_id& f, const std::string& topic, int32_t p) {
    auto s = offsets::offset_store::open(out_dir_, read_only()).value();
    return s.runs({f, topic, p}).value();
  }

  // west holds `topic` partition 0: copies of east's 0..3 interleaved with local records, a
  // malformed header and a copy of central's record.
  void identity_cluster_west(const std::string& topic = "orders") {
    clusters_["west"].topics[topic] = {{
        {0, std::nullopt},
        {1, hdr("east", "west", "orders", 0, 0, topic)},
        {2, hdr("east", "west", "orders", 0, 1, topic)},
        {3, std::nullopt},
        {4, hdr("east", "west", "orders", 0, 2, topic)},
        {5, "v1;broken"},
        {6, hdr("central", "west", "orders", 0, 9, topic)},
        {7, hdr("east", "west", "orders", 0, 3, topic)},
    }};
  }

  environment env_;
  std::map<std::string, fake_cluster> clusters_;
  std::string config_ = write_config("identity");
  std::string out_dir_ = (dir_.path() / "rebuilt").string();
};

TEST_F(rebuild_test, identity_rebuilds_both_directions_and_skips_an_unreachable_region) {
  identity_cluster_west();
  clusters_["west"].topics["billing"] = {{{0, hdr("east", "west", "billing", 0, 0)}}};  // not selected
  clusters_["east"].topics["orders"] = {{
      {0, std::nullopt},
      {1, hdr("west", "east", "orders", 0, 1)},
      {2, hdr("west", "east", "orders", 0, 2)},
  }};
  clusters_["central"].reachable = false;
  auto r = rebuild({"--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: flow west->central skipped"), std::string::npos) << r.err;
  EXPECT_EQ(runs_of(east_west, "orders", 0), (runs{{{0}, {1}, 2}, {{2}, {4}, 1}, {{3}, {7}, 1}}));
  EXPECT_EQ(runs_of(west_east, "orders", 0), (runs{{{1}, {1}, 2}}));
  EXPECT_EQ(runs_of({"central", "west"}, "orders", 0), (runs{{{9}, {6}, 1}})) << "central's copy: its own flow";
  EXPECT_TRUE(runs_of(east_west, "billing", 0).empty()) << "billing is not selected by topics = [orders.*]";

  auto j = parse_json(r.out);
  ASSERT_TRUE(j) << r.out;
  std::map<std::string, const json*> flows;  // by "S->T"
  for (const auto& f : (*j)["flows"].items) flows[f["flow"].str] = &f;
  ASSERT_EQ(flows.size(), 4u) << r.out;  // east->west, west->east, central->west, west->central
  const json& own = *flows["east->west"];
  EXPECT_EQ(own["role"].str, "own");
  EXPECT_EQ(own["read_from"].str, "west");
  EXPECT_TRUE(own["skipped"].is_null());
  const auto& t = own["topics"][0];
  EXPECT_EQ(t["topic"].str, "orders");
  EXPECT_EQ(t["records"].num, 8);
  EXPECT_EQ(t["with_header"].num, 4);
  EXPECT_EQ(t["other_headers"].num, 1);
  EXPECT_EQ(t["malformed"].num, 1);
  EXPECT_EQ(t["runs"].num, 3);
  EXPECT_EQ((*flows["west->east"])["role"].str, "peer");
  EXPECT_EQ((*flows["west->east"])["read_from"].str, "east");
  EXPECT_EQ((*flows["central->west"])["topics"][0]["with_header"].num, 1);
  EXPECT_NE((*flows["west->central"])["skipped"].str.find("cannot reach the cluster of central"), std::string::npos)
      << r.out;
  EXPECT_TRUE((*flows["west->central"])["topics"].items.empty());
  EXPECT_EQ((*j)["totals"]["with_header"].num, 4 + 2 + 1);
}

TEST_F(rebuild_test, from_limits_the_regions_and_tables_summarize) {
  identity_cluster_west();
  auto r = rebuild({"--from", "east"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(clusters_["central"].reads, 0);
  EXPECT_NE(r.out.find("FLOW"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("east->west  own   orders"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("central"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("east->west orders: 1 partitions, 8 records read, 4 with our header, 3 runs"),
            std::string::npos) << r.err;
}

TEST_F(rebuild_test, prefix_reads_the_prefixed_topics_and_names_runs_by_the_source_topic) {
  config_ = write_config("prefix");
  clusters_["west"].topics["east.orders"] = {
      {{0, hdr("east", "west", "orders", 0, 5, "east.orders")}, {1, hdr("east", "west", "orders", 0, 6, "east.orders")}},
      {{0, hdr("east", "west", "orders", 1, 0, "east.orders")}}};
  clusters_["west"].topics["orders"] = {{{0, std::nullopt}}};  // west's own topic: not a target of east
  clusters_["east"].topics["west.orders"] = {{{0, hdr("west", "east", "orders", 0, 0, "west.orders")}}};
  auto r = rebuild({"--from", "east", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(runs_of(east_west, "orders", 0), (runs{{{5}, {0}, 2}}));
  EXPECT_EQ(runs_of(east_west, "orders", 1), (runs{{{0}, {0}, 1}}));
  EXPECT_EQ(runs_of(west_east, "orders", 0), (runs{{{0}, {0}, 1}}));
  auto j = parse_json(r.out);
  ASSERT_TRUE(j) << r.out;
  EXPECT_EQ((*j)["flows"][0]["topics"].items.size(), 1u) << r.out;
  EXPECT_EQ((*j)["flows"][0]["topics"][0]["target_topic"].str, "east.orders");
  EXPECT_EQ((*j)["flows"][0]["topics"][0]["partitions"].num, 2);
}

TEST_F(rebuild_test, replayed_copies_are_all_in_the_map_and_a_second_rebuild_adds_nothing) {
  auto& p = clusters_["west"].topics["orders"];
  p.resize(1);
  for (int64_t i = 0; i < 6; ++i) p[0].push_back({i, hdr("east", "west", "orders", 0, i)});
  for (int64_t i = 3; i < 8; ++i) p[0].push_back({i + 3, hdr("east", "west", "orders", 0, i)});  // replay of 3..5
  auto r = rebuild({"--from", "east", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  // Canonical form: the first copy split where the replay starts.
  const runs want{{{0}, {0}, 3}, {{3}, {3}, 3}, {{3}, {6}, 3}, {{6}, {9}, 2}};
  EXPECT_EQ(runs_of(east_west, "orders", 0), want);
  EXPECT_EQ(parse_json(r.out).value()["flows"][0]["topics"][0]["replays"].num, 1);
  auto again = rebuild({"--from", "east"});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(runs_of(east_west, "orders", 0), want) << "a union: nothing doubled";
}

TEST_F(rebuild_test, a_store_in_use_is_refused_with_what_to_do) {
  identity_cluster_west();
  out_dir_ = state_dir().string();
  primary();  // the daemon holds the store
  auto r = rebuild({});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("stop the tandem daemon of region west first, or rebuild into another directory "
                       "with --state-dir"), std::string::npos) << r.err;
  EXPECT_EQ(clusters_["west"].reads, 0);
}

TEST_F(rebuild_test, the_config_state_dir_is_the_default_and_is_created) {
  identity_cluster_west();
  auto r = run({"rebuild", "--config", config_, "--from", "east"}, env_);
  ASSERT_EQ(r.code, 0) << r.err;
  auto s = offsets::offset_store::open(state_dir(), read_only()).value();
  EXPECT_EQ(s.runs({east_west, "orders", 0}).value().size(), 3u);
}

TEST_F(rebuild_test, nothing_reachable_is_a_failure) {
  for (auto r : {"west", "east", "central"}) clusters_[r].reachable = false;
  auto r = rebuild({});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("nothing was rebuilt"), std::string::npos) << r.err;
}

TEST_F(rebuild_test, usage_errors_exit_2) {
  auto unknown = rebuild({"--from", "eats"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("did you mean \"east\""), std::string::npos) << unknown.err;
  EXPECT_EQ(rebuild({"--from", "west"}).code, 2);
  EXPECT_EQ(rebuild({"--from", "east,"}).code, 2);
  auto missing = run({"rebuild"}, env_);
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("missing --config FILE"), std::string::npos);
  auto help = run({"rebuild", "--help"}, env_);
  EXPECT_EQ(help.code, 0);
  EXPECT_TRUE(help.out.starts_with("Usage: tandemctl rebuild --config FILE")) << help.out;
  EXPECT_NE(help.out.find("Exit codes:"), std::string::npos);
}

}  // namespace
}  // namespace tandem::tools::testing
