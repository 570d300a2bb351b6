#pragma once
// Scheduled (delayed) messages, as RocketMQ's ScheduleMessageService
// (rocketmq-protocol.md §5.8).
//
// On the way in (ToScheduleTopic, called by SEND and CONSUMER_SEND_MSG_BACK): a message
// whose DELAY property is a level n > 0 is stored in SCHEDULE_TOPIC_XXXX queue n-1 instead
// of its topic, with REAL_TOPIC / REAL_QID properties naming where it goes and its tag
// code replaced by its delivery time (store time + delay_levels[n-1], ms). A level above
// the last is clamped to the last, as RocketMQ does.
//
// On the way out (ScheduleService): one task per level reads that queue in order from its
// delay offset. A message that is due is re-put through the Replicator into REAL_TOPIC /
// REAL_QID with the same body, flag, keys, tags and properties (minus DELAY; REAL_TOPIC
// and REAL_QID stay, as in RocketMQ), so it gets a new offsetMsgId and queue offset; then
// the level's offset moves past it. A message not due yet re-arms the level's timer for
// its delivery time; an empty queue waits for the store's dispatch of a new one
// (OnDispatch), with a slow safety poll. Delivery time is taken as store time + the
// level's delay, and a time more than one delay in the future (the clock went back) counts
// as due now (RocketMQ's correctDeliverTimestamp).
//
// Offsets live in BrokerMetadataTables::delay_offsets() (delayOffset.json, level -> next
// offset): written every settings.delay_offset_flush_interval when changed and at Stop(),
// exported to slaves as MetadataKind::kDelayOffsets. A clean restart neither loses nor
// repeats a delivery: Stop() waits for deliveries in flight before the final write
// (BrokerProcessing::Stop). After a crash a message delivered but not yet recorded is
// delivered again (at least once, as RocketMQ).
//
// Only a master delivers; on a slave every level waits and re-checks once a second, and
// the offsets follow the master's through metadata import.
//
// Threading: steps run on the Executor, one at a time per level; levels run concurrently.
// A delivery's completion runs on the store's thread or inline within the step (an
// async-flush store, storage.h); either way it only records the offset and posts the
// level's next step, so a step never runs inside another.
// Public methods: any thread. Start/Stop from the control thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "kernel/roles/broker/processing/processing_context.h"

namespace quiver::broker {

inline constexpr std::string_view kScheduleTopic = "SCHEDULE_TOPIC_XXXX";

// Reroutes `message` to SCHEDULE_TOPIC_XXXX when its DELAY property is a level > 0
// (clamped to levels.size()) and it is not a transaction message; `now_ms` is the time
// the delivery time is counted from. Returns the level used, or 0 when the message is
// left as it is (no DELAY, DELAY <= 0 or not a number). REQUIRES: !levels.empty().
std::int32_t ToScheduleTopic(Message& message, const std::vector<Duration>& levels,
                             std::int64_t now_ms);

class ScheduleService {
 public:
  explicit ScheduleService(ProcessingContext& context);
  ScheduleService(const ScheduleService&) = delete;
  ScheduleService& operator=(const ScheduleService&) = delete;
  ~ScheduleService();  // Stop()

  // Creates the SCHEDULE_TOPIC_XXXX topic config (one queue per level) if absent, and
  // starts every level's task and the offset flush timer. Call once.
  Status Start();
  // Stops timers and new steps. Deliveries in flight still complete (they hold task
  // tokens); the caller writes the offsets once those are done. Idempotent.
  void Stop();

  // The store made SCHEDULE_TOPIC_XXXX queue `queue_id` readable up to a new max offset.
  // Must not block (store dispatch thread).
  void OnDispatch(QueueId queue_id);

  // For tests: deliveries done since start.
  std::int64_t Delivered() const;

 private:
  struct Level;
  void Kick(std::int32_t level);
  void PostStep(std::int32_t level);
  void Step(std::int32_t level);
  // Ends a step: runs again at once if kicked meanwhile, else after `wait` (none: only
  // when kicked).
  void Finish(std::int32_t level, std::optional<Duration> wait);
  // Re-puts the scheduled record into its real topic; on completion continues the level.
  void Deliver(std::int32_t level, const Buffer& record, QueueOffset next_offset);
  void FlushOffsets();

  struct Guard {
    std::shared_mutex mutex;
    bool alive = true;
  };

  ProcessingContext& context_;
  std::shared_ptr<Guard> guard_ = std::make_shared<Guard>();
  std::vector<std::unique_ptr<Level>> levels_;  // [0] = level 1
  mutable std::mutex mutex_;
  bool started_ = false;
  bool stopped_ = false;
  std::int64_t delivered_ = 0;
  TimerPtr flush_timer_;
};

}  // namespace quiver::broker
