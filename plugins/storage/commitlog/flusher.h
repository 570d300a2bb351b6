#pragma once
// Flushing the commit log: async (a thread that flushes every flush_interval when at
// least flush_min_pages are dirty, and everything at least every thorough interval) or
// sync with group commit (every appender registers the offset it needs on disk; one sync
// (CommitLog::Sync) covers everything written when it starts, so every request that
// reached the flusher by then; no appender thread ever waits on the disk).
//
// Under sync flush two flush threads take turns: the one whose sync ends completes that
// round's requests itself while the other starts the next sync at once when requests are
// waiting. So an acknowledgement costs no hand-over to another thread (a futex wake and a
// context switch, which on an idle VM is a wake-up of a halted vCPU), and completions never
// keep the disk idle: done on a single flusher thread, ~30 of them kept the disk idle
// between two syncs about as long as a whole sync takes on a fast disk. Rounds complete in
// the order their syncs ended (a round waits for the previous round's completions).
//
// Gathering (sync_flush_gather, 1 ms by default): appenders that issue their next append
// from their completion (the broker's I/O threads answer a producer, which sends again)
// would otherwise split into two halves that alternate, each sync covering about half of
// them: the next sync starts while the last round's appenders are still coming back. So
// before a sync the flusher waits until as many requests are waiting as the previous sync
// completed, for at most half the previous sync's time and at most sync_flush_gather. The
// cost is bounded by that wait; a lone appender never waits (a round of one does not
// gather), nor does the first request after a pause (a previous round that ended more than
// a sync's time ago is not coming back).
//
// A request not satisfied within sync_flush_timeout completes with kFlushTimeout (from a
// watchdog thread), exactly once. A failed sync completes the waiting requests with the
// error and makes the flusher refuse later requests (fsyncgate: after a failed fsync the
// data's state is unknown, so nothing more is acknowledged as durable).
//
// Threading: Request, Wake and flushed() from any thread; Start/Stop from the owner.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "config.h"
#include "quiver/clock.h"
#include "quiver/status.h"
#include "quiver/storage.h"

namespace quiver::storage::commitlog {

class Flusher {
 public:
  // Flushes everything written so far; returns the offset now durable.
  using SyncFn = std::function<StatusOr<std::int64_t>()>;
  // The current write position (to decide whether dirty pages are worth a flush).
  using PositionFn = std::function<std::int64_t()>;
  using Done = std::function<void(Status, FlushOutcome)>;
  // Counters for benchmarks and logs (monotonic since construction).
  struct Stats {
    std::int64_t syncs = 0;             // successful or failed calls of the sync function
    std::int64_t sync_nanos = 0;        // wall time spent in them
    std::int64_t flushed_requests = 0;  // requests completed as kFlushed by a sync round
    // waits for the last round's appenders before a sync (gathering; both flush threads
    // may wait before the same sync)
    std::int64_t gathers = 0;
  };

  Flusher(const CommitLogConfig& config, Clock* clock, SyncFn sync, PositionFn position,
          std::int64_t initially_flushed);
  ~Flusher();

  void Start();
  // Flushes what is left, completes every pending request, joins the threads.
  void Stop();

  // Runs `done` once `offset` is durable (kFlushed), or after sync_flush_timeout
  // (kFlushTimeout), or with the error of a failed sync.
  void Request(std::int64_t offset, Done done);
  std::int64_t flushed() const;
  // After a truncation: only offsets at or below `offset` stay durable.
  void LowerFlushed(std::int64_t offset);
  // Stops the threads without a final flush (a simulated crash, for tests); pending
  // requests fail with kUnavailable.
  void Abandon();
  // Last sync error (OK when none): a store in this state refuses appends.
  Status error() const;
  // !error().ok(), without the lock (checked on every append).
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  Stats stats() const;

 private:
  struct Pending {
    std::int64_t offset;
    TimePoint deadline;
    Done done;
  };
  void FlushLoop();
  void WatchdogLoop();
  // Waits (sync_flush_gather) for the previous round's appenders to return, see above.
  // REQUIRES: `lock` holds mu_.
  void Gather(std::unique_lock<std::mutex>& lock);
  // Syncs and completes satisfied requests. REQUIRES: mu_ not held; syncing_ set by the
  // caller (or no flush thread running).
  void FlushOnce();
  // A request waits for an offset beyond flushed_. REQUIRES: mu_ held.
  bool HasUnflushedRequest() const;

  const CommitLogConfig config_;
  Clock* const clock_;
  const SyncFn sync_;
  const PositionFn position_;

  mutable std::mutex mu_;
  std::condition_variable flush_cv_;
  std::condition_variable turn_cv_;  // a round's turn to run its completions
  std::condition_variable watchdog_cv_;
  std::deque<Pending> pending_;      // guarded by mu_; deadlines non-decreasing
  std::int64_t flushed_ = 0;         // guarded by mu_
  Status error_;                     // guarded by mu_
  std::atomic<bool> failed_{false};  // set with error_
  bool stopping_ = false;            // guarded by mu_
  bool syncing_ = false;             // guarded by mu_; a flush thread is in the sync function
  // guarded by mu_: what the previous sync completed, took and when it ended (the
  // gathering's target and time limit), and how many flush threads are gathering (Request
  // wakes them at the target).
  std::size_t last_round_size_ = 0;
  std::chrono::nanoseconds last_sync_time_{0};
  std::chrono::steady_clock::time_point last_sync_end_;
  int gathering_ = 0;
  std::uint64_t next_round_ = 0;     // guarded by mu_; ticket of the next round that completes
  std::uint64_t completing_round_ = 0;  // guarded by mu_; the round whose turn it is
  Stats stats_;                      // guarded by mu_
  bool started_ = false;
  std::vector<std::thread> flush_threads_;
  std::thread watchdog_thread_;
};

}  // namespace quiver::storage::commitlog
