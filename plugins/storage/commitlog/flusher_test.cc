#include "flusher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "testing/test_env.h"

namespace quiver::storage::commitlog {
namespace {

using namespace std::chrono_literals;

// A sync function that blocks each call until the test releases it, so the test decides
// what is pending when a round ends.
class FlusherHarness {
 public:
  // `gather`: sync_flush_gather; long by default, so that half the previous sync (which the
  // test holds) is what limits a gathering.
  explicit FlusherHarness(Duration gather = std::chrono::seconds(10)) {
    config_.flush = FlushMode::kSync;
    config_.sync_flush_gather = gather;
    flusher_ = std::make_unique<Flusher>(
        config_, &clock_, [this] { return Sync(); }, [this] { return position_.load(); }, 0);
    flusher_->Start();
  }
  ~FlusherHarness() {
    ReleaseSyncs(1000);
    flusher_->Stop();
  }

  Flusher& flusher() { return *flusher_; }
  void Write(std::int64_t end) { position_.store(end); }
  // Lets `n` more sync calls return.
  void ReleaseSyncs(int n) {
    std::lock_guard lock(mu_);
    released_ += n;
    cv_.notify_all();
  }
  bool WaitSyncStarted(int calls, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return started_ >= calls; });
  }

 private:
  StatusOr<std::int64_t> Sync() {
    const std::int64_t covered = position_.load();
    std::unique_lock lock(mu_);
    ++started_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return released_ > 0; });
    --released_;
    return covered;
  }

  CommitLogConfig config_;
  testing::SystemClock clock_;
  std::atomic<std::int64_t> position_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  int started_ = 0;   // guarded by mu_
  int released_ = 0;  // guarded by mu_
  std::unique_ptr<Flusher> flusher_;
};

// Records a completion and lets the test wait for it.
struct Completion {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  FlushOutcome outcome = FlushOutcome::kFlushTimeout;

  Flusher::Done Callback() {
    return [this](Status s, FlushOutcome f) {
      ASSERT_TRUE(s.ok()) << s.ToString();
      std::lock_guard lock(mu);
      outcome = f;
      done = true;
      cv.notify_all();
    };
  }
  bool Wait() {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 10s, [&] { return done; });
  }
  bool Done() {
    std::lock_guard lock(mu);
    return done;
  }
};

