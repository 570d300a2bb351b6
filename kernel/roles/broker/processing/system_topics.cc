#include "kernel/roles/broker/processing/system_topics.h"

#include <spdlog/logger.h>

namespace quiver::broker {

TopicConfig CreateTopicIfAbsent(ProcessingContext& context, std::string_view topic,
                                std::int32_t queues, std::int32_t perm) {
  if (auto found = context.metadata.topics().Find(topic)) return *found;
  TopicConfig config;
  config.topic_name = std::string(topic);
  config.read_queue_nums = config.write_queue_nums = queues;
  config.perm = perm;
  auto [result, created] = context.metadata.topics().CreateIfAbsent(config);
  if (created) {
    if (context.logger) {
      context.logger->info("created topic {} with {} queues, perm {}", topic, queues, perm);
    }
    Status s = context.topics_changed();
    if (!s.ok() && context.logger) {
      context.logger->error("persisting topics after creating {}: {}", topic, s.ToString());
    }
  }
  return result;
}

}  // namespace quiver::broker
