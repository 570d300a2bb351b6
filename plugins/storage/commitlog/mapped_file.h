#pragma once
// A fixed-size file mapped read-write (MAP_SHARED): one commit-log segment or one
// consume-queue file.
//
// Ownership: held by shared_ptr. The commit log and consume queues own one reference;
// every Buffer handed to a reader owns another, so the mapping outlives every view into
// it (retention only deletes a file whose reference count shows no reader holds it).
// Thread safety: data() may be read from any thread; writers are serialised by the owner
// (the store's append lock). EnsureAllocated and Sync are safe from any thread.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "quiver/status.h"
#include "quiver/types.h"

namespace quiver::storage::commitlog {

using Preallocate = BoolClass<struct PreallocateTag>;
// Map (and cache) a file in 2 MiB folios: MappedFile::AdviseHugePages.
using HugePages = BoolClass<struct HugePagesTag>;
// How the commit log's writer puts records into a segment (CommitLog, SegmentPreparer).
enum class WritePath {
  // memcpy into the mapping; the pages ahead are pre-faulted (MADV_POPULATE_WRITE). For
  // async flush: no syscall per append.
  kMapped,
  // pwrite (MappedFile::WriteAt) into space zero-filled ahead of the writer, synced with
  // fdatasync. For sync flush, where every append waits for a sync: a small sync of pages
  // written this way took ~1/3 of the time of an msync of pages written through the
  // mapping into preallocated (unwritten) space (docs/BENCHMARKS.md, session 4).
  kPwrite,
};

class MappedFile {
 public:
  // Creates `path` (it must not exist) of exactly `size` bytes. Preallocate::kYes reserves
  // every block now (posix_fallocate), so that a full disk is an error here, never a
  // SIGBUS on a later write; kNo leaves it sparse (see EnsureAllocated).
  // kResourceExhausted when the disk is full, kInternal for other I/O errors.
  static StatusOr<std::shared_ptr<MappedFile>> Create(const std::string& path, std::int64_t start,
                                                      std::size_t size, Preallocate preallocate);
  // Opens an existing file, which must be exactly `size` bytes (else kDataLoss).
  // Preallocate::kYes reserves any holes (a segment created by an older run).
  static StatusOr<std::shared_ptr<MappedFile>> Open(const std::string& path, std::int64_t start,
                                                    std::size_t size, Preallocate preallocate);

  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  // Unmaps and closes.
  ~MappedFile();

  // REQUIRES (for path() from other threads): RenameTo is only called before the file is
  // shared.
  const std::string& path() const { return path_; }
  // The logical offset of byte 0 (commit-log offset, or consume-queue byte offset).
  std::int64_t start() const { return start_; }
  std::int64_t end() const { return start_ + static_cast<std::int64_t>(size_); }
  std::size_t size() const { return size_; }
  std::uint8_t* data() const { return data_; }

