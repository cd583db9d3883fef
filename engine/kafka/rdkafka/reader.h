// partition_reader (engine/kafka/seam.h) over librdkafka: what `tandemctl rebuild` reads the origin
// headers of a cluster's topics with. Declared apart from client.h, which the daemon's
// parts share; this header includes no librdkafka.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "engine/config/config.h"
#include "engine/kafka/seam.h"
#include "engine/kafka/rdkafka/client.h"

namespace tandem::engine {

// A consumer of `cluster` without a consumer group (options.group_id is ignored), read_committed,
// that reads one partition range at a time. Error: a bad librdkafka property (named, value not
// shown) or a client that cannot be created.
std::expected<std::unique_ptr<partition_reader>, std::string> make_rdkafka_partition_reader(
    const cluster_config& cluster, const client_options& options);

}  // namespace tandem::engine
