#pragma once
// The store's own thread for dispatch notifications and for completions that must not run
// on the caller's thread (AppendRaw's under async flush; refusals while the store is open).
// Async-flush appends complete inline on the appender's thread instead (storage.h).
//
// Post queues a callback; the thread runs every callback queued since it last looked in one
// batch. MarkReadable records that a queue has new messages, coalescing repeated marks into
// one DispatchListener call with the queue's max offset at that time, so that long polling
// never runs on (or delays) the appender. Callbacks run in the order posted.
//
// Waking a sleeping thread (futex wake + IPI) costs the poster several µs on a VM — more
// than an append — so when the queue runs dry the thread polls for new work for a short
// while (kPollBeforeSleep, yielding the CPU between looks) before it sleeps: under a stream
// of appends it never sleeps and appenders never pay for a wake-up; when idle it sleeps.
// (Sleeping 200 µs between rounds instead of polling cost more W1 CPU per message and
// latency on the development VM: BENCHMARKS.md, "Inline async-flush completions".)
// Thread safety: every method from any thread.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

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
  void MarkReadable(const ConsumeQueue* queue);

 private:
  using Task = std::function<void()>;
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
