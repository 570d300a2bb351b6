// Commit-log append and read throughput (docs/BENCHMARKS.md, "Storage (commitlog)").
//   quiver_commitlog_bench [--benchmark_filter=...]   (store under $TMPDIR, default /tmp)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "mapped_file.h"
#include "store.h"
#include "testing/store_helpers.h"
#include "testing/test_env.h"

namespace quiver::storage::commitlog {
namespace {

using namespace testing;
constexpr std::size_t kBody = 1024;

std::unique_ptr<CommitLogStore> Open(TestEnv& env) {
  auto config = ParseConfig(*env.context.config);
  auto store = std::make_unique<CommitLogStore>(env.context, *config);
  Status s = store->Open();
  if (!s.ok()) std::abort();
  return store;
}

// Fills `bytes` of page cache in `dir` and frees it again, so that the pages the store
// allocates next are ones the VM has touched before (recycled) rather than fresh.
void RecycleMemory(const std::string& dir, std::size_t bytes) {
  auto file = MappedFile::Create(dir + "/recycle.tmp", 0, bytes, Preallocate::kYes);
  if (!file.ok() || !(*file)->Populate(0, bytes).ok()) std::abort();
  (*file)->Unlink();
}

// The machine limit beside BM_AppendAsync: how fast this VM hands out page-cache memory
// to a plain pwrite of 1 MiB blocks into a new file (no store code, no sync). Every byte a
// page-cache store appends needs such memory; on a VM whose free memory is returned to the
// host (free page reporting), each first touch is a host-side fault. range(0) = 1: the
// file's memory was freed a moment before (recycled); 0: after a 5 s pause, which lets the
// guest report freed memory to the host ("fresh"). Run first, before BM_AppendAsync.
void BM_PageCacheFill(benchmark::State& state) {
  constexpr std::size_t kFile = std::size_t{1} << 30;
  TempDir dir;
  std::vector<std::uint8_t> block(1 << 20, 0x5A);
  if (state.range(0) == 0) std::this_thread::sleep_for(std::chrono::seconds(5));
  std::int64_t bytes = 0;
  for (auto _ : state) {
    auto file = MappedFile::Create(dir.path() + "/fill.tmp", 0, kFile, Preallocate::kNo);
    if (!file.ok()) std::abort();
    for (std::size_t at = 0; at < kFile; at += block.size()) {
      if (!(*file)->WriteAt(at, block).ok()) std::abort();
    }
    bytes += static_cast<std::int64_t>(kFile);
    state.PauseTiming();
    (*file)->Unlink();
    file->reset();
    state.ResumeTiming();
  }
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_PageCacheFill)
    ->ArgNames({"recycled"})
    ->Arg(0)
    ->Arg(1)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Appends copies of one message from the calling thread (async flush) and waits until all
// are acknowledged: an append counts once acknowledged (bench only; the store never blocks).
class AsyncAppender {
 public:
  AsyncAppender(CommitLogStore* store, const Message* proto) : store_(store), proto_(proto) {}
  void AppendAndWait(std::int64_t appends) {
    for (std::int64_t i = 0; i < appends; ++i) {
      MessageBatch batch;
      batch.messages.push_back(*proto_);
      store_->Append(std::move(batch), [this](StatusOr<AppendOutcome> r) {
        if (!r.ok()) std::abort();
        done_.fetch_add(1, std::memory_order_relaxed);
      });
    }
    sent_ += appends;
    while (done_.load(std::memory_order_relaxed) < sent_) std::this_thread::yield();
  }

