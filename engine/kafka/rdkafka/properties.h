// librdkafka's own property table (rd_kafka_conf_properties_show), parsed once: which clients a
// property applies to, and which names are aliases of which. Lets the adapter hand each client
// only the passthrough properties it understands (no "is a producer property and will be
// ignored by this consumer instance" warnings) and check-config name misplaced ones.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tandem::engine::rdk {

enum class property_scope { both, consumer, producer };

// The scope of a global or topic property; nullopt for a name librdkafka does not know.
std::optional<property_scope> scope_of(std::string_view name);

// Every (alias, property) pair of the table ("acks" -> "request.required.acks").
std::vector<std::pair<std::string, std::string>> property_aliases();

}  // namespace tandem::engine::rdk
