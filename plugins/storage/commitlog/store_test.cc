#include "store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <optional>
#include <thread>

#include "testing/store_helpers.h"
#include "testing/test_env.h"

namespace quiver::storage::commitlog {
namespace {

using namespace testing;

std::unique_ptr<CommitLogStore> OpenStore(TestEnv& env) {
  auto config = ParseConfig(*env.context.config);
  EXPECT_TRUE(config.ok()) << config.status();
  auto store = std::make_unique<CommitLogStore>(env.context, *config);
  Status s = store->Open();
  EXPECT_TRUE(s.ok()) << s;
  return store;
}

std::string BodyOf(const Buffer& record) {
  auto d = protocol::DecodeRecord(record.span());
  EXPECT_TRUE(d.ok()) << d.status();
  if (!d.ok()) return "";
  return std::string(d->body.begin(), d->body.end());
}

ReadResult ReadAll(MessageStore& store, const std::string& topic, int queue, std::int64_t offset,
                   std::vector<std::int64_t> tags = {}) {
  ReadRequest req;
  req.topic = topic;
  req.queue_id = QueueId(queue);
  req.offset = QueueOffset(offset);
  req.max_messages = 1000;
  req.max_bytes = 64 << 20;
  req.tag_codes = std::move(tags);
  auto r = store.Read(req);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : ReadResult{};
}

TEST(CommitLogStoreTest, AppendedMessageReadsBackWithItsOffsets) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "1MiB"}});
  auto store = OpenStore(env);
  auto first = AppendOne(*store, MakeMessage("TopicA", 0, "hello"));
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = AppendOne(*store, MakeMessage("TopicA", 0, "world"));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->results[0].physical_offset, CommitLogOffset(0));
  EXPECT_EQ(first->results[0].queue_offset, QueueOffset(0));
  EXPECT_EQ(second->results[0].physical_offset, CommitLogOffset(first->results[0].size));
  EXPECT_EQ(second->results[0].queue_offset, QueueOffset(1));
  EXPECT_EQ(first->flush, FlushOutcome::kFlushed);

  ReadResult r = ReadAll(*store, "TopicA", 0, 0);
  EXPECT_EQ(r.status, ReadStatus::kFound);
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(BodyOf(r.records[0]), "hello");
  EXPECT_EQ(BodyOf(r.records[1]), "world");
  EXPECT_EQ(r.next_offset, QueueOffset(2));
  EXPECT_EQ(r.min_offset, QueueOffset(0));
  EXPECT_EQ(r.max_offset, QueueOffset(2));
  auto d = protocol::DecodeRecord(r.records[1].span());
  EXPECT_EQ(d->queue_offset, QueueOffset(1));
  EXPECT_EQ(d->physical_offset, second->results[0].physical_offset);
  EXPECT_EQ(d->store_timestamp_ms, second->results[0].store_timestamp_ms);
  EXPECT_EQ(store->MaxOffset("TopicA", QueueId(0)), QueueOffset(2));
  EXPECT_EQ(store->MinOffset("TopicA", QueueId(0)), QueueOffset(0));
}

TEST(CommitLogStoreTest, ReadStatusesFollowRocketMq) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "1MiB"}});
  auto store = OpenStore(env);
  EXPECT_EQ(ReadAll(*store, "Nope", 0, 0).status, ReadStatus::kNoMessageInQueue);
  ASSERT_TRUE(AppendOne(*store, MakeMessage("T", 1, "x")).ok());
  EXPECT_EQ(ReadAll(*store, "T", 1, 1).status, ReadStatus::kOffsetOverflowOne);
  ReadResult badly = ReadAll(*store, "T", 1, 5);
  EXPECT_EQ(badly.status, ReadStatus::kOffsetOverflowBadly);
  EXPECT_EQ(badly.next_offset, QueueOffset(0));
  EXPECT_EQ(ReadAll(*store, "T", 1, 0).status, ReadStatus::kFound);
}

TEST(CommitLogStoreTest, BatchGetsConsecutiveOffsetsAndIsStoredContiguously) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "1MiB"}});
  auto store = OpenStore(env);
  MessageBatch batch;
  for (int i = 0; i < 10; ++i)
    batch.messages.push_back(MakeMessage("B", 2, "m" + std::to_string(i)));
  auto out = AppendAndWait(*store, std::move(batch));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->results.size(), 10u);
  for (int i = 1; i < 10; ++i) {
    EXPECT_EQ(out->results[i].queue_offset, QueueOffset(i));
    EXPECT_EQ(out->results[i].physical_offset,
              out->results[i - 1].physical_offset + out->results[i - 1].size);
  }
  ReadResult r = ReadAll(*store, "B", 2, 3);
  ASSERT_EQ(r.records.size(), 7u);
  EXPECT_EQ(BodyOf(r.records[0]), "m3");
}

