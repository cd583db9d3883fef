// The world of the randomized fault test (chaos_test.cc): N regions of the fixture, one topic T
// per region (2 partitions) and one tandem process per region, all replicating T (identity or
// prefix naming; checkpoints every second, group sync off: groups move with tandemctl), and the
// faults the schedule draws:
//
//   kill_restart    SIGKILL a region's tandem, start it again
//   wipe_restore    SIGKILL, delete its state directory, start again (restores from Kafka)
//   recreate        delete a topic of a region and create it again (while that region's tandem
//                   runs, or while it is stopped)
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/engine_scenario.h"
#include "tests/integration/tandem_process.h"

namespace tandem::testing {

// The fault kinds of the schedule: "kill", "wipe", "recreate_target", "recreate_source".
const std::vector<std::string>& chaos_fault_kinds();
// TANDEM_CHAOS_FAULTS (comma separated kinds, "all" or "none"), else `defaults`. An unknown kind
// fails the test.
std::set<std::string> chaos_faults_from_env(const std::set<std::string>& defaults);

class chaos_world {
 public:
  chaos_world(size_t regions, std::string naming);
  ~chaos_world();
  chaos_world(const chaos_world&) = delete;
  chaos_world& operator=(const chaos_world&) = delete;

  // Creates T in every region and starts every process; failures are ADD_FAILUREs.
  void start();

  static constexpr int k_partitions = 2;
  bool identity() const { return naming_ == "identity"; }
  const std::vector<region_endpoint>& endpoints() const { return eps_; }
  std::vector<std::string> regions() const;
  const region_endpoint& endpoint(const std::string& region) const;
  tandem_process& process(const std::string& region);
  const std::string& topic() const { return topic_; }
  const std::string& group_prefix() const { return group_prefix_; }
  // The topic of the stream of `home` in `region` (identity: T; prefix: T on home, home.T else).
  std::string topic_of(const std::string& region, const std::string& home) const;

  // Produces the ids (as values, keys "k<id>") into T of `region`, partition `partition`.
  std::string produce(const std::string& region, int partition, const std::vector<std::string>& ids);

  std::string kill_restart(const std::string& region);
  std::string wipe_restore(const std::string& region);
  // Deletes `topic` of `region` and creates it again (2 partitions; a tandem may create a target
  // itself in between). `while_stopped`: the region's tandem is stopped (SIGTERM) around it.
  std::string recreate(const std::string& region, const std::string& topic, bool while_stopped);
  // Commits offset 0 of every partition of `topic` in `region` for `group` (a group whose topic
  // was recreated starts again at the beginning: the operator's reset).
  std::string reset_group(const std::string& region, const std::string& group,
                          const std::string& topic);

 private:
  std::string start_process(tandem_process& p);

  std::string naming_;
  std::vector<region_endpoint> eps_;
  std::string topic_, group_prefix_;
  std::vector<std::unique_ptr<tandem_process>> procs_;
};

}  // namespace tandem::testing
