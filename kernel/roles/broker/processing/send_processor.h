#pragma once
// SEND_MESSAGE (10), SEND_MESSAGE_V2 (310, fields renamed a..n) and SEND_BATCH_MESSAGE
// (320, body = messages encoded as in rocketmq-protocol.md §4.4).
//
// A send is checked (header fields, topic name and existence, write permission, queue id,
// sizes), turned into a MessageBatch stamped with the store host (the advertised address),
// the born host (the connection's peer) and the tag code (Java hashCode of TAGS), and handed
// to the Replicator; the response is sent from its completion, never blocking the I/O
// thread. That completion may run inline, inside Handle (an async-flush store completes on
// the appending thread, storage.h): the response is then written by the I/O thread that
// read the request, and Handle touches nothing after handing the batch over. Response codes:
//   0 / 10 / 12 / 11  stored; SendOutcome kOk / kFlushDiskTimeout / kFlushSlaveTimeout /
//                     kSlaveNotAvailable
//   1  SYSTEM_ERROR   a missing or malformed header field (the remark names it, as
//                     RocketMQ's "the custom field topic is null"), an illegal topic name
//                     or queue id, a batch body that cannot be decoded, a store error
//   13 MESSAGE_ILLEGAL body (batch: whole body) over max_message_size, properties over
//                     32767 bytes, or the store rejecting the record as invalid
//   14 SERVICE_NOT_AVAILABLE  the replicator refuses ("not master": a slave/follower) or
//                     is unavailable, or the disk is full: Java producers retry these on
//                     another broker
//   16 NO_PERMISSION  the topic is not writable, or a transaction (prepared) message:
//                     transactions are not supported yet
//   17 TOPIC_NOT_EXIST the topic does not exist and auto_create_topic is off
// Responses always carry extFields (Java clients dereference them): MSG_REGION and
// TRACE_ON always; msgId (offsetMsgId; comma-joined for a batch), queueId, queueOffset
// (the first message's) and, when the message has UNIQ_KEY, transactionId on success.
//
// A single message with DELAY=n > 0 is stored in SCHEDULE_TOPIC_XXXX for delayed delivery
// (schedule_service.h); the response's queueOffset is then its offset there. A batch
// entry with DELAY > 0 gets 13 (as RocketMQ). A message to %RETRY%<group> whose
// reconsumeTimes reached the group's retryMaxTimes (or its MAX_RECONSUME_TIMES property)
// goes to %DLQ%<group> (created with 1 write-only queue), as RocketMQ's
// handleRetryAndDLQ. No broker-side UNIQ_KEY is added (as Java); the broker adds the
// CLUSTER property as Java does.
//
// Thread safety: Handle may run on any I/O thread concurrently.

#include <atomic>
#include <cstdint>
#include <optional>

#include "kernel/roles/broker/processing/processing_context.h"

namespace quiver::broker {

namespace send_detail {
struct SendHeader;
struct Rejection;
}  // namespace send_detail

class SendProcessor {
 public:
  explicit SendProcessor(ProcessingContext& context) : context_(context) {}

  void Register(TransportServer& server);
  void Handle(const ConnectionPtr& connection, protocol::RemotingCommand request,
              Responder responder);

 private:
  std::optional<send_detail::Rejection> RouteRetryToDlq(send_detail::SendHeader& header);

  ProcessingContext& context_;
  std::atomic<std::uint32_t> round_robin_{0};
};

}  // namespace quiver::broker