 private:
  CommitLogStore* const store_;
  const Message* const proto_;
  std::atomic<std::int64_t> done_{0};
  std::int64_t sent_ = 0;
};

// One thread appends messages with 1 KiB bodies as fast as it can (async flush). An
// iteration is `range(0)` appends *and* the wait for all their completions (counted on the
// store's callback thread), so the time covers acknowledged appends only. The 1 GiB
// segment rolls over during the run (4 x 500k x 1,124-byte records = 2.2 GB), so segment
// creation and fresh-page faults are included.
//   bytes_per_second   1 KiB bodies acknowledged per second of wall time (the goal's unit)
//   record_bytes/s     record bytes written (body + RocketMQ header, topic, properties)
//   CPU column         CPU time of the whole process (appender, flusher, callback and
//                      preparer threads) per iteration: what the appends cost the machine
// range(1) = 1 ("recycled"): 2.5 GB of page cache is filled and freed before the store
// opens, as on a broker whose page cache is full and recycled by reclaim; 0 ("fresh"): the
// store gets memory the VM touches for the first time (docs/BENCHMARKS.md: on the
// development VM that costs more than the store's own work).
void BM_AppendAsync(benchmark::State& state) {
  const std::int64_t appends = state.range(0);
  TempDir dir;
  if (state.range(1) == 1) RecycleMemory(dir.path(), std::size_t{2500} << 20);
  TestEnv env(dir.path(), {{"segment_size", "1GiB"}, {"flush", "async"}});
  auto store = Open(env);
  Message proto = MakeMessage("Bench", 0, std::string(kBody, 'b'), "TagA");
  AsyncAppender appender(store.get(), &proto);
  std::int64_t sent = 0;
  for (auto _ : state) {
    appender.AppendAndWait(appends);
    sent += appends;
  }
  const auto record = static_cast<std::int64_t>(*protocol::EncodedRecordSize(proto));
  state.SetBytesProcessed(sent * static_cast<std::int64_t>(kBody));
  state.SetItemsProcessed(sent);
  state.counters["record_bytes/s"] =
      benchmark::Counter(static_cast<double>(sent * record), benchmark::Counter::kIsRate);
  store->Close();
}
BENCHMARK(BM_AppendAsync)
    ->ArgNames({"appends", "recycled"})
    ->Args({500000, 0})
    ->Args({500000, 1})
    ->Iterations(4)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime();

// The store's own cost of an async append, without the VM's cost of new memory: the same
// 500k appends as BM_AppendAsync, but into page-cache pages the store already holds. An
// untimed first pass brings a segment's pages in; before each timed pass the store is
// truncated to offset 0 (Truncate, as a Raft follower does), so the pass rewrites the
// same pages. Compare with BM_AppendAsync (fresh and recycled memory) and BM_PageCacheFill:
// the difference is what getting memory costs, not the store.
void BM_AppendAsyncIntoCachedPages(benchmark::State& state) {
  const std::int64_t appends = state.range(0);
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "1GiB"}, {"flush", "async"}});
  auto store = Open(env);
  const Message proto = MakeMessage("Bench", 0, std::string(kBody, 'b'), "TagA");
  AsyncAppender appender(store.get(), &proto);
  appender.AppendAndWait(appends);
  std::int64_t timed = 0;
  for (auto _ : state) {
    state.PauseTiming();
    if (!store->Truncate(CommitLogOffset(0)).ok()) std::abort();
    state.ResumeTiming();
    appender.AppendAndWait(appends);
    timed += appends;
  }
  const auto record = static_cast<std::int64_t>(*protocol::EncodedRecordSize(proto));
  state.SetBytesProcessed(timed * static_cast<std::int64_t>(kBody));
  state.SetItemsProcessed(timed);
  state.counters["record_bytes/s"] =
      benchmark::Counter(static_cast<double>(timed * record), benchmark::Counter::kIsRate);
  store->Close();
}
BENCHMARK(BM_AppendAsyncIntoCachedPages)
    ->ArgNames({"appends"})
    ->Arg(500000)
    ->Iterations(4)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime();

// Counters of the sync-flush benchmarks, from the flusher's stats before and after the run:
//   appends/sync   acknowledged appends per msync round of the flusher
//   sync_us        mean wall time of one msync round (compare with fio's fdatasync latency)
void ReportSyncRounds(benchmark::State& state, std::int64_t acked, const Message& proto,
                      const Flusher::Stats& before, const Flusher::Stats& after) {
  const double syncs = static_cast<double>(std::max<std::int64_t>(1, after.syncs - before.syncs));
  const auto record = static_cast<std::int64_t>(*protocol::EncodedRecordSize(proto));
  state.SetItemsProcessed(acked);
  state.SetBytesProcessed(acked * record);
  state.counters["appends/sync"] =
      static_cast<double>(after.flushed_requests - before.flushed_requests) / syncs;
  state.counters["sync_us"] =
      static_cast<double>(after.sync_nanos - before.sync_nanos) / syncs / 1e3;
}

// N concurrent appenders under sync flush with group commit: each waits for its
// acknowledgement (on disk) before its next append, so at most N appends are in flight.
//   appends/sync   acknowledged appends per msync round of the flusher (at most N)
//   sync_us        mean wall time of one msync round (compare with fio's fdatasync latency)
void BM_AppendSyncGroupCommit(benchmark::State& state) {
  const int appenders = static_cast<int>(state.range(0));
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "1GiB"}, {"flush", "sync"}});
  auto store = Open(env);
  Message proto = MakeMessage("Bench", 0, std::string(kBody, 'b'), "TagA");
  std::int64_t total = 0;
  const Flusher::Stats before = store->FlushStats();
  for (auto _ : state) {
    std::atomic<std::int64_t> acked{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < appenders; ++t) {
      threads.emplace_back([&] {
        std::mutex mu;
        std::condition_variable cv;
        while (!stop.load(std::memory_order_relaxed)) {
          bool ready = false;
          MessageBatch batch;
          batch.messages.push_back(proto);
          store->Append(std::move(batch), [&](StatusOr<AppendOutcome> r) {
            if (!r.ok() || r->flush != FlushOutcome::kFlushed) std::abort();
            std::lock_guard lock(mu);
            ready = true;
            cv.notify_one();
          });
          std::unique_lock lock(mu);
          cv.wait(lock, [&] { return ready; });
          acked.fetch_add(1, std::memory_order_relaxed);
        }
      });
    }
    auto start = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - start < std::chrono::seconds(3)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // bench duration only
    }
    stop = true;
    for (auto& th : threads) th.join();
    total += acked.load();
  }
  ReportSyncRounds(state, total, proto, before, store->FlushStats());
  store->Close();
}
BENCHMARK(BM_AppendSyncGroupCommit)
    ->Arg(1)
    ->Arg(8)
    ->Arg(64)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// N appends kept in flight under sync flush with group commit, driven the way the broker
