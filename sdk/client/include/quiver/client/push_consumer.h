#pragma once
// Push consumer: the library pulls, the application's listener consumes (RocketMQ's
// DefaultMQPushConsumer; rocketmq-protocol.md §9.3–9.6).
//
//   PushConsumer consumer(runtime, {.group = "CG"});
//   consumer.Subscribe("T", "TagA || TagB");
//   consumer.RegisterListener([](const std::vector<MessageExt>& batch) {
//     return ConsumeResult::kSuccess;
//   });
//   QUIVER_RETURN_IF_ERROR(consumer.Start());
//
// Membership and rebalance (clustering): the consumer heartbeats (HEART_BEAT, consumeType
// CONSUME_PASSIVELY) to every broker of its topics at Start and every heartbeat_interval;
// every rebalance_interval, at Start, when a route changes and at once on
// NOTIFY_CONSUMER_IDS_CHANGED it asks a broker for the group's members
// (GET_CONSUMER_LIST_BY_GROUP), sorts members and queues and takes its share with the
// allocation strategy (exactly RocketMQ's, so Java and ali-ons members of the same group
// agree). A queue taken away is dropped: its pulls stop, its committed offset is sent
// first (UPDATE_CONSUMER_OFFSET, synchronously), then, orderly, its broker lock is
// released. Clustering also subscribes `%RETRY%<group>` ("*").
// Broadcasting: every member takes every queue; offsets live in a local JSON file (see
// offset_store_dir) instead of on the broker; failed messages are not retried.
// Start position of a queue: the committed offset; without one, as PullConsumer (a queue
// still holding offset 0 starts at 0, else consume_from_where).
//
// Pulling: one long-polling PULL_MESSAGE in flight per queue (suspend
// long_polling_suspend, client timeout pull_timeout), carrying the subscription and the
// queue's committed offset (PullSysFlag COMMIT_OFFSET); tags are re-checked on the client.
// Flow control: a queue holding more than pull_threshold_for_queue messages or
// pull_threshold_size_for_queue body bytes is not pulled again until it drains (checked
// every flow_control_delay).
// Offsets: the committed offset of a queue is the smallest offset still being consumed
// (or one past the last one when none is): at-least-once. Sent every persist_interval
// (one-way UPDATE_CONSUMER_OFFSET), with pulls, at drop and at Shutdown.
//
// Concurrent listener: batches of up to consume_batch_max_size messages of one queue run
// on consume_threads threads in any order. kRetryLater (clustering) sends each message
// back (CONSUMER_SEND_MSG_BACK, delay level chosen by the broker from the reconsume
// count, max_reconsume_times); if that request fails the message is re-sent to
// `%RETRY%<group>` through an internal producer; if that fails too it is consumed again
// locally after 5 s. A message read from the retry topic is handed to the listener with
// its original topic (property RETRY_TOPIC). After max_reconsume_times the broker moves
// it to `%DLQ%<group>`.
// Orderly listener: one thread at a time per queue, messages in queue order. Clustering:
// the queue is locked on its broker (LOCK_BATCH_MQ) before it is consumed, locks are
// renewed every lock_renew_interval and released (UNLOCK_BATCH_MQ) on drop and Shutdown.
// kSuspendCurrentQueueAMoment puts the batch back and retries it after
// suspend_current_queue_time; once a message was retried max_reconsume_times times it is
// sent to `%DLQ%<group>` (CONSUMER_SEND_MSG_BACK with delay level -1) and skipped.
//
// Threading and ownership: every method may be called from any thread. Listeners run on
// the consumer's own consume threads (never on a transport I/O thread) and may block; they
// must not call Shutdown(). Shutdown() waits for running listeners, so the listener's
// captures must outlive it. The consumer holds the runtime (shared) until destroyed.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "quiver/client/client_runtime.h"
#include "quiver/client/export.h"
#include "quiver/client/message.h"
#include "quiver/client/pull_consumer.h"
#include "quiver/status.h"

