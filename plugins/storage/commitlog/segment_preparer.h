#pragma once
// Prepares the commit log ahead of its writer, so that an append neither creates a segment
// file nor takes a first-touch page fault (RocketMQ's AllocateMappedFileService and
// warmMappedFile do the same job).
//
// Why: a fresh preallocated segment is all unwritten extents. The first write to each
// 4 KiB page of the mapping faults, allocates and zeroes a page-cache page and runs the
// filesystem's write-fault path (ext4 starts a journal handle and may wait for a commit).
// Measured on the development VM that cost ~10 µs of wall time per 1 KiB append and kept
// one appender near 100 MB/s; creating a 1 GiB segment (posix_fallocate, directory fsync)
// on the append path stalls every appender for milliseconds at each roll.
//
// On its own thread it:
// - keeps one spare segment: the one after the segment being written, created under the
//   temporary name <20-digit start>.tmp, preallocated, and its first `window` bytes
//   populated before it is offered. The commit log takes it at the roll (Take), renames it
//   and syncs the directory; a .tmp file left by a crash is never part of the log
//   (CommitLog::Load removes it);
// - keeps the `window` bytes after the write position populated (MappedFile::Populate), or,
//   for WritePath::kPwrite, zero-filled and written back (MappedFile::ZeroFill + WriteBack,
//   not synced: the zeros need not be durable, and an fdatasync here would queue the
//   flusher's behind it), so the writer's small syncs find written blocks and clean pages.
// Nothing here changes what is stored or durable: the prepared bytes beyond the write
// position hold zeros, as the preallocated file already does on disk. Zero-filling does
// write bytes, so the writer announces each write first (BeforeWrite): the preparer never
// zero-fills below the end of an announced write, and a write never overlaps a zero-fill in
// progress. When the preparer
// falls behind (or the kernel cannot populate), the writer simply takes the faults itself,
// or creates the segment itself at the roll, as it would without a preparer.
//
// Threading: Advance and Take from the writer (the store's append lock serialises them);
// Start and Stop from the owner, never concurrently with Advance or Take.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "mapped_file.h"

namespace spdlog {
class logger;
}

namespace quiver::storage::commitlog {

class SegmentPreparer {
 public:
  // The log's segment holding `offset`, or null (CommitLog::SegmentFor).
  using SegmentFor = std::function<std::shared_ptr<MappedFile>(std::int64_t offset)>;
  // The path of the segment starting at `start` (CommitLog's naming).
  using PathFor = std::function<std::string(std::int64_t start)>;

  // huge_pages: the spare is mapped in 2 MiB folios (MappedFile::AdviseHugePages).
  SegmentPreparer(std::size_t segment_size, std::size_t window, SegmentFor segment_for,
                  PathFor path_for, std::shared_ptr<spdlog::logger> logger,
                  HugePages huge_pages = HugePages::kNo,
                  WritePath write_path = WritePath::kMapped);
  // Stop().
  ~SegmentPreparer();

  SegmentPreparer(const SegmentPreparer&) = delete;
  SegmentPreparer& operator=(const SegmentPreparer&) = delete;

  // Starts the thread and prepares for a writer at `write_position`.
  void Start(std::int64_t write_position);
  // Joins the thread and removes the spare segment's file (it holds only zeros).
  void Stop();

  // The writer published everything before `write_position`. Cheap (atomics only) unless
  // less than half the window is prepared, when it wakes the thread once.
  void Advance(std::int64_t write_position);
  // WritePath::kPwrite: the writer is about to write bytes below `end` (at or after the
  // write position). Returns once no zero-fill is running over them; none will later.
  // Cheap (one atomic load) while the writer stays inside the prepared window.
  void BeforeWrite(std::int64_t end);
  // The spare segment starting at `start` (preallocated, named <start>.tmp), or null when
  // none is ready; the caller renames it and owns it from then on.
  std::shared_ptr<MappedFile> Take(std::int64_t start);

 private:
  void Loop();
  // One round: replaces a missing or stale spare, then populates up to the window.
  void PrepareOnce();
  void PrepareSpare(std::int64_t spare_start);

  const std::int64_t segment_size_;
  const std::int64_t window_;
  const SegmentFor segment_for_;
  const PathFor path_for_;
  const std::shared_ptr<spdlog::logger> logger_;
  const HugePages huge_pages_;
  const WritePath write_path_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<MappedFile> spare_;  // guarded by mu_
  std::int64_t taken_start_ = -1;      // guarded by mu_; the start of the last spare taken
  bool wake_ = false;                  // guarded by mu_
  bool stopping_ = false;              // guarded by mu_
  std::thread thread_;

  // Written by different threads: kept on separate cache lines so that the writer's
  // per-append store does not bounce the line the preparer updates.
  alignas(64) std::atomic<std::int64_t> write_position_{0};  // the writer's latest Advance
  std::atomic<bool> signalled_{false};                       // a round is due (set by Advance)
  alignas(64) std::atomic<std::int64_t> prepared_to_{0};     // populated below this offset
  // kPwrite: held while zeros are written (by the preparer) and while the writer moves
  // prepared_to_ past its own write; prepared_to_ only grows under it in that mode.
  std::mutex fill_mu_;
  // Only the preparer thread:
  std::int64_t failed_spare_start_ = -1;  // do not retry a failed spare (disk full) for this start
  bool populate_supported_ = true;
};

}  // namespace quiver::storage::commitlog
