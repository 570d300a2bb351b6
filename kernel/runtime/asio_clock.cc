#include "kernel/runtime/asio_clock.h"

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "quiver/status.h"

namespace quiver::kernel {
namespace {

// Shared by the handle and the pending wait; every timer operation holds `mu`.
struct TimerState {
  explicit TimerState(boost::asio::io_context& io) : timer(io) {}

  std::mutex mu;
  std::condition_variable idle;
  boost::asio::steady_timer timer;
  std::function<void()> fn;
  Duration interval{0};  // 0 = run once
  bool cancelled = false;
  bool running = false;
  std::thread::id runner;
};

void Arm(const std::shared_ptr<TimerState>& state);

void Fire(const std::shared_ptr<TimerState>& state) {
  {
    std::lock_guard<std::mutex> lock(state->mu);
    if (state->cancelled) return;
    state->running = true;
    state->runner = std::this_thread::get_id();
  }
  std::exception_ptr error;
  try {
    state->fn();
  } catch (...) {
    error = std::current_exception();
  }
  std::function<void()> done;  // destroyed outside the lock
  {
    std::lock_guard<std::mutex> lock(state->mu);
    state->running = false;
    if (state->cancelled || state->interval.count() == 0) {
      state->cancelled = true;
      done = std::move(state->fn);
      state->fn = nullptr;
    } else {
      auto next = state->timer.expiry() + state->interval;
      const auto now = std::chrono::steady_clock::now();
      if (next < now) next = now;
      state->timer.expires_at(next);
      Arm(state);
    }
  }
  state->idle.notify_all();
  if (error) std::rethrow_exception(error);
}

void Arm(const std::shared_ptr<TimerState>& state) {
  state->timer.async_wait([state](const boost::system::error_code&) { Fire(state); });
}

class AsioTimerHandle final : public TimerHandle {
 public:
  explicit AsioTimerHandle(std::shared_ptr<TimerState> state) : state_(std::move(state)) {}
  ~AsioTimerHandle() override { Cancel(); }

  void Cancel() override {
    std::function<void()> fn;
    {
      std::unique_lock<std::mutex> lock(state_->mu);
      if (state_->cancelled && !state_->fn) return;
      state_->cancelled = true;
      state_->timer.cancel();
      if (state_->running && state_->runner == std::this_thread::get_id()) {
        return;  // inside the callback: Fire destroys fn when it returns
      }
      state_->idle.wait(lock, [this] { return !state_->running; });
      fn = std::move(state_->fn);
      state_->fn = nullptr;
    }
  }

 private:
  std::shared_ptr<TimerState> state_;
};

}  // namespace

TimePoint AsioClock::Now() const { return std::chrono::steady_clock::now(); }

std::int64_t AsioClock::WallMillis() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TimerPtr AsioClock::Schedule(Duration first, Duration interval, std::function<void()> fn) {
  auto state = std::make_shared<TimerState>(executor_.io_context());
  state->fn = std::move(fn);
  state->interval = interval;
  {
    std::lock_guard<std::mutex> lock(state->mu);
    state->timer.expires_after(first);
    Arm(state);
  }
  return std::make_unique<AsioTimerHandle>(std::move(state));
}

TimerPtr AsioClock::RunAfter(Duration delay, std::function<void()> fn) {
  return Schedule(delay, Duration{0}, std::move(fn));
}

TimerPtr AsioClock::RunEvery(Duration interval, std::function<void()> fn) {
  QUIVER_CHECK_MSG(interval.count() > 0, "RunEvery needs an interval above 0");
  return Schedule(interval, interval, std::move(fn));
}

}  // namespace quiver::kernel
