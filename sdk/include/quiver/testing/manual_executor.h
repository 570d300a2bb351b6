#pragma once
// An Executor that runs nothing until the test says so (header-only test fake).
//
//   quiver::testing::ManualExecutor executor;
//   component.DoSomethingThatPosts();
//   EXPECT_EQ(executor.RunPending(), 1u);
//
// Post() only queues (never inline, as the Executor contract requires). RunPending() runs
// queued tasks on the calling thread, in post order, including tasks they post, until the
// queue is empty. Destroying the executor destroys queued tasks without running them.
//
// Thread safety: Post from any thread; Run* from one thread at a time.

#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <utility>

#include "quiver/executor.h"

namespace quiver::testing {

class ManualExecutor final : public Executor {
 public:
  void Post(std::function<void()> fn) override {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.push_back(std::move(fn));
  }

  // Runs the oldest queued task; false when there was none.
  bool RunOne() {
    std::function<void()> task;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (tasks_.empty()) return false;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
    return true;
  }

  // Runs tasks until none is queued; returns how many ran.
  std::size_t RunPending() {
    std::size_t ran = 0;
    while (RunOne()) ++ran;
    return ran;
  }

  std::size_t PendingTasks() const {
    std::lock_guard<std::mutex> lock(mu_);
    return tasks_.size();
  }

 private:
  mutable std::mutex mu_;
  std::deque<std::function<void()>> tasks_;
};

}  // namespace quiver::testing
