#include "kernel/roles/broker/processing/send_back_processor.h"

#include <spdlog/logger.h>

#include "kernel/roles/broker/processing/message_properties.h"
#include "kernel/roles/broker/processing/schedule_service.h"
#include "kernel/roles/broker/processing/system_topics.h"
#include "quiver/protocol/codes.h"
#include "quiver/protocol/message_id.h"
#include "quiver/protocol/message_record.h"

namespace quiver::broker {

namespace rc = protocol::response_code;
using protocol::RemotingCommand;

namespace {

// RocketMQ: the first retry waits level 3 (10 s by default), each further one a level more.
constexpr std::int32_t kFirstRetryDelayLevel = 3;

}  // namespace

void SendBackProcessor::Register(TransportServer& server) {
  server.RegisterHandler(
      protocol::request_code::kConsumerSendMsgBack,
      [this](const ConnectionPtr& connection, RemotingCommand request, Responder responder) {
        Handle(connection, std::move(request), std::move(responder));
      });
}

void SendBackProcessor::Handle(const ConnectionPtr& connection, RemotingCommand request,
                               Responder responder) {
  auto reject = [&](std::int32_t code, std::string remark) {
    responder.Send(Reply(request, code, std::move(remark)));
  };
  auto offset = request.RequireExtInt("offset");
  if (!offset.ok()) return reject(rc::kSystemError, offset.status().message());
  auto group = request.RequireExt("group");
  if (!group.ok()) return reject(rc::kSystemError, group.status().message());
  auto delay_level = request.RequireExtInt("delayLevel");
  if (!delay_level.ok()) return reject(rc::kSystemError, delay_level.status().message());
  std::optional<std::int64_t> max_times;
  if (const std::string* given = request.FindExt("maxReconsumeTimes");
      given != nullptr && !given->empty() && *given != "null") {
    auto value = request.GetExtInt("maxReconsumeTimes", 0);
    if (!value.ok()) return reject(rc::kSystemError, value.status().message());
    max_times = *value;
  }

  std::optional<SubscriptionGroupConfig> config =
      context_.metadata.subscription_groups().Find(*group);
  if (!config) {
    return reject(rc::kSubscriptionGroupNotExist,
                  "subscription group [" + *group + "] does not exist on broker " +
                      context_.settings.name + "; its consumers create it with their HEART_BEAT");
  }
  if (context_.replicator.Role() != ReplicaRole::kMaster) {
    return reject(rc::kNoPermission, "the broker[" + context_.settings.name +
                                         "] sending message is forbidden: it is not a master");
  }
  if (config->retry_queue_nums <= 0) {
    return responder.Send(Reply(request, rc::kSuccess));  // the group wants no retries
  }

  std::string topic = RetryTopicOf(*group);
  if (Status s = ValidateTopicName(topic); !s.ok()) return reject(rc::kSystemError, s.message());
  TopicConfig retry =
      CreateTopicIfAbsent(context_, topic, config->retry_queue_nums, perm::kReadWrite);
  if ((retry.perm & perm::kWrite) == 0) {
    return reject(rc::kNoPermission, "the topic[" + topic + "] sending message is forbidden");
  }

  auto record = context_.store.ReadRecord(CommitLogOffset(*offset));
  if (!record.ok()) {
    return reject(rc::kSystemError, "look message by offset failed, " + std::to_string(*offset) +
                                        ": " + record.status().message());
  }
  auto original = protocol::DecodeRecord({record->data(), record->size()}, protocol::CheckCrc::kNo);
  if (!original.ok()) {
    return reject(rc::kSystemError, "look message by offset failed, " + std::to_string(*offset) +
                                        ": " + original.status().message());
  }

  std::vector<std::pair<std::string_view, std::string>> set;
  std::vector<std::string_view> remove;
  if (!protocol::FindProperty(original->properties, kPropertyRetryTopic)) {
    set.emplace_back(kPropertyRetryTopic, std::string(original->topic));
  }
  if (auto origin = protocol::FindProperty(original->properties, kPropertyOriginMessageId);
      !origin || origin->empty()) {
    set.emplace_back(
        kPropertyOriginMessageId,
        protocol::EncodeOffsetMessageId(original->store_host, original->physical_offset));
  }
  std::int32_t level = static_cast<std::int32_t>(*delay_level);
  std::int32_t max = max_times ? static_cast<std::int32_t>(*max_times) : config->retry_max_times;
  std::int32_t queue_id = 0;
  if (original->reconsume_times >= max || level < 0) {
    topic = DlqTopicOf(*group);
    if (Status s = ValidateTopicName(topic); !s.ok()) return reject(rc::kSystemError, s.message());
    TopicConfig dlq = CreateTopicIfAbsent(context_, topic, kDlqQueuesPerGroup, perm::kWrite);
    if ((dlq.perm & perm::kWrite) == 0) {
      return reject(rc::kNoPermission, "the topic[" + topic + "] sending message is forbidden");
    }
    remove.push_back(kPropertyDelayLevel);
    level = 0;
  } else {
    if (level == 0) level = kFirstRetryDelayLevel + original->reconsume_times;
    set.emplace_back(kPropertyDelayLevel, std::to_string(level));
    queue_id =
        static_cast<std::int32_t>(round_robin_.fetch_add(1) %
                                  static_cast<std::uint32_t>(std::max(retry.write_queue_nums, 1)));
  }
  if (protocol::FindProperty(original->properties, kPropertyReconsumeTime)) {
    set.emplace_back(kPropertyReconsumeTime, std::to_string(original->reconsume_times + 1));
  }

  Message message;
  message.topic = topic;
  message.queue_id = QueueId(queue_id);
  message.flag = original->flag;
  message.sys_flag = original->sys_flag & ~(sys_flag::kBornHostV6 | sys_flag::kStoreHostV6);
  message.born_timestamp_ms = original->born_timestamp_ms;
  message.born_host = original->born_host;
  message.store_host = context_.store_host;
  message.reconsume_times = original->reconsume_times + 1;
  message.properties = EditProperties(original->properties, set, remove);
  message.tags_code = protocol::TagsCodeOf(message.properties);
  std::size_t body_at = static_cast<std::size_t>(original->body.data() - record->data());
  message.body = record->Slice(body_at, original->body.size());
  if (level > 0 &&
      ToScheduleTopic(message, context_.settings.delay_levels, context_.clock.WallMillis()) > 0) {
    CreateTopicIfAbsent(context_, kScheduleTopic,
                        static_cast<std::int32_t>(context_.settings.delay_levels.size()),
                        perm::kReadWrite);
  }
  if (context_.logger) {
    context_.logger->debug("send-back from {} (group {}): offset {} reconsumeTimes {} -> {}",
                           connection->RemoteAddress(), *group, *offset, original->reconsume_times,
                           topic);
  }
  MessageBatch batch;
  batch.messages.push_back(std::move(message));
  // May complete inline (async flush): the last statement, with no lock held.
  context_.replicator.Append(
      std::move(batch),
      [request = std::move(request), responder = std::move(responder),
       token = context_.tasks.Acquire()](StatusOr<ReplicatedAppend> result) mutable {
        if (result.ok()) {
          responder.Send(Reply(request, rc::kSuccess));
          return;
        }
        std::int32_t code = rc::kSystemError;
        switch (result.status().code()) {
          case StatusCode::kFailedPrecondition:
          case StatusCode::kUnavailable:
          case StatusCode::kResourceExhausted:
            code = rc::kServiceNotAvailable;
            break;
          default:
            break;
        }
        responder.Send(
            Reply(request, code, "sending the message back failed: " + result.status().ToString()));
      });
}

}  // namespace quiver::broker
