#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <random>

#include "quiver/protocol/message_record.h"
#include "store.h"
#include "testing/recovery_helpers.h"
#include "testing/store_helpers.h"
#include "testing/test_env.h"

namespace quiver::storage::commitlog {
namespace {

using namespace testing;
namespace fs = std::filesystem;

// Appends `n` messages "m<i>" to queue 0 of "Rec"; returns their results.
std::vector<AppendResult> Fill(CommitLogStore& store, int n, std::size_t body_size = 300) {
  std::vector<AppendResult> out;
  for (int i = 0; i < n; ++i) {
    std::string body = "m" + std::to_string(i);
    body.resize(std::max(body.size(), body_size), '.');
    auto r = AppendOne(store, MakeMessage("Rec", 0, body));
    EXPECT_TRUE(r.ok()) << r.status();
    if (r.ok()) out.push_back(r->results[0]);
  }
  return out;
}

// Checks queue 0 of "Rec" holds exactly messages m0..m(n-1), in order, CRC-valid.
void ExpectPrefix(CommitLogStore& store, int n) {
  ASSERT_EQ(store.MaxOffset("Rec", QueueId(0)), QueueOffset(n));
  std::int64_t offset = 0;
  while (offset < n) {
    ReadRequest req;
    req.topic = "Rec";
    req.offset = QueueOffset(offset);
    req.max_messages = 1000;
    req.max_bytes = 1 << 30;
    auto r = store.Read(req);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->status, ReadStatus::kFound) << "at offset " << offset;
    for (const Buffer& b : r->records) {
      auto d = protocol::DecodeRecord(b.span(), protocol::CheckCrc::kYes);
      ASSERT_TRUE(d.ok()) << d.status();
      std::string body(d->body.begin(), d->body.end());
      std::string want = "m" + std::to_string(offset);
      ASSERT_EQ(body.substr(0, body.find('.')), want);
      ASSERT_EQ(d->queue_offset, QueueOffset(offset));
      ++offset;
    }
  }
}

std::string SegmentPath(const std::string& root, std::int64_t start) {
  return root + "/commitlog/" + OffsetFileName(start);
}

void OverwriteBytes(const std::string& path, std::int64_t at,
                    const std::vector<std::uint8_t>& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, bytes.data(), bytes.size(), at), static_cast<ssize_t>(bytes.size()));
  ::close(fd);
}

TEST(RecoveryTest, TornTailIsCutAtTheLastValidRecord) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "1MiB"}});
  std::vector<AppendResult> results;
  {
    auto store = MustOpen(env);
    results = Fill(*store, 50);
    store->SimulateCrashForTesting();
  }
  // Zero the second half of record 40 onwards: record 40 is torn mid-record.
  const AppendResult& torn = results[40];
  std::int64_t from = torn.physical_offset.value() + torn.size / 2;
  std::int64_t end = results.back().physical_offset.value() + results.back().size;
  OverwriteBytes(SegmentPath(dir.path(), 0), from, std::vector<std::uint8_t>(end - from, 0));
  auto store = MustOpen(env);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Stats().max_physical_offset, torn.physical_offset);
  ExpectPrefix(*store, 40);
  // The next append reuses the cut space and gets the next queue offset.
  auto next = AppendOne(*store, MakeMessage("Rec", 0, "m40"));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->results[0].physical_offset, torn.physical_offset);
  EXPECT_EQ(next->results[0].queue_offset, QueueOffset(40));
}

TEST(RecoveryTest, FlippedBodyByteIsCaughtByTheCrcAndCut) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "1MiB"}});
  std::vector<AppendResult> results;
  {
    auto store = MustOpen(env);
    results = Fill(*store, 30);
    store->SimulateCrashForTesting();
  }
  // Flip a byte in the middle of record 25's body.
  std::int64_t at = results[25].physical_offset.value() + 84 + 4 + 100;
  std::uint8_t byte = 0;
  {
    int fd = ::open(SegmentPath(dir.path(), 0).c_str(), O_RDONLY);
    ASSERT_EQ(::pread(fd, &byte, 1, at), 1);
    ::close(fd);
  }
  OverwriteBytes(SegmentPath(dir.path(), 0), at, {static_cast<std::uint8_t>(byte ^ 0x40)});
  auto store = MustOpen(env);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Stats().max_physical_offset, results[25].physical_offset);
  ExpectPrefix(*store, 25);
}

TEST(RecoveryTest, GarbageSizeFieldIsCutWithoutACrash) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "1MiB"}});
  std::vector<AppendResult> results;
  {
    auto store = MustOpen(env);
    results = Fill(*store, 10);
    store->SimulateCrashForTesting();
  }
  OverwriteBytes(SegmentPath(dir.path(), 0), results[7].physical_offset.value(),
                 {0x7F, 0xFF, 0xFF, 0xFF});
  auto store = MustOpen(env);
  ASSERT_NE(store, nullptr);
  ExpectPrefix(*store, 7);
}

TEST(RecoveryTest, ConsumeQueueIsRebuiltAfterItWasDeleted) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "64KiB"}, {"consume_queue_entries_per_file", "64"}});
  {
    auto store = MustOpen(env);
    Fill(*store, 400);  // ~2 segments
    store->Close();
  }
  fs::remove_all(dir.path() + "/consumequeue/Rec");
  auto store = MustOpen(env);
  ASSERT_NE(store, nullptr);
  ExpectPrefix(*store, 400);
}

