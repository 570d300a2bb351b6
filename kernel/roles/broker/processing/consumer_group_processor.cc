#include "kernel/roles/broker/processing/consumer_group_processor.h"

#include <algorithm>
#include <set>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/logger.h>

#include "quiver/protocol/codes.h"
#include "quiver/protocol/json.h"
#include "kernel/roles/broker/processing/metadata_json.h"

namespace quiver::broker {

namespace rc = protocol::response_code;
namespace req = protocol::request_code;
using protocol::RemotingCommand;

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

struct LockBody {
  std::string group;
  std::string client_id;
  std::vector<LockedQueue> queues;
};

std::string StringField(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

// LockBatchRequestBody / UnlockBatchRequestBody.
StatusOr<LockBody> ParseLockBody(std::string_view json) {
  QUIVER_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJsonObject(json, "body"));
  LockBody body;
  body.group = StringField(doc, "consumerGroup");
  if (body.group.empty()) return InvalidArgumentError("field consumerGroup is missing or empty");
  body.client_id = StringField(doc, "clientId");
  if (body.client_id.empty()) return InvalidArgumentError("field clientId is missing or empty");
  auto set = doc.FindMember("mqSet");
  if (set == doc.MemberEnd() || set->value.IsNull()) return body;  // nothing to lock
  if (!set->value.IsArray()) return InvalidArgumentError("field mqSet is not an array");
  std::size_t i = 0;
  for (const auto& mq : set->value.GetArray()) {
    std::string path = "mqSet[" + std::to_string(i++) + "]";
    if (!mq.IsObject()) return InvalidArgumentError("field " + path + " is not an object");
    LockedQueue queue;
    queue.topic = StringField(mq, "topic");
    if (queue.topic.empty()) return InvalidArgumentError("field " + path + ".topic is missing");
    queue.broker_name = StringField(mq, "brokerName");
    auto id = mq.FindMember("queueId");
    if (id == mq.MemberEnd() || !id->value.IsInt()) {
      return InvalidArgumentError("field " + path + ".queueId is missing or not an integer");
    }
    queue.queue_id = id->value.GetInt();
    body.queues.push_back(std::move(queue));
  }
  return body;
}

void WriteString(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void WriteQueue(Writer& w, std::string_view topic, std::string_view broker_name,
                std::int32_t queue_id) {
  // fastjson writes fields in alphabetical order; keep it, so keys compare byte for byte.
  w.StartObject();
  w.Key("brokerName");
  WriteString(w, broker_name);
  w.Key("queueId");
  w.Int(queue_id);
  w.Key("topic");
  WriteString(w, topic);
  w.EndObject();
}

std::string QueueJson(std::string_view topic, std::string_view broker_name, std::int32_t queue_id) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  WriteQueue(w, topic, broker_name, queue_id);
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

void ConsumerGroupProcessor::Register(TransportServer& server) {
  auto sync = [&](std::int32_t code,
                  RemotingCommand (ConsumerGroupProcessor::*handler)(const RemotingCommand&)) {
    server.RegisterHandler(
        code, [this, handler](const ConnectionPtr&, RemotingCommand request, Responder responder) {
          responder.Send((this->*handler)(request));
        });
  };
  sync(req::kLockBatchMq, &ConsumerGroupProcessor::LockBatch);
  sync(req::kUnlockBatchMq, &ConsumerGroupProcessor::UnlockBatch);
  sync(req::kGetConsumeStats, &ConsumerGroupProcessor::ConsumeStats);
  sync(req::kUpdateAndCreateSubscriptionGroup, &ConsumerGroupProcessor::UpdateSubscriptionGroup);
  server.RegisterHandler(req::kGetAllSubscriptionGroupConfig, [this](const ConnectionPtr&,
                                                                     RemotingCommand request,
                                                                     Responder responder) {
    RemotingCommand response = Reply(request, rc::kSuccess);
    response.body.Append(Buffer::FromString(context_.metadata.subscription_groups().ExportJson()));
    responder.Send(std::move(response));
  });
}

RemotingCommand ConsumerGroupProcessor::LockBatch(const RemotingCommand& request) {
  auto body = ParseLockBody(request.body.ToString());
  if (!body.ok()) {
    return Reply(request, rc::kSystemError,
                 "malformed LOCK_BATCH_MQ body: " + body.status().message());
  }
  std::set<LockedQueue> locked = locks_.TryLock(body->group, body->queues, body->client_id);
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("lockOKMQSet");
  w.StartArray();
  for (const LockedQueue& q : locked) WriteQueue(w, q.topic, q.broker_name, q.queue_id);
  w.EndArray();
  w.EndObject();
  RemotingCommand response = Reply(request, rc::kSuccess);
  response.body.Append(Buffer::FromString(std::string(buffer.GetString(), buffer.GetSize())));
  return response;
}

RemotingCommand ConsumerGroupProcessor::UnlockBatch(const RemotingCommand& request) {
  auto body = ParseLockBody(request.body.ToString());
  if (!body.ok()) {
    return Reply(request, rc::kSystemError,
                 "malformed UNLOCK_BATCH_MQ body: " + body.status().message());
  }
  locks_.Unlock(body->group, body->queues, body->client_id);
  return Reply(request, rc::kSuccess);
}

RemotingCommand ConsumerGroupProcessor::ConsumeStats(const RemotingCommand& request) {
  auto group = request.RequireExt("consumerGroup");
  if (!group.ok()) return Reply(request, rc::kSystemError, group.status().message());
  std::vector<std::string> topics;
  const std::string* only = request.FindExt("topic");
  std::vector<std::string> subscribed = context_.clients.SubscribedTopics(*group);
  if (only != nullptr && !only->empty()) {
    topics.push_back(*only);
  } else {
    std::set<std::string> all;
    for (std::string& t : context_.metadata.consumer_offsets().TopicsOf(*group)) all.insert(t);
    all.insert(subscribed.begin(), subscribed.end());
    for (const std::string& t : all) {
      // Online members define what the group consumes: an old offset of a topic no member
      // subscribes to any more is not progress (RocketMQ skips it too).
      if (!subscribed.empty() && !std::binary_search(subscribed.begin(), subscribed.end(), t)) {
        continue;
      }
      topics.push_back(t);
    }
  }
  std::vector<std::string> members = context_.clients.ConsumerIds(*group);
  std::int64_t now = context_.clock.WallMillis();
  const std::string& broker_name = context_.settings.name;
  double tps = 0;

  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  // Keys are objects (fastjson's Map<MessageQueue, OffsetWrapper>): written by hand.
  std::string out = "{\"offsetTable\":{";
  bool first = true;
  for (const std::string& topic : topics) {
    std::optional<TopicConfig> config = context_.metadata.topics().Find(topic);
    if (!config) continue;
    for (std::int32_t i = 0; i < config->read_queue_nums; ++i) {
      QueueId queue(i);
      std::int64_t broker_offset =
          std::max<std::int64_t>(context_.store.MaxOffset(topic, queue).value(), 0);
      std::int64_t consumer_offset = std::max<std::int64_t>(
          context_.metadata.consumer_offsets().Query(*group, topic, queue).value_or(0), 0);
      std::int64_t last_timestamp = 0;
      if (consumer_offset > 0) {
        auto t = context_.store.StoreTimestamp(topic, queue, QueueOffset(consumer_offset - 1));
        if (t.ok() && *t > 0) last_timestamp = *t;
      }
      std::optional<std::string> client = locks_.Holder(*group, topic, i);
      if (!client) {
        auto puller = context_.activity.LastPuller(*group, topic, i);
        if (puller && std::binary_search(members.begin(), members.end(), puller->client_id)) {
          client = puller->client_id;
        }
      }
      buffer.Clear();
      w.Reset(buffer);
      w.StartObject();
      w.Key("brokerOffset");
      w.Int64(broker_offset);
      w.Key("consumerOffset");
      w.Int64(consumer_offset);
      w.Key("lastTimestamp");
      w.Int64(last_timestamp);
      if (client) {
        w.Key("clientId");
        WriteString(w, *client);
      }
      w.EndObject();
      if (!first) out.push_back(',');
      first = false;
      out += QueueJson(topic, broker_name, i);
      out.push_back(':');
      out.append(buffer.GetString(), buffer.GetSize());
    }
    tps += context_.activity.Tps(*group, topic, now);
  }
  out += "},\"consumeTps\":";
  buffer.Clear();
  w.Reset(buffer);
  w.Double(tps);
  out.append(buffer.GetString(), buffer.GetSize());
  out += "}";
  RemotingCommand response = Reply(request, rc::kSuccess);
  response.body.Append(Buffer::FromString(std::move(out)));
  return response;
}

RemotingCommand ConsumerGroupProcessor::UpdateSubscriptionGroup(const RemotingCommand& request) {
  auto config = SubscriptionGroupTable::ParseConfigJson(request.body.ToString());
  if (!config.ok()) {
    return Reply(
        request, rc::kSystemError,
        "malformed UPDATE_AND_CREATE_SUBSCRIPTIONGROUP body: " + config.status().message());
  }
  if (Status s = ValidateTopicName(std::string(kRetryGroupTopicPrefix) + config->group_name);
      !s.ok()) {
    return Reply(request, rc::kSystemError,
                 "the consumer group name [" + config->group_name + "] is illegal");
  }
  if (context_.metadata.subscription_groups().Upsert(*config)) {
    Status s = context_.metadata.PersistSubscriptionGroups();
    if (!s.ok()) return Reply(request, rc::kSystemError, s.ToString());
    if (context_.logger) {
      context_.logger->info("subscription group {} updated: retryMaxTimes {}, retryQueueNums {}",
                            config->group_name, config->retry_max_times, config->retry_queue_nums);
    }
  }
  return Reply(request, rc::kSuccess);
}

}  // namespace quiver::broker
