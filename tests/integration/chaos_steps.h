// The group steps of the randomized fault test (chaos_test.cc) on a chaos_world: a group
// consumes in its region, and a group moves to another region with its oracle.
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "tests/integration/chaos_model.h"
#include "tests/integration/chaos_world.h"

namespace tandem::testing {

struct consume_figures {
  int64_t read = 0, rereads = 0;
};

// `g` reads a random number (0..max_per_partition) of records of every partition in its region,
// from its committed offsets, commits where it stopped, and adds the ids to g.consumed.
consume_figures consume_some(chaos_world& w, chaos_group& g, std::mt19937_64& rng,
                             int64_t max_per_partition = 30);

enum class move_kind { failover, disaster };
const char* to_string(move_kind k);

struct move_result {
  bool done = false;  // the move happened and was judged (else an ADD_FAILURE says why)
  move_verdict verdict;
  std::string detail;  // start offsets and tandemctl's rows, for the printed line
};

// Moves `g` to region `to`:
//   1. waits until replication caught up: every alive id of the stream is in `to`'s topic
//      (ids that never arrive: a failure, then recorded as lost, chaos_model::lost);
//   2. waits until `to`'s tandem checkpointed g at its committed offsets in g.region;
//   3. disaster: SIGKILLs the tandem of g.region and freezes its broker (SIGSTOP) until 5.;
//   4. `tandemctl groups failover --config <to> --group g --from <g.region>`;
//   5. reads `to`'s topic from g's committed offsets there to the end: judge() (chaos_model.h).
// g.region becomes `to` (its consumed ids stay).
move_result move_group(chaos_world& w, chaos_model& m, chaos_group& g,
                       const std::string& to, move_kind kind);

}  // namespace tandem::testing
