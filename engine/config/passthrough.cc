#include "engine/config/passthrough.h"

#include <algorithm>

namespace tandem::engine {
namespace {

constexpr std::string_view k_acks =
    "tandem's producers are idempotent with acks=all: a source position advances only after its "
    "records are durable in the target";
constexpr std::string_view k_idempotence =
    "tandem's producers are idempotent: retries never duplicate or reorder copies";
constexpr std::string_view k_isolation =
    "tandem reads read_committed: records of aborted source transactions are never copied";
constexpr std::string_view k_reset =
    "tandem decides where each partition starts and never resets a position silently "
    "(it uses auto.offset.reset=error and alarms)";
constexpr std::string_view k_group =
    "tandem names its own consumer groups (tandem.<from>-to-<to>, ...)";
constexpr std::string_view k_transactional =
    "tandem sets it for delivery = \"exactly-once\"";
constexpr std::string_view k_commit =
    "tandem commits a position only after its records are delivered";
constexpr std::string_view k_timeout =
    "tandem retries a record until it is delivered (0 = no timeout): a timeout would drop records";
constexpr std::string_view k_bootstrap =
    "use bootstrap = \"host:port\" in the cluster's table";

constexpr guarded_property k_guarded[] = {
    {"acks", k_acks},
    {"request.required.acks", k_acks},
    {"enable.idempotence", k_idempotence},
    {"isolation.level", k_isolation},
    {"auto.offset.reset", k_reset},
    {"group.id", k_group},
    {"group.instance.id", k_group},
    {"transactional.id", k_transactional},
    {"enable.auto.commit", k_commit},
    {"auto.commit.enable", k_commit},
    {"enable.auto.offset.store", k_commit},
    {"message.timeout.ms", k_timeout},
    {"delivery.timeout.ms", k_timeout},
    {"bootstrap.servers", k_bootstrap},
    {"metadata.broker.list", k_bootstrap},
};

}  // namespace

std::span<const guarded_property> guarded_properties() { return k_guarded; }

std::optional<std::string_view> guarded_reason(std::string_view name) {
  auto it = std::ranges::find(k_guarded, name, &guarded_property::name);
  if (it == std::end(k_guarded)) return std::nullopt;
  return it->reason;
}

}  // namespace tandem::engine
