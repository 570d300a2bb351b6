#pragma once
// Long polling (RocketMQ's PullRequestHoldService, rocketmq-protocol.md §9.4): a pull that
// found nothing new and allows suspension is parked per (topic, queue) until
//   - a message becomes readable there (the store's DispatchListener calls Notify): the
//     pull resumes at once with HoldEnd::kArrived;
//   - its deadline passes (a Clock timer): it resumes with HoldEnd::kTimeout;
//   - the service stops: it resumes with HoldEnd::kShutdown, inline in Stop().
// Arrival and timeout resumptions run on the Executor, never on the store's dispatch
// thread or an I/O thread. Each held pull resumes exactly once.
//
// Thread safety: all methods, any thread. Resume callbacks run without locks held.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "kernel/roles/broker/processing/task_tracker.h"
#include "quiver/clock.h"
#include "quiver/executor.h"
#include "quiver/storage.h"
#include "quiver/types.h"

namespace quiver::broker {

enum class HoldEnd { kArrived, kTimeout, kShutdown };

class PullHoldService {
 public:
  using Resume = std::function<void(HoldEnd)>;

  PullHoldService(const MessageStore& store, Clock& clock, Executor& executor, TaskTracker& tasks)
      : store_(store), clock_(clock), executor_(executor), tasks_(tasks) {}

  // Parks a pull waiting for messages at `offset` or later in (topic, queue) until
  // `deadline`. If the service is stopped, resumes at once with kShutdown (inline).
  void Hold(const std::string& topic, QueueId queue_id, QueueOffset offset, TimePoint deadline,
            Resume resume);
  // Messages are readable in (topic, queue) below `max_offset`: resumes the pulls parked
  // there for an offset below it. Called by the store's dispatch thread.
  void Notify(const std::string& topic, QueueId queue_id, QueueOffset max_offset);
  // Resumes every parked pull with kShutdown; later Holds resume at once. Idempotent.
  void Stop();

  std::size_t HeldCount() const;

 private:
  struct Held {
    std::uint64_t id = 0;
    QueueOffset offset{0};
    TimerPtr timer;
    Resume resume;
  };
  using Key = std::pair<std::string, std::int32_t>;

  void OnTimeout(const Key& key, std::uint64_t id);
  void PostResume(Held held, HoldEnd end);

  const MessageStore& store_;
  Clock& clock_;
  Executor& executor_;
  TaskTracker& tasks_;
  mutable std::mutex mutex_;
  std::map<Key, std::vector<Held>> held_;
  std::uint64_t next_id_ = 0;
  bool stopped_ = false;
};

}  // namespace quiver::broker
