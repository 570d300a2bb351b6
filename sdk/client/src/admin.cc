#include "quiver/client/admin.h"

#include <rapidjson/document.h>

#include <algorithm>

#include "broker_api.h"
#include "message_codec.h"
#include "quiver/protocol/codes.h"
#include "quiver/protocol/json.h"
#include "quiver/protocol/message_record.h"

namespace quiver {
inline namespace v1 {
namespace client {

namespace rc = protocol::response_code;
namespace req = protocol::request_code;
using protocol::RemotingCommand;

namespace {
// The group mqadmin uses for its own reads.
constexpr const char* kToolsConsumerGroup = "TOOLS_CONSUMER";
}  // namespace

ClientRuntime::~ClientRuntime() = default;

Admin::Admin(std::shared_ptr<ClientRuntime> runtime) : runtime_(std::move(runtime)) {}

Status Admin::CreateOrUpdateTopic(const std::string& broker_address, const TopicConfig& config) {
  if (config.topic_name.empty()) return InvalidArgumentError("the topic name is empty");
  RemotingCommand request = RemotingCommand::Request(req::kUpdateAndCreateTopic);
  request.SetExt("topic", config.topic_name);
  request.SetExt("defaultTopic", "TBW102");
  request.SetExt("readQueueNums", std::int64_t{config.read_queue_nums});
  request.SetExt("writeQueueNums", std::int64_t{config.write_queue_nums});
  request.SetExt("perm", std::int64_t{config.perm});
  request.SetExt("topicFilterType", config.topic_filter_type);
  request.SetExt("topicSysFlag", std::int64_t{config.topic_sys_flag});
  request.SetExt("order", config.order ? "true" : "false");
  return internal::CallExpectSuccess(*runtime_, broker_address, std::move(request)).status();
}

StatusOr<std::vector<std::string>> Admin::CreateOrUpdateTopicInCluster(const std::string& cluster,
                                                                       const TopicConfig& config) {
  QUIVER_ASSIGN_OR_RETURN(ClusterInfo info, internal::GetClusterInfoSync(*runtime_));
  auto names = info.cluster_addr_table.find(cluster);
  if (names == info.cluster_addr_table.end()) {
    return NotFoundError("no cluster named " + cluster + " in the registry");
  }
  std::vector<std::string> sorted = names->second;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::string> updated;
  for (const std::string& name : sorted) {
    auto broker = info.broker_addr_table.find(name);
    if (broker == info.broker_addr_table.end()) continue;
    std::optional<std::string> master = internal::MasterAddress(broker->second);
    if (!master) continue;
    QUIVER_RETURN_IF_ERROR(CreateOrUpdateTopic(*master, config));
    updated.push_back(*master);
  }
  if (updated.empty()) return NotFoundError("cluster " + cluster + " has no master broker");
  return updated;
}

StatusOr<TopicRouteData> Admin::GetTopicRoute(const std::string& topic) {
  return internal::GetRouteSync(*runtime_, topic);
}

StatusOr<std::vector<std::string>> Admin::GetTopicList() {
  QUIVER_ASSIGN_OR_RETURN(std::vector<std::string> topics, internal::GetTopicListSync(*runtime_));
  std::sort(topics.begin(), topics.end());
  return topics;
}

StatusOr<ClusterInfo> Admin::GetClusterInfo() { return internal::GetClusterInfoSync(*runtime_); }

namespace {
// Store time of the message at `offset` (one PULL_MESSAGE without suspension); 0 if none.
std::int64_t StoreTimeAt(ClientRuntime& runtime, const std::string& address, const MessageQueue& mq,
                         std::int64_t offset) {
  RemotingCommand request = RemotingCommand::Request(req::kPullMessage);
  request.SetExt("consumerGroup", kToolsConsumerGroup);
  request.SetExt("topic", mq.topic);
  request.SetExt("queueId", std::int64_t{mq.queue_id});
  request.SetExt("queueOffset", offset);
  request.SetExt("maxMsgNums", std::int64_t{1});
  request.SetExt("sysFlag", std::int64_t{0x4});  // SUBSCRIPTION, no suspension
  request.SetExt("commitOffset", std::int64_t{0});
  request.SetExt("suspendTimeoutMillis", std::int64_t{0});
  request.SetExt("subscription", "*");
  request.SetExt("subVersion", std::int64_t{0});
  request.SetExt("expressionType", "TAG");
  StatusOr<RemotingCommand> response = internal::Call(runtime, address, std::move(request));
  if (!response.ok() || response->code != rc::kSuccess) return 0;
  std::vector<std::uint8_t> bytes = response->body.Flatten();
  StatusOr<protocol::DecodedRecord> record = protocol::DecodeRecord(bytes, protocol::CheckCrc::kNo);
  return record.ok() ? record->store_timestamp_ms : 0;
}
}  // namespace

StatusOr<std::vector<QueueStatus>> Admin::GetTopicStatus(const std::string& topic) {
  QUIVER_ASSIGN_OR_RETURN(TopicRouteData route, internal::GetRouteSync(*runtime_, topic));
  std::vector<QueueStatus> out;
  for (const MessageQueue& mq : internal::ReadableQueues(topic, route)) {
    const BrokerData* broker = internal::FindBroker(route, mq.broker_name);
    const std::string address = *internal::ReadAddress(*broker);
    QueueStatus status;
    status.queue = mq;
    QUIVER_ASSIGN_OR_RETURN(status.min_offset,
                            internal::GetMinOffset(*runtime_, address, topic, mq.queue_id));
    QUIVER_ASSIGN_OR_RETURN(status.max_offset,
                            internal::GetMaxOffset(*runtime_, address, topic, mq.queue_id));
    if (status.max_offset > status.min_offset) {
      status.last_update_ms = StoreTimeAt(*runtime_, address, mq, status.max_offset - 1);
    }
    out.push_back(std::move(status));
  }
  return out;
}

StatusOr<std::vector<ConsumerQueueProgress>> Admin::GetConsumerProgress(const std::string& group,
                                                                        const std::string& topic) {
  std::vector<std::string> topics;
  if (!topic.empty()) {
    topics.push_back(topic);
  } else {
    QUIVER_ASSIGN_OR_RETURN(topics, GetTopicList());
  }
  std::vector<ConsumerQueueProgress> out;
  for (const std::string& t : topics) {
    StatusOr<TopicRouteData> route = internal::GetRouteSync(*runtime_, t);
    if (!route.ok()) {
      if (!topic.empty()) return route.status();
      continue;  // a topic listed but not routable any more
    }
    std::vector<ConsumerQueueProgress> rows;
    bool group_seen = !topic.empty();
    for (const MessageQueue& mq : internal::ReadableQueues(t, *route)) {
      const BrokerData* broker = internal::FindBroker(*route, mq.broker_name);
      const std::string address =
          internal::MasterAddress(*broker).value_or(*internal::ReadAddress(*broker));
      ConsumerQueueProgress row;
      row.queue = mq;
      QUIVER_ASSIGN_OR_RETURN(row.broker_offset,
                              internal::GetMaxOffset(*runtime_, address, t, mq.queue_id));
      StatusOr<std::int64_t> consumer =
          internal::QueryConsumerOffset(*runtime_, address, group, t, mq.queue_id);
      if (consumer.ok()) {
        row.consumer_offset = *consumer;
        group_seen = true;
      } else if (consumer.status().code() != StatusCode::kNotFound) {
        return consumer.status();
      }
      rows.push_back(std::move(row));
    }
    if (group_seen) out.insert(out.end(), rows.begin(), rows.end());
  }
  if (out.empty() && topic.empty()) {
    return NotFoundError("the consumer group " + group + " has no offset on any topic");
  }
  return out;
}

StatusOr<std::map<std::string, std::string>> Admin::GetBrokerRuntimeInfo(
    const std::string& broker_address) {
  QUIVER_ASSIGN_OR_RETURN(
      RemotingCommand response,
      internal::CallExpectSuccess(*runtime_, broker_address,
                                  RemotingCommand::Request(req::kGetBrokerRuntimeInfo)));
  const std::string body = protocol::NormalizeFastjson(response.body.ToString());
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("table") ||
      !doc["table"].IsObject()) {
    return DataLossError("broker " + broker_address +
                         " answered GET_BROKER_RUNTIME_INFO with a body that is not a KVTable");
  }
  std::map<std::string, std::string> table;
  for (auto it = doc["table"].MemberBegin(); it != doc["table"].MemberEnd(); ++it) {
    std::string value;
    if (it->value.IsString()) {
      value.assign(it->value.GetString(), it->value.GetStringLength());
    } else if (it->value.IsInt64()) {
      value = std::to_string(it->value.GetInt64());
    } else if (it->value.IsNumber()) {
      value = std::to_string(it->value.GetDouble());
    } else if (it->value.IsBool()) {
      value = it->value.GetBool() ? "true" : "false";
    }
    table[std::string(it->name.GetString(), it->name.GetStringLength())] = std::move(value);
  }
  return table;
}

}  // namespace client
}  // namespace v1
}  // namespace quiver
