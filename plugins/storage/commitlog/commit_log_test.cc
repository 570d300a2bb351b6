#include "commit_log.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <vector>
#include <thread>

#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <spdlog/logger.h>

#include "quiver/protocol/message_record.h"
#include "testing/test_env.h"

namespace quiver::storage::commitlog {
namespace {

using testing::TempDir;

constexpr std::size_t kSegment = 64 * 1024;

// The VmFlags line of the mapping that starts at `addr` in /proc/self/smaps ("" if none).
std::string VmFlagsOf(const void* addr) {
  std::ifstream smaps("/proc/self/smaps");
  char start[32];
  std::snprintf(start, sizeof start, "%lx-", reinterpret_cast<unsigned long>(addr));
  bool in_mapping = false;
  for (std::string line; std::getline(smaps, line);) {
    if (line.starts_with(start)) in_mapping = true;
    if (in_mapping && line.starts_with("VmFlags:")) return line;
  }
  return "";
}

// Async flush maps segments 2 MiB-aligned with MADV_HUGEPAGE (faster writes on the
// development VM); sync flush does not (a sync would write whole 2 MiB folios).
TEST(CommitLogTest, HugePagesOnlyWhenAsked) {
  if (!std::ifstream("/sys/kernel/mm/transparent_hugepage/enabled").good()) {
    GTEST_SKIP() << "the kernel has no transparent huge pages";
  }
  constexpr std::size_t kBig = 4 << 20;
  for (HugePages huge : {HugePages::kYes, HugePages::kNo}) {
    TempDir dir;
    CommitLog log(dir.path() + "/commitlog", kBig, huge);
    ASSERT_TRUE(log.Load().ok());
    auto slot = log.Reserve(100);
    ASSERT_TRUE(slot.ok()) << slot.status();
    const std::uint8_t* data = log.SegmentFor(0)->data();
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(data) % (2 << 20), 0u);
    std::string flags = VmFlagsOf(data);
    ASSERT_FALSE(flags.empty());
    EXPECT_EQ(flags.find(" hg") != std::string::npos, static_cast<bool>(huge)) << flags;
  }
}

TEST(CommitLogTest, WriteThatDoesNotFitLeavesABlankMarkerAndRolls) {
  TempDir dir;
  CommitLog log(dir.path() + "/commitlog", kSegment);
  ASSERT_TRUE(log.Load().ok());
  auto a = log.Reserve(kSegment - 100);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->offset, 0);
  std::memset(a->data, 0x11, kSegment - 100);
  log.Publish(kSegment - 100);
  auto b = log.Reserve(200);  // 200 + 8 > 100 remaining
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->offset, static_cast<std::int64_t>(kSegment));
  const std::uint8_t* marker = log.SegmentFor(0)->data() + kSegment - 100;
  EXPECT_EQ(std::vector<std::uint8_t>(marker, marker + 8),
            (std::vector<std::uint8_t>{0, 0, 0, 100, 0xCB, 0xD4, 0x31, 0x94}));
  EXPECT_EQ(log.Segments().size(), 2u);
  EXPECT_TRUE(std::ifstream(dir.path() + "/commitlog/00000000000000065536").good());
}

// The preparer's spare becomes the next segment at the roll (renamed from .tmp), and a
// spare left behind (a crash) is removed by the next Load, never taken for data.
TEST(CommitLogTest, PreparedSpareIsTakenAtTheRollAndALeftoverIsRemovedAtLoad) {
  TempDir dir;
  const std::string spare = dir.path() + "/commitlog/00000000000000065536.tmp";
  {
    CommitLog log(dir.path() + "/commitlog", kSegment);
    ASSERT_TRUE(log.Load().ok());
    ASSERT_TRUE(log.Reserve(100).ok());
    log.StartPreparing(std::make_shared<spdlog::logger>("test"));
    log.Publish(100);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!std::ifstream(spare).good() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // polls a condition
    }
    ASSERT_TRUE(std::ifstream(spare).good()) << "no spare segment was prepared";
    auto b = log.Reserve(kSegment - 50);  // does not fit: rolls into the spare
    ASSERT_TRUE(b.ok()) << b.status();
    EXPECT_EQ(b->offset, static_cast<std::int64_t>(kSegment));
    EXPECT_TRUE(std::ifstream(dir.path() + "/commitlog/00000000000000065536").good());
    log.StopPreparing();
  }
  std::ofstream(dir.path() + "/commitlog/00000000000000131072.tmp") << "zeros";
  CommitLog log(dir.path() + "/commitlog", kSegment);
  ASSERT_TRUE(log.Load().ok());
  EXPECT_FALSE(std::ifstream(dir.path() + "/commitlog/00000000000000131072.tmp").good());
  EXPECT_EQ(log.Segments().size(), 2u);
}

