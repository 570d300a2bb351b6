#pragma once
// Internal: the messages a push consumer has pulled from one queue and not yet finished
// (RocketMQ's ProcessQueue; rocketmq-protocol.md §9.3, §9.5).
//
// Offsets: messages are kept by queue offset; the offset to commit is the smallest offset
// still held (in flight or waiting), or one past the largest ever put when none is held.
// A consumer therefore never commits past a message it has not finished: at-least-once,
// whatever order the consume threads finish in.
// Flow control: message_count() and message_bytes() are what the pull loop compares with
// its thresholds (1000 messages / 100 MiB by default) before pulling the queue again.
// Orderly consumption takes messages out in offset order (TakeMessages), then either
// Commit()s them or puts them back (MakeMessagesToConsumeAgain) to be consumed again.
// Dropped: set when the queue is taken away from this consumer (rebalance) or the
// consumer shuts down; pulls and consume tasks of a dropped queue stop, and its results
// no longer move the offset.
//
// Threading: every method may be called from any thread (one internal mutex). The
// consume_mutex() serialises orderly consumption of the queue (one thread at a time) and
// the hand-over at drop (the rebalance waits for the consuming thread to finish).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "quiver/client/message.h"

namespace quiver::inline v1::client::internal {

class ProcessQueue {
 public:
  ProcessQueue() = default;
  ProcessQueue(const ProcessQueue&) = delete;
  ProcessQueue& operator=(const ProcessQueue&) = delete;

  // Adds pulled messages (a message whose offset is already held is ignored). Returns true
  // when an orderly consumer should start a consume task: messages are waiting and no task
  // is running for this queue.
  bool PutMessages(std::vector<MessageExt> messages);
  // Removes finished messages; returns the offset to commit: the smallest offset still
  // held, or one past the largest offset ever put when nothing is held; -1 when nothing
  // was held before the call (nothing to commit).
  std::int64_t RemoveMessages(const std::vector<MessageExt>& messages);

  // Orderly: moves up to `max` waiting messages, smallest offsets first, into the
  // consuming set and returns them. Empty when none is waiting, which also ends the
  // running consume task (the next PutMessages returns true again).
  std::vector<MessageExt> TakeMessages(std::size_t max);
  // Orderly: the consuming set is done. Returns the offset to commit (one past the
  // largest offset committed), or -1 when the consuming set was empty.
  std::int64_t Commit();
  // Orderly: puts `messages` back from the consuming set into the waiting set.
  void MakeMessagesToConsumeAgain(const std::vector<MessageExt>& messages);

  std::size_t message_count() const;
  std::size_t message_bytes() const;
  // Offset span between the smallest and the largest waiting message (Java's
  // getMaxSpan, used by the concurrent consumer's flow control).
  std::int64_t max_span() const;
  // Largest offset ever put; -1 when none.
  std::int64_t max_offset() const;

  bool dropped() const { return dropped_.load(); }
  void set_dropped() { dropped_.store(true); }
  // Orderly, clustering: the broker lock for this queue (LOCK_BATCH_MQ) and when it was
  // last renewed (steady milliseconds).
  bool locked() const { return locked_.load(); }
  void set_locked(bool locked) { locked_.store(locked); }
  std::int64_t last_lock_ms() const { return last_lock_ms_.load(); }
  void set_last_lock_ms(std::int64_t ms) { last_lock_ms_.store(ms); }

  std::mutex& consume_mutex() { return consume_mutex_; }

 private:
  mutable std::mutex mu_;
  std::map<std::int64_t, MessageExt> waiting_;    // pulled, not taken (orderly) / not done
  std::map<std::int64_t, MessageExt> consuming_;  // orderly: taken, not committed
  std::size_t count_ = 0;                         // waiting + consuming
  std::size_t bytes_ = 0;
  std::int64_t max_offset_ = -1;
  bool consuming_task_ = false;  // orderly: a consume task runs for this queue
  std::atomic<bool> dropped_{false};
  std::atomic<bool> locked_{false};
  std::atomic<std::int64_t> last_lock_ms_{0};
  std::mutex consume_mutex_;
};

}  // namespace quiver::inline v1::client::internal
