#include "kernel/runtime/asio_clock.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "kernel/runtime/asio_executor.h"

namespace quiver::kernel {
namespace {

using namespace std::chrono_literals;

// Counts events and lets a test wait for a number of them, with a deadline.
class EventCounter {
 public:
  void Add() {
    std::lock_guard<std::mutex> lock(mu_);
    ++count_;
    cv_.notify_all();
  }
  bool WaitFor(int n, std::chrono::milliseconds deadline = 5s) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, deadline, [&] { return count_ >= n; });
  }
  int count() {
    std::lock_guard<std::mutex> lock(mu_);
    return count_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
};

class AsioClockTest : public ::testing::Test {
 protected:
  AsioClockTest() : executor_(2, nullptr), clock_(executor_) { executor_.Start(); }
  ~AsioClockTest() override { executor_.Stop(); }

  AsioExecutor executor_;
  AsioClock clock_;
};

TEST(AsioExecutorTest, PostedTasksRunOnTheExecutorsThreads) {
  AsioExecutor executor(2, nullptr);
  executor.Start();
  EventCounter done;
  std::atomic<bool> on_executor{false};
  executor.Post([&] {
    on_executor = executor.RunsInThisThread();
    done.Add();
  });
  ASSERT_TRUE(done.WaitFor(1));
  EXPECT_TRUE(on_executor);
  EXPECT_FALSE(executor.RunsInThisThread());
  executor.Stop();
}

TEST(AsioExecutorTest, TasksRunConcurrentlyOnSeveralThreads) {
  AsioExecutor executor(2, nullptr);
  executor.Start();
  // Two tasks that each wait for the other: only two threads can finish them.
  EventCounter arrived;
  EventCounter finished;
  for (int i = 0; i < 2; ++i) {
    executor.Post([&] {
      arrived.Add();
      if (arrived.WaitFor(2)) finished.Add();
    });
  }
  EXPECT_TRUE(finished.WaitFor(2));
  executor.Stop();
}

TEST(AsioExecutorTest, TasksQueuedAfterStopAreDestroyedWithoutRunning) {
  auto token = std::make_shared<int>(0);
  std::weak_ptr<int> watch = token;
  bool ran = false;
  {
    AsioExecutor executor(1, nullptr);
    executor.Start();
    executor.Stop();
    executor.Post([&ran, token = std::move(token)] { ran = true; });
    EXPECT_FALSE(watch.expired());
  }
  EXPECT_FALSE(ran);
  EXPECT_TRUE(watch.expired());
}

TEST(AsioExecutorTest, AThrowingTaskDoesNotStopTheExecutor) {
  AsioExecutor executor(1, nullptr);
  executor.Start();
  EventCounter done;
  executor.Post([] { throw std::runtime_error("boom"); });
  executor.Post([&] { done.Add(); });
  EXPECT_TRUE(done.WaitFor(1));
  executor.Stop();
}

TEST_F(AsioClockTest, RunAfterFiresOnceOnTheExecutorAfterTheDelay) {
  EventCounter fired;
  std::atomic<bool> on_executor{false};
  const TimePoint start = clock_.Now();
  std::atomic<std::int64_t> elapsed_ms{0};
  TimerPtr timer = clock_.RunAfter(20ms, [&] {
    on_executor = executor_.RunsInThisThread();
    elapsed_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now() - start).count();
    fired.Add();
  });
  ASSERT_TRUE(fired.WaitFor(1));
  EXPECT_TRUE(on_executor);
  EXPECT_GE(elapsed_ms, 20);
  // It never fires again: a second timer scheduled later fires first.
  EventCounter later;
  TimerPtr second = clock_.RunAfter(30ms, [&] { later.Add(); });
  ASSERT_TRUE(later.WaitFor(1));
  EXPECT_EQ(fired.count(), 1);
}