TEST(CommitLogTest, ExactFitStillLeavesRoomForTheMarker) {
  TempDir dir;
  CommitLog log(dir.path() + "/commitlog", kSegment);
  ASSERT_TRUE(log.Load().ok());
  auto a = log.Reserve(kSegment - 8);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->offset, 0);
  EXPECT_EQ(log.Reserve(kSegment - 7).status(),
            InvalidArgumentError("a write of 65529 bytes cannot fit in a commit-log segment of "
                                 "65536 bytes"));
}

TEST(CommitLogTest, LoadRejectsAStrangeFileName) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "/commitlog");
  std::ofstream(dir.path() + "/commitlog/notes.txt") << "x";
  CommitLog log(dir.path() + "/commitlog", kSegment);
  EXPECT_EQ(log.Load(), DataLossError("unexpected file " + dir.path() +
                                      "/commitlog/notes.txt in the commit-log directory (segment "
                                      "files are named by a 20-digit offset)"));
}

TEST(CommitLogTest, LoadRejectsASegmentOfTheWrongSize) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "/commitlog");
  std::ofstream(dir.path() + "/commitlog/00000000000000000000") << "short";
  CommitLog log(dir.path() + "/commitlog", kSegment);
  EXPECT_EQ(log.Load(),
            DataLossError("file " + dir.path() +
                          "/commitlog/00000000000000000000 is 5 bytes; "
                          "expected 65536 (was it truncated, or was the size setting changed?)"));
}

TEST(CommitLogTest, LoadRejectsMissingSegmentsInTheMiddle) {
  TempDir dir;
  {
    CommitLog log(dir.path() + "/commitlog", kSegment);
    ASSERT_TRUE(log.Load().ok());
    for (int i = 0; i < 3; ++i) {
      auto slot = log.Reserve(kSegment - 8);
      ASSERT_TRUE(slot.ok());
      log.Publish(slot->offset + static_cast<std::int64_t>(kSegment) - 8);
    }
  }
  std::filesystem::remove(dir.path() + "/commitlog/00000000000000065536");
  CommitLog log(dir.path() + "/commitlog", kSegment);
  EXPECT_EQ(log.Load(), DataLossError("commit-log segments are not contiguous: " + dir.path() +
                                      "/commitlog/00000000000000000000 is followed by " +
                                      dir.path() + "/commitlog/00000000000000131072"));
}

TEST(CommitLogTest, CutAtZeroesTheTailAndDropsLaterSegments) {
  TempDir dir;
  CommitLog log(dir.path() + "/commitlog", kSegment);
  ASSERT_TRUE(log.Load().ok());
  for (int i = 0; i < 2; ++i) {
    auto slot = log.Reserve(kSegment - 8);
    ASSERT_TRUE(slot.ok());
    std::memset(slot->data, 0x22, kSegment - 8);
    log.Publish(slot->offset + static_cast<std::int64_t>(kSegment) - 8);
  }
  auto cut = log.CutAt(1000);
  ASSERT_TRUE(cut.ok()) << cut.status();
  EXPECT_EQ(*cut, static_cast<std::int64_t>(2 * (kSegment - 8) - 1000 + 8));
  EXPECT_EQ(log.write_position(), 1000);
  EXPECT_EQ(log.Segments().size(), 1u);
  EXPECT_EQ(log.SegmentFor(0)->data()[999], 0x22);
  EXPECT_EQ(log.SegmentFor(0)->data()[1000], 0);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/commitlog/00000000000000065536"));
}

