// Helpers of the failover integration tests: a plain librdkafka consumer in a group, the rows of
// `tandemctl groups translate|failover --json`, and a group's offsets as Kafka's own
// ConsumerGroupCommand shows them.
#pragma once

#include <librdkafka/rdkafka.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/engine_scenario.h"

namespace tandem::testing {

extern const std::string k_tandemctl;    // the built tandemctl
extern const std::string k_local_kafka;  // tests/kafka/local-kafka

struct rk_deleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using rk_ptr = std::unique_ptr<rd_kafka_t, rk_deleter>;

// A consumer of group `group` (no auto commit); nullptr and an ADD_FAILURE on error.
rk_ptr group_consumer(const std::string& bootstrap, const std::string& group);

// Reads partition `p` of `topic` from `from` until `n` records arrived; appends their values.
// Returns the offset after the last one read (the offset to commit), or -1 on a timeout.
int64_t read_partition(rd_kafka_t* rk, const std::string& topic, int32_t p, int64_t from, int64_t n,
                       std::vector<std::string>& values,
                       std::chrono::seconds deadline = std::chrono::seconds(30));

// The committed offsets of the consumer's group for `topic` (partitions 0..n-1); -1: none.
std::vector<int64_t> committed(rd_kafka_t* rk, const std::string& topic, int n);

// One partition of `tandemctl groups translate|failover --json`.
struct partition_row {
  int64_t from_offset = -1;
  std::string to_topic;
  int64_t to_offset = -1;  // -1: null (an error)
  std::string kind;        // exact, rounded, below_coverage, empty; "" when null
  int64_t reread = -1;     // -1: null
  bool has_identity = false;  // identity naming: the two frontiers
  int64_t a_term = -1, b_term = -1;
  std::string a_kind, b_kind;
  int64_t c_term = -1;     // mesh: the lowest third-region frontier; -1: absent
  std::string c_kind;
};

// partition -> row, from the `--json` output of `groups translate` / `groups failover`.
std::map<int, partition_row> parse_partitions(const std::string& output, const std::string& topic);

// partition -> CURRENT-OFFSET of `group` on `topic`, from Kafka's ConsumerGroupCommand --describe
// ("-" counts as -1). Empty when the command failed (the output goes to `raw`).
std::map<int, int64_t> kafka_cli_offsets(const std::string& bootstrap, const std::string& group,
                                         const std::string& topic, std::string& raw);

// Appends the [replication] keys tandem_options has no field for: checkpoints every second,
// group sync off unless asked, only groups matching `group_regex` (the generated config ends in
// [replication]).
void append_replication_keys(const tandem_process& p, const std::string& group_regex,
                             bool sync_group_offsets = false);

// Commits `offsets[p]` for partitions 0..n-1 of `topic` (synchronously, without metadata, as a
// consumer does). Returns the error, RD_KAFKA_RESP_ERR_NO_ERROR on success.
rd_kafka_resp_err_t commit_offsets(rd_kafka_t* rk, const std::string& topic,
                                   const std::vector<int64_t>& offsets);

// Freezes the broker of fixture cluster `name` (SIGSTOP on the PID local-kafka recorded in
// $TANDEM_KAFKA_DIR/<name>/pid) and resumes it (SIGCONT) on resume() and on every path out of
// the test: the clusters are shared with the tests that run later.
class broker_freeze {
 public:
  explicit broker_freeze(const std::string& name);
  ~broker_freeze() { resume(); }
  broker_freeze(const broker_freeze&) = delete;
  broker_freeze& operator=(const broker_freeze&) = delete;

  // Returns an error text, empty once the broker is stopped (state T in /proc).
  std::string freeze();
  void resume();

 private:
  char state() const;
  pid_t pid_ = -1;
  bool frozen_ = false;
};

}  // namespace tandem::testing
