#pragma once
// The index of one (topic, queue): 20-byte entries (commit-log offset i64, record size
// i32, tag code i64, big-endian; rocketmq-protocol.md §5.2). Entry N lives at byte N * 20,
// in files of `entries_per_file` entries named by their 20-digit start byte offset under
// consumequeue/<topic>/<queueId>/. Files are sparse (ftruncate); blocks are reserved in
// chunks ahead of the writer (EnsureAllocated), so a full disk is an append error, not a
// SIGBUS. The first chunk of a file is one page and chunks grow with the file (to 64 KiB),
// and page faults read no pages around the one touched, so a new queue costs one page of
// disk and memory: a broker with thousands of queues creates them cheaply. An entry whose
// size is 0 has never been written: the queue ends there.
//
// Threading: one writer at a time (the store's append lock, or recovery before any
// append); readers on any thread see entries below max_offset() (published with release
// order after the entry bytes).

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "mapped_file.h"
#include "quiver/status.h"
#include "quiver/types.h"

namespace quiver::storage::commitlog {

inline constexpr std::size_t kConsumeQueueEntrySize = 20;

struct QueueEntry {
  CommitLogOffset physical_offset{0};
  std::int32_t size = 0;
  std::int64_t tags_code = 0;
};

class ConsumeQueue {
 public:
  ConsumeQueue(std::string dir, std::string topic, QueueId queue_id, std::int64_t entries_per_file);

  // Maps the queue's files and finds its min and max offsets. kDataLoss for a malformed
  // file name or size.
  Status Load();

  const std::string& topic() const { return topic_; }
  QueueId queue_id() const { return queue_id_; }
  const std::string& dir() const { return dir_; }

  QueueOffset min_offset() const {
    return QueueOffset(min_offset_.load(std::memory_order_acquire));
  }
  QueueOffset max_offset() const {
    return QueueOffset(max_offset_.load(std::memory_order_acquire));
  }

  // The entry at `offset`, or nullopt when it is outside [min, max). Any thread.
  std::optional<QueueEntry> Get(QueueOffset offset) const;

  // --- Writer side ---
  // Makes room for `count` entries after max_offset() (creates files, reserves blocks).
  // kResourceExhausted when the disk is full.
  Status Reserve(std::int64_t count);
  // Writes the entry at max_offset() and publishes it. REQUIRES: Reserve covered it.
  void Append(const QueueEntry& entry);
  // Writes `entry` at `offset` (recovery and follower appends): an empty queue starts at
  // `offset`; an offset below max rewrites from there (later entries are dropped); an offset
  // above max of a non-empty queue is kFailedPrecondition (a gap).
  Status Put(QueueOffset offset, const QueueEntry& entry);
  // Drops every entry at or after `offset`.
  Status TruncateTo(QueueOffset offset);
  // Drops the trailing entries whose record starts at or after `physical_offset`.
  Status TruncateFromPhysical(CommitLogOffset physical_offset);
  // Raises the min offset past entries whose record is below `min_physical` (deleted by
  // retention) and removes files whose entries are all below it.
  void DropBelowPhysical(CommitLogOffset min_physical);
  // Removes every file (the queue becomes empty, starting anew at `offset`).
  Status Reset();
  // Syncs the entries written since the last Sync. Threading: one caller at a time.
  Status Sync();
  // Bytes of entries written but not yet synced (any thread; a snapshot).
  std::int64_t UnsyncedBytes() const {
    return (max_offset_.load(std::memory_order_acquire) - synced_offset_.load()) *
           static_cast<std::int64_t>(kConsumeQueueEntrySize);
  }
  std::int64_t file_count() const;

 private:
  std::int64_t FileBytes() const { return entries_per_file_ * kConsumeQueueEntrySize; }
  std::shared_ptr<MappedFile> FileFor(std::int64_t byte_offset) const;
  StatusOr<std::shared_ptr<MappedFile>> FileForWrite(std::int64_t byte_offset);
  void WriteEntry(std::int64_t offset, const QueueEntry& entry);
  // Drops the writer's cached tail file (whenever files_ changes).
  void ForgetTail();

  const std::string dir_;
  const std::string topic_;
  const QueueId queue_id_;
  const std::int64_t entries_per_file_;
  mutable std::mutex files_mu_;  // guards files_
  std::vector<std::shared_ptr<MappedFile>> files_;
  std::atomic<std::int64_t> min_offset_{0};
  std::atomic<std::int64_t> max_offset_{0};
  std::atomic<std::int64_t> synced_offset_{0};  // entries below are on disk
  // Writer-side only (the append lock): the file the next entries go to and the byte
  // offset below which Reserve already made room in it, so that an append takes neither
  // files_mu_ nor the file's allocation lock.
  std::shared_ptr<MappedFile> tail_;
  std::int64_t tail_reserved_ = 0;
};

}  // namespace quiver::storage::commitlog
