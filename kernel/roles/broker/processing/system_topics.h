#pragma once
// Topics the broker creates by itself (RocketMQ's createTopicInSendMessageBackMethod):
// %RETRY%<group> and %DLQ%<group> on send-back and DLQ routing, SCHEDULE_TOPIC_XXXX on the
// first delayed message. A created topic is persisted and published at once (hot change).
// Thread safety: any thread.

#include <cstdint>
#include <string>
#include <string_view>

#include "kernel/roles/broker/processing/processing_context.h"

namespace quiver::broker {

// RocketMQ's MixAll.DLQ_NUMS_PER_GROUP.
inline constexpr std::int32_t kDlqQueuesPerGroup = 1;

inline std::string RetryTopicOf(std::string_view group) {
  return std::string(kRetryGroupTopicPrefix) + std::string(group);
}
inline std::string DlqTopicOf(std::string_view group) {
  return std::string(kDlqGroupTopicPrefix) + std::string(group);
}

// The config of `topic`, created with `queues` read/write queues and `perm` when absent.
TopicConfig CreateTopicIfAbsent(ProcessingContext& context, std::string_view topic,
                                std::int32_t queues, std::int32_t perm);

}  // namespace quiver::broker
