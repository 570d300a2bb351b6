#pragma once
// PULL_MESSAGE (11): reads up to maxMsgNums records of (topic, queue) from queueOffset,
// at most settings.max_transfer_count records and max_transfer_bytes bytes (the first
// record always goes, whatever its size), and answers with the records exactly as stored, concatenated as BufferList parts (the
// store's Buffers are passed through: no copy).
//
// Checks and codes: a missing or malformed header field -> 1 naming the field; unknown
// topic -> 17; topic not readable -> 16; queueId outside [0, readQueueNums) -> 1; a
// non-TAG expression (SQL92) -> 23; no subscription for (group, topic) -> 24 (the
// subscription comes from the group's HEART_BEAT data, or from the header when sysFlag
// bit 2 is set, as ali-ons does with 0x6/0x7).
// Store status -> code (rocketmq-protocol.md §5.7): FOUND 0; NO_MATCHED_MESSAGE 20;
// NO_MESSAGE_IN_QUEUE 21 unless the offset is 0 (19); OFFSET_OVERFLOW_ONE 19;
// OFFSET_OVERFLOW_BADLY 21; OFFSET_TOO_SMALL 21; OFFSET_FOUND_NULL 19. The remark is the
// status name; ext suggestWhichBrokerId (0), nextBeginOffset, minOffset, maxOffset.
// sysFlag bit 0 with commitOffset >= 0 commits the offset for the group (once, on a
// master; a negative commitOffset, which clients send for "none", is ignored).
// sysFlag bit 1 with nothing new (19): the pull is held (PullHoldService) up to
// min(suspendTimeoutMillis, settings.max_suspend) and re-run when a message arrives in
// the queue, or at the deadline (then typically 19).
//
// Thread safety: Handle may run on any I/O thread concurrently.

#include <memory>

#include "kernel/roles/broker/processing/processing_context.h"
#include "kernel/roles/broker/processing/pull_hold_service.h"

namespace quiver::broker {

class PullProcessor {
 public:
  PullProcessor(ProcessingContext& context, PullHoldService& holds)
      : context_(context), holds_(holds) {}

  void Register(TransportServer& server);
  void Handle(const ConnectionPtr& connection, protocol::RemotingCommand request,
              Responder responder);

 private:
  struct Call;
  void Run(const std::shared_ptr<Call>& call, bool allow_suspend);

  ProcessingContext& context_;
  PullHoldService& holds_;
};

}  // namespace quiver::broker