TEST(CommitLogStoreTest, BatchOfTwoQueuesIsRejected) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "1MiB"}});
  auto store = OpenStore(env);
  MessageBatch batch;
  batch.messages.push_back(MakeMessage("B", 0, "a"));
  batch.messages.push_back(MakeMessage("B", 1, "b"));
  EXPECT_EQ(AppendAndWait(*store, std::move(batch)).status(),
            InvalidArgumentError("a batch must hold messages of one topic and queue; found B/0 "
                                 "and B/1"));
  EXPECT_EQ(store->Stats().max_physical_offset, CommitLogOffset(0));
}

TEST(CommitLogStoreTest, TagFilterReturnsOnlyMatchingMessages) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "1MiB"}});
  auto store = OpenStore(env);
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(
        AppendOne(*store, MakeMessage("T", 0, std::to_string(i), i % 2 ? "odd" : "even")).ok());
  }
  ReadResult r = ReadAll(*store, "T", 0, 0, {protocol::JavaStringHashCode("odd")});
  EXPECT_EQ(r.status, ReadStatus::kFound);
  ASSERT_EQ(r.records.size(), 3u);
  EXPECT_EQ(BodyOf(r.records[0]), "1");
  EXPECT_EQ(BodyOf(r.records[2]), "5");
  EXPECT_EQ(r.next_offset, QueueOffset(6));
  ReadResult none = ReadAll(*store, "T", 0, 0, {protocol::JavaStringHashCode("other")});
  EXPECT_EQ(none.status, ReadStatus::kNoMatchedMessage);
  EXPECT_EQ(none.next_offset, QueueOffset(6));
}

TEST(CommitLogStoreTest, ReadLimitsCountAndBytesButAlwaysReturnsOneRecord) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "1MiB"}});
  auto store = OpenStore(env);
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(AppendOne(*store, MakeMessage("T", 0, std::string(100, 'x'))).ok());
  ReadRequest req;
  req.topic = "T";
  req.max_messages = 2;
  auto r = store->Read(req);
  ASSERT_EQ(r->records.size(), 2u);
  EXPECT_EQ(r->next_offset, QueueOffset(2));
  req.max_messages = 32;
  req.max_bytes = 1;
  r = store->Read(req);
  ASSERT_EQ(r->records.size(), 1u);
  EXPECT_EQ(r->next_offset, QueueOffset(1));
}

TEST(CommitLogStoreTest, RecordsRollOverToTheNextSegmentWithABlankMarker) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "64KiB"}});
  auto store = OpenStore(env);
  std::vector<AppendResult> results;
  for (int i = 0; i < 200; ++i) {
    auto out = AppendOne(*store, MakeMessage("Roll", 0, std::string(1000, 'a' + i % 26)));
    ASSERT_TRUE(out.ok()) << out.status();
    results.push_back(out->results[0]);
  }
  // 200 records of ~1.1 KB need four 64 KiB segments; none spans a boundary.
  for (const AppendResult& r : results) {
    EXPECT_EQ(r.physical_offset.value() / 65536, (r.physical_offset.value() + r.size - 1) / 65536);
  }
  EXPECT_GE(store->Stats().max_physical_offset.value(), 3 * 65536);
  ReadResult all = ReadAll(*store, "Roll", 0, 0);
  ASSERT_EQ(all.records.size(), 200u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(BodyOf(all.records[i]), std::string(1000, 'a' + i % 26));
  // The segment ends with the blank marker.
  auto raw = store->ReadRaw(CommitLogOffset(0), 1 << 20);
  ASSERT_TRUE(raw.ok()) << raw.status();
  EXPECT_EQ(raw->size(), static_cast<std::size_t>(store->Stats().max_physical_offset.value()));
}