// WriteAt goes through the page cache the mapping shows; bytes past the file's end are an
// error, and nothing is written then.
TEST(MappedFileTest, WriteAtIsSeenThroughTheMappingAndRefusesBytesPastTheEnd) {
  TempDir dir;
  auto file = MappedFile::Create(dir.path() + "/f", 0, 8192, Preallocate::kYes);
  ASSERT_TRUE(file.ok()) << file.status();
  const std::vector<std::uint8_t> bytes(100, 0x7E);
  ASSERT_TRUE((*file)->WriteAt(8092, bytes).ok());
  EXPECT_EQ((*file)->data()[8092], 0x7E);
  EXPECT_EQ((*file)->data()[8191], 0x7E);
  Status past = (*file)->WriteAt(8093, bytes);
  EXPECT_EQ(past.code(), StatusCode::kInternal) << past;
  EXPECT_NE(past.message().find("runs past the end"), std::string::npos) << past;
  EXPECT_EQ((*file)->WriteAt(9000, std::span<const std::uint8_t>(bytes.data(), 1)).code(),
            StatusCode::kInternal);
  EXPECT_EQ((*file)->data()[8092], 0x7E);
}

// ZeroFill zeroes exactly [from, to), page boundaries or not, and leaves the rest alone.
TEST(MappedFileTest, ZeroFillZeroesExactlyTheRange) {
  TempDir dir;
  auto file = MappedFile::Create(dir.path() + "/f", 0, 16384, Preallocate::kYes);
  ASSERT_TRUE(file.ok()) << file.status();
  const std::vector<std::uint8_t> ones(16384, 1);
  ASSERT_TRUE((*file)->WriteAt(0, ones).ok());
  ASSERT_TRUE((*file)->ZeroFill(100, 9000).ok());
  ASSERT_TRUE((*file)->ZeroFill(16000, 20000).ok());  // clipped to the file's end
  const std::uint8_t* p = (*file)->data();
  for (std::size_t i = 0; i < 16384; ++i) {
    const bool zeroed = (i >= 100 && i < 9000) || i >= 16000;
    ASSERT_EQ(p[i], zeroed ? 0 : 1) << "byte " << i;
  }
}

// WriteBack reopens the file through its descriptor, not its name: it works after the
// preparer's spare was renamed into the log, or after retention unlinked a segment.
TEST(MappedFileTest, WriteBackWorksWhateverTheFileIsNamedNow) {
  TempDir dir;
  auto file = MappedFile::Create(dir.path() + "/f.tmp", 0, 16384, Preallocate::kYes);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE((*file)->ZeroFill(0, 8192).ok());
  ASSERT_TRUE((*file)->RenameTo(dir.path() + "/f").ok());
  EXPECT_TRUE((*file)->WriteBack(0, 8192).ok());
  (*file)->Unlink();
  ASSERT_TRUE((*file)->ZeroFill(8192, 16384).ok());
  EXPECT_TRUE((*file)->WriteBack(8192, 16384).ok());
  EXPECT_TRUE((*file)->WriteBack(100, 100).ok());  // an empty range
  EXPECT_TRUE((*file)->DataSync().ok());
}

// Sync flush's write path: the writer's bytes go to a staging buffer and reach the segment
// (and readers of its mapping) by pwrite in Commit.
TEST(CommitLogTest, PwritePathPutsTheBytesInTheSegmentAtCommit) {
  TempDir dir;
  CommitLog log(dir.path() + "/commitlog", kSegment, HugePages::kNo, WritePath::kPwrite);
  ASSERT_TRUE(log.Load().ok());
  auto a = log.Reserve(300);
  ASSERT_TRUE(a.ok()) << a.status();
  std::memset(a->data, 0x5A, 300);
  const std::uint8_t* mapped = log.SegmentFor(0)->data();
  EXPECT_NE(a->data, mapped) << "the pwrite path must stage, not write the mapping";
  EXPECT_EQ(mapped[0], 0) << "visible before Commit";
  ASSERT_TRUE(log.Commit(*a, 300).ok());
  EXPECT_EQ(mapped[0], 0x5A);
  EXPECT_EQ(mapped[299], 0x5A);
  EXPECT_EQ(mapped[300], 0);
  log.Publish(300);
  ASSERT_TRUE(log.Sync(0, 300).ok());
}

