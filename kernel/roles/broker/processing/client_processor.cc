#include "kernel/roles/broker/processing/client_processor.h"

#include <spdlog/logger.h>

#include "quiver/protocol/codes.h"
#include "quiver/protocol/heartbeat_json.h"

namespace quiver::broker {

namespace rc = protocol::response_code;
namespace req = protocol::request_code;
using protocol::RemotingCommand;

void ClientProcessor::Register(TransportServer& server) {
  server.RegisterHandler(req::kHeartBeat, [this](const ConnectionPtr& connection,
                                                 RemotingCommand request, Responder responder) {
    responder.Send(Heartbeat(connection, request));
  });
  server.RegisterHandler(
      req::kUnregisterClient,
      [this](const ConnectionPtr& connection, RemotingCommand request, Responder responder) {
        responder.Send(Unregister(connection, request));
      });
  server.RegisterHandler(req::kGetConsumerListByGroup,
                         [this](const ConnectionPtr&, RemotingCommand request,
                                Responder responder) { responder.Send(ConsumerList(request)); });
  server.AddCloseListener(
      [this](const ConnectionPtr& connection) { context_.clients.OnConnectionClosed(connection); });
}

RemotingCommand ClientProcessor::Heartbeat(const ConnectionPtr& connection,
                                           const RemotingCommand& request) {
  auto heartbeat = protocol::DecodeHeartbeatData(request.body.ToString());
  if (!heartbeat.ok()) {
    return Reply(request, rc::kSystemError,
                 "malformed HEART_BEAT body: " + heartbeat.status().message());
  }
  bool topics_created = false;
  for (const protocol::ConsumerData& consumer : heartbeat->consumer_data_set) {
    if (consumer.group_name.empty()) continue;
    TopicConfig retry;
    retry.topic_name = std::string(kRetryGroupTopicPrefix) + consumer.group_name;
    if (!ValidateTopicName(retry.topic_name).ok()) {
      return Reply(request, rc::kSystemError,
                   "the consumer group name [" + consumer.group_name + "] is illegal");
    }
    retry.read_queue_nums = retry.write_queue_nums = 1;
    topics_created |= context_.metadata.topics().CreateIfAbsent(retry).second;
    // Every consumer group gets a subscription group (retryMaxTimes 16, ...), as
    // RocketMQ's autoCreateSubscriptionGroup.
    if (context_.metadata.subscription_groups().CreateIfAbsent(consumer.group_name).second) {
      Status s = context_.metadata.PersistSubscriptionGroups();
      if (!s.ok() && context_.logger) {
        context_.logger->error("persisting subscription groups: {}", s.ToString());
      }
    }
  }
  if (topics_created) {
    Status s = context_.topics_changed();
    if (!s.ok() && context_.logger) {
      context_.logger->error("persisting retry topics: {}", s.ToString());
    }
  }
  context_.clients.OnHeartbeat(connection, *heartbeat);
  return Reply(request, rc::kSuccess);
}

RemotingCommand ClientProcessor::Unregister(const ConnectionPtr& connection,
                                            const RemotingCommand& request) {
  auto client_id = request.RequireExt("clientID");
  if (!client_id.ok()) return Reply(request, rc::kSystemError, client_id.status().message());
  const std::string* producer = request.FindExt("producerGroup");
  const std::string* consumer = request.FindExt("consumerGroup");
  context_.clients.Unregister(connection, producer ? *producer : "", consumer ? *consumer : "");
  return Reply(request, rc::kSuccess);
}

RemotingCommand ClientProcessor::ConsumerList(const RemotingCommand& request) {
  auto group = request.RequireExt("consumerGroup");
  if (!group.ok()) return Reply(request, rc::kSystemError, group.status().message());
  std::vector<std::string> ids = context_.clients.ConsumerIds(*group);
  if (ids.empty()) return Reply(request, rc::kSystemError, "no consumer for this group, " + *group);
  RemotingCommand response = Reply(request, rc::kSuccess);
  response.body.Append(Buffer::FromString(protocol::EncodeConsumerIdList(ids)));
  return response;
}

}  // namespace quiver::broker
