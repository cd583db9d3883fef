// fetch_cluster_id: the id a cluster reports, for the state directory's identity.
#include "engine/kafka/rdkafka/client.h"
#include "engine/kafka/rdkafka/common.h"

namespace tandem::engine {

std::expected<std::string, std::string> fetch_cluster_id(const cluster_config& cluster,
                                                         const std::string& client_id,
                                                         std::chrono::milliseconds timeout) {
  auto rk = rdk::make_client(RD_KAFKA_PRODUCER, cluster, {{"client.id", client_id}});
  if (!rk) return std::unexpected(rk.error());
  char* id = rd_kafka_clusterid(rk->get(), static_cast<int>(timeout.count()));
  if (id == nullptr) {
    return std::unexpected("cluster " + cluster.alias + " (" + cluster.bootstrap +
                           ") reported no cluster id within " +
                           std::to_string(timeout.count()) + " ms");
  }
  std::string out(id);
  rd_kafka_mem_free(rk->get(), id);
  return out;
}

}  // namespace tandem::engine
