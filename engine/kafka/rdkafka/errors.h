// librdkafka's errors as the seam's kafka_error (engine/kafka/error.h): the one place that maps
// rd_kafka_resp_err_t to kafka_errc and classifies errors (internal to engine/kafka/rdkafka/).
#pragma once

#include <librdkafka/rdkafka.h>

#include <string>

#include "engine/kafka/error.h"

namespace tandem::engine::rdk {

// The enum value of a librdkafka code; kafka_errc::other for a code tandem does not name.
kafka_errc to_errc(rd_kafka_resp_err_t err);

// How a plain librdkafka code (one without an rd_kafka_error_t) is classified: librdkafka has
// no classification of its own for those, so a table of the codes that cannot succeed on retry.
error_kind classify(rd_kafka_resp_err_t err);

// `message` defaults to librdkafka's text of the code; name is rd_kafka_err2name.
kafka_error to_error(rd_kafka_resp_err_t err, std::string message = {});
// An rd_kafka_error_t with librdkafka's own classification where it gives one (fatal,
// retriable, transaction must abort), else the code's (classify).
kafka_error to_error(const rd_kafka_error_t* err);

}  // namespace tandem::engine::rdk