TEST(RecoveryTest, ConsumeQueueEntriesBeyondTheCommitLogAreDropped) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "1MiB"}});
  std::vector<AppendResult> results;
  {
    auto store = MustOpen(env);
    results = Fill(*store, 20);
    store->SimulateCrashForTesting();
  }
  // The commit log loses its last 5 records; their index entries must go too.
  std::int64_t from = results[15].physical_offset.value();
  std::int64_t end = results.back().physical_offset.value() + results.back().size;
  OverwriteBytes(SegmentPath(dir.path(), 0), from, std::vector<std::uint8_t>(end - from, 0));
  auto store = MustOpen(env);
  ExpectPrefix(*store, 15);
  ReadRequest req;
  req.topic = "Rec";
  req.offset = QueueOffset(15);
  EXPECT_EQ(store->Read(req)->status, ReadStatus::kOffsetOverflowOne);
}

TEST(RecoveryTest, LaggingConsumeQueueIsCompletedFromTheCommitLog) {
  TempDir dir;
  TestEnv env(dir.path(), {{"segment_size", "1MiB"}});
  std::vector<AppendResult> results;
  {
    auto store = MustOpen(env);
    results = Fill(*store, 20);
    store->SimulateCrashForTesting();
  }
  // Entries 12.. vanish from the consume queue (as after a power loss).
  OverwriteBytes(dir.path() + "/consumequeue/Rec/0/00000000000000000000", 12 * 20,
                 std::vector<std::uint8_t>(8 * 20, 0));
  auto store = MustOpen(env);
  ExpectPrefix(*store, 20);
}

// Power loss: everything past the position the store reported as synced may be lost or
// garbled. After recovery every acknowledged record is present, valid and in order.
TEST(RecoveryTest, PowerLossNeverLosesAcknowledgedRecords) {
  std::random_device rd;
  const unsigned seed = rd();
  std::cout << "seed " << seed << std::endl;
  std::mt19937_64 rng(seed);
  // Only the store's logic is under test (the "power loss" is simulated on the files), so
  // a RAM file system keeps 1,000 crash points fast.
  TempDir dir(fs::exists("/dev/shm") ? "/dev/shm" : fs::temp_directory_path().string());
  TestEnv env(
      dir.path(),
      {{"segment_size", "64KiB"}, {"flush", "sync"}, {"consume_queue_entries_per_file", "256"}});
  int acked = 0;  // messages m0..m(acked-1) are acknowledged
  for (int point = 0; point < 1000; ++point) {
    auto store = MustOpen(env);
    ASSERT_NE(store, nullptr) << "seed " << seed << " point " << point;
    ASSERT_NO_FATAL_FAILURE(ExpectPrefix(*store, acked)) << "seed " << seed << " point " << point;
    // Append a few more (acknowledged when the sync flush completes).
    int n = 1 + static_cast<int>(rng() % 5);
    for (int i = 0; i < n; ++i) {
      std::string body = "m" + std::to_string(acked);
      body.resize(50 + rng() % 2000, '.');
      auto r = AppendOne(*store, MakeMessage("Rec", 0, body));
      ASSERT_TRUE(r.ok()) << r.status();
      ASSERT_EQ(r->flush, FlushOutcome::kFlushed);
      ++acked;
    }
    // Unacknowledged writes: appended, but the "power fails" before their flush matters.
    std::int64_t synced = store->Stats().flushed_physical_offset.value();
    store->SimulateCrashForTesting();
    store.reset();
    // Write an unsynced tail after the synced point: a few whole fake records (valid CRC,
    // would-be next message), then damage some of it.
    auto segments = std::vector<fs::path>();
    for (const auto& e : fs::directory_iterator(dir.path() + "/commitlog"))
      segments.push_back(e.path());
    std::sort(segments.begin(), segments.end());
    const std::int64_t seg_size = 64 * 1024;
    std::int64_t seg_start = synced / seg_size * seg_size;
    std::string path = SegmentPath(dir.path(), seg_start);
    if (!fs::exists(path)) continue;
    std::int64_t room = seg_start + seg_size - synced;
    std::int64_t len = std::min<std::int64_t>(room, 1 + static_cast<std::int64_t>(rng() % 4096));
    std::vector<std::uint8_t> junk(static_cast<std::size_t>(len));
    switch (rng() % 3) {
      case 0:  // random garbage
        for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
        break;
      case 1: {  // a torn copy of a real-looking record claiming the next position
        Message m = MakeMessage("Rec", 0, std::string(600, 'x'));
        std::vector<std::uint8_t> rec(*protocol::EncodedRecordSize(m));
        protocol::EncodeRecord(m, CommitLogOffset(synced), QueueOffset(acked), 1, rec.data());
        // Strictly torn: the record ends with the 2-byte properties length 0, so a tear
        // in those zero bytes would leave a complete record.
        std::size_t keep = rng() % (rec.size() - 2);
        junk.assign(rec.begin(), rec.begin() + std::min<std::size_t>(keep, junk.size()));
        break;
      }
      default:  // zeros (the unsynced pages were simply lost)
        break;
    }
    OverwriteBytes(path, synced - seg_start, junk);
  }
  auto store = MustOpen(env);
  ExpectPrefix(*store, acked);
}

}  // namespace
}  // namespace quiver::storage::commitlog
