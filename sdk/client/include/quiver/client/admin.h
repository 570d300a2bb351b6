#pragma once
// Cluster administration (the operations behind mqadmin; ecosystem.md §1.2).
// Topic admin goes to brokers (UPDATE_AND_CREATE_TOPIC), never to the registry; routes,
// cluster info and the topic list come from the runtime's Discovery.
//
// Errors: a broker's non-SUCCESS answer becomes a Status naming the broker address, the
// response code and its remark (see BrokerResponseError). Threading: blocking calls, any
// thread but a transport I/O thread.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "quiver/client/client_runtime.h"
#include "quiver/client/export.h"
#include "quiver/client/message.h"
#include "quiver/route.h"
#include "quiver/status.h"

namespace quiver {
inline namespace v1 {
namespace client {

struct QueueStatus {
  MessageQueue queue;
  std::int64_t min_offset = 0;
  std::int64_t max_offset = 0;
  std::int64_t last_update_ms = 0;  // store time of the last message; 0 if empty/unknown
};

struct ConsumerQueueProgress {
  MessageQueue queue;
  std::int64_t broker_offset = 0;    // max offset of the queue
  std::int64_t consumer_offset = 0;  // the group's committed offset (0 when none)
  // From GET_CONSUME_STATS (0 / "" from brokers without it): the store time of the last
  // consumed message, and the client consuming the queue (lock holder or last puller).
  std::int64_t last_timestamp_ms = 0;
  std::string client_id;
  std::int64_t diff() const { return broker_offset - consumer_offset; }
};

class QUIVER_CLIENT_API Admin {
 public:
  explicit Admin(std::shared_ptr<ClientRuntime> runtime);

  Status CreateOrUpdateTopic(const std::string& broker_address, const TopicConfig& config);
  // To the master of every broker group of `cluster`; returns the addresses updated, in
  // broker-name order. kNotFound for an unknown cluster; stops at the first failure.
  StatusOr<std::vector<std::string>> CreateOrUpdateTopicInCluster(const std::string& cluster,
                                                                  const TopicConfig& config);
  StatusOr<TopicRouteData> GetTopicRoute(const std::string& topic);
  StatusOr<std::vector<std::string>> GetTopicList();
  StatusOr<ClusterInfo> GetClusterInfo();
  // Min/max offset and last update of every readable queue of the topic, sorted.
  StatusOr<std::vector<QueueStatus>> GetTopicStatus(const std::string& topic);
  // Per queue of `topic`, or of every topic the group consumes (its members'
  // subscriptions, its retry topic, topics it has offsets for while no member is online):
  // GET_CONSUME_STATS from the master of every broker group that has %RETRY%<group>, as
  // mqadmin's examineConsumeStats. Brokers that do not support it (code 3), or a group
  // without a retry topic route, fall back to querying offsets topic by topic.
  StatusOr<std::vector<ConsumerQueueProgress>> GetConsumerProgress(const std::string& group,
                                                                   const std::string& topic);
  // GET_BROKER_RUNTIME_INFO: the broker's KV table.
  StatusOr<std::map<std::string, std::string>> GetBrokerRuntimeInfo(
      const std::string& broker_address);

 private:
  std::shared_ptr<ClientRuntime> runtime_;
};

}  // namespace client
}  // namespace v1
}  // namespace quiver
