#include "tests/integration/engine_scenario.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "tests/integration/failover_support.h"
#include "tests/integration/json_output.h"

namespace tandem::testing {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

std::vector<region_endpoint> region_endpoints(size_t n) {
  std::vector<region_endpoint> out;
  auto cs = clusters();
  if (cs.size() < n) ADD_FAILURE() << "need " << n << " clusters, the fixture has " << cs.size();
  for (size_t i = 0; i < std::min(n, cs.size()); ++i) out.push_back({cs[i].name, cs[i].bootstrap});
  return out;
}

std::unique_ptr<tandem_process> start_tandem(const std::string& region,
                                             const std::vector<region_endpoint>& eps,
                                             const std::vector<std::string>& topics,
                                             const std::string& naming,
                                             const std::string& topic_refresh,
                                             std::chrono::milliseconds ready_deadline) {
  tandem_options o;
  o.region = region;
  o.clusters = eps;
  o.topics = topics;
  o.naming = naming;
  o.topic_refresh = topic_refresh;
  auto p = std::make_unique<tandem_process>(o);
  if (auto err = p->start(); !err.empty()) {
    ADD_FAILURE() << "start tandem " << region << ": " << err;
    return p;
  }
  auto t0 = steady::now();
  if (!p->wait_ready(ready_deadline)) {
    auto r = p->get("/readyz");
    ADD_FAILURE() << "tandem " << region << " not ready after " << seconds_text(ready_deadline)
                  << " s: /readyz " << r.status << " " << r.body << r.error
                  << (p->running() ? "" : " (process ended: " + p->last_exit()->describe() + ")");
  } else {
    std::printf("[tandem %s] ready in %s s (pid %d, metrics port %u)\n", region.c_str(),
                seconds_text(steady::now() - t0).c_str(), p->pid(), p->port());
  }
  return p;
}

std::vector<record> numbered_records(const std::string& stem, int from, int to,
                                     int partitions) {
  std::vector<record> out;
  for (int i = from; i < to; ++i) {
    record r;
    r.partition = i % partitions;
    r.value = stem + "-" + std::to_string(i);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<record> read_topic(const std::string& bootstrap, const std::string& topic) {
  offsets_probe probe(bootstrap);
  int64_t n = probe.records(topic);
  if (n < 0) {
    ADD_FAILURE() << "cannot count records of " << topic << " on " << bootstrap;
    return {};
  }
  auto got = consume(bootstrap, topic, static_cast<size_t>(n), 120s);
  EXPECT_EQ(static_cast<int64_t>(got.size()), n) << "could not read every record of " << topic;
  return got;
}

int64_t wait_settled(offsets_probe& probe, const std::string& topic, int64_t at_least,
                     std::chrono::milliseconds deadline, std::chrono::milliseconds quiet) {
  auto until = steady::now() + deadline;
  int64_t last = -2;
  auto since = steady::now();
  for (;;) {
    int64_t n = probe.records(topic);
    auto now = steady::now();
    if (n != last) {
      last = n;
      since = now;
    } else if (n >= at_least && now - since >= quiet) {
      return n;
    }
    if (now >= until) return last;
    std::this_thread::sleep_for(250ms);
  }
}

void expect_clean_stop(std::initializer_list<tandem_process*> processes,
                       std::chrono::milliseconds grace) {
  for (tandem_process* p : processes) {
    auto s = p->terminate(grace);
    EXPECT_TRUE(s.exited && s.code == 0 && !s.needed_kill) << p->region() << ": " << s.describe();
  }
}

std::unique_ptr<tandem_process> start_prefix_copy(const region_endpoint& from,
                                                  const region_endpoint& to,
                                                  const std::vector<region_endpoint>& eps,
                                                  const std::string& topic,
                                                  const std::vector<record>& records) {
  EXPECT_EQ(create_topic(from.bootstrap, topic, 1), "");
  EXPECT_EQ(produce(from.bootstrap, topic, records), "");
  auto proc = start_tandem(to.alias, eps, {topic}, "prefix", "1s");
  offsets_probe probe(to.bootstrap);
  const auto want = static_cast<int64_t>(records.size());
  EXPECT_TRUE(wait_until([&] { return probe.records(from.alias + "." + topic) == want; }, 60s))
      << proc->log_tail();
  return proc;
}

runs_dump wait_for_runs(const tandem_process& proc, const std::string& from,
                        const std::string& topic,
                        const std::function<bool(const std::vector<run_triple>&)>& done,
                        std::chrono::milliseconds deadline) {
  const std::string cfg = proc.config_path().string();
  runs_dump out;
  out.met = wait_until(
      [&] {
        auto r = run_command(k_tandemctl + " offsets dump --config " + cfg + " --from " + from +
                             " --topic " + topic + " --json 2>&1");
        out.output = r.output;
        return done(runs_of(r.output));
      },
      deadline, 500ms);
  return out;
}

std::string seconds_text(steady::duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f",
                std::chrono::duration_cast<std::chrono::milliseconds>(d).count() / 1000.0);
  return buf;
}

std::string request_topic_deletion(const std::string& bootstrap, const std::string& topic) {
  auto del = run_command(k_local_kafka + " run-class org.apache.kafka.tools.TopicCommand "
                         "--bootstrap-server " + bootstrap + " --delete --topic " + topic + " 2>&1");
  return del.exit_code == 0 ? std::string() : del.output;
}

void recreate_topic(const std::string& bootstrap, const std::string& topic, int partitions) {
  ASSERT_EQ(request_topic_deletion(bootstrap, topic), "");
  std::string created;
  ASSERT_TRUE(wait_until(
      [&] { return (created = create_topic(bootstrap, topic, partitions)).empty(); },
      std::chrono::seconds(60), std::chrono::milliseconds(200)))
      << created;
}

std::vector<run_triple> joined(std::vector<run_triple> runs) {
  std::ranges::sort(runs);
  std::vector<run_triple> out;
  for (auto [s, d, n] : runs) {
    if (!out.empty()) {
      auto& [ps, pd, pn] = out.back();
      if (ps + pn == s && pd + pn == d) {
        pn += n;
        continue;
      }
    }
    out.push_back({s, d, n});
  }
  return out;
}

double wait_for_alarm(const tandem_process& proc, const std::string& topic, const std::string& reason,
                      std::chrono::milliseconds deadline) {
  const std::map<std::string, std::string> alarm{{"topic", topic}, {"reason", reason}};
  double n = 0;
  wait_until([&] {
    n = metric_sum(parse_metrics(proc.metrics_text()), "tandem_alarms_total", alarm);
    return n >= 1;
  }, deadline);
  return n;
}

}  // namespace tandem::testing
