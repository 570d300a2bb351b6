#pragma once
// CONSUMER_SEND_MSG_BACK (36): a consumer hands back a message it failed to consume
// (RocketMQ's SendMessageProcessor.asyncConsumerSendMsgBack; rocketmq-protocol.md §2.3,
// §9.6).
//
// Header: offset* (commit-log offset of the failed message), group*, delayLevel* (0 = the
// broker picks 3 + reconsumeTimes; < 0 = straight to the DLQ), originMsgId, originTopic,
// unitMode, maxReconsumeTimes (else the group's retryMaxTimes, default 16).
// The original record is read by its commit-log offset and re-sent to %RETRY%<group>
// (created with the group's retryQueueNums, perm rw) with its body, flag, keys, tags and
// properties, reconsumeTimes + 1, RETRY_TOPIC = the original topic (set once) and
// ORIGIN_MESSAGE_ID = the first offsetMsgId it had (kept across retries), through
// SCHEDULE_TOPIC_XXXX with the delay level. When its reconsumeTimes already reached the
// maximum, or delayLevel < 0, it goes to %DLQ%<group> instead (1 queue, PERM_WRITE only,
// as RocketMQ), without delay.
// Codes: 0 stored; 1 a missing or malformed header field (named), no record at `offset`
// ("look message by offset failed, N"), or a store error; 16 this broker is a slave or the
// retry/DLQ topic is not writable; 26 a group this broker never saw (no HEART_BEAT, no
// UPDATE_AND_CREATE_SUBSCRIPTIONGROUP); 14 the replicator refuses (not master).
//
// Thread safety: Handle may run on any I/O thread concurrently.

#include <atomic>
#include <cstdint>

#include "kernel/roles/broker/processing/processing_context.h"

namespace quiver::broker {

class SendBackProcessor {
 public:
  explicit SendBackProcessor(ProcessingContext& context) : context_(context) {}

  void Register(TransportServer& server);
  void Handle(const ConnectionPtr& connection, protocol::RemotingCommand request,
              Responder responder);

 private:
  ProcessingContext& context_;
  std::atomic<std::uint32_t> round_robin_{0};
};

}  // namespace quiver::broker
