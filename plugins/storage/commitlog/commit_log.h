#pragma once
// The commit log: every message of the broker, appended to fixed-size mapped segment
// files named by their 20-digit start offset (commitlog/00000000000000000000, ...).
//
// Physical (commit-log) offsets are contiguous across segments: segment k covers
// [k * segment_size, (k + 1) * segment_size). A record never spans two segments: when the
// next write does not fit (with room for an 8-byte blank marker), the rest of the segment
// is marked blank (rocketmq-protocol.md §4.1) and writing continues in the next one.
//
// Threading: the write side (Reserve, Publish, CutAt, DeleteSegment) is serialised by the
// caller (the store's append lock; recovery runs before any append). The read side
// (SegmentFor, write_position, min_offset) may be called from any thread at any time.
// Between StartPreparing and StopPreparing a SegmentPreparer thread creates the next
// segment and pre-faults the pages ahead of the write position (segment_preparer.h).

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "mapped_file.h"
#include "quiver/status.h"
#include "segment_preparer.h"

namespace spdlog {
class logger;
}

namespace quiver::storage::commitlog {

// Where Reserve() lets the caller write: `size` bytes at `data`, which Commit then puts at
// physical offset `offset`.
struct WriteSlot {
  std::int64_t offset = 0;       // physical offset of the first byte
  std::uint8_t* data = nullptr;  // WritePath::kMapped: the mapped byte itself;
                                 // kPwrite: the log's staging buffer
  std::shared_ptr<MappedFile> segment;
};

class CommitLog {
 public:
  // HugePages::kYes maps segments in 2 MiB folios (MappedFile::AdviseHugePages): faster
  // writes, but every sync writes whole 2 MiB folios, so the store uses it for async flush
  // only.
  // WritePath (mapped_file.h): kMapped for async flush, kPwrite for sync flush.
  CommitLog(std::string dir, std::size_t segment_size, HugePages huge_pages = HugePages::kNo,
            WritePath write_path = WritePath::kMapped);
  // StopPreparing().
  ~CommitLog();

  // Maps every segment file of the directory (without validating records), after removing
  // the <offset>.tmp files a crash may have left (spare segments never taken). kDataLoss
  // when a file name is not a 20-digit offset aligned to segment_size, a file has the
  // wrong size, or segments are missing in the middle.
  Status Load();

  std::size_t segment_size() const { return segment_size_; }
  const std::string& dir() const { return dir_; }

  // One past the last published byte (the max physical offset). Any thread.
  std::int64_t write_position() const { return write_position_.load(std::memory_order_acquire); }
  // The first offset still on disk. Any thread.
  std::int64_t min_offset() const;
  // The segment holding `offset`, or null when none does. Any thread.
  std::shared_ptr<MappedFile> SegmentFor(std::int64_t offset) const;
  std::vector<std::shared_ptr<MappedFile>> Segments() const;

  // Returns room for `size` contiguous bytes at the write position, writing a blank marker
  // and rolling to a new (preallocated) segment when they do not fit in the current one.
  // The caller fills slot.data, then calls Commit; nothing becomes visible until Publish.
  // kInvalidArgument when `size` cannot fit in a segment; kResourceExhausted when the disk
  // is full (nothing was written). The slot is valid until the next Reserve.
  StatusOr<WriteSlot> Reserve(std::size_t size);
  // Puts the `size` bytes the caller wrote at slot.data into the segment (kPwrite: a pwrite
  // from the staging buffer; kMapped: nothing left to do). On error nothing was published,
  // and the next Reserve returns the same offset.
  Status Commit(const WriteSlot& slot, std::size_t size);
  // Writes `bytes` at physical offset `offset` of `segment` through the mapping (a blank
  // marker, also a follower's AppendRaw), coordinated with the preparer's zero-filling.
  void WriteDirect(MappedFile& segment, std::int64_t offset, std::span<const std::uint8_t> bytes);
  // Makes everything before `end` visible to readers (recovery may also lower it).
  void Publish(std::int64_t end) {
    write_position_.store(end, std::memory_order_release);
    if (preparer_) preparer_->Advance(end);
  }

  // Starts preparing segments and pages ahead of the writer (after recovery, before the
  // first append); failures are logged to `logger` and only cost speed.
  void StartPreparing(std::shared_ptr<spdlog::logger> logger);
  // Stops the preparer and removes its spare segment. REQUIRES: no write in progress.
  void StopPreparing();

  // Sets the write position to `offset` (recovery, Truncate): zeroes the bytes after it in
  // its segment, deletes later segments, and syncs both. Returns the number of non-zero
  // bytes discarded (an estimate of what was cut).
  StatusOr<std::int64_t> CutAt(std::int64_t offset);

  // Syncs [from, to) to disk (kMapped: msync of the range; kPwrite: fdatasync of each
  // segment it touches).
  Status Sync(std::int64_t from, std::int64_t to) const;

  // Removes the oldest segment if it is not the one being written and no reader holds
  // it. Returns true when it was removed.
  bool DeleteOldestSegment(std::int64_t* deleted_end);

 private:
  std::string PathFor(std::int64_t start) const;
  StatusOr<std::shared_ptr<MappedFile>> CreateSegment(std::int64_t start);

  const std::string dir_;
  const std::size_t segment_size_;
  const HugePages huge_pages_;
  const WritePath write_path_;
  std::vector<std::uint8_t> staging_;  // kPwrite: what Reserve hands out; writer only
  mutable std::mutex segments_mu_;  // guards segments_ (the vector, not the bytes)
  std::vector<std::shared_ptr<MappedFile>> segments_;
  std::atomic<std::int64_t> write_position_{0};
  std::unique_ptr<SegmentPreparer> preparer_;  // set while preparing; used by the writer
};

// "00000000001073741824"
std::string OffsetFileName(std::int64_t offset);

}  // namespace quiver::storage::commitlog
