#include "consume_queue.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "testing/test_env.h"

namespace quiver::storage::commitlog {
namespace {

using testing::TempDir;

QueueEntry Entry(std::int64_t phys) { return QueueEntry{CommitLogOffset(phys), 100, phys * 7}; }

TEST(ConsumeQueueTest, EntriesAreTwentyBytesBigEndianAtOffsetTimesTwenty) {
  TempDir dir;
  ConsumeQueue q(dir.path() + "/cq/T/0", "T", QueueId(0), 100);
  ASSERT_TRUE(q.Load().ok());
  ASSERT_TRUE(q.Reserve(2).ok());
  q.Append(QueueEntry{CommitLogOffset(0x0102), 0x0304, -1});
  q.Append(Entry(500));
  EXPECT_EQ(q.max_offset(), QueueOffset(2));
  auto e = q.Get(QueueOffset(1));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->physical_offset, CommitLogOffset(500));
  EXPECT_EQ(e->tags_code, 3500);
  ASSERT_TRUE(q.Sync().ok());
  std::ifstream in(dir.path() + "/cq/T/0/00000000000000000000", std::ios::binary);
  std::vector<std::uint8_t> bytes(20);
  in.read(reinterpret_cast<char*>(bytes.data()), 20);
  EXPECT_EQ(bytes,
            (std::vector<std::uint8_t>{0, 0, 0,    0,    0,    0,    1,    2,    0,    0,
                                       3, 4, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}));
}

TEST(ConsumeQueueTest, FilesAreSparseAndNamedByByteOffset) {
  TempDir dir;
  ConsumeQueue q(dir.path() + "/cq/T/1", "T", QueueId(1), 100000);  // 2,000,000-byte files
  ASSERT_TRUE(q.Load().ok());
  ASSERT_TRUE(q.Reserve(1).ok());
  q.Append(Entry(1));
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() + "/cq/T/1/00000000000000000000").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 2000000);
  EXPECT_LE(st.st_blocks * 512, 4096);  // a new queue reserves one page, not a 64 KiB chunk
}

// A process killed while creating a queue file leaves only a .tmp file (the file gets its
// name once sized): the queue loads without it, and never sees a short file under a queue
// file's name (the crash test found a 0-byte one when files were created in place).
TEST(ConsumeQueueTest, AFileLeftHalfCreatedByACrashIsRemovedAtLoad) {
  TempDir dir;
  const std::string queue_dir = dir.path() + "/cq/T/3";
  {
    ConsumeQueue q(queue_dir, "T", QueueId(3), 100);  // 2,000-byte files
    ASSERT_TRUE(q.Load().ok());
    ASSERT_TRUE(q.Reserve(100).ok());
    for (int i = 0; i < 100; ++i) q.Append(Entry(i + 1));
    ASSERT_TRUE(q.Sync().ok());
  }
  std::ofstream(queue_dir + "/00000000000000002000.tmp");  // 0 bytes, as a crash leaves it
  ConsumeQueue q(queue_dir, "T", QueueId(3), 100);
  ASSERT_TRUE(q.Load().ok());
  EXPECT_EQ(q.max_offset(), QueueOffset(100));
  EXPECT_FALSE(std::ifstream(queue_dir + "/00000000000000002000.tmp").good());
  ASSERT_TRUE(q.Reserve(1).ok());  // the next file is created under its name
  q.Append(Entry(101));
  EXPECT_EQ(q.max_offset(), QueueOffset(101));
  struct stat st {};
  ASSERT_EQ(::stat((queue_dir + "/00000000000000002000").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 2000);
}

// The store's housekeeping syncs a queue between thorough rounds only once this passes two
// pages, so it must count exactly the entries written since the last Sync.
TEST(ConsumeQueueTest, UnsyncedBytesCountsEntriesSinceTheLastSync) {
  TempDir dir;
  ConsumeQueue q(dir.path() + "/cq/T/4", "T", QueueId(4), 1000);
  ASSERT_TRUE(q.Load().ok());
  EXPECT_EQ(q.UnsyncedBytes(), 0);
  ASSERT_TRUE(q.Reserve(5).ok());
  for (int i = 0; i < 5; ++i) q.Append(Entry(i + 1));
  EXPECT_EQ(q.UnsyncedBytes(), 100);
  ASSERT_TRUE(q.Sync().ok());
  EXPECT_EQ(q.UnsyncedBytes(), 0);
  ASSERT_TRUE(q.Reserve(1).ok());
  q.Append(Entry(6));
  EXPECT_EQ(q.UnsyncedBytes(), 20);
}

TEST(ConsumeQueueTest, ANewQueueFaultsInOnlyThePagesItWrites) {
  TempDir dir;
  ConsumeQueue q(dir.path() + "/cq/T/2", "T", QueueId(2), 300000);  // 6 MB files
  ASSERT_TRUE(q.Load().ok());
  ASSERT_TRUE(q.Reserve(1).ok());
  q.Append(Entry(1));
  // Count the file's pages in the page cache: read-around on the first fault of a sparse
  // file used to bring in (and zero) hundreds of KiB per new queue.
  int fd = ::open((dir.path() + "/cq/T/2/00000000000000000000").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  const std::size_t size = 6000000;
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  ASSERT_NE(map, MAP_FAILED);
  std::vector<unsigned char> resident((size + 4095) / 4096);
  ASSERT_EQ(::mincore(map, size, resident.data()), 0);
  ::munmap(map, size);
  ::close(fd);
  int pages = 0;
  for (unsigned char r : resident) pages += r & 1;
  EXPECT_LE(pages, 1);
}

TEST(ConsumeQueueTest, ReservationStaysAheadOfTheWriterByAtMostOneChunk) {
  TempDir dir;
  ConsumeQueue q(dir.path() + "/cq/T/3", "T", QueueId(3), 300000);
  ASSERT_TRUE(q.Load().ok());
  // 20,000 entries = 400,000 bytes, appended one at a time like single sends.
  for (int i = 0; i < 20000; ++i) {
    ASSERT_TRUE(q.Reserve(1).ok());
    q.Append(Entry(i));
  }
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() + "/cq/T/3/00000000000000000000").c_str(), &st), 0);
  // Reserved ahead of the writer, but by at most one 64 KiB chunk past what it wrote.
  EXPECT_GE(st.st_blocks * 512, 400000);
  EXPECT_LE(st.st_blocks * 512, 400000 + 2 * 64 * 1024);
  EXPECT_EQ(q.Get(QueueOffset(19999))->physical_offset, CommitLogOffset(19999));
}