TEST(CommitLogStoreTest, MessagesSurviveARestart) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "64KiB"}, {"consume_queue_entries_per_file", "32"}});
  {
    auto store = OpenStore(env);
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(AppendOne(*store, MakeMessage("R", i % 3, "body" + std::to_string(i))).ok());
    }
    store->Close();
  }
  auto store = OpenStore(env);
  EXPECT_EQ(store->MaxOffset("R", QueueId(0)), QueueOffset(34));
  EXPECT_EQ(store->MaxOffset("R", QueueId(1)), QueueOffset(33));
  ReadResult r = ReadAll(*store, "R", 1, 0);
  ASSERT_EQ(r.records.size(), 33u);
  EXPECT_EQ(BodyOf(r.records[32]), "body97");
  auto more = AppendOne(*store, MakeMessage("R", 1, "after"));
  ASSERT_TRUE(more.ok());
  EXPECT_EQ(more->results[0].queue_offset, QueueOffset(33));
}

TEST(CommitLogStoreTest, BuffersKeepTheMappingAliveAfterClose) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "1MiB"}});
  auto store = OpenStore(env);
  ASSERT_TRUE(AppendOne(*store, MakeMessage("Z", 0, "zero-copy")).ok());
  ReadResult r = ReadAll(*store, "Z", 0, 0);
  store->Close();
  store.reset();
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(BodyOf(r.records[0]), "zero-copy");
}

TEST(CommitLogStoreTest, OffsetByTimestampAndStoreTimestamp) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "1MiB"}});
  auto store = OpenStore(env);
  std::vector<std::int64_t> times;
  for (int i = 0; i < 20; ++i) {
    auto out = AppendOne(*store, MakeMessage("Time", 0, "x"));
    ASSERT_TRUE(out.ok());
    times.push_back(out->results[0].store_timestamp_ms);
  }
  for (int i : {0, 7, 19}) {
    EXPECT_EQ(store->StoreTimestamp("Time", QueueId(0), QueueOffset(i)).value(), times[i]);
    QueueOffset found = store->OffsetByTimestamp("Time", QueueId(0), times[i]);
    EXPECT_LE(found.value(), i);
    EXPECT_EQ(store->StoreTimestamp("Time", QueueId(0), found).value(), times[i]);
  }
  EXPECT_EQ(store->OffsetByTimestamp("Time", QueueId(0), times.back() + 1), QueueOffset(20));
  EXPECT_EQ(store->StoreTimestamp("Time", QueueId(0), QueueOffset(20)).status(),
            NotFoundError("no message at offset 20 of Time/0"));
}

TEST(CommitLogStoreTest, ReadRecordFindsRecordsByPhysicalOffsetOnly) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "1MiB"}});
  auto store = OpenStore(env);
  auto out = AppendOne(*store, MakeMessage("P", 0, "abc"));
  auto out2 = AppendOne(*store, MakeMessage("P", 0, "def"));
  auto rec = store->ReadRecord(out2->results[0].physical_offset);
  ASSERT_TRUE(rec.ok()) << rec.status();
  EXPECT_EQ(BodyOf(*rec), "def");
  EXPECT_EQ(store->ReadRecord(CommitLogOffset(3)).status(),
            NotFoundError("no record starts at commit-log offset 3"));
}

TEST(CommitLogStoreTest, FollowerAppendsRawBytesAndIndexesThem) {
  TempDir master_dir, follower_dir;
  TestEnv master_env(master_dir.path(), {{"segment_size", "64KiB"}});
  TestEnv follower_env(follower_dir.path(), {{"segment_size", "64KiB"}});
  auto master = OpenStore(master_env);
  auto follower = OpenStore(follower_env);
  for (int i = 0; i < 150; ++i) {
    ASSERT_TRUE(
        AppendOne(*master, MakeMessage("Rep", i % 2, std::string(900, 'r'), i % 3 ? "a" : "b"))
            .ok());
  }
  std::int64_t pos = 0;
  while (pos < master->Stats().max_physical_offset.value()) {
    auto raw = master->ReadRaw(CommitLogOffset(pos), 10000);
    ASSERT_TRUE(raw.ok()) << raw.status();
    ASSERT_FALSE(raw->empty());
    std::size_t n = raw->size();
    Status s = WaitStatus([&](std::function<void(Status)> done) {
      follower->AppendRaw(CommitLogOffset(pos), *raw, std::move(done));
    });
    ASSERT_TRUE(s.ok()) << s;
    pos += static_cast<std::int64_t>(n);
  }
  EXPECT_EQ(follower->Stats().max_physical_offset, master->Stats().max_physical_offset);
  for (int q = 0; q < 2; ++q) {
    EXPECT_EQ(follower->MaxOffset("Rep", QueueId(q)), master->MaxOffset("Rep", QueueId(q)));
    ReadResult a = ReadAll(*master, "Rep", q, 0, {protocol::JavaStringHashCode("b")});
    ReadResult b = ReadAll(*follower, "Rep", q, 0, {protocol::JavaStringHashCode("b")});
    ASSERT_EQ(a.records.size(), b.records.size());
    for (std::size_t i = 0; i < a.records.size(); ++i)
      EXPECT_EQ(a.records[i].view(), b.records[i].view());
  }
  // Appending at the wrong position is refused.
  auto raw = master->ReadRaw(CommitLogOffset(0), 1000);
  Status wrong = WaitStatus([&](std::function<void(Status)> done) {
    follower->AppendRaw(CommitLogOffset(0), *raw, std::move(done));
  });
  EXPECT_EQ(wrong, FailedPreconditionError("AppendRaw at offset 0 but the max physical offset is " +
                                           std::to_string(pos)));
}