// drives the store: no thread waits for an acknowledgement; each completion (on the store's
// callback thread) issues the next append, so exactly N appends are in flight for 3 s. The
// thread-per-appender variant above pays a futex wake and two context switches per
// acknowledgement on top of the store's work.
//   appends/sync, sync_us   as above
//   gather         sync_flush_gather (0: a sync starts as soon as a request waits)
void BM_AppendSyncInFlight(benchmark::State& state) {
  const int in_flight = static_cast<int>(state.range(0));
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "1GiB"},
                           {"flush", "sync"},
                           {"sync_flush_gather", state.range(1) != 0 ? "1ms" : "0ms"}});
  auto store = Open(env);
  const Message proto = MakeMessage("Bench", 0, std::string(kBody, 'b'), "TagA");
  // Shared by the completions; lives until every append issued has completed.
  struct Driver {
    Driver(CommitLogStore* s, const Message* m) : store(s), proto(m) {}
    CommitLogStore* const store;
    const Message* const proto;
    std::atomic<bool> stop{false};
    std::atomic<std::int64_t> acked{0};
    std::mutex mu;
    std::condition_variable drained;
    int outstanding = 0;  // guarded by mu

    void Issue() {
      {
        std::lock_guard lock(mu);
        ++outstanding;
      }
      MessageBatch batch;
      batch.messages.push_back(*proto);
      store->Append(std::move(batch), [this](StatusOr<AppendOutcome> r) {
        if (!r.ok() || r->flush != FlushOutcome::kFlushed) std::abort();
        acked.fetch_add(1, std::memory_order_relaxed);
        if (!stop.load(std::memory_order_relaxed)) Issue();
        std::lock_guard lock(mu);
        if (--outstanding == 0) drained.notify_all();
      });
    }
  };
  std::int64_t total = 0;
  const Flusher::Stats before = store->FlushStats();
  for (auto _ : state) {
    Driver driver(store.get(), &proto);
    for (int i = 0; i < in_flight; ++i) driver.Issue();
    std::this_thread::sleep_for(std::chrono::seconds(3));  // the measured duration
    driver.stop = true;
    std::unique_lock lock(driver.mu);
    driver.drained.wait(lock, [&] { return driver.outstanding == 0; });
    total += driver.acked.load();
  }
  ReportSyncRounds(state, total, proto, before, store->FlushStats());
  store->Close();
}
BENCHMARK(BM_AppendSyncInFlight)
    ->ArgNames({"", "gather"})
    ->Args({1, 1})
    ->Args({64, 0})
    ->Args({64, 1})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Sequential read of 1 KiB records through consume-queue reads of 32 messages.
void BM_ReadSequential(benchmark::State& state) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "1GiB"}, {"flush", "async"}});
  auto store = Open(env);
  Message proto = MakeMessage("Bench", 0, std::string(kBody, 'b'), "TagA");
  constexpr int kMessages = 200000;
  for (int i = 0; i < kMessages; ++i) {
    MessageBatch batch;
    batch.messages.push_back(proto);
    store->Append(std::move(batch), [](StatusOr<AppendOutcome>) {});
  }
  std::int64_t bytes = 0, items = 0;
  for (auto _ : state) {
    ReadRequest req;
    req.topic = "Bench";
    req.offset = QueueOffset(0);
    while (true) {
      auto r = store->Read(req);
      if (!r.ok() || r->status != ReadStatus::kFound) break;
      for (const Buffer& b : r->records) {
        benchmark::DoNotOptimize(b.data()[b.size() - 1]);
        bytes += static_cast<std::int64_t>(b.size());
      }
      items += static_cast<std::int64_t>(r->records.size());
      req.offset = r->next_offset;
    }
  }
  state.SetBytesProcessed(bytes);
  state.SetItemsProcessed(items);
  store->Close();
}
BENCHMARK(BM_ReadSequential)->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace
}  // namespace quiver::storage::commitlog

BENCHMARK_MAIN();
