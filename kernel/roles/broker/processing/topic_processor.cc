#include "kernel/roles/broker/processing/topic_processor.h"

#include <spdlog/logger.h>

#include "quiver/protocol/codes.h"

namespace quiver::broker {

namespace rc = protocol::response_code;
namespace req = protocol::request_code;
using protocol::RemotingCommand;

namespace {
constexpr std::int32_t kMaxQueues = 1024;
}

void TopicProcessor::Register(TransportServer& server) {
  server.RegisterHandler(req::kUpdateAndCreateTopic,
                         [this](const ConnectionPtr&, RemotingCommand request,
                                Responder responder) { responder.Send(UpdateAndCreate(request)); });
  server.RegisterHandler(
      req::kGetAllTopicConfig,
      [this](const ConnectionPtr&, RemotingCommand request, Responder responder) {
        RemotingCommand response = Reply(request, rc::kSuccess);
        response.body.Append(Buffer::FromString(context_.metadata.topics().ExportJson()));
        responder.Send(std::move(response));
      });
}

RemotingCommand TopicProcessor::UpdateAndCreate(const RemotingCommand& request) {
  auto topic = request.RequireExt("topic");
  if (!topic.ok()) return Reply(request, rc::kSystemError, topic.status().message());
  if (Status s = ValidateTopicName(*topic); !s.ok()) {
    return Reply(request, rc::kSystemError, s.message());
  }
  if (*topic == kAutoCreateTopicKey) {
    return Reply(request, rc::kSystemError,
                 "the topic[" + *topic + "] is conflict with the auto-create topic key");
  }
  TopicConfig config;
  config.topic_name = *topic;
  std::optional<TopicConfig> existing = context_.metadata.topics().Find(*topic);
  if (existing) config = *existing;
  std::int64_t read = 0, write = 0, permission = 0;
  for (auto [name, out] : {std::pair{"readQueueNums", &read}, std::pair{"writeQueueNums", &write},
                           std::pair{"perm", &permission}}) {
    auto value = request.RequireExtInt(name);
    if (!value.ok()) return Reply(request, rc::kSystemError, value.status().message());
    *out = *value;
  }
  for (auto [name, value] :
       {std::pair{"readQueueNums", read}, std::pair{"writeQueueNums", write}}) {
    if (value < 1 || value > kMaxQueues) {
      return Reply(request, rc::kSystemError,
                   std::string("the custom field ") + name + " must be in [1, " +
                       std::to_string(kMaxQueues) + "]: " + std::to_string(value));
    }
  }
  if (permission < 0 || permission > (perm::kInherit | perm::kReadWrite | perm::kPriority)) {
    return Reply(request, rc::kSystemError,
                 "the custom field perm is not a PermName value: " + std::to_string(permission));
  }
  auto sys_flag = request.GetExtInt("topicSysFlag", config.topic_sys_flag);
  if (!sys_flag.ok()) return Reply(request, rc::kSystemError, sys_flag.status().message());
  auto order = request.GetExtBool("order", config.order);
  if (!order.ok()) return Reply(request, rc::kSystemError, order.status().message());
  config.read_queue_nums = static_cast<std::int32_t>(read);
  config.write_queue_nums = static_cast<std::int32_t>(write);
  config.perm = static_cast<std::int32_t>(permission);
  config.topic_sys_flag = static_cast<std::int32_t>(*sys_flag);
  config.order = *order;
  if (const std::string* filter = request.FindExt("topicFilterType"); filter && !filter->empty()) {
    config.topic_filter_type = *filter;
  }
  if (context_.metadata.topics().Upsert(config)) {
    if (context_.logger) {
      context_.logger->info("topic {} {}: read {} write {} perm {}", *topic,
                            existing ? "updated" : "created", read, write, permission);
    }
    // Written here, not by topics_changed (which defers the write): the reply promises
    // the topic survives a crash.
    Status written = context_.metadata.PersistTopics(TopicsWrite::kNow);
    (void)context_.topics_changed();  // publishes; its deferred write finds nothing left
    if (!written.ok()) {
      return Reply(request, rc::kSystemError,
                   "the topic is changed in memory but " + written.message());
    }
  }
  return Reply(request, rc::kSuccess);
}

}  // namespace quiver::broker