TEST(CommitLogStoreTest, AppendRawRejectsACorruptRecord) {
  TempDir master_dir, follower_dir;
  TestEnv master_env(master_dir.path(), {{"segment_size", "64KiB"}});
  TestEnv follower_env(follower_dir.path(), {{"segment_size", "64KiB"}});
  auto master = OpenStore(master_env);
  auto follower = OpenStore(follower_env);
  ASSERT_TRUE(AppendOne(*master, MakeMessage("C", 0, "payload")).ok());
  auto bytes = master->ReadRaw(CommitLogOffset(0), 1 << 20)->Flatten();
  bytes[bytes.size() - 8] ^= 0xFF;  // inside the body "payload"
  Status s = WaitStatus([&](std::function<void(Status)> done) {
    follower->AppendRaw(CommitLogOffset(0), BufferList(Buffer::FromVector(bytes)), std::move(done));
  });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s;
  EXPECT_EQ(follower->Stats().max_physical_offset, CommitLogOffset(0));
  EXPECT_EQ(follower->MaxOffset("C", QueueId(0)), QueueOffset(0));
}

TEST(CommitLogStoreTest, TruncateDropsRecordsAndIndexEntriesBeyondTheOffset) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "64KiB"}});
  auto store = OpenStore(env);
  std::vector<AppendResult> results;
  for (int i = 0; i < 120; ++i) {
    auto out = AppendOne(*store, MakeMessage("Tr", 0, std::string(1000, 't')));
    ASSERT_TRUE(out.ok());
    results.push_back(out->results[0]);
  }
  Status s = store->Truncate(results[50].physical_offset);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(store->Stats().max_physical_offset, results[50].physical_offset);
  EXPECT_EQ(store->MaxOffset("Tr", QueueId(0)), QueueOffset(50));
  auto out = AppendOne(*store, MakeMessage("Tr", 0, "new"));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->results[0].queue_offset, QueueOffset(50));
  EXPECT_EQ(out->results[0].physical_offset, results[50].physical_offset);
  EXPECT_EQ(store->Truncate(CommitLogOffset(results[10].physical_offset.value() + 1)),
            InvalidArgumentError("cannot truncate to " +
                                 std::to_string(results[10].physical_offset.value() + 1) +
                                 ": no record starts there"));
  store->Close();
  store = OpenStore(env);
  EXPECT_EQ(store->MaxOffset("Tr", QueueId(0)), QueueOffset(51));
  EXPECT_EQ(BodyOf(ReadAll(*store, "Tr", 0, 50).records.at(0)), "new");
}

TEST(CommitLogStoreTest, SyncFlushAcknowledgesOnlyFlushedData) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "1MiB"}, {"flush", "sync"}});
  auto store = OpenStore(env);
  constexpr int kThreads = 8, kPerThread = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto out = AppendOne(*store, MakeMessage("S", t, "sync"));
        if (!out.ok() || out->flush != FlushOutcome::kFlushed) {
          ++failures;
          continue;
        }
        const AppendResult& r = out->results[0];
        if (store->Stats().flushed_physical_offset.value() < r.physical_offset.value() + r.size) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store->Stats().max_physical_offset, store->Stats().flushed_physical_offset);
}

