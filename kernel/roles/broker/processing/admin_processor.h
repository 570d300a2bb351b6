#pragma once
// Status and dumps for admin tools and slaves:
//   GET_BROKER_RUNTIME_INFO (28)  body KVTable {"table":{...}}: brokerVersion "401",
//        brokerVersionDesc, msgPutTotalTodayNow / msgGetTotalTodayNow (messages since start),
//        msgPutTotalTodayMorning / msgGetTotalTodayMorning (the same at the start of the UTC
//        day, so Now - Morning = today), commitLogMaxOffset, commitLogMinOffset,
//        commitLogFlushedOffset, topicQueueCount, runtime "[ D days, H hours, M minutes,
//        S seconds ]", brokerRole, producerGroupCount, consumerGroupCount
//   GET_ALL_CONSUMER_OFFSET (43)  body = consumerOffset.json content
//   GET_ALL_DELAY_OFFSET (45)     body = delayOffset.json content
//
// Thread safety: handlers may run on any I/O thread concurrently.

#include "kernel/roles/broker/processing/processing_context.h"

namespace quiver::broker {

class AdminProcessor {
 public:
  AdminProcessor(ProcessingContext& context, TimePoint started)
      : context_(context), started_(started) {}
  void Register(TransportServer& server);

  // The KVTable JSON body of GET_BROKER_RUNTIME_INFO.
  std::string RuntimeInfoJson() const;

 private:
  ProcessingContext& context_;
  TimePoint started_;
};

}  // namespace quiver::broker