namespace quiver {
inline namespace v1 {
namespace client {

enum class MessageModel { kClustering, kBroadcasting };
// kAveragely = AllocateMessageQueueAveragely (contiguous blocks);
// kRoundRobin = AllocateMessageQueueAveragelyByCircle.
enum class AllocateStrategy { kAveragely, kRoundRobin };
// What a broadcasting consumer does with an offsets file it cannot parse: refuse to
// start (the error names the file), or log a warning and start as if it had no offsets.
enum class CorruptOffsetFilePolicy { kFail, kStartFresh };

enum class ConsumeResult { kSuccess, kRetryLater };
enum class OrderlyConsumeResult { kSuccess, kSuspendCurrentQueueAMoment };

using ConcurrentListener = std::function<ConsumeResult(const std::vector<MessageExt>& messages)>;
using OrderlyListener =
    std::function<OrderlyConsumeResult(const std::vector<MessageExt>& messages)>;

struct PushConsumerOptions {
  std::string group = "DEFAULT_CONSUMER";
  MessageModel message_model = MessageModel::kClustering;
  AllocateStrategy allocate_strategy = AllocateStrategy::kAveragely;
  ConsumeFromWhere consume_from_where = ConsumeFromWhere::kLastOffset;
  std::int64_t consume_timestamp_ms = 0;  // for kTimestamp
  int consume_threads = 20;
  int consume_batch_max_size = 1;
  int pull_batch_size = 32;
  int pull_threshold_for_queue = 1000;
  std::size_t pull_threshold_size_for_queue = 100 * 1024 * 1024;
  // -1 = RocketMQ's default: 16 for a concurrent listener, unlimited for an orderly one.
  int max_reconsume_times = -1;
  Duration suspend_current_queue_time = std::chrono::seconds(1);
  Duration long_polling_suspend = std::chrono::seconds(15);
  Duration pull_timeout = std::chrono::seconds(30);
  Duration pull_backoff_on_error = std::chrono::seconds(3);
  Duration flow_control_delay = std::chrono::milliseconds(50);
  Duration rebalance_interval = std::chrono::seconds(20);
  Duration heartbeat_interval = std::chrono::seconds(30);
  Duration persist_interval = std::chrono::seconds(5);
  Duration lock_renew_interval = std::chrono::seconds(20);
  // Broadcasting: offsets go to <dir>/<client id>/<group>/offsets.json; "" =
  // ~/.quiver/offsets.
  std::string offset_store_dir = "";
  CorruptOffsetFilePolicy corrupt_offset_file = CorruptOffsetFilePolicy::kFail;
};

// Counters for tests and tools (monotonic since Start).
struct PushConsumerStats {
  std::int64_t rebalances = 0;           // rebalance rounds that ran
  std::int64_t pulls = 0;                // PULL_MESSAGE requests sent
  std::int64_t flow_control_pauses = 0;  // times a queue was held back by its thresholds
  std::int64_t consumed = 0;             // messages whose listener call returned success
  std::int64_t sent_back = 0;            // messages sent back for retry (or to the DLQ)
};

class QUIVER_CLIENT_API PushConsumer {
 public:
  PushConsumer(std::shared_ptr<ClientRuntime> runtime, PushConsumerOptions options);
  PushConsumer(const PushConsumer&) = delete;
  PushConsumer& operator=(const PushConsumer&) = delete;
  ~PushConsumer();  // Shutdown()

  // `expression`: "*" (or "") = every tag, else "TagA || TagB". kInvalidArgument for an
  // empty topic; kFailedPrecondition after Start().
  Status Subscribe(const std::string& topic, const std::string& expression);
  // Exactly one listener, before Start() (kFailedPrecondition otherwise).
  Status RegisterListener(ConcurrentListener listener);
  Status RegisterListener(OrderlyListener listener);

  // Loads local offsets (broadcasting), resolves the subscribed routes (kNotFound when a
  // subscribed topic has none), heartbeats, rebalances once and starts pulling.
  // kFailedPrecondition without a listener or subscription, or when shut down.
  Status Start();
  // Stops pulling, waits for running listeners, commits offsets, releases orderly locks,
  // unregisters from the brokers (UNREGISTER_CLIENT). Idempotent.
  void Shutdown();

  // True between a successful Start() and the beginning of Shutdown(). Once it turns
  // false every queue is already dropped: a listener that sees it false may return at once
  // (its result is ignored; the messages will be delivered again, to this group).
  bool Running() const;
  // Queues allocated to this member. In clustering mode with other members online, a queue
  // it takes over is first pulled 500 ms after the rebalance, once the previous owner (told
  // by the same notification) has committed its offset: a clean hand-over consumes nothing
  // twice. Such a queue is listed from the rebalance on.
  std::vector<MessageQueue> Assignment() const;
  PushConsumerStats Stats() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace client
}  // namespace v1
}  // namespace quiver