  // Reserves blocks for bytes [0, end) of a sparse file in chunks of `chunk` bytes, so
  // writes below `end` cannot hit ENOSPC. kResourceExhausted when the disk is full.
  Status EnsureAllocated(std::size_t end, std::size_t chunk);
  // Writes bytes [from, to) (file-relative) to disk (msync MS_SYNC on whole pages).
  Status Sync(std::size_t from, std::size_t to);
  // Writes every dirty page of the file to disk (fdatasync). Cheaper than Sync for a file
  // written with WriteAt into ZeroFill'ed space (CommitLog's WritePath::kPwrite).
  Status DataSync();
  // Starts writeback of the dirty pages of [from, to) and waits for it, with no device cache
  // flush (sync_file_range): durable only once a later DataSync has run, which also writes
  // whatever metadata the writeback changed (extents converted from unwritten). For the
  // preparer's zero-fill, whose bytes need to reach the disk (so that the extents under them
  // are written) but never need to be durable: an fdatasync of the segment there would
  // serialise with the flusher's (same inode) and add a device flush per chunk.
  // It goes through a file description of its own (opened on first use): a writeback error
  // is reported once per file description, so one seen here is still reported to the next
  // DataSync, and the flusher never acknowledges data whose writeback failed.
  Status WriteBack(std::size_t from, std::size_t to);
  // Copies `bytes` to file offset `offset` with pwrite, through the page cache the mapping
  // shows (readers of data() see them at once). Why not memcpy into the mapping: on this VM
  // a page written through a mapping after a sync costs a write-protect fault and TLB
  // shoot-downs, which made each small sync ~3x slower (docs/BENCHMARKS.md, session 4).
  // kResourceExhausted when the disk is full, kDataLoss on EIO, kInternal otherwise.
  Status WriteAt(std::size_t offset, std::span<const std::uint8_t> bytes);
  // Writes zeros over [from, to) with pwrite, a page per call (so the page cache keeps
  // 4 KiB folios there, and a later sync writes only the pages appended to). Followed by
  // WriteBack (or DataSync), the range holds written blocks (not unwritten extents) whose
  // page-cache pages are present and clean, so a later WriteAt there plus DataSync writes only
  // the new data, with no extent conversion (an ext4 journal commit) per sync.
  // REQUIRES: nothing else writes the range meanwhile (SegmentPreparer coordinates with the
  // writer).
  Status ZeroFill(std::size_t from, std::size_t to);
  // Writes zeros over [from, size()) where it is not already zero. Returns how many bytes
  // were non-zero (the last non-zero byte's distance from `from`).
  std::size_t ZeroFrom(std::size_t from);
  // Removes the file's name now; the mapping stays valid until the last reference goes.
  void Unlink();
  // Renames the file to `path` (the caller syncs the directory). REQUIRES: no other thread
  // holds a reference yet (a segment prepared under a temporary name, commit_log.h).
  Status RenameTo(std::string path);
  // Faults in bytes [from, to) (file-relative, widened to whole pages) as writable, the way
  // a write would, so that later writes there take no page fault: the page-cache pages are
  // allocated and zeroed and the filesystem's write-fault work (block mapping of a
  // preallocated extent) is done now, on the calling thread. The bytes are not modified.
  // kUnimplemented when the kernel lacks MADV_POPULATE_WRITE (Linux < 5.14).
  Status Populate(std::size_t from, std::size_t to);
  // Asks the kernel to cache and map the file in 2 MiB folios (madvise(MADV_HUGEPAGE) on a
  // mapping that Create/Open aligned to 2 MiB); best-effort, a no-op where unsupported.
  // Why: on the development VM (shadow-paged) a write through 4 KiB mappings ran at
  // ~1.8 GB/s and through 2 MiB mappings at 6-10 GB/s (docs/BENCHMARKS.md). The cost: the
  // kernel tracks dirtiness per folio, so a Sync writes whole 2 MiB folios: only for files
  // synced in large ranges (the commit log under async flush), never for small syncs.
  // Call before the pages are first touched (Populate) for the folios to be large.
  void AdviseHugePages();

 private:
  MappedFile(std::string path, std::int64_t start, std::size_t size, int fd, std::uint8_t* data);

  std::string path_;  // changed only by RenameTo, before the file is shared
  const std::int64_t start_;
  const std::size_t size_;
  const int fd_;
  std::uint8_t* const data_;
  std::mutex write_back_mu_;
  int write_back_fd_ = -1;  // guarded by write_back_mu_; WriteBack's own file description
  std::mutex allocate_mu_;
  std::size_t allocated_ = 0;  // guarded by allocate_mu_
};

// Errno to Status for a file operation: ENOSPC/EDQUOT -> kResourceExhausted,
// EIO -> kDataLoss, others kInternal. The message is "<what> <path>: <strerror>".
Status FileError(int err, std::string_view what, const std::string& path);
// fsync of a directory (after creating, renaming or removing files in it).
Status SyncDirectory(const std::string& dir);

}  // namespace quiver::storage::commitlog
