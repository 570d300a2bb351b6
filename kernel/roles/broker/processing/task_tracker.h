#pragma once
// Counts work in flight that refers to the processors (executor tasks, store and
// replication completions) so that Stop() can wait until none can touch them any more.
//
// A token is a shared_ptr captured by the task; the count drops when the last copy is
// destroyed, whether the task ran or was discarded by a stopped executor.
// Thread safety: all methods, any thread.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>

namespace quiver::broker {

class TaskTracker {
 public:
  using Token = std::shared_ptr<void>;

  Token Acquire() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++in_flight_;
    }
    return Token(static_cast<void*>(this), [this](void*) { Release(); });
  }

  // Waits until no token is alive or `timeout` (real time; this is shutdown, not test
  // synchronisation) passed. True when idle.
  bool WaitIdle(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return idle_.wait_for(lock, timeout, [this] { return in_flight_ == 0; });
  }

  std::int64_t InFlight() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return in_flight_;
  }

 private:
  void Release() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (--in_flight_ == 0) idle_.notify_all();
  }

  mutable std::mutex mutex_;
  std::condition_variable idle_;
  std::int64_t in_flight_ = 0;
};

}  // namespace quiver::broker
