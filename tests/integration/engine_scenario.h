// Building blocks shared by the engine acceptance tests (tests/integration/engine_*_test.cc).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <tuple>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/engine_workload.h"
#include "tests/integration/kafka_test_env.h"
#include "tests/integration/tandem_process.h"

namespace tandem::testing {

// The first `n` fixture clusters as region endpoints, region alias = cluster name (a, b, c).
// Fails the test (ADD_FAILURE) and returns fewer when the fixture has fewer.
std::vector<region_endpoint> region_endpoints(size_t n);

// Starts the process of region `region` (options filled from the arguments) and waits until
// /readyz answers 200 (up to `ready_deadline`). Failures are ADD_FAILUREs; the process is
// returned anyway so its log is printed at the end of a failed test.
std::unique_ptr<tandem_process> start_tandem(
    const std::string& region, const std::vector<region_endpoint>& eps,
    const std::vector<std::string>& topics, const std::string& naming = "identity",
    const std::string& topic_refresh = "5s",
    std::chrono::milliseconds ready_deadline = std::chrono::seconds(60));

// Records with values "<stem>-<i>" for i in [from, to), on partition i % partitions (no key).
std::vector<record> numbered_records(const std::string& stem, int from, int to,
                                     int partitions = 1);

// Every record of `topic` (count from the high watermarks, then read from the beginning).
std::vector<record> read_topic(const std::string& bootstrap, const std::string& topic);

// Waits until `topic` holds at least `at_least` records and the count stayed the same for
// `quiet`. Returns the count then, or the last count seen when `deadline` passed.
int64_t wait_settled(offsets_probe& probe, const std::string& topic, int64_t at_least,
                     std::chrono::milliseconds deadline,
                     std::chrono::milliseconds quiet = std::chrono::seconds(3));

// SIGTERMs each process (waiting up to `grace`) and expects a clean exit: code 0, no SIGKILL.
void expect_clean_stop(std::initializer_list<tandem_process*> processes,
                       std::chrono::milliseconds grace = std::chrono::seconds(10));

// The process of region `to` copying topic `topic` of region `from` (created with 1 partition
// and `records`; prefix naming, topic refresh 1 s), returned once the copy
// "<from>.<topic>" on `to` holds them all. Failures are ADD_FAILUREs (with the process log).
std::unique_ptr<tandem_process> start_prefix_copy(const region_endpoint& from,
                                                  const region_endpoint& to,
                                                  const std::vector<region_endpoint>& eps,
                                                  const std::string& topic,
                                                  const std::vector<record>& records);

// The offset map of one topic in a process's state, as `tandemctl offsets dump --json` shows it.
struct runs_dump {
  bool met = false;    // `done` held before the deadline
  std::string output;  // the last dump
};
using run_triple = std::tuple<int64_t, int64_t, int64_t>;  // (src_start, dst_start, length)
// Dumps the runs of `topic` of the flow from region `from` until `done` holds or `deadline`.
runs_dump wait_for_runs(const tandem_process& proc, const std::string& from,
                        const std::string& topic,
                        const std::function<bool(const std::vector<run_triple>&)>& done,
                        std::chrono::milliseconds deadline = std::chrono::seconds(30));

// Asks Kafka's TopicCommand to delete `topic` and returns at once (the deletion completes in the
// background; a tandem with a short topic refresh may create it again at any moment, which
// kafka_test_env's delete_topic, waiting until it is gone, could miss). Returns "" on success,
// else the command's output.
std::string request_topic_deletion(const std::string& bootstrap, const std::string& topic);

// Deletes `topic` and creates it again with `partitions` once the name is free (a new
// incarnation, starting at offset 0). Failures are fatal ones (ASSERT_NO_FATAL_FAILURE).
void recreate_topic(const std::string& bootstrap, const std::string& topic, int partitions = 1);

// Waits (up to `deadline`) until tandem_alarms_total{topic,reason} of `proc` is at least 1;
// returns the last value read (0 when it never rose).
double wait_for_alarm(const tandem_process& proc, const std::string& topic, const std::string& reason,
                      std::chrono::milliseconds deadline = std::chrono::seconds(60));

// `runs` in order, runs that continue each other on both sides joined (a store may keep a copy
// as one run or as several: the same coverage either way).
std::vector<run_triple> joined(std::vector<run_triple> runs);

// Seconds with one decimal, for printed figures.
std::string seconds_text(std::chrono::steady_clock::duration d);

}  // namespace tandem::testing
