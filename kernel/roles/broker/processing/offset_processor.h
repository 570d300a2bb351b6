#pragma once
// Offsets and lookups:
//   QUERY_CONSUMER_OFFSET (14)      ext offset = the group's committed offset; with none,
//                                   0 when the queue still holds every message from 0
//                                   (min offset 0), else 22 QUERY_NOT_FOUND (§2.3; DESIGN §8:
//                                   a hot-expanded queue never makes a group skip messages)
//   UPDATE_CONSUMER_OFFSET (15)     commits commitOffset (negative: ignored); persisted by
//                                   BrokerProcessing every offset_flush_interval and on Stop
//   GET_MAX_OFFSET (30), GET_MIN_OFFSET (31), SEARCH_OFFSET_BY_TIMESTAMP (29): ext offset
//   GET_EARLIEST_MSG_STORETIME (32) ext timestamp (-1 for an empty queue)
//   VIEW_MESSAGE_BY_ID (33)         body = the record at commit-log offset `offset`;
//                                   1 "can not find message by the offset, N" when none
// Missing or malformed fields -> 1 SYSTEM_ERROR naming the field.
//
// Thread safety: handlers may run on any I/O thread concurrently.

#include "kernel/roles/broker/processing/processing_context.h"

namespace quiver::broker {

class OffsetProcessor {
 public:
  explicit OffsetProcessor(ProcessingContext& context) : context_(context) {}
  void Register(TransportServer& server);

 private:
  protocol::RemotingCommand QueryConsumerOffset(const protocol::RemotingCommand& request);
  protocol::RemotingCommand UpdateConsumerOffset(const protocol::RemotingCommand& request);
  protocol::RemotingCommand QueueOffsets(const protocol::RemotingCommand& request);
  protocol::RemotingCommand ViewMessage(const protocol::RemotingCommand& request);

  ProcessingContext& context_;
};

}  // namespace quiver::broker
