#include "engine/daemon/run_command.h"

#include <ostream>

#include "engine/config/config.h"
#include "engine/config/names.h"
#include "engine/daemon/daemon.h"
#include "engine/state/offset_journal.h"
#include "engine/kafka/rdkafka/client.h"

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
         "tandem store, of another version, or corrupted)\n";
}

// The daemon over the state directory's store, publishing the flows' runs.
int run_with_state(const config& cfg, std::shared_ptr<offsets::offset_store> state) {
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
  return run_daemon(cfg, opener, options);
}

}  // namespace

int run(std::string_view program, std::span<const std::string_view> args, streams io) {
  catch_stop_signals_early();
  std::string file;
  std::optional<log_level> level;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    auto value = [&]() -> std::optional<std::string_view> {
      if (i + 1 < args.size()) return args[++i];
      return std::nullopt;
    };
    if (a == "-h" || a == "--help") {
      io.out << run_usage(program);
      return k_exit_ok;
    } else if (a == "-c" || a == "--config") {
      auto v = value();
      if (!v) return io.err << program << " run: " << a << " needs a FILE\n", k_exit_usage;
      file = *v;
    } else if (a == "--log-level") {
      auto v = value();
      level = v ? parse_log_level(*v) : std::nullopt;
      if (!level)
        return io.err << program << " run: --log-level takes error|warn|info|debug|trace\n",
               k_exit_usage;
    } else {
      io.err << program << " run: unexpected argument \"" << a << "\"\n\n" << run_usage(program);
      return k_exit_usage;
    }
  }
  if (file.empty()) {
    io.err << program << " run: missing --config FILE\n\n" << run_usage(program);
    return k_exit_usage;
  }
  auto cfg = load_config(file);
  if (!cfg) {
    io.err << cfg.error().render() << '\n';
    return k_exit_usage;
  }
  if (level) cfg->log.level = *level;
  if (cfg->replication.delivery == delivery_mode::exactly_once) {
    io.err << file << ": replication.delivery = \"exactly-once\" is not supported yet; use "
                      "\"at-least-once\"\n";
    return k_exit_usage;
  }
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
  return run_with_state(*cfg, *state);
}

}  // namespace tandem::engine::cli