TEST_F(AsioClockTest, RunAfterZeroNeverRunsInlineOnTheCaller) {
  EventCounter fired;
  TimerPtr timer = clock_.RunAfter(0ms, [&] { fired.Add(); });
  ASSERT_TRUE(fired.WaitFor(1));
  // Inline would have completed before RunAfter returned on this thread; check the thread.
  std::thread::id runner;
  EventCounter done;
  TimerPtr t2 = clock_.RunAfter(0ms, [&] {
    runner = std::this_thread::get_id();
    done.Add();
  });
  ASSERT_TRUE(done.WaitFor(1));
  EXPECT_NE(runner, std::this_thread::get_id());
}

TEST_F(AsioClockTest, RunEveryRepeatsUntilCancelled) {
  EventCounter ticks;
  TimerPtr timer = clock_.RunEvery(5ms, [&] { ticks.Add(); });
  ASSERT_TRUE(ticks.WaitFor(3));
  timer->Cancel();
  const int after_cancel = ticks.count();
  // Cancel() returned: the callback is not running and never starts again. A later timer
  // firing proves time passed.
  EventCounter later;
  TimerPtr probe = clock_.RunAfter(30ms, [&] { later.Add(); });
  ASSERT_TRUE(later.WaitFor(1));
  EXPECT_EQ(ticks.count(), after_cancel);
}

TEST_F(AsioClockTest, CancelBeforeTheDeadlinePreventsTheRunAndDestroysTheFunction) {
  auto token = std::make_shared<int>(0);
  std::weak_ptr<int> watch = token;
  bool ran = false;
  TimerPtr timer = clock_.RunAfter(1h, [&ran, token = std::move(token)] { ran = true; });
  timer->Cancel();
  EXPECT_TRUE(watch.expired());
  EXPECT_FALSE(ran);
}

TEST_F(AsioClockTest, DestroyingTheHandleCancels) {
  EventCounter ticks;
  {
    TimerPtr timer = clock_.RunEvery(1ms, [&] { ticks.Add(); });
    ASSERT_TRUE(ticks.WaitFor(1));
  }
  const int after = ticks.count();
  EventCounter later;
  TimerPtr probe = clock_.RunAfter(20ms, [&] { later.Add(); });
  ASSERT_TRUE(later.WaitFor(1));
  EXPECT_EQ(ticks.count(), after);
}

TEST_F(AsioClockTest, CancelFromInsideTheCallbackStopsTheRepetition) {
  EventCounter ticks;
  TimerPtr timer;
  std::mutex mu;
  {
    std::lock_guard<std::mutex> lock(mu);
    timer = clock_.RunEvery(1ms, [&] {
      ticks.Add();
      std::lock_guard<std::mutex> lock(mu);
      timer->Cancel();
    });
  }
  ASSERT_TRUE(ticks.WaitFor(1));
  EventCounter later;
  TimerPtr probe = clock_.RunAfter(20ms, [&] { later.Add(); });
  ASSERT_TRUE(later.WaitFor(1));
  EXPECT_EQ(ticks.count(), 1);
}

TEST_F(AsioClockTest, CancelWaitsForARunningCallback) {
  EventCounter entered;
  std::atomic<bool> release{false};
  std::atomic<bool> finished{false};
  TimerPtr timer = clock_.RunAfter(0ms, [&] {
    entered.Add();
    while (!release) std::this_thread::yield();
    finished = true;
  });
  ASSERT_TRUE(entered.WaitFor(1));
  std::thread releaser([&] {
    // Cancel below must block until the callback returns, so release it from elsewhere.
    std::this_thread::yield();
    release = true;
  });
  timer->Cancel();
  EXPECT_TRUE(finished);
  releaser.join();
}

TEST_F(AsioClockTest, WallMillisIsTheSystemClock) {
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  EXPECT_LE(std::abs(clock_.WallMillis() - now_ms), 1000);
}

}  // namespace
}  // namespace quiver::kernel
