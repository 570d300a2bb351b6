#pragma once
// Internal: requests the client library sends to brokers, HEART_BEAT subscriptions, and route
// helpers shared by producer, consumer and admin (rocketmq-protocol.md §2.3, §3.4).
// Sync helpers block and must not run on a transport I/O thread.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "quiver/client/client_runtime.h"
#include "quiver/client/message.h"
#include "quiver/client/pull_consumer.h"
#include "quiver/protocol/heartbeat_json.h"
#include "quiver/protocol/remoting_command.h"
#include "quiver/route.h"
#include "quiver/status.h"

namespace quiver::inline v1::client::internal {

using protocol::RemotingCommand;

// "SYSTEM_BUSY" etc. for the response codes the client meets; "CODE_<n>" otherwise.
std::string ResponseCodeName(std::int32_t code);

// The Status of a non-SUCCESS response from `address`:
// "broker <address> answered <NAME> (<code>): <remark>". Canonical code by response code:
// 17, 22 -> kNotFound; 16 -> kPermissionDenied; 1, 2, 14 -> kUnavailable;
// 13, 23, 29 -> kInvalidArgument; others kUnknown.
Status BrokerResponseError(const std::string& address, const RemotingCommand& response);

// InvokeSync with the runtime's request timeout; transport errors get "<address>: " context.
StatusOr<RemotingCommand> Call(ClientRuntime& runtime, const std::string& address,
                               RemotingCommand request);
// As Call, and a non-SUCCESS response becomes BrokerResponseError.
StatusOr<RemotingCommand> CallExpectSuccess(ClientRuntime& runtime, const std::string& address,
                                            RemotingCommand request);

// QUERY_CONSUMER_OFFSET; kNotFound when the broker has none (QUERY_NOT_FOUND).
StatusOr<std::int64_t> QueryConsumerOffset(ClientRuntime& runtime, const std::string& address,
                                           const std::string& group, const std::string& topic,
                                           std::int32_t queue_id);
StatusOr<std::int64_t> GetMinOffset(ClientRuntime& runtime, const std::string& address,
                                    const std::string& topic, std::int32_t queue_id);
StatusOr<std::int64_t> GetMaxOffset(ClientRuntime& runtime, const std::string& address,
                                    const std::string& topic, std::int32_t queue_id);
StatusOr<std::int64_t> SearchOffsetByTimestamp(ClientRuntime& runtime, const std::string& address,
                                               const std::string& topic, std::int32_t queue_id,
                                               std::int64_t timestamp_ms);
RemotingCommand UpdateConsumerOffsetRequest(const std::string& group, const std::string& topic,
                                            std::int32_t queue_id, std::int64_t offset);

struct SubscriptionInfo {
  std::string topic;
  std::string expression;  // "*" or "TagA || TagB"
  std::int64_t sub_version = 0;
};
// The SubscriptionData a HEART_BEAT carries for `subscription` (protocol::EncodeHeartbeatData):
// the tags of ParseTagExpression, each with its Java hash code; subString "*" when that
// leaves no tags (every tag), the expression otherwise.
protocol::SubscriptionData ToSubscriptionData(const SubscriptionInfo& subscription);
// RocketMQ's ConsumeFromWhere name, as heartbeats carry it.
const char* ConsumeFromWhereName(ConsumeFromWhere where);

// Discovery::GetRoute, waited for up to the request timeout.
StatusOr<TopicRouteData> GetRouteSync(ClientRuntime& runtime, const std::string& topic);
StatusOr<ClusterInfo> GetClusterInfoSync(ClientRuntime& runtime);
StatusOr<std::vector<std::string>> GetTopicListSync(ClientRuntime& runtime);

// The master (id 0) address of a broker group, if any.
std::optional<std::string> MasterAddress(const BrokerData& broker);
// The address to read from: the master, else the lowest-id slave.
std::optional<std::string> ReadAddress(const BrokerData& broker);
const BrokerData* FindBroker(const TopicRouteData& route, const std::string& broker_name);
// Readable queues of the route (ids 0..readQueueNums-1 of every group with an address),
// sorted by (broker name, queue id).
std::vector<MessageQueue> ReadableQueues(const std::string& topic, const TopicRouteData& route);

}  // namespace quiver::inline v1::client::internal
