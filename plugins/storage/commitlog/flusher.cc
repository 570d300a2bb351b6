#include "flusher.h"

#include <algorithm>
#include <chrono>
#include <vector>

namespace quiver::storage::commitlog {
namespace {
constexpr std::int64_t kPageSize = 4096;
}

Flusher::Flusher(const CommitLogConfig& config, Clock* clock, SyncFn sync, PositionFn position,
                 std::int64_t initially_flushed)
    : config_(config),
      clock_(clock),
      sync_(std::move(sync)),
      position_(std::move(position)),
      flushed_(initially_flushed) {}

Flusher::~Flusher() { Stop(); }

void Flusher::Start() {
  started_ = true;
  // Async flush syncs on a timer and completes only Flush() requests: one thread is enough.
  const int threads = config_.flush == FlushMode::kSync ? 2 : 1;
  for (int i = 0; i < threads; ++i) flush_threads_.emplace_back([this] { FlushLoop(); });
  watchdog_thread_ = std::thread([this] { WatchdogLoop(); });
}

void Flusher::Stop() {
  if (!started_) return;
  started_ = false;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  flush_cv_.notify_all();
  watchdog_cv_.notify_all();
  for (std::thread& t : flush_threads_) t.join();
  flush_threads_.clear();
  watchdog_thread_.join();
  FlushOnce();  // the final flush; completes what it covers
  std::deque<Pending> left;
  {
    std::lock_guard lock(mu_);
    left.swap(pending_);
  }
  for (Pending& p : left) p.done(Status::Ok(), FlushOutcome::kFlushTimeout);
}

std::int64_t Flusher::flushed() const {
  std::lock_guard lock(mu_);
  return flushed_;
}

void Flusher::LowerFlushed(std::int64_t offset) {
  std::lock_guard lock(mu_);
  flushed_ = std::min(flushed_, offset);
}

void Flusher::Abandon() {
  if (!started_) return;
  started_ = false;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  flush_cv_.notify_all();
  watchdog_cv_.notify_all();
  for (std::thread& t : flush_threads_) t.join();
  flush_threads_.clear();
  watchdog_thread_.join();
  std::deque<Pending> left;
  {
    std::lock_guard lock(mu_);
    left.swap(pending_);
  }
  for (Pending& p : left) {
    p.done(UnavailableError("the store stopped before the flush"), FlushOutcome::kFlushTimeout);
  }
}

Flusher::Stats Flusher::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

Status Flusher::error() const {
  std::lock_guard lock(mu_);
  return error_;
}

void Flusher::Request(std::int64_t offset, Done done) {
  {
    std::unique_lock lock(mu_);
    if (!error_.ok()) {
      Status error = error_;
      lock.unlock();
      done(error, FlushOutcome::kFlushTimeout);
      return;
    }
    if (offset <= flushed_) {
      lock.unlock();
      done(Status::Ok(), FlushOutcome::kFlushed);
      return;
    }
    bool was_empty = pending_.empty();
    pending_.push_back(
        Pending{offset, clock_->Now() + config_.sync_flush_timeout, std::move(done)});
    if (gathering_ > 0 && pending_.size() >= last_round_size_) {
      lock.unlock();
      flush_cv_.notify_all();  // the gathering is complete (both flush threads may gather)
      return;
    }
    if (!was_empty) return;  // the flusher is already awake for the earlier ones
  }
  flush_cv_.notify_one();  // (the watchdog needs no wake-up: WatchdogLoop)
}

bool Flusher::HasUnflushedRequest() const {
  return std::any_of(pending_.begin(), pending_.end(),
                     [&](const Pending& p) { return p.offset > flushed_; });
}

void Flusher::FlushOnce() {
  // Wall time of the sync itself (a steady clock, not clock_: a ManualClock does not move).
  const auto start = std::chrono::steady_clock::now();
  auto synced = sync_();
  const auto nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count();
  std::vector<Pending> ready;
  Status error;
  bool next_sync_due = false;
  std::uint64_t round = 0;
  {
    std::lock_guard lock(mu_);
    ++stats_.syncs;
    stats_.sync_nanos += nanos;
    syncing_ = false;
    if (!synced.ok()) {
      if (error_.ok()) error_ = synced.status();
      failed_.store(true, std::memory_order_release);
      error = error_;
      for (Pending& p : pending_) ready.push_back(std::move(p));
      pending_.clear();
    } else {
      flushed_ = std::max(flushed_, *synced);
      // Requests are completed in any order; remove every satisfied one.
      for (auto it = pending_.begin(); it != pending_.end();) {
        if (it->offset <= flushed_) {
          ready.push_back(std::move(*it));
          it = pending_.erase(it);
        } else {
          ++it;
        }
      }
      stats_.flushed_requests += static_cast<std::int64_t>(ready.size());
      if (!ready.empty()) {
        last_round_size_ = ready.size();
        last_sync_time_ = std::chrono::nanoseconds(nanos);
        last_sync_end_ = start + last_sync_time_;
      }
      next_sync_due = HasUnflushedRequest();
    }
    if (!ready.empty()) round = next_round_++;
  }
  // The other flush thread starts the next sync while this one runs the completions.
  if (next_sync_due) flush_cv_.notify_one();
  if (ready.empty()) return;
  {
    std::unique_lock lock(mu_);
    turn_cv_.wait(lock, [&] { return completing_round_ == round; });
  }
  for (const Pending& p : ready) {
    p.done(error, error.ok() ? FlushOutcome::kFlushed : FlushOutcome::kFlushTimeout);
  }
  {
    std::lock_guard lock(mu_);
    ++completing_round_;
  }
  turn_cv_.notify_all();
}

void Flusher::FlushLoop() {
  TimePoint last_thorough = clock_->Now();
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (config_.flush == FlushMode::kSync) {
      flush_cv_.wait(lock, [&] { return stopping_ || (!syncing_ && HasUnflushedRequest()); });
      if (stopping_) break;
      if (config_.sync_flush_gather > Duration::zero()) {
        Gather(lock);
        if (stopping_) break;
        // The other flush thread may have gathered too and started first.
        if (syncing_ || !HasUnflushedRequest()) continue;
      }
    } else {
      flush_cv_.wait_for(lock, config_.flush_interval,
                         [&] { return stopping_ || !pending_.empty(); });
      if (stopping_) break;
      std::int64_t dirty = position_() - flushed_;
      bool thorough = clock_->Now() - last_thorough >= config_.flush_thorough_interval;
      bool enough = dirty > 0 && dirty >= config_.flush_min_pages * kPageSize;
      if (pending_.empty() && !enough && !(thorough && dirty > 0)) continue;
      last_thorough = clock_->Now();
    }
    syncing_ = true;
    lock.unlock();
    FlushOnce();
    lock.lock();
  }
}

