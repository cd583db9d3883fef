#include "tools/command.h"

#include <limits>
#include <ostream>

#include "offsets/run.h"

namespace tandem::tools {
namespace cli = engine::cli;

context::~context() = default;

std::expected<const offsets::offset_store*, failure> context::store() {
  if (!reader_) {
    auto r = store_reader::open(cfg.state_dir);
    if (!r) return std::unexpected(r.error());
    reader_ = std::move(*r);
  }
  return &reader_->store();
}

std::expected<std::string_view, failure> context::required(const option_spec& o) const {
  if (auto v = args.get(o.name)) return *v;
  return std::unexpected(usage_failure("missing " + std::string(o.name) + " " + std::string(o.value_name)));
}

std::expected<int32_t, failure> context::partition(const option_spec& o) const {
  auto text = required(o);
  if (!text) return std::unexpected(text.error());
  auto v = parse_number(*text, 0, std::numeric_limits<int32_t>::max());
  if (!v) {
    return std::unexpected(usage_failure("bad partition \"" + std::string(*text) + "\" for " +
                                         std::string(o.name) + ": expected a number from 0 to 2147483647"));
  }
  return static_cast<int32_t>(*v);
}

std::expected<int64_t, failure> context::offset(const option_spec& o) const {
  auto text = required(o);
  if (!text) return std::unexpected(text.error());
  auto v = parse_number(*text, 0, offsets::max_offset);
  if (!v) {
    return std::unexpected(usage_failure("bad offset \"" + std::string(*text) + "\" for " + std::string(o.name) +
                                         ": expected a number from 0 to " + std::to_string(offsets::max_offset)));
  }
  return *v;
}

int run_command(std::string name, std::string_view usage, std::span<const option_spec> spec,
                std::span<const std::string_view> args, cli::streams io, command_body body,
                const environment* env) {
  auto parsed = parse_args(args, spec);
  if (parsed && parsed->help) {
    io.out << usage;
    return cli::k_exit_ok;
  }
  std::string problem = parsed ? "" : parsed.error();
  if (parsed && !parsed->has(k_config_option.name)) problem = "missing --config FILE";
  if (!problem.empty()) {
    io.err << name << ": " << problem << "\n\n" << usage;
    return cli::k_exit_usage;
  }
  auto cfg = load(*parsed->get(k_config_option.name));
  if (!cfg) {
    io.err << cfg.error().message << '\n' << name << ": invalid config " << *parsed->get(k_config_option.name) << '\n';
    return cfg.error().code;
  }
  context ctx(std::move(name), io, std::move(*parsed), std::move(*cfg), env);
  auto ok = body(ctx);
  if (!ok) {
    io.err << ctx.name << ": " << ok.error().message << '\n';
    return ok.error().code;
  }
  return cli::k_exit_ok;
}

}  // namespace tandem::tools
