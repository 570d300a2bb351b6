#pragma once
// A Clock whose time moves only when a test says so (header-only test fake).
//
//   quiver::testing::ManualClock clock;
//   auto timer = clock.RunEvery(10s, [&] { ++ticks; });
//   clock.Advance(35s);   // runs the timer at 10 s, 20 s and 30 s
//
// Advance(d) runs every timer that falls due in (now, now + d], in due order (ties in
// scheduling order), on the calling thread, with Now() set to each timer's due time while
// it runs; timers scheduled by a callback run in the same Advance when they fall due inside
// it. RunAfter(0, fn) never runs inline: it runs at the next Advance (Advance(0) included).
// WallMillis() starts at kStartWallMillis and moves with Now().
//
// Thread safety: any thread. Cancel() waits for a running callback of that timer unless it
// is called from inside that callback; a cancelled timer never starts again.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "quiver/clock.h"

namespace quiver::testing {

class ManualClock final : public Clock {
 public:
  // 2023-11-14T22:13:20Z: a fixed, recognisable wall time for message timestamps.
  static constexpr std::int64_t kStartWallMillis = 1'700'000'000'000;

  ManualClock() : state_(std::make_shared<State>()) {}
  ~ManualClock() override = default;

  TimePoint Now() const override {
    std::lock_guard<std::mutex> lock(state_->mu);
    return state_->now;
  }
  std::int64_t WallMillis() const override {
    std::lock_guard<std::mutex> lock(state_->mu);
    return kStartWallMillis +
           std::chrono::duration_cast<std::chrono::milliseconds>(state_->now - TimePoint{}).count();
  }
  TimerPtr RunAfter(Duration delay, std::function<void()> fn) override {
    return Add(delay, Duration{0}, std::move(fn));
  }
  // REQUIRES: interval > 0.
  TimerPtr RunEvery(Duration interval, std::function<void()> fn) override {
    if (interval.count() <= 0) interval = Duration{1};
    return Add(interval, interval, std::move(fn));
  }

  // Moves time forward by `by` (>= 0), running the timers that fall due.
  void Advance(Duration by) {
    std::unique_lock<std::mutex> lock(state_->mu);
    const TimePoint end = state_->now + (by.count() > 0 ? by : Duration{0});
    for (;;) {
      auto it = state_->queue.begin();
      if (it == state_->queue.end() || it->first.first > end) break;
      const std::uint64_t id = it->second;
      state_->now = it->first.first;
      state_->queue.erase(it);
      Timer& timer = state_->timers.at(id);
      timer.running = true;
      timer.runner = std::this_thread::get_id();
      std::shared_ptr<std::function<void()>> fn = timer.fn;
      lock.unlock();
      (*fn)();
      fn.reset();
      lock.lock();
      auto t = state_->timers.find(id);
      t->second.running = false;
      if (t->second.cancelled || t->second.interval.count() == 0) {
        fn = std::move(t->second.fn);
        state_->timers.erase(t);
      } else {
        t->second.due = t->second.due + t->second.interval;
        state_->queue.emplace(std::make_pair(t->second.due, state_->seq++), id);
      }
      state_->idle.notify_all();
      if (fn) {  // a finished timer's function is destroyed outside the lock
        lock.unlock();
        fn.reset();
        lock.lock();
      }
    }
    state_->now = end;
  }

  // Runs the timers due now (Advance(0)).
  void RunDue() { Advance(Duration{0}); }

  // Timers scheduled and not yet finished or cancelled.
  std::size_t PendingTimers() const {
    std::lock_guard<std::mutex> lock(state_->mu);
    std::size_t n = 0;
    for (const auto& [id, timer] : state_->timers) n += timer.cancelled ? 0 : 1;
    return n;
  }

 private:
  struct Timer {
    TimePoint due;
    Duration interval{0};
    std::shared_ptr<std::function<void()>> fn;
    bool running = false;
    bool cancelled = false;
    std::thread::id runner;
  };
  struct State {
    std::mutex mu;
    std::condition_variable idle;
    TimePoint now{};
    std::uint64_t next_id = 1;
    std::uint64_t seq = 0;
    std::map<std::uint64_t, Timer> timers;
    std::map<std::pair<TimePoint, std::uint64_t>, std::uint64_t> queue;  // (due, seq) -> id
  };

  class Handle final : public TimerHandle {
   public:
    Handle(std::shared_ptr<State> state, std::uint64_t id) : state_(std::move(state)), id_(id) {}
    ~Handle() override { Cancel(); }
    void Cancel() override {
      std::shared_ptr<std::function<void()>> fn;  // destroyed after the lock is released
      std::unique_lock<std::mutex> lock(state_->mu);
      auto it = state_->timers.find(id_);
      if (it == state_->timers.end() || it->second.cancelled) return;
      it->second.cancelled = true;
      for (auto q = state_->queue.begin(); q != state_->queue.end(); ++q) {
        if (q->second == id_) {
          state_->queue.erase(q);
          break;
        }
      }
      if (it->second.running) {
        if (it->second.runner == std::this_thread::get_id()) return;  // Advance erases it
        state_->idle.wait(lock, [&] { return state_->timers.count(id_) == 0; });
        return;
      }
      fn = std::move(it->second.fn);
      state_->timers.erase(it);
    }

   private:
    std::shared_ptr<State> state_;
    std::uint64_t id_;
  };

  TimerPtr Add(Duration delay, Duration interval, std::function<void()> fn) {
    std::lock_guard<std::mutex> lock(state_->mu);
    const std::uint64_t id = state_->next_id++;
    Timer timer;
    timer.due = state_->now + (delay.count() > 0 ? delay : Duration{0});
    timer.interval = interval;
    timer.fn = std::make_shared<std::function<void()>>(std::move(fn));
    state_->queue.emplace(std::make_pair(timer.due, state_->seq++), id);
    state_->timers.emplace(id, std::move(timer));
    return std::make_unique<Handle>(state_, id);
  }

  std::shared_ptr<State> state_;
};

}  // namespace quiver::testing