void Flusher::Gather(std::unique_lock<std::mutex>& lock) {
  if (last_round_size_ < 2 || pending_.size() >= last_round_size_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_sync_end_ > last_sync_time_) return;  // after a pause: nobody is coming back
  const auto limit = std::min<std::chrono::nanoseconds>(
      last_sync_time_ / 2,
      std::chrono::duration_cast<std::chrono::nanoseconds>(config_.sync_flush_gather));
  ++gathering_;
  ++stats_.gathers;
  flush_cv_.wait_until(lock, now + limit,
                       [&] { return stopping_ || pending_.size() >= last_round_size_; });
  --gathering_;
}

void Flusher::WatchdogLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (pending_.empty()) {
      // Not woken by Request (a futex wake per group-commit round): sleeping at most one
      // timeout, it always looks again before the deadline of a request that arrived
      // meanwhile, and then waits for exactly that deadline.
      watchdog_cv_.wait_for(lock, config_.sync_flush_timeout);
      continue;
    }
    TimePoint deadline = pending_.front().deadline;
    TimePoint now = clock_->Now();
    if (now < deadline) {
      watchdog_cv_.wait_for(lock, deadline - now);
      continue;
    }
    std::vector<Pending> expired;
    while (!pending_.empty() && pending_.front().deadline <= now) {
      expired.push_back(std::move(pending_.front()));
      pending_.pop_front();
    }
    lock.unlock();
    for (Pending& p : expired) p.done(Status::Ok(), FlushOutcome::kFlushTimeout);
    lock.lock();
  }
}

}  // namespace quiver::storage::commitlog
