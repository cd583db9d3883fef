#include "engine/daemon/run_command.h"

#include <expected>
#include <optional>
#include <ostream>

#include "engine/cli/parse.h"
#include "engine/config/config.h"
#include "engine/config/names.h"
#include "engine/daemon/daemon.h"
#include "engine/daemon/state_check.h"
#include "engine/obs/log.h"
#include "engine/state/offset_journal.h"
#include "engine/kafka/rdkafka/client.h"
#include "engine/kafka/rdkafka/client_check.h"

namespace tandem::engine::cli {
namespace {

std::string run_usage(std::string_view program) {
  std::string p(program);
  return "usage: " + p + " run --config FILE [--log-level LEVEL]\n"
         "\n"
         "Replicates every remote region's selected topics into this region's cluster until\n"
         "SIGTERM or SIGINT, then drains in-flight records, persists positions and exits 0.\n"
         "Serves /metrics, /healthz and /readyz on [metrics] listen.\n"
         "\n"
         "options:\n"
         "  -c, --config FILE    the region's config (see configs/)\n"
         "  --log-level LEVEL    error | warn | info | debug | trace (overrides [log] level)\n"
         "  -h, --help           this help\n"
         "\n"
         "exit codes: 0 clean shutdown, 1 runtime failure (e.g. metrics address in use, state\n"
         "directory locked), 2 usage or config error (incl. a state directory that is not a\n"
         "tandem store, of another version, corrupted, or of another region or cluster)\n";
}

// How long `tandem run` waits at start for the clusters' ids; a cluster that has not answered
// by then is checked later, while the flows run (engine/daemon/state_check.h).
constexpr std::chrono::seconds k_identity_timeout{5};
constexpr std::chrono::seconds k_identity_interval{10};

// The daemon over the state directory's store, publishing the flows' runs.
int run_with_state(const config& cfg, std::shared_ptr<offsets::offset_store> state,
                   std::vector<std::string> unchecked_clusters) {
  // The flows' runs go to the local cluster's tandem.offsets (engine/state/run_publisher.h).
  publisher_settings ps;
  ps.scope = cfg.region + " " + std::string(k_offsets_topic);
  auto publisher = std::make_shared<run_publisher>(
      ps, [cluster = cfg.local(), id = names::publisher_client_id(cfg.region)] {
        return make_rdkafka_state_producer(cluster, {id, ""});
      });
  auto opener = [&](const std::string& source, const std::string& target)
      -> std::expected<std::unique_ptr<flow_journal>, std::string> {
    return make_offset_journal(state, source, target, publisher);
  };
  daemon_options options;
  options.state = state;  // restore, checkpoints, group sync, peer runs
  options.publisher = publisher;
  if (!unchecked_clusters.empty()) {
    options.identity_check = [&cfg, state, pending = std::move(unchecked_clusters)](
                                 service_context& ctx) {
      return check_state_later(ctx, cfg, *state, pending, k_identity_interval);
    };
  }
  return run_daemon(cfg, opener, options);
}

struct run_args {
  std::string file;
  std::optional<log_level> level;
};

// `--config FILE [--log-level LEVEL]`. Unexpected: the exit code when the command ends here
// (help printed on stdout: 0; a usage error printed on stderr with the usage: 2).
std::expected<run_args, int> parse_run_args(std::string_view program, std::span<const std::string_view> args,
                                            streams io) {
  CLI::App app{"", std::string(program) + " run"};
  prepare(app, run_usage(program));
  CLI::Option* config = value_option(app, "--config,-c", "FILE");
  CLI::Option* level = value_option(app, "--log-level", "LEVEL");
  auto parsed = parse(app, args);
  if (parsed && *parsed == outcome::help) {
    io.out << app.help();
    return std::unexpected(k_exit_ok);
  }
  run_args out;
  if (parsed && config->count() == 0) parsed = std::unexpected("missing --config FILE");
  if (parsed && level->count() > 0) {
    out.level = parse_log_level(level->results().front());
    if (!out.level) parsed = std::unexpected("--log-level takes error|warn|info|debug|trace");
  }
  if (!parsed) {
    io.err << program << " run: " << parsed.error() << "\n\n" << app.help();
    return std::unexpected(k_exit_usage);
  }
  out.file = config->results().front();
  return out;
}

// The config FILE names, checked for what `run` supports. Unexpected: the exit code (2), the
// problems printed on stderr.
std::expected<config, int> run_config(const run_args& a, streams io) {
  auto cfg = load_config(a.file);
  if (!cfg) {
    io.err << cfg.error().render() << '\n';
    return std::unexpected(k_exit_usage);
  }
  if (a.level) cfg->log.level = *a.level;
  // What librdkafka would refuse stops the start here (exit 2), not a flow later.
  std::vector<std::string> errors, notes;
  rdk::check_clients(*cfg, errors, notes);
  for (const auto& n : notes) io.err << "warning: " << a.file << ": " << n << '\n';
  for (const auto& e : errors) io.err << a.file << ": " << e << '\n';
  if (!errors.empty()) return std::unexpected(k_exit_usage);
  if (cfg->replication.delivery == delivery_mode::exactly_once) {
    io.err << a.file << ": replication.delivery = \"exactly-once\" is not supported yet; use "
                        "\"at-least-once\"\n";
    return std::unexpected(k_exit_usage);
  }
  return std::move(*cfg);
}

}  // namespace

int run(std::string_view program, std::span<const std::string_view> args, streams io) {
  catch_stop_signals_early();
  const auto parsed = parse_run_args(program, args, io);
  if (!parsed) return parsed.error();
  const auto cfg = run_config(*parsed, io);
  if (!cfg) return cfg.error();
  if (auto warning = restrict_state_dir(cfg->state_dir)) log::warn("tandem") << *warning;
  auto state = open_state(cfg->state_dir);
  if (!state) {
    // A directory that is not ours, of another version or damaged is a configuration problem
    // (exit 2); anything else (e.g. locked by a running tandem) is a runtime failure.
    io.err << program << " run: state_dir: " << state.error().message << '\n';
    auto code = state.error().code;
    bool config_problem = code == offsets::errc::not_a_store ||
                          code == offsets::errc::version_mismatch ||
                          code == offsets::errc::corruption;
    return config_problem ? k_exit_usage : k_exit_failure;
  }
  // A state directory of another region or cluster describes other logs (exit 2).
  auto unchecked = check_state_at_start(*cfg, **state, k_identity_timeout);
  if (!unchecked) {
    io.err << program << " run: " << unchecked.error().message << '\n';
    return unchecked.error().mismatch ? k_exit_usage : k_exit_failure;
  }
  return run_with_state(*cfg, *state, std::move(*unchecked));
}

}  // namespace tandem::engine::cli
