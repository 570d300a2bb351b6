#include "broker_api.h"

#include <algorithm>
#include <future>

#include "message_codec.h"
#include "quiver/protocol/codes.h"
#include "quiver/protocol/message_record.h"

namespace quiver::inline v1::client::internal {

namespace rc = protocol::response_code;
namespace req = protocol::request_code;

std::string ResponseCodeName(std::int32_t code) {
  switch (code) {
    case rc::kSuccess:
      return "SUCCESS";
    case rc::kSystemError:
      return "SYSTEM_ERROR";
    case rc::kSystemBusy:
      return "SYSTEM_BUSY";
    case rc::kRequestCodeNotSupported:
      return "REQUEST_CODE_NOT_SUPPORTED";
    case rc::kFlushDiskTimeout:
      return "FLUSH_DISK_TIMEOUT";
    case rc::kSlaveNotAvailable:
      return "SLAVE_NOT_AVAILABLE";
    case rc::kFlushSlaveTimeout:
      return "FLUSH_SLAVE_TIMEOUT";
    case rc::kMessageIllegal:
      return "MESSAGE_ILLEGAL";
    case rc::kServiceNotAvailable:
      return "SERVICE_NOT_AVAILABLE";
    case rc::kVersionNotSupported:
      return "VERSION_NOT_SUPPORTED";
    case rc::kNoPermission:
      return "NO_PERMISSION";
    case rc::kTopicNotExist:
      return "TOPIC_NOT_EXIST";
    case rc::kTopicExistAlready:
      return "TOPIC_EXIST_ALREADY";
    case rc::kPullNotFound:
      return "PULL_NOT_FOUND";
    case rc::kPullRetryImmediately:
      return "PULL_RETRY_IMMEDIATELY";
    case rc::kPullOffsetMoved:
      return "PULL_OFFSET_MOVED";
    case rc::kQueryNotFound:
      return "QUERY_NOT_FOUND";
    case rc::kSubscriptionParseFailed:
      return "SUBSCRIPTION_PARSE_FAILED";
    case rc::kSubscriptionNotExist:
      return "SUBSCRIPTION_NOT_EXIST";
    case rc::kSubscriptionNotLatest:
      return "SUBSCRIPTION_NOT_LATEST";
    case rc::kSubscriptionGroupNotExist:
      return "SUBSCRIPTION_GROUP_NOT_EXIST";
    case rc::kInvalidParameter:
      return "INVALID_PARAMETER";
    default:
      return "CODE_" + std::to_string(code);
  }
}

Status BrokerResponseError(const std::string& address, const RemotingCommand& response) {
  std::string message = "broker " + address + " answered " + ResponseCodeName(response.code) +
                        " (" + std::to_string(response.code) + ")";
  if (response.remark && !response.remark->empty()) message += ": " + *response.remark;
  switch (response.code) {
    case rc::kTopicNotExist:
    case rc::kQueryNotFound:
      return NotFoundError(std::move(message));
    case rc::kNoPermission:
      return PermissionDeniedError(std::move(message));
    case rc::kSystemError:
    case rc::kSystemBusy:
    case rc::kServiceNotAvailable:
      return UnavailableError(std::move(message));
    case rc::kMessageIllegal:
    case rc::kSubscriptionParseFailed:
    case rc::kInvalidParameter:
      return InvalidArgumentError(std::move(message));
    default:
      return UnknownError(std::move(message));
  }
}

StatusOr<RemotingCommand> Call(ClientRuntime& runtime, const std::string& address,
                               RemotingCommand request) {
  StatusOr<RemotingCommand> response =
      runtime.transport().InvokeSync(address, std::move(request), runtime.request_timeout());
  if (!response.ok()) return response.status().WithContext(address);
  return response;
}

StatusOr<RemotingCommand> CallExpectSuccess(ClientRuntime& runtime, const std::string& address,
                                            RemotingCommand request) {
  QUIVER_ASSIGN_OR_RETURN(RemotingCommand response, Call(runtime, address, std::move(request)));
  if (response.code != rc::kSuccess) return BrokerResponseError(address, response);
  return response;
}

namespace {
StatusOr<std::int64_t> OffsetCall(ClientRuntime& runtime, const std::string& address,
                                  RemotingCommand request) {
  QUIVER_ASSIGN_OR_RETURN(RemotingCommand response,
                          CallExpectSuccess(runtime, address, std::move(request)));
  StatusOr<std::int64_t> offset = response.RequireExtInt("offset");
  if (!offset.ok()) return offset.status().WithContext("broker " + address);
  return offset;
}
RemotingCommand QueueRequest(std::int32_t code, const std::string& topic, std::int32_t queue_id) {
  RemotingCommand request = RemotingCommand::Request(code);
  request.SetExt("topic", topic);
  request.SetExt("queueId", std::int64_t{queue_id});
  return request;
}
}  // namespace

StatusOr<std::int64_t> QueryConsumerOffset(ClientRuntime& runtime, const std::string& address,
                                           const std::string& group, const std::string& topic,
                                           std::int32_t queue_id) {
  RemotingCommand request = QueueRequest(req::kQueryConsumerOffset, topic, queue_id);
  request.SetExt("consumerGroup", group);
  return OffsetCall(runtime, address, std::move(request));
}

StatusOr<std::int64_t> GetMinOffset(ClientRuntime& runtime, const std::string& address,
                                    const std::string& topic, std::int32_t queue_id) {
  return OffsetCall(runtime, address, QueueRequest(req::kGetMinOffset, topic, queue_id));
}

StatusOr<std::int64_t> GetMaxOffset(ClientRuntime& runtime, const std::string& address,
                                    const std::string& topic, std::int32_t queue_id) {
  return OffsetCall(runtime, address, QueueRequest(req::kGetMaxOffset, topic, queue_id));
}

StatusOr<std::int64_t> SearchOffsetByTimestamp(ClientRuntime& runtime, const std::string& address,
                                               const std::string& topic, std::int32_t queue_id,
                                               std::int64_t timestamp_ms) {
  RemotingCommand request = QueueRequest(req::kSearchOffsetByTimestamp, topic, queue_id);
  request.SetExt("timestamp", timestamp_ms);
  return OffsetCall(runtime, address, std::move(request));
}

RemotingCommand UpdateConsumerOffsetRequest(const std::string& group, const std::string& topic,
                                            std::int32_t queue_id, std::int64_t offset) {
  RemotingCommand request = QueueRequest(req::kUpdateConsumerOffset, topic, queue_id);
  request.SetExt("consumerGroup", group);
  request.SetExt("commitOffset", offset);
  return request;
}

protocol::SubscriptionData ToSubscriptionData(const SubscriptionInfo& subscription) {
  protocol::SubscriptionData data;
  data.topic = subscription.topic;
  data.tags_set = ParseTagExpression(subscription.expression);
  for (const std::string& tag : data.tags_set) {
    data.code_set.push_back(protocol::JavaStringHashCode(tag));
  }
  data.sub_string =
      data.tags_set.empty() ? std::string(protocol::kSubscribeAll) : subscription.expression;
  data.sub_version = subscription.sub_version;
  return data;
}

namespace {
template <typename T, typename Start>
StatusOr<T> WaitFor(ClientRuntime& runtime, const std::string& what, Start start) {
  auto promise = std::make_shared<std::promise<StatusOr<T>>>();
  std::future<StatusOr<T>> future = promise->get_future();
  start([promise](StatusOr<T> result) { promise->set_value(std::move(result)); });
  if (future.wait_for(runtime.request_timeout()) != std::future_status::ready) {
    return DeadlineExceededError(what + ": no answer from the registry within the request timeout");
  }
  return future.get();
}
}  // namespace

StatusOr<TopicRouteData> GetRouteSync(ClientRuntime& runtime, const std::string& topic) {
  return WaitFor<TopicRouteData>(runtime, "route of topic " + topic, [&](auto done) {
    runtime.discovery().GetRoute(topic, std::move(done));
  });
}

StatusOr<ClusterInfo> GetClusterInfoSync(ClientRuntime& runtime) {
  return WaitFor<ClusterInfo>(runtime, "cluster info", [&](auto done) {
    runtime.discovery().GetClusterInfo(std::move(done));
  });
}

StatusOr<std::vector<std::string>> GetTopicListSync(ClientRuntime& runtime) {
  return WaitFor<std::vector<std::string>>(
      runtime, "topic list", [&](auto done) { runtime.discovery().GetTopicList(std::move(done)); });
}

std::optional<std::string> MasterAddress(const BrokerData& broker) {
  auto it = broker.broker_addrs.find(0);
  if (it == broker.broker_addrs.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::optional<std::string> ReadAddress(const BrokerData& broker) {
  for (const auto& [id, address] : broker.broker_addrs) {
    if (!address.empty()) return address;  // map order: the master (0) first
  }
  return std::nullopt;
}

const BrokerData* FindBroker(const TopicRouteData& route, const std::string& broker_name) {
  for (const BrokerData& b : route.broker_datas) {
    if (b.broker_name == broker_name) return &b;
  }
  return nullptr;
}

std::vector<MessageQueue> ReadableQueues(const std::string& topic, const TopicRouteData& route) {
  std::vector<MessageQueue> queues;
  for (const QueueData& q : route.queue_datas) {
    if ((q.perm & perm::kRead) == 0) continue;
    const BrokerData* broker = FindBroker(route, q.broker_name);
    if (broker == nullptr || !ReadAddress(*broker)) continue;
    for (std::int32_t id = 0; id < q.read_queue_nums; ++id) {
      queues.push_back(MessageQueue{topic, q.broker_name, id});
    }
  }
  std::sort(queues.begin(), queues.end());
  return queues;
}

const char* ConsumeFromWhereName(ConsumeFromWhere where) {
  switch (where) {
    case ConsumeFromWhere::kFirstOffset:
      return "CONSUME_FROM_FIRST_OFFSET";
    case ConsumeFromWhere::kTimestamp:
      return "CONSUME_FROM_TIMESTAMP";
    case ConsumeFromWhere::kLastOffset:
      break;
  }
  return "CONSUME_FROM_LAST_OFFSET";
}

}  // namespace quiver::inline v1::client::internal