// Group commit: the flusher hands a round's completions to the callback thread and syncs
// the next appends while they run, so a slow completion does not hold up the disk.
TEST(CommitLogStoreTest, SyncFlushKeepsSyncingWhileCompletionsRun) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "1MiB"}, {"flush", "sync"}});
  auto store = OpenStore(env);
  std::promise<bool> second_synced;
  std::promise<StatusOr<AppendOutcome>> second_done;
  MessageBatch first;
  first.messages.push_back(MakeMessage("G", 0, "first"));
  store->Append(std::move(first), [&](StatusOr<AppendOutcome> r) {
    if (!r.ok()) return second_synced.set_value(false);
    MessageBatch second;
    second.messages.push_back(MakeMessage("G", 0, "second"));
    store->Append(std::move(second),
                  [&](StatusOr<AppendOutcome> r2) { second_done.set_value(std::move(r2)); });
    // Still inside the first completion: the second append must reach the disk meanwhile.
    const std::int64_t end = store->Stats().max_physical_offset.value();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    bool synced = false;
    while (!synced && std::chrono::steady_clock::now() < deadline) {
      synced = store->Stats().flushed_physical_offset.value() >= end;
      if (!synced) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    second_synced.set_value(synced);
  });
  auto synced = second_synced.get_future();
  ASSERT_EQ(synced.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_TRUE(synced.get());
  auto done = second_done.get_future();
  ASSERT_EQ(done.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  auto outcome = done.get();
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->flush, FlushOutcome::kFlushed);
  EXPECT_GE(store->FlushStats().flushed_requests, 2);
  store->Close();
}

TEST(CommitLogStoreTest, FlushCompletesWhenEverythingIsOnDisk) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "1MiB"}, {"flush_interval", "1h"}});
  auto store = OpenStore(env);
  ASSERT_TRUE(AppendOne(*store, MakeMessage("F", 0, "x")).ok());
  Status s = WaitStatus([&](std::function<void(Status)> done) { store->Flush(std::move(done)); });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(store->Stats().flushed_physical_offset, store->Stats().max_physical_offset);
}

TEST(CommitLogStoreTest, DispatchListenerHearsAboutNewMessages) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "1MiB"}});
  auto store = OpenStore(env);
  std::mutex mu;
  std::condition_variable cv;
  QueueOffset seen{0};
  store->SetDispatchListener([&](const std::string& topic, QueueId q, QueueOffset max) {
    std::lock_guard lock(mu);
    if (topic == "L" && q == QueueId(4)) seen = std::max(seen, max);
    cv.notify_all();
  });
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(AppendOne(*store, MakeMessage("L", 4, "x")).ok());
  std::unique_lock lock(mu);
  EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return seen == QueueOffset(3); }));
}

TEST(CommitLogStoreTest, ASecondStoreOnTheSameDirectoryIsRefused) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "1MiB"}});
  auto store = OpenStore(env);
  CommitLogStore second(env.context, *ParseConfig(*env.context.config));
  Status s = second.Open();
  EXPECT_EQ(s, FailedPreconditionError("store directory " + dir.path() +
                                       " is in use by another process (" + dir.path() +
                                       "/lock is locked)"));
}

TEST(CommitLogStoreTest, FactoryCreatesAStoreFromTheContext) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "1MiB"}, {"flush", "sync"}});
  CommitLogStorageFactory factory;
  auto store = factory.CreateStore(env.context);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Open().ok());
  EXPECT_TRUE(AppendOne(**store, MakeMessage("Fa", 0, "x")).ok());
  (*store)->Close();
}

// storage.h: an async-flush append completes inline, on the appender's thread, before
// Append returns (no hand-off to the callback thread and back).
TEST(CommitLogStoreTest, AsyncFlushAppendCompletesInlineOnTheAppendingThread) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "1MiB"}, {"flush", "async"}});
  auto store = OpenStore(env);
  std::optional<StatusOr<AppendOutcome>> outcome;
  std::thread::id ran_on;
  MessageBatch batch;
  batch.messages.push_back(MakeMessage("In", 0, "x"));
  store->Append(std::move(batch), [&](StatusOr<AppendOutcome> r) {
    ran_on = std::this_thread::get_id();
    outcome = std::move(r);
  });
  ASSERT_TRUE(outcome.has_value()) << "the completion had not run when Append returned";
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  ASSERT_TRUE(outcome->ok()) << outcome->status();
  EXPECT_EQ((*outcome)->flush, FlushOutcome::kFlushed);
  EXPECT_EQ((*outcome)->results[0].queue_offset, QueueOffset(0));
  store->Close();
}

