#include "consume_queue.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

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
  EXPECT_LE(st.st_blocks * 512, 128 * 1024);  // one 64 KiB chunk reserved, not 2 MB
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
