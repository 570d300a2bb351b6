#pragma once
// The store's own thread for completions and dispatch notifications, so that neither runs
// on an appender's thread (storage.h: completions run on the store's threads).
//
// Post queues a callback; PostAppend queues an append's completion with its outcome (the
// hot path of async flush: no allocation per append once the queues have grown, and the
// thread runs every completion queued since it last looked in one batch, so a burst of
// appends costs one wake-up, not one per append). MarkReadable records that a queue has
// new messages, coalescing repeated marks into one DispatchListener call with the queue's
// max offset at that time. Callbacks and completions run in the order posted.
//
// Waking a sleeping thread (futex wake + IPI) costs the poster several µs on a VM — more
// than an append — so when the queue runs dry the thread polls for new work for a short
// while (kPollBeforeSleep, yielding the CPU between looks) before it sleeps: under a stream
// of appends it never sleeps and appenders never pay for a wake-up; when idle it sleeps.
// Thread safety: every method from any thread.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "quiver/storage.h"

namespace quiver::storage::commitlog {

class ConsumeQueue;

class CallbackThread {
 public:
  using Notify = std::function<void(const ConsumeQueue&)>;
  explicit CallbackThread(Notify notify);
  ~CallbackThread();

  void Start();
  // Runs every queued callback and notification, then joins the thread.
  void Stop();
  void Post(std::function<void()> fn);
  // Runs done(outcome).
  void PostAppend(AppendCallback done, AppendOutcome outcome);
  void MarkReadable(const ConsumeQueue* queue);

 private:
  // One queued item: a generic callback (`fn` set) or an append completion.
  struct Task {
    std::function<void()> fn;
    AppendCallback done;
    AppendOutcome outcome;
  };
  void Push(Task task);
  void Loop();
  // Polls `pending_` for up to kPollBeforeSleep; true when work arrived.
  bool PollForWork() const;

  const Notify notify_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Task> tasks_;                         // guarded by mu_
  std::unordered_set<const ConsumeQueue*> marked_;  // guarded by mu_
  bool stopping_ = false;                           // guarded by mu_
  bool waiting_ = false;                            // guarded by mu_
  // tasks_ or marked_ non-empty (set with them). Polled by the thread: on its own cache
  // line, so that polling does not steal the line of mu_ from the posters.
  alignas(64) std::atomic<bool> pending_{false};
  std::thread thread_;
};

}  // namespace quiver::storage::commitlog