// The flush thread whose sync ended runs that round's completions (no hand-over to another
// thread), and meanwhile the other flush thread syncs what was requested since: a round's
// completions never hold up the next sync, and rounds complete in order.
TEST(FlusherTest, NextSyncRunsWhileARoundCompletes) {
  FlusherHarness h;
  h.Write(100);
  std::mutex mu;
  std::condition_variable cv;
  bool first_running = false, release_first = false;
  std::thread::id first_thread;
  std::vector<int> order;
  Completion second;
  h.flusher().Request(100, [&](Status s, FlushOutcome f) {
    EXPECT_TRUE(s.ok());
    EXPECT_EQ(f, FlushOutcome::kFlushed);
    std::unique_lock lock(mu);
    first_thread = std::this_thread::get_id();
    first_running = true;
    cv.notify_all();
    cv.wait_for(lock, 10s, [&] { return release_first; });
    order.push_back(1);
  });
  h.ReleaseSyncs(1);
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return first_running; }));
  }
  EXPECT_NE(first_thread, std::this_thread::get_id());
  // The first completion is still running: the next request is synced all the same.
  h.Write(200);
  h.flusher().Request(200, [&](Status s, FlushOutcome f) {
    {
      std::lock_guard lock(mu);
      order.push_back(2);
    }
    second.Callback()(s, f);
  });
  ASSERT_TRUE(h.WaitSyncStarted(2));
  h.ReleaseSyncs(1);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (h.flusher().flushed() < 200 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(h.flusher().flushed(), 200);
  // ...but its completion waits for the earlier round's.
  EXPECT_FALSE(second.Done());
  {
    std::lock_guard lock(mu);
    release_first = true;
    cv.notify_all();
  }
  ASSERT_TRUE(second.Wait());
  EXPECT_EQ(second.outcome, FlushOutcome::kFlushed);
  std::lock_guard lock(mu);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

// Requests that arrive during a sync share the next one (group commit).
TEST(FlusherTest, RequestsWaitingDuringASyncShareTheNextOne) {
  FlusherHarness h;
  h.Write(100);
  Completion first;
  h.flusher().Request(100, first.Callback());
  ASSERT_TRUE(h.WaitSyncStarted(1));
  std::vector<std::unique_ptr<Completion>> waiting;
  for (int i = 1; i <= 10; ++i) {
    h.Write(100 + i * 10);
    waiting.push_back(std::make_unique<Completion>());
    h.flusher().Request(100 + i * 10, waiting.back()->Callback());
  }
  h.ReleaseSyncs(2);
  ASSERT_TRUE(first.Wait());
  for (auto& c : waiting) ASSERT_TRUE(c->Wait());
  EXPECT_EQ(h.flusher().stats().syncs, 2);
  EXPECT_EQ(h.flusher().stats().flushed_requests, 11);
}

// A first round of three requests whose sync the test holds for `hold`, so that half the
// previous sync (a gathering's limit) is at least hold / 2.
std::vector<std::unique_ptr<Completion>> CompleteARoundOfThree(FlusherHarness& h,
                                                               std::chrono::milliseconds hold) {
  std::vector<std::unique_ptr<Completion>> round;
  h.Write(30);
  for (int offset : {10, 20, 30}) {
    round.push_back(std::make_unique<Completion>());
    h.flusher().Request(offset, round.back()->Callback());
  }
  EXPECT_TRUE(h.WaitSyncStarted(1));
  std::this_thread::sleep_for(hold);
  h.ReleaseSyncs(1);
  for (auto& c : round) EXPECT_TRUE(c->Wait());
  EXPECT_EQ(h.flusher().stats().flushed_requests, 3);
  return round;
}

// Appenders that append again from their completion come back one by one: the next sync
// waits until as many requests wait as the last sync completed, so they share one sync
// instead of splitting into alternating halves.
TEST(FlusherTest, NextSyncGathersTheLastRoundsAppenders) {
  // Completions outlive the harness (its Stop may still complete them).
  std::vector<std::unique_ptr<Completion>> first, next;
  FlusherHarness h;
  first = CompleteARoundOfThree(h, 2s);
  for (int offset : {40, 50, 60}) {
    h.Write(offset);
    next.push_back(std::make_unique<Completion>());
    h.flusher().Request(offset, next.back()->Callback());
    if (offset < 60) {
      EXPECT_FALSE(h.WaitSyncStarted(2, 30ms)) << "started with < 3 waiting";
    }
  }
  ASSERT_TRUE(h.WaitSyncStarted(2));
  h.ReleaseSyncs(1);
  for (auto& c : next) ASSERT_TRUE(c->Wait());
  EXPECT_EQ(h.flusher().stats().syncs, 2);
  EXPECT_EQ(h.flusher().stats().flushed_requests, 6);
  EXPECT_GE(h.flusher().stats().gathers, 1);
}

// ...but for at most half the previous sync's time: a request alone is synced after that.
TEST(FlusherTest, GatheringWaitsAtMostHalfTheLastSync) {
  std::vector<std::unique_ptr<Completion>> first;
  Completion alone;
  FlusherHarness h;
  first = CompleteARoundOfThree(h, 400ms);
  const auto start = std::chrono::steady_clock::now();
  h.Write(40);
  h.flusher().Request(40, alone.Callback());
  ASSERT_TRUE(h.WaitSyncStarted(2));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 190ms);
  EXPECT_GE(h.flusher().stats().gathers, 1);
  h.ReleaseSyncs(1);
  ASSERT_TRUE(alone.Wait());
  EXPECT_EQ(alone.outcome, FlushOutcome::kFlushed);
}

// ...and at most sync_flush_gather, however long the previous sync took.
TEST(FlusherTest, GatheringWaitsAtMostSyncFlushGather) {
  std::vector<std::unique_ptr<Completion>> first;
  Completion alone;
  FlusherHarness h(/*gather=*/100ms);
  first = CompleteARoundOfThree(h, 2s);  // half of it: 1 s
  const auto start = std::chrono::steady_clock::now();
  h.Write(40);
  h.flusher().Request(40, alone.Callback());
  ASSERT_TRUE(h.WaitSyncStarted(2));
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 90ms);
  EXPECT_LT(waited, 900ms) << "waited for half the last sync, not sync_flush_gather";
  h.ReleaseSyncs(1);
  ASSERT_TRUE(alone.Wait());
}

// The first request after a pause longer than a sync does not wait for the last round's
// appenders: they are not coming back.
TEST(FlusherTest, NoGatheringAfterAPause) {
  std::vector<std::unique_ptr<Completion>> first;
  Completion later;
  FlusherHarness h;
  first = CompleteARoundOfThree(h, 200ms);
  std::this_thread::sleep_for(1s);
  h.Write(40);
  h.flusher().Request(40, later.Callback());
  ASSERT_TRUE(h.WaitSyncStarted(2));
  EXPECT_EQ(h.flusher().stats().gathers, 0);
  h.ReleaseSyncs(1);
  ASSERT_TRUE(later.Wait());
}

// sync_flush_gather = 0: a waiting request is synced at once.
TEST(FlusherTest, WithoutGatheringTheNextSyncStartsAtOnce) {
  std::vector<std::unique_ptr<Completion>> first;
  Completion alone;
  FlusherHarness h(/*gather=*/Duration::zero());
  first = CompleteARoundOfThree(h, 400ms);
  h.Write(40);
  h.flusher().Request(40, alone.Callback());
  ASSERT_TRUE(h.WaitSyncStarted(2));
  EXPECT_EQ(h.flusher().stats().gathers, 0);
  h.ReleaseSyncs(1);
  ASSERT_TRUE(alone.Wait());
}

}  // namespace
}  // namespace quiver::storage::commitlog
