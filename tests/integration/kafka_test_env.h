// Helpers for integration tests on the real Kafka clusters of the CTest fixture `kafka`
// (tests/kafka/local-kafka, folder in $TANDEM_KAFKA_DIR). Plain librdkafka C API: these are the
// test's own client, independent of the engine's adapter under test.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tandem::testing {

struct cluster {
  std::string name;
  std::string bootstrap;
  int pid = 0;
};

// The clusters listed in $TANDEM_KAFKA_DIR/clusters.txt; fails the test (ADD_FAILURE) and returns
// an empty list when the fixture is missing.
std::vector<cluster> clusters();

// A topic name unique to this process and call, so tests sharing clusters never collide.
std::string unique_topic(const std::string& stem);

// Creates `topic` with `partitions` partitions (replication factor 1) and waits until its
// metadata shows every partition with a leader. Returns an error text, empty on success.
std::string create_topic(const std::string& bootstrap, const std::string& topic, int partitions,
                         const std::vector<std::pair<std::string, std::string>>& configs = {});

// Deletes `topic` (Admin DeleteTopics) and waits until its metadata no longer lists it. Returns an
// error text, empty on success.
std::string delete_topic(const std::string& bootstrap, const std::string& topic);

struct header {
  std::string key;
  std::optional<std::string> value;  // nullopt: a header with a null value
  bool operator==(const header&) const = default;
};

struct record {
  int32_t partition = 0;
  std::optional<std::string> key;    // nullopt: null key
  std::optional<std::string> value;  // nullopt: null value (a tombstone)
  std::vector<header> headers;
  int64_t timestamp_ms = 0;          // create time
  int64_t offset = -1;               // set when consumed
  bool operator==(const record&) const = default;
};

// Produces every record (idempotent, acks=all) and waits for all delivery reports.
// Returns an error text, empty when every record was acknowledged.
std::string produce(const std::string& bootstrap, const std::string& topic,
                    const std::vector<record>& records);

// Reads every partition of `topic` from the beginning until `expected` records arrived or the
// deadline passed (no consumer group). Records come back in partition, offset order.
std::vector<record> consume(const std::string& bootstrap, const std::string& topic,
                            size_t expected, std::chrono::seconds deadline);

// Whether `text` contains `what` (checks of command output).
inline bool contains(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

struct command_result {
  int exit_code = -1;
  std::string output;  // stdout (stderr too when the command line redirects it)
};
command_result run_command(const std::string& command_line);

}  // namespace tandem::testing