TEST(ConsumeQueueTest, ReloadFindsMinAndMaxAcrossFiles) {
  TempDir dir;
  {
    ConsumeQueue q(dir.path() + "/q", "T", QueueId(0), 16);
    ASSERT_TRUE(q.Load().ok());
    ASSERT_TRUE(q.Reserve(40).ok());
    for (int i = 0; i < 40; ++i) q.Append(Entry(i * 100));
    ASSERT_TRUE(q.Sync().ok());
  }
  ConsumeQueue q(dir.path() + "/q", "T", QueueId(0), 16);
  ASSERT_TRUE(q.Load().ok());
  EXPECT_EQ(q.min_offset(), QueueOffset(0));
  EXPECT_EQ(q.max_offset(), QueueOffset(40));
  EXPECT_EQ(q.Get(QueueOffset(39))->physical_offset, CommitLogOffset(3900));
  EXPECT_EQ(q.file_count(), 3);
}

TEST(ConsumeQueueTest, TruncateFromPhysicalDropsLaterEntriesAndFiles) {
  TempDir dir;
  ConsumeQueue q(dir.path() + "/q", "T", QueueId(0), 16);
  ASSERT_TRUE(q.Load().ok());
  ASSERT_TRUE(q.Reserve(40).ok());
  for (int i = 0; i < 40; ++i) q.Append(Entry(i * 100));
  ASSERT_TRUE(q.TruncateFromPhysical(CommitLogOffset(1050)).ok());
  EXPECT_EQ(q.max_offset(), QueueOffset(11));
  EXPECT_EQ(q.file_count(), 1);
  EXPECT_FALSE(q.Get(QueueOffset(11)).has_value());
}

TEST(ConsumeQueueTest, EmptyQueueStartsAtTheFirstPutOffset) {
  TempDir dir;
  ConsumeQueue q(dir.path() + "/q", "T", QueueId(0), 16);
  ASSERT_TRUE(q.Load().ok());
  ASSERT_TRUE(q.Put(QueueOffset(37), Entry(5)).ok());
  EXPECT_EQ(q.min_offset(), QueueOffset(37));
  EXPECT_EQ(q.max_offset(), QueueOffset(38));
  EXPECT_EQ(q.Put(QueueOffset(40), Entry(6)),
            FailedPreconditionError("consume queue T/0: entry 40 would leave a gap after 38"));
  ConsumeQueue reloaded(dir.path() + "/q", "T", QueueId(0), 16);
  ASSERT_TRUE(q.Sync().ok());
  ASSERT_TRUE(reloaded.Load().ok());
  EXPECT_EQ(reloaded.min_offset(), QueueOffset(37));
  EXPECT_EQ(reloaded.max_offset(), QueueOffset(38));
}

TEST(ConsumeQueueTest, DropBelowPhysicalRaisesMinAndDeletesWholeFiles) {
  TempDir dir;
  ConsumeQueue q(dir.path() + "/q", "T", QueueId(0), 16);
  ASSERT_TRUE(q.Load().ok());
  ASSERT_TRUE(q.Reserve(40).ok());
  for (int i = 0; i < 40; ++i) q.Append(Entry(i * 100));
  q.DropBelowPhysical(CommitLogOffset(2000));
  EXPECT_EQ(q.min_offset(), QueueOffset(20));
  EXPECT_EQ(q.file_count(), 2);  // entries 16..31 and 32..39
  EXPECT_FALSE(q.Get(QueueOffset(19)).has_value());
  EXPECT_TRUE(q.Get(QueueOffset(20)).has_value());
}

}  // namespace
}  // namespace quiver::storage::commitlog
