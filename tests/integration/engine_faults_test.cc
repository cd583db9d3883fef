// Acceptance, bad surroundings on real Kafka:
//   - a remote cluster unreachable at start-up (its bootstrap a closed 127.0.0.1 port): the
//     process stays up, /readyz answers 503 naming the problem, /healthz 200, the other flow keeps
//     replicating, and SIGTERM still ends it with exit code 0 within 10 s;
//   - a record carrying a malformed tandem-origin header is replicated as a local record and
//     counted in tandem_malformed_origin_headers_total (a well-formed header of another route,
//     copied by an application, is replicated as local too and not counted).
#include <gtest/gtest.h>

#include <cstdio>

#include "tests/integration/engine_scenario.h"

namespace tandem::testing {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

TEST(engine_faults, an_unreachable_remote_at_start_up_keeps_the_process_up_not_ready_and_stoppable) {
  auto eps = region_endpoints(2);
  ASSERT_EQ(eps.size(), 2u);
  const auto& a = eps[0];
  const auto& b = eps[1];
  unsigned short closed = free_local_port();  // nothing listens there
  ASSERT_NE(closed, 0);
  auto clusters = eps;
  clusters.push_back({"z", "127.0.0.1:" + std::to_string(closed)});
  const std::string topic = unique_topic("eng-unreachable");
  for (const auto& e : eps) ASSERT_EQ(create_topic(e.bootstrap, topic, 3), "");

  tandem_options o;
  o.region = a.alias;
  o.clusters = clusters;
  o.topics = {topic + ".*"};
  o.topic_refresh = "1s";
  tandem_process p(o);
  auto t0 = steady::now();
  ASSERT_EQ(p.start(), "");

  // /readyz: 503 naming the unreachable region, once the flow has tried.
  http_response last;
  bool named = wait_until(
      [&] {
        EXPECT_TRUE(p.running()) << "tandem ended: " << p.last_exit()->describe();
        if (!p.running()) return true;
        last = p.get("/readyz");
        return last.status == 503 && last.body.find("z") != std::string::npos &&
               last.body.find("unreachable") != std::string::npos;
      },
      60s, 200ms);
  ASSERT_TRUE(p.running());
  std::printf("[figures] /readyz %d after %.1f s: %s", last.status,
              std::chrono::duration<double>(steady::now() - t0).count(), last.body.c_str());
  EXPECT_TRUE(named) << "last /readyz: " << last.status << " " << last.body << last.error;
  EXPECT_EQ(p.get("/healthz").status, 200);

  // The reachable remote still replicates meanwhile.
  workload w{b.alias, 3, wall_clock_ms()};
  {
    paced_producer prod(b.bootstrap, topic, w, 200);
    ASSERT_EQ(prod.wait(), "");
  }
  offsets_probe probe_a(a.bootstrap);
  EXPECT_TRUE(wait_until([&] { return probe_a.records(topic) >= 200; }, 30s))
      << "b->a replicated " << probe_a.records(topic) << " of 200 while z is unreachable";
  std::printf("[figures] b->a replicated %lld of 200 while z is unreachable\n",
              static_cast<long long>(probe_a.records(topic)));

  // Still up, still not ready, after several failed attempts.
  EXPECT_TRUE(p.running());
  auto r = p.get("/readyz");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(p.get("/metrics").status, 0);

  auto st = p.terminate(10s);
  std::printf("[figures] SIGTERM with an unreachable remote: %s\n", st.describe().c_str());
  EXPECT_TRUE(st.exited) << st.describe();
  EXPECT_EQ(st.code, 0) << st.describe();
  EXPECT_FALSE(st.needed_kill) << st.describe();
  EXPECT_LE(st.elapsed, 10s);

  // The same, stopped while its first metadata request to z is still pending (whatever the
  // flow is waiting for, the 10 s shutdown bound holds).
  tandem_process early(o);
  ASSERT_EQ(early.start(), "");
  // librdkafka logs the refused connection once the flow z->a has its client and asks it.
  const std::string refused = "127.0.0.1:" + std::to_string(closed);
  ASSERT_TRUE(wait_until([&] { return early.log().find(refused) != std::string::npos; }, 30s, 5ms))
      << early.log_tail();
  auto es = early.terminate(10s);
  std::printf("[figures] SIGTERM during the first metadata request to z: %s\n",
              es.describe().c_str());
  EXPECT_TRUE(es.exited) << es.describe();
  EXPECT_EQ(es.code, 0) << es.describe();
  EXPECT_FALSE(es.needed_kill) << es.describe();
}

TEST(engine_faults, a_malformed_origin_header_is_replicated_as_local_and_counted) {
  auto eps = region_endpoints(2);
  ASSERT_EQ(eps.size(), 2u);
  const auto& a = eps[0];
  const auto& b = eps[1];
  const std::string topic = unique_topic("eng-malformed");
  for (const auto& e : eps) ASSERT_EQ(create_topic(e.bootstrap, topic, 3), "");
  auto pa = start_tandem(a.alias, eps, {topic + ".*"});
  auto pb = start_tandem(b.alias, eps, {topic + ".*"});
  if (HasFailure()) return;

  const std::vector<std::string> malformed = {"v1;garbage", "v1;o=a", "v9;o=a;s=a/t/0/1;d=b/t/0",
                                              "", "v1;o=a;s=a/" + topic + "/0/x;d=b/" + topic + "/0"};
  // Well-formed, but of another route: an application copied it; not ours, not malformed.
  const std::string foreign = "v1;o=west;s=west/orders/3/12345;d=east/orders/3";
  std::vector<record> sent;
  const int64_t ts = wall_clock_ms();
  for (size_t i = 0; i < malformed.size(); ++i)
    sent.push_back({static_cast<int32_t>(i % 3), "k" + std::to_string(i),
                    "malformed-" + std::to_string(i), {{"tandem-origin", malformed[i]}},
                    ts + static_cast<int64_t>(i)});
  sent.push_back({1, "kf", "foreign-0", {{"tandem-origin", foreign}}, ts + 100});
  for (int i = 0; i < 10; ++i)
    sent.push_back({i % 3, "kp" + std::to_string(i), "plain-" + std::to_string(i),
                    {{"app", "x"}}, ts + 200 + i});
  ASSERT_EQ(produce(a.bootstrap, topic, sent), "");
  const int64_t n = static_cast<int64_t>(sent.size());

  offsets_probe probe_b(b.bootstrap), probe_a(a.bootstrap);
  int64_t nb = wait_settled(probe_b, topic, n, 60s, 2s);
  EXPECT_EQ(nb, n) << "every record replicated once";

  // On b: each record with its headers kept and tandem's own header appended last.
  auto read_a = read_topic(a.bootstrap, topic);
  auto read_b = read_topic(b.bootstrap, topic);
  std::map<std::string, int64_t> offset_at_a;
  for (const auto& r : read_a) offset_at_a[r.value.value_or("")] = r.offset;
  int matched = 0;
  for (const auto& want : sent) {
    const record* got = nullptr;
    for (const auto& r : read_b)
      if (r.value == want.value) got = &r;
    ASSERT_NE(got, nullptr) << *want.value << " not replicated";
    EXPECT_EQ(got->key, want.key);
    EXPECT_EQ(got->timestamp_ms, want.timestamp_ms);
    EXPECT_EQ(got->partition, want.partition);
    ASSERT_EQ(got->headers.size(), want.headers.size() + 1) << *want.value;
    EXPECT_TRUE(std::equal(want.headers.begin(), want.headers.end(), got->headers.begin()));
    std::string p = std::to_string(want.partition);
    EXPECT_EQ(got->headers.back().key, "tandem-origin");
    EXPECT_EQ(got->headers.back().value, "v1;o=" + a.alias + ";s=" + a.alias + "/" + topic + "/" +
                                             p + "/" +
                                             std::to_string(offset_at_a[*want.value]) + ";d=" +
                                             b.alias + "/" + topic + "/" + p);
    ++matched;
  }
  std::printf("[figures] %d of %lld records on %s with headers kept + tandem-origin\n", matched,
              static_cast<long long>(n), b.alias.c_str());

  // No loop back into a (the copies end with tandem's valid header: echoes).
  EXPECT_EQ(probe_a.records(topic), n);

  auto sb = parse_metrics(pb->metrics_text());
  auto sa = parse_metrics(pa->metrics_text());
  double counted = metric_sum(sb, "tandem_malformed_origin_headers_total",
                              {{"source", a.alias}, {"target", b.alias}, {"topic", topic}});
  double counted_back = metric_sum(sa, "tandem_malformed_origin_headers_total", {{"topic", topic}});
  double replicated = metric_sum(sb, "tandem_records_replicated_total",
                                 {{"source", a.alias}, {"target", b.alias}, {"topic", topic}});
  double echoes = metric_sum(sa, "tandem_loop_drops_total",
                             {{"source", b.alias}, {"target", a.alias}, {"topic", topic},
                              {"reason", "echo"}});
  std::printf("[figures] malformed headers counted %.0f (sent %zu), replicated %.0f, echo drops "
              "back %.0f, malformed counted on the way back %.0f\n",
              counted, malformed.size(), replicated, echoes, counted_back);
  EXPECT_EQ(counted, static_cast<double>(malformed.size()));
  EXPECT_EQ(replicated, static_cast<double>(n));
  EXPECT_EQ(echoes, static_cast<double>(n));
  EXPECT_EQ(counted_back, 0);
  auto log = pb->log();
  size_t warnings = 0;
  for (size_t at = 0; (at = log.find("malformed tandem-origin header", at)) != std::string::npos;
       ++at)
    ++warnings;
  std::printf("[figures] malformed-header warnings logged by %s: %zu\n", b.alias.c_str(),
              warnings);
  EXPECT_EQ(warnings, 1u) << "logged once per topic";
  for (auto* p : {pa.get(), pb.get()}) EXPECT_TRUE(p->running()) << p->region();
  expect_clean_stop({pa.get(), pb.get()});
}

}  // namespace
}  // namespace tandem::testing
