#pragma once
// Storage plugins: where a broker's messages live (DESIGN.md §2, §5).
//
// A MessageStore holds messages only; broker metadata (topic configs, consumer offsets)
// is the broker's. Appends assign a commit-log (physical) offset and a queue offset to
// every message atomically and complete through a callback once the message is as durable
// as the store's flush policy promises; no caller thread ever waits on the disk. Reads
// return Buffers that point into the store's memory (mapped segments) without copying;
// the memory stays valid while any Buffer refers to it.
//
// The raw hooks (ReadRaw, AppendRaw, Truncate) are for replication: a master streams its
// commit-log bytes to followers, which append them verbatim and index them.
//
// No implementation detail (segment files, sizes, names) appears here, so that another
// storage plugin (tiered, in-memory) implements the same interface.
//
// Threading: every method may be called from any thread unless stated otherwise.
// Completions must not block. They run on the store's own threads or the context executor,
// except that Append may run its completion inline: on the calling thread, before Append
// returns, when nothing is left to wait for (an async-flush store: the batch is in the page
// cache once appended). A store runs an inline completion holding none of its own locks,
// so the completion may call the store again. Callers must be written for both cases:
// hold no lock across Append that the completion takes, touch nothing after Append that
// was moved into the completion, and expect the completion to run before Append returns
// (it may start the caller's next step, e.g. a response on the same connection).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "quiver/buffer.h"
#include "quiver/export.h"
#include "quiver/message.h"
#include "quiver/plugin.h"
#include "quiver/status.h"
#include "quiver/types.h"

namespace quiver {
inline namespace v1 {

struct PluginContext;

// How durable an appended batch is when its completion runs.
enum class FlushOutcome {
  kFlushed,       // on disk (sync flush), or accepted by an async-flush store
  kFlushTimeout,  // stored in memory, but the sync flush did not finish in time
};

struct AppendOutcome {
  std::vector<AppendResult> results;  // one per message, in order
  FlushOutcome flush = FlushOutcome::kFlushed;
};
// kInvalidArgument (a record too large, properties too long), kResourceExhausted (disk
// full), kDataLoss / kInternal (a write failed): nothing of the batch is visible to readers.
using AppendCallback = std::function<void(StatusOr<AppendOutcome>)>;

// Read status, as RocketMQ's GetMessageStatus (rocketmq-protocol.md §5.7).
enum class ReadStatus {
  kFound,
  kNoMatchedMessage,     // entries scanned, none matched the tag filter
  kNoMessageInQueue,     // the queue is empty or unknown
  kOffsetOverflowOne,    // offset == max offset: nothing new yet
  kOffsetOverflowBadly,  // offset > max offset
  kOffsetTooSmall,       // offset < min offset (retention removed it)
  kOffsetFoundNull,      // index entry present but its record is gone
};

struct ReadRequest {
  std::string topic;
  QueueId queue_id{0};
  QueueOffset offset{0};
  std::int32_t max_messages = 32;
  std::int64_t max_bytes = 256 * 1024;
  // Tag codes to match (Java String.hashCode of each tag); empty = every message.
  std::vector<std::int64_t> tag_codes;
};

struct ReadResult {
  ReadStatus status = ReadStatus::kNoMessageInQueue;
  // Whole records, each exactly as stored (a PULL response body is their concatenation).
  std::vector<Buffer> records;
  QueueOffset next_offset{0};  // where the next read continues
  QueueOffset min_offset{0};
  QueueOffset max_offset{0};  // one past the last message
  // The physical offset of the last record returned, and the store's max physical offset
  // at read time: how far the reader lags (slave-read suggestions).
  CommitLogOffset last_physical_offset{0};
  CommitLogOffset max_physical_offset{0};
};

// A new message is readable in (topic, queue) up to `max_offset` (exclusive). Used by the
// broker's long polling. Runs on the store's dispatch thread; must not block.
using DispatchListener =
    std::function<void(const std::string& topic, QueueId queue_id, QueueOffset max_offset)>;

struct StoreStats {
  CommitLogOffset min_physical_offset{0};
  CommitLogOffset max_physical_offset{0};
  CommitLogOffset flushed_physical_offset{0};
  std::int64_t disk_used_bytes = 0;
  std::int64_t topic_queue_count = 0;
};

class QUIVER_SDK_VISIBLE MessageStore {
 public:
  MessageStore() = default;
  MessageStore(const MessageStore&) = delete;
  MessageStore& operator=(const MessageStore&) = delete;
  virtual ~MessageStore();

  // Opens the store in the context's data directory and recovers it (a torn tail is cut,
  // lagging indexes rebuilt, both logged). kDataLoss only when recovery cannot proceed.
  // REQUIRES: called once, before any other method.
  virtual Status Open() = 0;
  // Flushes, stops background threads, closes files cleanly (no recovery at next Open).
  virtual void Close() = 0;

  virtual void SetDispatchListener(DispatchListener listener) = 0;

  // Appends `batch` (one or more messages of one topic and queue, stored contiguously).
  // `done` runs exactly once: once the batch is as durable as the flush policy promises, on
  // a store thread, or inline on the calling thread before Append returns when that is
  // already so (see Threading above; failures may also complete inline).
  virtual void Append(MessageBatch batch, AppendCallback done) = 0;

  virtual StatusOr<ReadResult> Read(const ReadRequest& request) const = 0;
  virtual QueueOffset MinOffset(const std::string& topic, QueueId queue_id) const = 0;
  // One past the last message (0 for an empty or unknown queue).
  virtual QueueOffset MaxOffset(const std::string& topic, QueueId queue_id) const = 0;
  // The first offset whose store time is >= `timestamp_ms` (max offset if none).
  virtual QueueOffset OffsetByTimestamp(const std::string& topic, QueueId queue_id,
                                        std::int64_t timestamp_ms) const = 0;
  // The store time of the message at `offset`; kNotFound when absent.
  virtual StatusOr<std::int64_t> StoreTimestamp(const std::string& topic, QueueId queue_id,
                                                QueueOffset offset) const = 0;
  // The record that starts at `offset`; kNotFound when none does.
  virtual StatusOr<Buffer> ReadRecord(CommitLogOffset offset) const = 0;

  // --- Replication hooks ---
  // Up to `max_bytes` of raw commit-log bytes starting at `from` (whole records only where
  // the implementation can; followers append exactly these bytes). Empty when `from` is the
  // max physical offset; kOutOfRange when `from` is beyond it or already deleted.
  virtual StatusOr<BufferList> ReadRaw(CommitLogOffset from, std::int64_t max_bytes) const = 0;
  // Appends raw bytes read from a master's ReadRaw at `at`, which must equal the max
  // physical offset (else kFailedPrecondition); records are indexed (consume queues) so
  // they become readable. Completes when durable per the flush policy.
  virtual void AppendRaw(CommitLogOffset at, BufferList bytes,
                         std::function<void(Status)> done) = 0;
  // Discards everything at and after `offset` (a diverged Raft follower), including index
  // entries. REQUIRES: no appends in progress.
  virtual Status Truncate(CommitLogOffset offset) = 0;
  // Forces everything appended so far to disk; `done` runs when it is.
  virtual void Flush(std::function<void(Status)> done) = 0;

  virtual StoreStats Stats() const = 0;
};

class QUIVER_SDK_VISIBLE StorageFactory : public PluginFactory {
 public:
  static constexpr PluginKind kKind = PluginKind::kStorage;
  virtual StatusOr<std::unique_ptr<MessageStore>> CreateStore(PluginContext& context) = 0;
};

}  // namespace v1
}  // namespace quiver
