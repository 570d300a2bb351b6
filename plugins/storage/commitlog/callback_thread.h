#pragma once
// The store's own thread for completions and dispatch notifications, so that neither runs
// on an appender's thread (storage.h: completions run on the store's threads).
//
// Post queues a callback; MarkReadable records that a queue has new messages, coalescing
// repeated marks into one DispatchListener call with the queue's max offset at that time.
// Callbacks run in the order posted. Thread safety: every method from any thread.

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
  void Loop();

  const Notify notify_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::function<void()>> callbacks_;    // guarded by mu_
  std::unordered_set<const ConsumeQueue*> marked_;  // guarded by mu_
  bool stopping_ = false;                           // guarded by mu_
  bool waiting_ = false;                            // guarded by mu_
  std::thread thread_;
};

}  // namespace quiver::storage::commitlog