// The preparer zero-fills ahead of a pwrite writer while the writer writes as fast as it
// can, across two rolls: not one written byte may be overwritten by the zero-filler.
TEST(CommitLogTest, PwritePathZeroFillNeverOverwritesWrittenBytes) {
  constexpr std::size_t kBigSegment = 4 << 20;
  constexpr std::size_t kSlot = 1000;
  TempDir dir;
  CommitLog log(dir.path() + "/commitlog", kBigSegment, HugePages::kNo, WritePath::kPwrite);
  ASSERT_TRUE(log.Load().ok());
  log.StartPreparing(std::make_shared<spdlog::logger>("test"));
  std::vector<std::int64_t> offsets;
  for (std::size_t i = 0; i < 3 * kBigSegment / kSlot; ++i) {
    auto slot = log.Reserve(kSlot);
    ASSERT_TRUE(slot.ok()) << slot.status();
    std::memset(slot->data, static_cast<int>(1 + i % 250), kSlot);
    ASSERT_TRUE(log.Commit(*slot, kSlot).ok());
    log.Publish(slot->offset + static_cast<std::int64_t>(kSlot));
    offsets.push_back(slot->offset);
  }
  log.StopPreparing();  // joins the preparer: every zero-fill has ended
  for (std::size_t i = 0; i < offsets.size(); ++i) {
    auto segment = log.SegmentFor(offsets[i]);
    ASSERT_NE(segment, nullptr);
    const std::uint8_t* p = segment->data() + (offsets[i] - segment->start());
    for (std::size_t b = 0; b < kSlot; ++b) {
      ASSERT_EQ(p[b], 1 + i % 250) << "slot " << i << " byte " << b << " was overwritten";
    }
  }
}

// Whether [from, to) of `path` is mapped by written extents only (no hole, no unwritten
// extent); nullopt where FIEMAP is not supported (tmpfs).
std::optional<bool> AllWritten(const std::string& path, std::size_t from, std::size_t to) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  constexpr int kMaxExtents = 64;
  std::vector<char> buffer(sizeof(fiemap) + kMaxExtents * sizeof(fiemap_extent));
  auto* map = reinterpret_cast<fiemap*>(buffer.data());
  map->fm_start = from;
  map->fm_length = to - from;
  map->fm_flags = FIEMAP_FLAG_SYNC;
  map->fm_extent_count = kMaxExtents;
  int rc = ::ioctl(fd, FS_IOC_FIEMAP, map);
  ::close(fd);
  if (rc != 0) return std::nullopt;
  std::size_t covered = from;
  for (unsigned i = 0; i < map->fm_mapped_extents; ++i) {
    const fiemap_extent& e = map->fm_extents[i];
    if (e.fe_flags & FIEMAP_EXTENT_UNWRITTEN) return false;
    if (e.fe_logical > covered) return false;  // a hole
    covered = std::max<std::size_t>(covered, e.fe_logical + e.fe_length);
  }
  return covered >= to;
}

// Why the pwrite path zero-fills: a sync of data written into preallocated (unwritten)
// space converts extents, an ext4 journal commit per sync. Ahead of the writer the
// preparer leaves written blocks.
TEST(CommitLogTest, PwritePathLeavesWrittenBlocksAheadOfTheWriter) {
  constexpr std::size_t kBigSegment = 4 << 20;
  TempDir dir;
  CommitLog log(dir.path() + "/commitlog", kBigSegment, HugePages::kNo, WritePath::kPwrite);
  ASSERT_TRUE(log.Load().ok());
  auto slot = log.Reserve(100);
  ASSERT_TRUE(slot.ok());
  ASSERT_TRUE(log.Commit(*slot, 100).ok());
  const std::string path = log.SegmentFor(0)->path();
  auto before = AllWritten(path, 1 << 20, 2 << 20);
  if (!before.has_value()) GTEST_SKIP() << "FIEMAP is not supported on " << dir.path();
  EXPECT_FALSE(*before) << "a fresh preallocated segment should be unwritten extents";
  log.StartPreparing(std::make_shared<spdlog::logger>("test"));
  log.Publish(100);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!AllWritten(path, 0, kBigSegment).value_or(false) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polls a condition
  }
  EXPECT_TRUE(AllWritten(path, 0, kBigSegment).value_or(false));
  log.StopPreparing();
  EXPECT_EQ(log.SegmentFor(0)->data()[99], 0) << "Commit wrote zeros from the staging buffer";
  EXPECT_EQ(log.SegmentFor(0)->data()[100], 0);
}

}  // namespace
}  // namespace quiver::storage::commitlog
