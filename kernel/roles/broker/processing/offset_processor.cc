#include "kernel/roles/broker/processing/offset_processor.h"

#include "quiver/protocol/codes.h"

namespace quiver::broker {

namespace rc = protocol::response_code;
namespace req = protocol::request_code;
using protocol::RemotingCommand;

namespace {

// Parses the (topic, queueId) pair most of these requests carry.
struct QueueRef {
  std::string topic;
  QueueId queue_id{0};
};

StatusOr<QueueRef> ParseQueue(const RemotingCommand& request) {
  QUIVER_ASSIGN_OR_RETURN(std::string topic, request.RequireExt("topic"));
  QUIVER_ASSIGN_OR_RETURN(std::int64_t queue_id, request.RequireExtInt("queueId"));
  if (queue_id < 0 || queue_id > INT32_MAX) {
    return InvalidArgumentError("the custom field queueId is out of range: " +
                                std::to_string(queue_id));
  }
  return QueueRef{std::move(topic), QueueId(static_cast<std::int32_t>(queue_id))};
}

}  // namespace

void OffsetProcessor::Register(TransportServer& server) {
  auto bind = [&](std::int32_t code,
                  RemotingCommand (OffsetProcessor::*method)(const RemotingCommand&)) {
    server.RegisterHandler(
        code, [this, method](const ConnectionPtr&, RemotingCommand request, Responder responder) {
          responder.Send((this->*method)(request));
        });
  };
  bind(req::kQueryConsumerOffset, &OffsetProcessor::QueryConsumerOffset);
  bind(req::kUpdateConsumerOffset, &OffsetProcessor::UpdateConsumerOffset);
  bind(req::kGetMaxOffset, &OffsetProcessor::QueueOffsets);
  bind(req::kGetMinOffset, &OffsetProcessor::QueueOffsets);
  bind(req::kSearchOffsetByTimestamp, &OffsetProcessor::QueueOffsets);
  bind(req::kGetEarliestMsgStoretime, &OffsetProcessor::QueueOffsets);
  bind(req::kViewMessageById, &OffsetProcessor::ViewMessage);
}

RemotingCommand OffsetProcessor::QueryConsumerOffset(const RemotingCommand& request) {
  auto group = request.RequireExt("consumerGroup");
  if (!group.ok()) return Reply(request, rc::kSystemError, group.status().message());
  auto queue = ParseQueue(request);
  if (!queue.ok()) return Reply(request, rc::kSystemError, queue.status().message());
  std::optional<std::int64_t> stored =
      context_.metadata.consumer_offsets().Query(*group, queue->topic, queue->queue_id);
  if (!stored && context_.store.MinOffset(queue->topic, queue->queue_id).value() <= 0) {
    stored = 0;
  }
  if (!stored) {
    return Reply(request, rc::kQueryNotFound,
                 "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first");
  }
  RemotingCommand response = Reply(request, rc::kSuccess);
  response.SetExt("offset", *stored);
  return response;
}

RemotingCommand OffsetProcessor::UpdateConsumerOffset(const RemotingCommand& request) {
  auto group = request.RequireExt("consumerGroup");
  if (!group.ok()) return Reply(request, rc::kSystemError, group.status().message());
  auto queue = ParseQueue(request);
  if (!queue.ok()) return Reply(request, rc::kSystemError, queue.status().message());
  auto offset = request.RequireExtInt("commitOffset");
  if (!offset.ok()) return Reply(request, rc::kSystemError, offset.status().message());
  if (*offset >= 0) {
    context_.metadata.consumer_offsets().Commit(*group, queue->topic, queue->queue_id, *offset);
  }
  return Reply(request, rc::kSuccess);
}

RemotingCommand OffsetProcessor::QueueOffsets(const RemotingCommand& request) {
  auto queue = ParseQueue(request);
  if (!queue.ok()) return Reply(request, rc::kSystemError, queue.status().message());
  const MessageStore& store = context_.store;
  RemotingCommand response = Reply(request, rc::kSuccess);
  switch (request.code) {
    case req::kGetMaxOffset:
      response.SetExt("offset", store.MaxOffset(queue->topic, queue->queue_id).value());
      break;
    case req::kGetMinOffset:
      response.SetExt("offset", store.MinOffset(queue->topic, queue->queue_id).value());
      break;
    case req::kSearchOffsetByTimestamp: {
      auto timestamp = request.RequireExtInt("timestamp");
      if (!timestamp.ok()) return Reply(request, rc::kSystemError, timestamp.status().message());
      response.SetExt("offset",
                      store.OffsetByTimestamp(queue->topic, queue->queue_id, *timestamp).value());
      break;
    }
    case req::kGetEarliestMsgStoretime: {
      QueueOffset min = store.MinOffset(queue->topic, queue->queue_id);
      auto timestamp = store.StoreTimestamp(queue->topic, queue->queue_id, min);
      if (!timestamp.ok() && timestamp.status().code() != StatusCode::kNotFound) {
        return Reply(request, rc::kSystemError, timestamp.status().ToString());
      }
      response.SetExt("timestamp", timestamp.ok() ? *timestamp : std::int64_t{-1});
      break;
    }
    default:
      return Reply(request, rc::kRequestCodeNotSupported, "unexpected request code");
  }
  return response;
}

RemotingCommand OffsetProcessor::ViewMessage(const RemotingCommand& request) {
  auto offset = request.RequireExtInt("offset");
  if (!offset.ok()) return Reply(request, rc::kSystemError, offset.status().message());
  auto record = context_.store.ReadRecord(CommitLogOffset(*offset));
  if (!record.ok()) {
    if (record.status().code() == StatusCode::kNotFound) {
      return Reply(request, rc::kSystemError,
                   "can not find message by the offset, " + std::to_string(*offset));
    }
    return Reply(request, rc::kSystemError, record.status().ToString());
  }
  RemotingCommand response = Reply(request, rc::kSuccess);
  response.body.Append(*record);
  return response;
}

}  // namespace quiver::broker
