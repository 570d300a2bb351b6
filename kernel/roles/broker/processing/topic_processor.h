#pragma once
// Topic administration:
//   UPDATE_AND_CREATE_TOPIC (17)  topic*, readQueueNums*, writeQueueNums*, perm*,
//                                 topicFilterType, topicSysFlag, order; creates or updates
//                                 the topic, writes topics.json before answering (success
//                                 means the topic is on disk, unlike topics created by a
//                                 send, whose write is deferred) and publishes the new
//                                 registration at once (a hot change). 1 for an illegal
//                                 name (or TBW102), queue counts < 1 or > 1024, a missing
//                                 field, or a failed write.
//   GET_ALL_TOPIC_CONFIG (21)     body = topics.json content (topicConfigTable + dataVersion)
//
// Thread safety: handlers may run on any I/O thread concurrently.

#include "kernel/roles/broker/processing/processing_context.h"

namespace quiver::broker {

class TopicProcessor {
 public:
  explicit TopicProcessor(ProcessingContext& context) : context_(context) {}
  void Register(TransportServer& server);

 private:
  protocol::RemotingCommand UpdateAndCreate(const protocol::RemotingCommand& request);

  ProcessingContext& context_;
};

}  // namespace quiver::broker
