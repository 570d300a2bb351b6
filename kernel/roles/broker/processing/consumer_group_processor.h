#pragma once
// Consumer-group requests beyond heartbeats: orderly consumers' queue locks, consume
// statistics and subscription groups.
//   LOCK_BATCH_MQ (41)    body LockBatchRequestBody {"consumerGroup","clientId",
//                         "mqSet":[{"topic","brokerName","queueId"}]}; locks (or renews)
//                         the queues that are free, expired (60 s without renewal) or
//                         already the client's (QueueLockTable); response body
//                         {"lockOKMQSet":[...]} = the queues the client now holds.
//   UNLOCK_BATCH_MQ (42)  same body; releases the queues the client holds; SUCCESS.
//   GET_CONSUME_STATS (208) consumerGroup*, topic (optional); body RocketMQ's ConsumeStats
//                         as fastjson writes it, MessageQueue objects as map keys:
//                         {"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:
//                           {"brokerOffset":9,"consumerOffset":7,"lastTimestamp":1700...,
//                            "clientId":"10.0.0.9@42"}},"consumeTps":1.5}
//                         Topics: `topic`, else those the group has offsets for plus those
//                         its online members subscribe to; while members are online, only
//                         the subscribed ones (as AdminBrokerProcessor.getConsumeStats).
//                         Per readable queue: brokerOffset = max offset, consumerOffset =
//                         committed (0 if none), lastTimestamp = store time of the message
//                         before consumerOffset (0 if none). "clientId" is a Quiver
//                         extension (Java's fastjson ignores it): the client holding the
//                         queue's lock, else the group member that pulled it last, else
//                         absent. consumeTps = messages pulled per second over the last
//                         minute, summed over the topics. An unknown group gets an empty
//                         table, as in RocketMQ.
//   UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200) body SubscriptionGroupConfig JSON; persisted.
//   GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201) body = subscriptionGroup.json content.
// A missing header field or a malformed body -> 1 (SYSTEM_ERROR) saying what and where.
//
// Thread safety: handlers may run on any I/O thread concurrently.

#include <string>

#include "kernel/roles/broker/processing/processing_context.h"
#include "kernel/roles/broker/processing/queue_lock_table.h"

namespace quiver::broker {

class ConsumerGroupProcessor {
 public:
  explicit ConsumerGroupProcessor(ProcessingContext& context)
      : context_(context), locks_(context.clock, context.settings.queue_lock_expiry) {}

  void Register(TransportServer& server);

  protocol::RemotingCommand LockBatch(const protocol::RemotingCommand& request);
  protocol::RemotingCommand UnlockBatch(const protocol::RemotingCommand& request);
  protocol::RemotingCommand ConsumeStats(const protocol::RemotingCommand& request);
  protocol::RemotingCommand UpdateSubscriptionGroup(const protocol::RemotingCommand& request);

  QueueLockTable& locks() { return locks_; }

 private:
  ProcessingContext& context_;
  QueueLockTable locks_;
};

}  // namespace quiver::broker
