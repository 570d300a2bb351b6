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

namespace {

// Skips JSON whitespace.
std::size_t SkipSpace(std::string_view text, std::size_t pos) {
  while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\n' || text[pos] == '\r' ||
                               text[pos] == '\t')) {
    ++pos;
  }
  return pos;
}

// Parses one JSON value at `pos` of `text` into `doc`; returns the position after it.
// `text` is NUL-terminated (a std::string).
StatusOr<std::size_t> ParseValueAt(const std::string& text, std::size_t pos,
                                   rapidjson::Document& doc) {
  rapidjson::StringStream in(text.c_str() + pos);
  doc.ParseStream<rapidjson::kParseStopWhenDoneFlag>(in);
  if (doc.HasParseError()) {
    return DataLossError("invalid JSON at offset " + std::to_string(pos + doc.GetErrorOffset()));
  }
  return pos + in.Tell();
}

std::int64_t Int64Field(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  return it != object.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : 0;
}

// RocketMQ's ConsumeStats as fastjson writes it: offsetTable keys are MessageQueue objects
// ({"brokerName":"b","queueId":0,"topic":"T"}:{"brokerOffset":..,"consumerOffset":..,
// "lastTimestamp":..}); Quiver brokers add "clientId" to the values.
StatusOr<std::vector<ConsumerQueueProgress>> ParseConsumeStats(const std::string& text) {
  std::vector<ConsumerQueueProgress> rows;
  std::size_t pos = text.find("\"offsetTable\"");
  if (pos == std::string::npos) return DataLossError("no offsetTable");
  pos = SkipSpace(text, pos + 13);
  if (pos >= text.size() || text[pos] != ':') return DataLossError("no ':' after offsetTable");
  pos = SkipSpace(text, pos + 1);
  if (pos >= text.size() || text[pos] != '{') return DataLossError("offsetTable is not a map");
  pos = SkipSpace(text, pos + 1);
  while (pos < text.size() && text[pos] != '}') {
    rapidjson::Document key, value;
    QUIVER_ASSIGN_OR_RETURN(pos, ParseValueAt(text, pos, key));
    pos = SkipSpace(text, pos);
    if (pos >= text.size() || text[pos] != ':') {
      return DataLossError("no ':' after an offsetTable key at offset " + std::to_string(pos));
    }
    QUIVER_ASSIGN_OR_RETURN(pos, ParseValueAt(text, SkipSpace(text, pos + 1), value));
    if (!key.IsObject() || !value.IsObject()) {
      return DataLossError("an offsetTable entry is not MessageQueue: OffsetWrapper");
    }
    ConsumerQueueProgress row;
    auto string = [](const rapidjson::Value& o, const char* name) {
      auto it = o.FindMember(name);
      return it != o.MemberEnd() && it->value.IsString()
                 ? std::string(it->value.GetString(), it->value.GetStringLength())
                 : std::string();
    };
    row.queue.topic = string(key, "topic");
    row.queue.broker_name = string(key, "brokerName");
    row.queue.queue_id = static_cast<std::int32_t>(Int64Field(key, "queueId"));
    row.broker_offset = Int64Field(value, "brokerOffset");
    row.consumer_offset = Int64Field(value, "consumerOffset");
    row.last_timestamp_ms = Int64Field(value, "lastTimestamp");
    row.client_id = string(value, "clientId");
    rows.push_back(std::move(row));
    pos = SkipSpace(text, pos);
    if (pos < text.size() && text[pos] == ',') pos = SkipSpace(text, pos + 1);
  }
  if (pos >= text.size()) return DataLossError("offsetTable is not closed");
  return rows;
}

}  // namespace

StatusOr<std::vector<ConsumerQueueProgress>> Admin::GetConsumerProgress(const std::string& group,
                                                                        const std::string& topic) {
  // GET_CONSUME_STATS from every broker group that has the group's retry topic.
  StatusOr<TopicRouteData> retry_route =
      internal::GetRouteSync(*runtime_, std::string("%RETRY%") + group);
  if (retry_route.ok()) {
    std::vector<ConsumerQueueProgress> out;
    bool supported = true;
    for (const BrokerData& broker : retry_route->broker_datas) {
      std::optional<std::string> address = internal::MasterAddress(broker);
      if (!address) continue;
      RemotingCommand request = RemotingCommand::Request(req::kGetConsumeStats);
      request.SetExt("consumerGroup", group);
      if (!topic.empty()) request.SetExt("topic", topic);
      QUIVER_ASSIGN_OR_RETURN(RemotingCommand response,
                              internal::Call(*runtime_, *address, std::move(request)));
      if (response.code == rc::kRequestCodeNotSupported) {
        supported = false;
        break;
      }
      if (response.code != rc::kSuccess) {
        return internal::BrokerResponseError(*address, response);
      }
      auto rows = ParseConsumeStats(response.body.ToString());
      if (!rows.ok()) {
        return DataLossError("broker " + *address + " answered GET_CONSUME_STATS with a body " +
                             "that is not ConsumeStats: " + rows.status().message());
      }
      out.insert(out.end(), rows->begin(), rows->end());
    }
    if (supported) {
      std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return a.queue < b.queue;
      });
      if (out.empty()) {
        return NotFoundError("the consumer group " + group + " consumes no topic" +
                             (topic.empty() ? std::string() : " " + topic) +
                             " (no member online and no committed offset)");
      }
      return out;
    }
  }
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
