#pragma once
// Pull consumer with Poll() (RocketMQ's DefaultLitePullConsumer; rocketmq-protocol.md §9).
//
//   PullConsumer consumer(runtime, {.group = "CG"});
//   consumer.Subscribe("T", "TagA || TagB");
//   QUIVER_RETURN_IF_ERROR(consumer.Start());
//   StatusOr<std::vector<MessageExt>> batch = consumer.Poll(std::chrono::seconds(1));
//
// Queues: Subscribe() takes every readable queue of the topic (no group rebalance yet) and
// follows route changes through Discovery::Subscribe, so queues added by a hot topic
// expansion are picked up; Assign() takes an explicit list instead.
// Start position of a queue: the group's committed offset (QUERY_CONSUMER_OFFSET); when
// there is none, a queue whose min offset is 0 starts at 0 whatever consume_from_where says
// (DESIGN §8: expanding a topic must never make a group skip messages); otherwise
// kFirstOffset = min offset, kLastOffset = max offset, kTimestamp = the offset of
// consume_timestamp_ms (SEARCH_OFFSET_BY_TIMESTAMP).
// Pulls: one PULL_MESSAGE in flight per queue, long polling (SUSPEND, suspend time the
// smaller of long_polling_suspend and the poll timeout) with the subscription in the
// header, asking for pull_batch_size messages (the broker caps a pull at its
// max_transfer_count / max_transfer_bytes); every record of a response is decoded in
// place (no copy of the response body) and re-checked against the tag expression on the
// client; PULL_OFFSET_MOVED moves the queue to nextBeginOffset. Pulls start in Poll; a
// queue whose pull answered with messages is pulled again at once, from the transport's
// callback, until it holds pull_threshold_for_queue unpolled messages, so a catch-up read
// keeps every queue's pull in flight while the caller processes a batch.
// A queue whose pull failed is retried after pull_backoff_on_error (the runtime clock).
// Offsets: Poll() marks the returned messages consumed; committed offsets (next offset
// to consume) go to the broker by UPDATE_CONSUMER_OFFSET every auto_commit_interval
// (when auto_commit), on CommitSync() and on Shutdown().
// Heartbeats: HEART_BEAT with a consumer data set (CONSUME_ACTIVELY, CLUSTERING) to every
// broker of the subscribed topics, at Start and every heartbeat_interval.
//
// Threading: Poll, CommitSync and the Seek methods block and must not run on a transport
// I/O thread; all methods may be called from any thread (one Poll at a time).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "quiver/client/client_runtime.h"
#include "quiver/client/export.h"
#include "quiver/client/message.h"
#include "quiver/status.h"

namespace quiver {
inline namespace v1 {
namespace client {

enum class ConsumeFromWhere { kLastOffset, kFirstOffset, kTimestamp };

struct PullConsumerOptions {
  std::string group = "DEFAULT_CONSUMER";
  ConsumeFromWhere consume_from_where = ConsumeFromWhere::kLastOffset;
  std::int64_t consume_timestamp_ms = 0;  // for kTimestamp
  bool auto_commit = true;
  Duration auto_commit_interval = std::chrono::seconds(5);
  int pull_batch_size = 32;
  Duration long_polling_suspend = std::chrono::seconds(15);
  Duration pull_backoff_on_error = std::chrono::seconds(3);
  Duration heartbeat_interval = std::chrono::seconds(30);
  // Messages a queue may hold pulled but not yet polled; a queue below it is pulled again
  // as soon as its previous pull answered with messages (RocketMQ's pullThresholdForQueue).
  int pull_threshold_for_queue = 1000;
  // Header encoding of PULL_MESSAGE requests (client_runtime.h).
  HeaderEncoding header_encoding = HeaderEncoding::kBinary;
  // Recompute each pulled body's CRC32 and fail the pull on a mismatch. Off by default, as
  // in RocketMQ's Java client (MessageDecoder decodes pulls with checkCRC false): the
  // broker checks CRCs when it recovers its log and TCP checks the transfer; on, it was
  // the largest client cost of a catch-up read (16 % of its CPU, crc32 over every byte).
  bool verify_body_crc = false;
};

class QUIVER_CLIENT_API PullConsumer {
 public:
  PullConsumer(std::shared_ptr<ClientRuntime> runtime, PullConsumerOptions options);
  PullConsumer(const PullConsumer&) = delete;
  PullConsumer& operator=(const PullConsumer&) = delete;
  ~PullConsumer();  // Shutdown()

  // `expression`: "*" (or "") = every tag, else "TagA || TagB". kInvalidArgument for an
  // empty topic; kFailedPrecondition after Assign().
  Status Subscribe(const std::string& topic, const std::string& expression);
  // Consume exactly these queues (all tags). kFailedPrecondition after Subscribe().
  Status Assign(std::vector<MessageQueue> queues);
  // Starts heartbeats and auto commit and resolves subscribed routes (kNotFound when a
  // subscribed topic has no route).
  Status Start();
  // Commits consumed offsets, stops timers, unregisters. Idempotent.
  void Shutdown();

  // Waits up to `timeout` for messages; returns an empty vector when none arrived.
  // kFailedPrecondition when not started.
  StatusOr<std::vector<MessageExt>> Poll(Duration timeout);

  // Sends the consumed offset of every queue that moved since its last commit.
  Status CommitSync();
  // The group's committed offset on the broker; kNotFound when it has none.
  StatusOr<QueueOffset> Committed(const MessageQueue& queue);

  // Move a queue's next pull (and its consumed offset) to an offset; buffered messages
  // of the queue are dropped. kNotFound for a queue that is not assigned.
  Status Seek(const MessageQueue& queue, QueueOffset offset);
  Status SeekToBeginning(const MessageQueue& queue);
  Status SeekToEnd(const MessageQueue& queue);
  Status SeekToTimestamp(const MessageQueue& queue, std::int64_t timestamp_ms);

  std::vector<MessageQueue> Assignment() const;
  // Readable queues of `topic` from its route.
  StatusOr<std::vector<MessageQueue>> FetchMessageQueues(const std::string& topic);

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace client
}  // namespace v1
}  // namespace quiver
