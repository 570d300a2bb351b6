// Tests of the SDK's test fake quiver/testing/manual_clock.h (header-only, so tested here)
// and of quiver/testing/manual_executor.h.
#include "quiver/testing/manual_clock.h"

#include <chrono>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "quiver/testing/manual_executor.h"

namespace quiver::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ManualClockTest, TimeMovesOnlyInAdvance) {
  ManualClock clock;
  const TimePoint start = clock.Now();
  EXPECT_EQ(clock.Now(), start);
  EXPECT_EQ(clock.WallMillis(), ManualClock::kStartWallMillis);
  clock.Advance(1500ms);
  EXPECT_EQ(clock.Now() - start, 1500ms);
  EXPECT_EQ(clock.WallMillis(), ManualClock::kStartWallMillis + 1500);
}

TEST(ManualClockTest, AdvanceRunsDueTimersInOrderWithNowAtTheirDueTime) {
  ManualClock clock;
  const TimePoint start = clock.Now();
  std::vector<std::string> runs;
  auto at = [&](const char* name) {
    return [&, name] {
      runs.push_back(std::string(name) + "@" + std::to_string((clock.Now() - start) / 1ms) + "ms");
    };
  };
  TimerPtr late = clock.RunAfter(30ms, at("late"));
  TimerPtr early = clock.RunAfter(10ms, at("early"));
  TimerPtr never = clock.RunAfter(100ms, at("never"));
  clock.Advance(50ms);
  EXPECT_THAT(runs, ElementsAre("early@10ms", "late@30ms"));
  EXPECT_EQ(clock.Now() - start, 50ms);
  EXPECT_EQ(clock.PendingTimers(), 1u);
}

TEST(ManualClockTest, RunEveryFiresOncePerInterval) {
  ManualClock clock;
  int ticks = 0;
  TimerPtr timer = clock.RunEvery(10s, [&] { ++ticks; });
  clock.Advance(35s);
  EXPECT_EQ(ticks, 3);
  clock.Advance(5s);
  EXPECT_EQ(ticks, 4);
  timer->Cancel();
  clock.Advance(1h);
  EXPECT_EQ(ticks, 4);
  EXPECT_EQ(clock.PendingTimers(), 0u);
}

TEST(ManualClockTest, RunAfterZeroWaitsForTheNextAdvance) {
  ManualClock clock;
  bool ran = false;
  TimerPtr timer = clock.RunAfter(0ms, [&] { ran = true; });
  EXPECT_FALSE(ran);
  clock.RunDue();
  EXPECT_TRUE(ran);
}

TEST(ManualClockTest, TimersScheduledByACallbackRunInTheSameAdvanceWhenDue) {
  ManualClock clock;
  std::vector<std::string> runs;
  TimerPtr second;
  TimerPtr first = clock.RunAfter(10ms, [&] {
    runs.push_back("first");
    second = clock.RunAfter(10ms, [&] { runs.push_back("second"); });
  });
  clock.Advance(25ms);
  EXPECT_THAT(runs, ElementsAre("first", "second"));
}

TEST(ManualClockTest, CancelInsideTheCallbackStopsRepetition) {
  ManualClock clock;
  int ticks = 0;
  TimerPtr timer;
  timer = clock.RunEvery(1s, [&] {
    ++ticks;
    timer->Cancel();
  });
  clock.Advance(10s);
  EXPECT_EQ(ticks, 1);
}

TEST(ManualClockTest, DestroyingTheHandleCancelsAndDestroysTheFunction) {
  ManualClock clock;
  auto token = std::make_shared<int>(0);
  std::weak_ptr<int> watch = token;
  bool ran = false;
  {
    TimerPtr timer = clock.RunAfter(1s, [&ran, token = std::move(token)] { ran = true; });
  }
  EXPECT_TRUE(watch.expired());
  clock.Advance(2s);
  EXPECT_FALSE(ran);
}

TEST(ManualExecutorTest, PostQueuesAndRunPendingRunsInOrderIncludingNewTasks) {
  ManualExecutor executor;
  std::vector<int> order;
  executor.Post([&] {
    order.push_back(1);
    executor.Post([&] { order.push_back(3); });
  });
  executor.Post([&] { order.push_back(2); });
  EXPECT_THAT(order, IsEmpty());
  EXPECT_EQ(executor.PendingTasks(), 2u);
  EXPECT_EQ(executor.RunPending(), 3u);
  EXPECT_THAT(order, ElementsAre(1, 2, 3));
  EXPECT_FALSE(executor.RunOne());
}

}  // namespace
}  // namespace quiver::testing
