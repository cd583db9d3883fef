// engine/kafka/error.h and its librdkafka mapping (engine/kafka/rdkafka/errors.cc): the names
// tandem prints and labels metrics with are librdkafka's, and the classification is the one
// flows and tools act on.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "engine/kafka/error.h"
#include "engine/kafka/rdkafka/errors.h"

namespace tandem::engine {
namespace {

TEST(kafka_error, every_code_but_tandems_own_has_librdkafkas_name) {
  const rd_kafka_err_desc* descs = nullptr;
  size_t n = 0;
  rd_kafka_get_err_descs(&descs, &n);
  std::set<kafka_errc> seen;
  for (size_t i = 0; i < n; ++i) {
    if (!descs[i].name) continue;
    const auto err = static_cast<rd_kafka_resp_err_t>(descs[i].code);
    const kafka_errc code = rdk::to_errc(err);
    if (code == kafka_errc::other) continue;
    EXPECT_EQ(to_string(code), rd_kafka_err2name(err)) << descs[i].name;
    EXPECT_TRUE(seen.insert(code).second) << "two librdkafka codes map to " << to_string(code);
  }
  for (int c = static_cast<int>(kafka_errc::bad_msg); c <= static_cast<int>(kafka_errc::invalid_record); ++c) {
    const auto code = static_cast<kafka_errc>(c);
    if (code == kafka_errc::cancelled) continue;  // tandem's own: a request given up at shutdown
    EXPECT_TRUE(seen.count(code)) << to_string(code) << " maps from no librdkafka code";
  }
}

TEST(kafka_error, a_librdkafka_error_keeps_its_name_and_text) {
  kafka_error e = rdk::to_error(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
  EXPECT_EQ(e.code, kafka_errc::msg_size_too_large);
  EXPECT_EQ(e.name, "MSG_SIZE_TOO_LARGE");
  EXPECT_EQ(e.message, rd_kafka_err2str(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE));
  EXPECT_EQ(to_string(e), "MSG_SIZE_TOO_LARGE: " + e.message);
  kafka_error other = rdk::to_error(RD_KAFKA_RESP_ERR_INVALID_TXN_STATE, "why");
  EXPECT_EQ(other.code, kafka_errc::other);
  EXPECT_EQ(other.name, "INVALID_TXN_STATE");
  EXPECT_EQ(other.message, "why");
}

TEST(kafka_error, classification_of_plain_codes) {
  for (auto err : {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE,
                   RD_KAFKA_RESP_ERR_INVALID_MSG, RD_KAFKA_RESP_ERR_INVALID_TIMESTAMP,
                   RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
                   RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR_INVALID_RECORD,
                   RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC,
                   RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION, RD_KAFKA_RESP_ERR_INVALID_PARTITIONS,
                   RD_KAFKA_RESP_ERR_INVALID_CONFIG, RD_KAFKA_RESP_ERR_POLICY_VIOLATION})
    EXPECT_EQ(rdk::to_error(err).kind, error_kind::permanent) << rd_kafka_err2name(err);
  EXPECT_EQ(rdk::to_error(RD_KAFKA_RESP_ERR__FATAL).kind, error_kind::fatal);
  EXPECT_FALSE(rdk::to_error(RD_KAFKA_RESP_ERR__FATAL).retriable());
  for (auto err : {RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR__TRANSPORT,
                   RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
                   RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS})
    EXPECT_TRUE(rdk::to_error(err).retriable()) << rd_kafka_err2name(err);
}

// librdkafka's public API makes no fatal or retriable error objects (its producer does): an
// error object without those flags keeps its code's classification.
TEST(kafka_error, an_error_object_without_flags_is_classified_by_its_code) {
  rd_kafka_error_t* plain = rd_kafka_error_new(RD_KAFKA_RESP_ERR_INVALID_CONFIG, "%s", "bad");
  kafka_error e = rdk::to_error(plain);
  EXPECT_EQ(e.kind, error_kind::permanent);
  EXPECT_EQ(e.name, "INVALID_CONFIG");
  EXPECT_EQ(e.message, "bad");
  rd_kafka_error_destroy(plain);
  rd_kafka_error_t* later = rd_kafka_error_new(RD_KAFKA_RESP_ERR_NOT_COORDINATOR, "%s", "moving");
  EXPECT_EQ(rdk::to_error(later).kind, error_kind::retriable);
  rd_kafka_error_destroy(later);
}

TEST(kafka_error, made_errors_are_named_like_librdkafkas) {
  kafka_error e = make_kafka_error(kafka_errc::timed_out, "list consumer groups timed out");
  EXPECT_EQ(e.name, "_TIMED_OUT");
  EXPECT_TRUE(e.retriable());
  EXPECT_TRUE(e.is(kafka_errc::timed_out));
  EXPECT_EQ(make_kafka_error(kafka_errc::cancelled, "x").name, "_CANCELLED");
  EXPECT_EQ(make_kafka_error(kafka_errc::invalid_arg, "x", error_kind::permanent).kind,
            error_kind::permanent);
}

}  // namespace
}  // namespace tandem::engine
