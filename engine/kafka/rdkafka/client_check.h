// check-config and `tandem run` ask librdkafka about the passthrough before anything connects:
// every client kind tandem builds for each cluster (a producer and a consumer, with tandem's
// own settings) is created WITHOUT bootstrap servers (so nothing connects) and destroyed.
// What librdkafka refuses comes back named: an unknown property, an invalid value, a TLS file
// it cannot read, settings that conflict. Properties in a section they do not apply to
// ([producer] holding a consumer property) are named too.
#pragma once

#include <string>
#include <vector>

#include "engine/config/config.h"

namespace tandem::engine::rdk {

// Appends to `errors` what would stop a client from starting, to `warnings` librdkafka's
// configuration warnings. (The shape of cli::extra_check: check-config calls it.)
void check_clients(const config& cfg, std::vector<std::string>& errors,
                   std::vector<std::string>& warnings);

}  // namespace tandem::engine::rdk
