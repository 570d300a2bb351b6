#pragma once
// Client bookkeeping requests (ClientManager holds the state):
//   HEART_BEAT (34)                 body HeartbeatData JSON; registers producer and consumer
//                                   groups, creates each consumer group's retry topic
//                                   %RETRY%<group> (1 queue, published at once) and its
//                                   subscription group (retryMaxTimes 16, persisted in
//                                   subscriptionGroup.json); response
//                                   SUCCESS with version 401; a malformed body -> 1 naming
//                                   the problem
//   UNREGISTER_CLIENT (35)          clientID*, producerGroup, consumerGroup
//   GET_CONSUMER_LIST_BY_GROUP (38) consumerGroup*; body {"consumerIdList":[...]} or 1
//                                   "no consumer for this group, G"
// and connection close: the connection leaves every group. Membership or subscription
// changes send NOTIFY_CONSUMER_IDS_CHANGED to the group's members (ClientManager).
//
// Thread safety: handlers may run on any I/O thread concurrently.

#include "kernel/roles/broker/processing/processing_context.h"

namespace quiver::broker {

class ClientProcessor {
 public:
  explicit ClientProcessor(ProcessingContext& context) : context_(context) {}
  void Register(TransportServer& server);

 private:
  protocol::RemotingCommand Heartbeat(const ConnectionPtr& connection,
                                      const protocol::RemotingCommand& request);
  protocol::RemotingCommand Unregister(const ConnectionPtr& connection,
                                       const protocol::RemotingCommand& request);
  protocol::RemotingCommand ConsumerList(const protocol::RemotingCommand& request);

  ProcessingContext& context_;
};

}  // namespace quiver::broker
