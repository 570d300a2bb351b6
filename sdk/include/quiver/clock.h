#pragma once
// Time and timers, behind an interface so tests can drive time (testing::ManualClock).
//
// Plugins never read std::chrono clocks or sleep for protocol timing (heartbeats,
// expiry, election timeouts, flush intervals): they ask the Clock from their context.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "quiver/export.h"

namespace quiver {
inline namespace v1 {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::steady_clock::time_point;

// A scheduled callback. Destroying the handle cancels it.
class QUIVER_SDK_VISIBLE TimerHandle {
 public:
  TimerHandle() = default;
  TimerHandle(const TimerHandle&) = delete;
  TimerHandle& operator=(const TimerHandle&) = delete;
  virtual ~TimerHandle();

  // Cancels the timer. After Cancel() returns the callback is not running and will not
  // start again (if called from inside the callback itself, it will not start again).
  // Thread safety: any thread. Idempotent.
  virtual void Cancel() = 0;
};
using TimerPtr = std::unique_ptr<TimerHandle>;

class QUIVER_SDK_VISIBLE Clock {
 public:
  Clock() = default;
  Clock(const Clock&) = delete;
  Clock& operator=(const Clock&) = delete;
  virtual ~Clock();

  // Monotonic time for intervals and deadlines. Thread safety: any thread.
  virtual TimePoint Now() const = 0;
  // Wall-clock milliseconds since the Unix epoch (message timestamps). Any thread.
  virtual std::int64_t WallMillis() const = 0;

  // Runs `fn` once after `delay` on the clock's executor (never inline on the caller).
  // Thread safety: any thread. Ownership: the handle owns the timer; `fn` is destroyed
  // when the timer fires or is cancelled, before the handle's destructor returns.
  virtual TimerPtr RunAfter(Duration delay, std::function<void()> fn) = 0;
  // Runs `fn` every `interval` (first after one interval) until the handle is cancelled.
  // A run that overlaps the next tick delays it rather than running twice at once.
  virtual TimerPtr RunEvery(Duration interval, std::function<void()> fn) = 0;
};

}  // namespace v1
}  // namespace quiver
