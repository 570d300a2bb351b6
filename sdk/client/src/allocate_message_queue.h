#pragma once
// Internal: how a consumer group divides a topic's queues among its members (RocketMQ's
// AllocateMessageQueueAveragely and AllocateMessageQueueAveragelyByCircle;
// rocketmq-protocol.md §9.5). Every member computes its own share from the same sorted
// inputs, so the shares are disjoint and cover every queue without any coordination.
// Pure functions.

#include <string>
#include <vector>

#include "quiver/client/message.h"

namespace quiver::inline v1::client::internal {

// `all_queues` sorted by (topic, broker name, queue id) and `all_consumers` sorted
// lexicographically (the caller sorts both). Returns nothing when `consumer_id` is not in
// `all_consumers` (it has not heartbeated yet) or either list is empty.
//
// Averagely: contiguous blocks; the first n % c members take one queue more. n=8, c=3:
// c0 q0-2, c1 q3-5, c2 q6-7.
std::vector<MessageQueue> AllocateAveragely(const std::string& consumer_id,
                                            const std::vector<MessageQueue>& all_queues,
                                            const std::vector<std::string>& all_consumers);
// By circle (round robin): member i takes queues i, i + c, i + 2c, ... n=8, c=3:
// c0 q0,q3,q6, c1 q1,q4,q7, c2 q2,q5.
std::vector<MessageQueue> AllocateByCircle(const std::string& consumer_id,
                                           const std::vector<MessageQueue>& all_queues,
                                           const std::vector<std::string>& all_consumers);

}  // namespace quiver::inline v1::client::internal