// An inline completion runs with no store lock held: it may read and append again.
TEST(CommitLogStoreTest, InlineCompletionMayCallTheStoreAgain) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "1MiB"}, {"flush", "async"}});
  auto store = OpenStore(env);
  std::vector<QueueOffset> completed;
  std::function<void(StatusOr<AppendOutcome>)> on_stored = [&](StatusOr<AppendOutcome> r) {
    ASSERT_TRUE(r.ok()) << r.status();
    completed.push_back(r->results[0].queue_offset);
    EXPECT_EQ(store->MaxOffset("Re", QueueId(0)).value(),
              static_cast<std::int64_t>(completed.size()));
    if (completed.size() < 3) {
      MessageBatch next;
      next.messages.push_back(MakeMessage("Re", 0, "again"));
      store->Append(std::move(next), on_stored);
    }
  };
  MessageBatch batch;
  batch.messages.push_back(MakeMessage("Re", 0, "first"));
  store->Append(std::move(batch), on_stored);
  EXPECT_EQ(completed, (std::vector<QueueOffset>{QueueOffset(0), QueueOffset(1), QueueOffset(2)}));
  EXPECT_EQ(ReadAll(*store, "Re", 0, 0).records.size(), 3u);
  store->Close();
}

// Long polling stays off the appender's thread: the dispatch notification of an inline
// completion still comes from the store's callback thread.
TEST(CommitLogStoreTest, DispatchNotificationOfAnInlineAppendRunsOnTheCallbackThread) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "1MiB"}, {"flush", "async"}});
  auto store = OpenStore(env);
  std::mutex mu;
  std::condition_variable cv;
  std::optional<std::thread::id> notified_on;
  store->SetDispatchListener([&](const std::string&, QueueId, QueueOffset) {
    std::lock_guard lock(mu);
    notified_on = std::this_thread::get_id();
    cv.notify_all();
  });
  ASSERT_TRUE(AppendOne(*store, MakeMessage("D", 0, "x")).ok());
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return notified_on.has_value(); }));
  EXPECT_NE(*notified_on, std::this_thread::get_id());
  lock.unlock();
  store->Close();
}

// Counts the CallbackThread's notifications per queue.
class NotifyCounter {
 public:
  CallbackThread::Notify Callback() {
    return [this](const ConsumeQueue& queue) {
      std::lock_guard lock(mu_);
      ++counts_[queue.topic()];
      cv_.notify_all();
    };
  }
  // Waits (at most 10 s) until `topic` was notified `n` times.
  bool WaitFor(const std::string& topic, int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return counts_[topic] >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, int> counts_;
};

// Marks made while the thread is busy or polling and marks made once it sleeps all reach
// the listener: none is lost.
TEST(CallbackThreadTest, MarksWhileBusyAndWhileAsleepAreAllNotified) {
  ConsumeQueue a("unused", "A", QueueId(0), 1000);
  ConsumeQueue b("unused", "B", QueueId(0), 1000);
  NotifyCounter counter;
  CallbackThread thread(counter.Callback());
  thread.Start();
  thread.MarkReadable(&a);
  ASSERT_TRUE(counter.WaitFor("A", 1));
  thread.MarkReadable(&a);  // while it polls after that round, most likely
  thread.MarkReadable(&b);
  EXPECT_TRUE(counter.WaitFor("A", 2));
  EXPECT_TRUE(counter.WaitFor("B", 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // asleep by now
  thread.MarkReadable(&b);
  EXPECT_TRUE(counter.WaitFor("B", 2));
  thread.Stop();
}

TEST(CallbackThreadTest, PostRunsAndStopRunsWhatIsQueued) {
  ConsumeQueue a("unused", "A", QueueId(0), 1000);
  NotifyCounter counter;
  CallbackThread thread(counter.Callback());
  thread.Start();
  thread.MarkReadable(&a);
  ASSERT_TRUE(counter.WaitFor("A", 1));
  std::promise<void> ran;
  thread.Post([&] { ran.set_value(); });
  EXPECT_EQ(ran.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  bool posted_ran = false;
  thread.MarkReadable(&a);
  thread.Post([&] { posted_ran = true; });
  thread.Stop();
  EXPECT_TRUE(posted_ran);
  EXPECT_TRUE(counter.WaitFor("A", 2)) << "Stop dropped a notification";
}

}  // namespace
}  // namespace quiver::storage::commitlog
