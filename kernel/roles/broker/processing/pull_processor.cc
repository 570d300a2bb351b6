#include "kernel/roles/broker/processing/pull_processor.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "quiver/protocol/codes.h"
#include "quiver/protocol/heartbeat_json.h"

namespace quiver::broker {

namespace rc = protocol::response_code;
using protocol::RemotingCommand;

namespace {

constexpr std::int32_t kPullCommitOffset = 0x1;
constexpr std::int32_t kPullSuspend = 0x2;
constexpr std::int32_t kPullSubscription = 0x4;

const char* StatusName(ReadStatus status) {
  switch (status) {
    case ReadStatus::kFound:
      return "FOUND";
    case ReadStatus::kNoMatchedMessage:
      return "NO_MATCHED_MESSAGE";
    case ReadStatus::kNoMessageInQueue:
      return "NO_MESSAGE_IN_QUEUE";
    case ReadStatus::kOffsetOverflowOne:
      return "OFFSET_OVERFLOW_ONE";
    case ReadStatus::kOffsetOverflowBadly:
      return "OFFSET_OVERFLOW_BADLY";
    case ReadStatus::kOffsetTooSmall:
      return "OFFSET_TOO_SMALL";
    case ReadStatus::kOffsetFoundNull:
      return "OFFSET_FOUND_NULL";
  }
  return "UNKNOWN";
}

std::int32_t CodeOf(ReadStatus status, QueueOffset requested) {
  switch (status) {
    case ReadStatus::kFound:
      return rc::kSuccess;
    case ReadStatus::kNoMatchedMessage:
      return rc::kPullRetryImmediately;
    case ReadStatus::kNoMessageInQueue:
      return requested.value() != 0 ? rc::kPullOffsetMoved : rc::kPullNotFound;
    case ReadStatus::kOffsetOverflowOne:
      return rc::kPullNotFound;
    case ReadStatus::kOffsetOverflowBadly:
      return rc::kPullOffsetMoved;
    case ReadStatus::kOffsetTooSmall:
      return rc::kPullOffsetMoved;
    case ReadStatus::kOffsetFoundNull:
      return rc::kPullNotFound;
  }
  return rc::kSystemError;
}

}  // namespace

struct PullProcessor::Call {
  ConnectionPtr connection;
  RemotingCommand request;
  Responder responder;
  std::string group;
  std::string topic;
  QueueId queue_id{0};
  QueueOffset offset{0};
  std::int32_t max_messages = 1;
  std::vector<std::int64_t> tag_codes;
  TimePoint deadline;
};

void PullProcessor::Register(TransportServer& server) {
  server.RegisterHandler(
      protocol::request_code::kPullMessage,
      [this](const ConnectionPtr& connection, RemotingCommand request, Responder responder) {
        Handle(connection, std::move(request), std::move(responder));
      });
}

void PullProcessor::Handle(const ConnectionPtr& connection, RemotingCommand request,
                           Responder responder) {
  auto reject = [&](std::int32_t code, std::string remark) {
    responder.Send(Reply(request, code, std::move(remark)));
  };
  if (!context_.replicator.ServesReads()) {
    // RocketMQ: a slave with slaveReadEnable = false answers PULL_RETRY_IMMEDIATELY and
    // points the consumer back at the master.
    RemotingCommand response = Reply(request, rc::kPullRetryImmediately,
                                     "this broker is a slave that does not serve reads "
                                     "(slave_read = false); pull from the master");
    response.SetExt("suggestWhichBrokerId", std::int64_t{0});
    responder.Send(std::move(response));
    return;
  }
  auto call = std::make_shared<Call>();
  std::int64_t queue_id = 0, offset = 0, max_messages = 0, sys_flag = 0, commit_offset = -1,
               suspend_ms = 0;
  {
    auto group = request.RequireExt("consumerGroup");
    if (!group.ok()) return reject(rc::kSystemError, group.status().message());
    auto topic = request.RequireExt("topic");
    if (!topic.ok()) return reject(rc::kSystemError, topic.status().message());
    call->group = *group;
    call->topic = *topic;
    for (auto [name, out] :
         {std::pair{"queueId", &queue_id}, std::pair{"queueOffset", &offset},
          std::pair{"maxMsgNums", &max_messages}, std::pair{"sysFlag", &sys_flag}}) {
      auto value = request.RequireExtInt(name);
      if (!value.ok()) return reject(rc::kSystemError, value.status().message());
      *out = *value;
    }
    for (auto [name, out] : {std::pair{"commitOffset", &commit_offset},
                             std::pair{"suspendTimeoutMillis", &suspend_ms}}) {
      auto value = request.GetExtInt(name, *out);
      if (!value.ok()) return reject(rc::kSystemError, value.status().message());
      *out = *value;
    }
  }
  std::optional<TopicConfig> topic = context_.metadata.topics().Find(call->topic);
  if (!topic) {
    return reject(rc::kTopicNotExist, "topic[" + call->topic + "] not exist, apply first please!");
  }
  if ((topic->perm & perm::kRead) == 0) {
    return reject(rc::kNoPermission, "the topic[" + call->topic + "] pulling message is forbidden");
  }
  if (queue_id < 0 || queue_id >= topic->read_queue_nums) {
    return reject(rc::kSystemError,
                  "queueId[" + std::to_string(queue_id) + "] is illegal, topic:[" + call->topic +
                      "] topicConfig.readQueueNums:[" + std::to_string(topic->read_queue_nums) +
                      "] consumer:[" + connection->RemoteAddress() + "]");
  }
  if (offset < 0) {
    return reject(rc::kSystemError,
                  "the custom field queueOffset is negative: " + std::to_string(offset));
  }
  call->queue_id = QueueId(static_cast<std::int32_t>(queue_id));
  call->offset = QueueOffset(offset);
  call->max_messages = static_cast<std::int32_t>(
      std::clamp<std::int64_t>(max_messages, 1, context_.settings.max_transfer_count));

  // The subscription: from the header (sysFlag bit 2) or from the group's heartbeats.
  protocol::SubscriptionData subscription;
  if ((sys_flag & kPullSubscription) != 0) {
    const std::string* type = request.FindExt("expressionType");
    if (type != nullptr && !type->empty() && *type != protocol::kExpressionTypeTag) {
      return reject(rc::kSubscriptionParseFailed,
                    "expression type " + *type + " is not supported, only TAG");
    }
    const std::string* expression = request.FindExt("subscription");
    subscription = protocol::BuildTagSubscription(call->topic, expression ? *expression : "*", 0);
  } else {
    if (!context_.clients.HasConsumerGroup(call->group)) {
      return reject(rc::kSubscriptionNotExist, "the consumer's group info not exist, group " +
                                                   call->group + " (send HEART_BEAT first)");
    }
    auto found = context_.clients.FindSubscription(call->group, call->topic);
    if (!found) {
      return reject(rc::kSubscriptionNotExist, "the consumer's subscription not exist, group " +
                                                   call->group + " topic " + call->topic);
    }
    if (found->expression_type != protocol::kExpressionTypeTag && !found->expression_type.empty()) {
      return reject(rc::kSubscriptionParseFailed,
                    "expression type " + found->expression_type + " is not supported, only TAG");
    }
    subscription = std::move(*found);
  }
  if (!protocol::SubscribesAll(subscription)) {
    for (std::int32_t code : subscription.code_set) call->tag_codes.push_back(code);
    if (call->tag_codes.empty()) {
      // A hand-written heartbeat may carry tags without codes.
      subscription = protocol::BuildTagSubscription(call->topic, subscription.sub_string, 0);
      for (std::int32_t code : subscription.code_set) call->tag_codes.push_back(code);
    }
  }

  if ((sys_flag & kPullCommitOffset) != 0 && commit_offset >= 0 &&
      context_.replicator.Role() == ReplicaRole::kMaster) {
    context_.metadata.consumer_offsets().Commit(call->group, call->topic, call->queue_id,
                                                commit_offset);
  }

  Duration suspend = std::chrono::milliseconds(std::max<std::int64_t>(suspend_ms, 0));
  suspend = std::min(suspend, context_.settings.max_suspend);
  call->deadline = context_.clock.Now() + suspend;
  call->connection = connection;
  call->request = std::move(request);
  call->responder = std::move(responder);
  Run(call, (sys_flag & kPullSuspend) != 0 && suspend > Duration::zero());
}

void PullProcessor::Run(const std::shared_ptr<Call>& call, bool allow_suspend) {
  ReadRequest read;
  read.topic = call->topic;
  read.queue_id = call->queue_id;
  read.offset = call->offset;
  read.max_messages = call->max_messages;
  read.max_bytes = context_.settings.max_transfer_bytes;
  read.tag_codes = call->tag_codes;
  StatusOr<ReadResult> result = context_.store.Read(read);
  if (!result.ok()) {
    call->responder.Send(Reply(call->request, rc::kSystemError,
                               "reading the store failed: " + result.status().ToString()));
    return;
  }
  std::int32_t code = CodeOf(result->status, call->offset);
  if (code == rc::kPullNotFound && allow_suspend) {
    holds_.Hold(call->topic, call->queue_id, call->offset, call->deadline,
                [this, call](HoldEnd end) {
                  Run(call, end == HoldEnd::kArrived && context_.clock.Now() < call->deadline);
                });
    return;
  }
  RemotingCommand response = Reply(call->request, code, StatusName(result->status));
  // Cold data (far behind the max offset) is suggested to a slave (§7.4); 0 otherwise.
  response.SetExt("suggestWhichBrokerId",
                  code == rc::kSuccess
                      ? context_.replicator.SuggestReadBroker(result->last_physical_offset,
                                                              result->max_physical_offset)
                      : std::int64_t{0});
  response.SetExt("nextBeginOffset", result->next_offset.value());
  response.SetExt("minOffset", result->min_offset.value());
  response.SetExt("maxOffset", result->max_offset.value());
  if (code == rc::kSuccess) {
    for (const Buffer& record : result->records) response.body.Append(record);
    context_.stats.AddGet(static_cast<std::int64_t>(result->records.size()),
                          context_.clock.WallMillis());
  }
  context_.activity.OnPull(
      call->group, call->topic, call->queue_id.value(),
      context_.clients.ClientIdOf(call->connection, call->group),
      code == rc::kSuccess ? static_cast<std::int64_t>(result->records.size()) : 0,
      context_.clock.WallMillis());
  call->responder.Send(std::move(response));
}

}  // namespace quiver::broker
