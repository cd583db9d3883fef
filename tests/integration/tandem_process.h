// A `tandem run` daemon as a child process of an integration test, on the real Kafka clusters of
// the CTest fixture `kafka`.
//
//   tandem_options ──tandem_process(...)──> <tmp>/tandem-it-<region>-XXXXXX/
//                                              tandem.toml   the config written from the options
//                                              state/        state_dir
//                                              tandem.log    stdout + stderr of every run (appended)
//   start()      posix_spawn `tandem run --config tandem.toml` (under `setpriv --pdeathsig KILL`
//                when available, so a crashed or timed-out test binary leaves no daemon behind)
//   terminate()  SIGTERM, waits up to a grace period for the exit, SIGKILL after it; measures
//   kill()       SIGKILL ("disaster")
//   get()        a tiny HTTP/1.1 client for /metrics, /healthz, /readyz on the metrics port
//   ~            SIGKILL if still running; prints the log tail and keeps the folder when the
//                current test failed, removes the folder otherwise
//
// The metrics port is picked once (bind 127.0.0.1:0, read it back, close) and kept across
// restarts, as are the config and the state directory.
//
// Threading: call start/terminate/kill from the test's main thread (the parent-death signal is
// tied to the spawning thread); get() and the metric helpers from any thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tandem::testing {

struct region_endpoint {
  std::string alias;      // region name in the config ("a")
  std::string bootstrap;  // "127.0.0.1:PORT"
};

struct tandem_options {
  std::string region;                     // the local region; must be one of `clusters`
  std::vector<region_endpoint> clusters;  // every cluster, the local one included
  std::string naming = "identity";        // "identity" | "prefix"
  std::vector<std::string> topics;        // regexes; select ONLY the test's own topics
  std::string topic_refresh = "5s";
  std::string log_level = "info";
};

// The TOML text of a config for `o` (state_dir and metrics port given).
std::string tandem_config_text(const tandem_options& o, const std::filesystem::path& state_dir,
                               unsigned short metrics_port);

struct http_response {
  int status = 0;       // 0: no answer (see error)
  std::string body;
  std::string error;    // connection problem, empty when an answer came
};

// GET http://127.0.0.1:port/path with `Connection: close`; reads until the server closes.
http_response http_get(unsigned short port, const std::string& path,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5));

// A free TCP port on 127.0.0.1 (bound to port 0, read back, closed again).
unsigned short free_local_port();

struct exit_status {
  bool exited = false;     // exited by itself (exit code valid)
  int code = -1;           // exit code when `exited`
  int signal = 0;          // terminating signal otherwise
  bool needed_kill = false;  // terminate(): the grace period ran out, SIGKILL was sent
  std::chrono::milliseconds elapsed{0};  // signal sent -> process reaped
  std::string describe() const;
};

class tandem_process {
 public:
  explicit tandem_process(tandem_options options);
  ~tandem_process();
  tandem_process(const tandem_process&) = delete;
  tandem_process& operator=(const tandem_process&) = delete;

  // Spawns the daemon. Returns an error text, empty on success. Not while running.
  std::string start();
  // Whether the child still runs; reaps it (keeping its status, see last_exit) when it ended.
  bool running();
  // SIGTERM, then waits up to `grace` for the exit; SIGKILL when it runs out.
  exit_status terminate(std::chrono::milliseconds grace = std::chrono::seconds(10));
  // SIGKILL and reap.
  exit_status kill();
  // How the last run ended, when it did.
  const std::optional<exit_status>& last_exit() const { return last_exit_; }

  http_response get(const std::string& path) const { return http_get(port_, path); }
  // The /metrics text; empty when the scrape failed.
  std::string metrics_text() const;
  // Polls /readyz until it answers 200 or `deadline` passes.
  bool wait_ready(std::chrono::milliseconds deadline);

  // The last `bytes` bytes of the log (every run's stdout and stderr).
  std::string log_tail(size_t bytes = 6000) const;
  std::string log() const { return log_tail(std::string::npos); }

  const tandem_options& options() const { return options_; }
  const std::string& region() const { return options_.region; }
  const std::filesystem::path& dir() const { return dir_; }
  const std::filesystem::path& config_path() const { return config_path_; }
  unsigned short port() const { return port_; }
  pid_t pid() const { return pid_; }

 private:
  exit_status wait_exit(std::chrono::steady_clock::time_point since,
                        std::chrono::milliseconds limit);

  tandem_options options_;
  std::filesystem::path dir_;
  std::filesystem::path config_path_;
  std::filesystem::path log_path_;
  unsigned short port_ = 0;
  pid_t pid_ = -1;
  std::optional<exit_status> last_exit_;
};

// ---- Prometheus text ---------------------------------------------------------------------------

struct metric_sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// The samples of a text exposition (comments and blank lines skipped).
std::vector<metric_sample> parse_metrics(const std::string& text);

// Sum of the samples named `name` whose labels include every pair of `match`; 0 when none.
double metric_sum(const std::vector<metric_sample>& samples, const std::string& name,
                  const std::map<std::string, std::string>& match = {});
// How many samples match (to tell "0" from "absent").
size_t metric_count(const std::vector<metric_sample>& samples, const std::string& name,
                    const std::map<std::string, std::string>& match = {});

// The path of the tandem binary of this build.
std::filesystem::path tandem_binary();

}  // namespace tandem::testing
