#pragma once
// The kernel's Clock: std::chrono::steady_clock for Now(), the system clock for
// WallMillis(), and Asio steady_timers on an AsioExecutor for RunAfter/RunEvery, so timer
// callbacks run on the executor's threads (never inline on the caller).
//
// Lifetime: the executor must outlive the clock and every timer handle (the kernel destroys
// plugin objects, which own handles, before the executor). Thread safety: any thread.

#include "kernel/runtime/asio_executor.h"
#include "quiver/clock.h"

namespace quiver::kernel {

class AsioClock final : public Clock {
 public:
  explicit AsioClock(AsioExecutor& executor) : executor_(executor) {}

  TimePoint Now() const override;
  std::int64_t WallMillis() const override;
  // An exception escaping `fn` is logged by the executor; the timer keeps its schedule.
  TimerPtr RunAfter(Duration delay, std::function<void()> fn) override;
  // REQUIRES: interval > 0. The next run is due one interval after the previous one was
  // due, or at once when that has passed already (late runs are not repeated).
  TimerPtr RunEvery(Duration interval, std::function<void()> fn) override;

 private:
  TimerPtr Schedule(Duration first, Duration interval, std::function<void()> fn);

  AsioExecutor& executor_;
};

}  // namespace quiver::kernel
