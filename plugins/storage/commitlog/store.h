#pragma once
// CommitLogStore: the MessageStore of the commitlog plugin (README.md, record_format.md).
//
// Layout under PluginContext::data_dir: commitlog/<20-digit offset> segments,
// consumequeue/<topic>/<queueId>/<20-digit byte offset> index files, checkpoint, abort
// (exists while the store is open; present at Open = the last run crashed) and lock
// (flock: one process per store directory).
//
// Threading: every MessageStore method from any thread (storage.h). Appends serialise on
// one append lock, which assigns physical and queue offsets, writes the records into the
// mapped segment and indexes them in the consume queue before it is released; so a record
// is readable as soon as its Append has taken the lock and returned from it. Background
// threads: the flusher (two threads under sync flush, which also run the completions of
// the appends they synced; its timeout watchdog), the callback thread (async-flush
// completions and dispatch notifications), the segment preparer (next segment, pre-faulted pages) and
// housekeeping (consume-queue flush, checkpoint, retention).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>

#include "callback_thread.h"
#include "commit_log.h"
#include "config.h"
#include "consume_queue.h"
#include "flusher.h"
#include "quiver/plugin_context.h"
#include "quiver/protocol/message_record.h"
#include "quiver/storage.h"

namespace spdlog {
class logger;
}

namespace quiver::storage::commitlog {

// kDataLoss when a decoded record shows signs of a torn write that BODYCRC cannot catch
// (NUL bytes in the topic, properties not ending with \x02). recovery.cc.
Status CheckComplete(const protocol::DecodedRecord& record);

class CommitLogStore final : public MessageStore {
 public:
  // `context` must outlive the store (the kernel guarantees it).
  CommitLogStore(PluginContext& context, CommitLogConfig config);
  ~CommitLogStore() override;

  Status Open() override;
  void Close() override;
  void SetDispatchListener(DispatchListener listener) override;
  void Append(MessageBatch batch, AppendCallback done) override;
  StatusOr<ReadResult> Read(const ReadRequest& request) const override;
  QueueOffset MinOffset(const std::string& topic, QueueId queue_id) const override;
  QueueOffset MaxOffset(const std::string& topic, QueueId queue_id) const override;
  QueueOffset OffsetByTimestamp(const std::string& topic, QueueId queue_id,
                                std::int64_t timestamp_ms) const override;
  StatusOr<std::int64_t> StoreTimestamp(const std::string& topic, QueueId queue_id,
                                        QueueOffset offset) const override;
  StatusOr<Buffer> ReadRecord(CommitLogOffset offset) const override;
  StatusOr<BufferList> ReadRaw(CommitLogOffset from, std::int64_t max_bytes) const override;
  void AppendRaw(CommitLogOffset at, BufferList bytes, std::function<void(Status)> done) override;
  Status Truncate(CommitLogOffset offset) override;
  void Flush(std::function<void(Status)> done) override;
  StoreStats Stats() const override;
  // The flusher's counters (syncs, time in sync, requests they completed); zeros when
  // closed. For the benchmark's appends-per-sync figure.
  Flusher::Stats FlushStats() const;

  // Deletes commit-log segments (and the consume-queue files wholly below the new min
  // offset) per the retention policy, judged at wall time `now_ms` with the disk
  // `disk_used_percent` full. Returns how many segments were deleted. Housekeeping calls it
  // every retention_check_interval; tests call it directly.
  int RunRetention(std::int64_t now_ms, int disk_used_percent);

  // Tests: stops every thread and drops the store's state the way a killed process would:
  // no final flush, no checkpoint, the abort marker stays. The store can be destroyed or
  // a new one opened on the same directory afterwards.
  void SimulateCrashForTesting();

 private:
  StatusOr<ConsumeQueue*> GetOrCreateQueue(const std::string& topic, QueueId queue_id);
  ConsumeQueue* FindQueue(const std::string& topic, QueueId queue_id) const;
  Status LoadQueues();
  // recovery.cc: validates the commit-log tail, cuts it at the last valid record,
  // re-indexes records whose consume-queue entries are missing or wrong.
  Status Recover(bool unclean);
  struct ScanResult;
  StatusOr<ScanResult> ScanAndDispatch(std::size_t first_segment, bool full_scan);
  // Appends under the lock: fills in `outcome.results` (whose sizes the caller set, with
  // the body CRCs in `crcs`), sets `appended_to` to the queue written and returns the end
  // offset to flush.
  StatusOr<std::int64_t> AppendLocked(const MessageBatch& batch, std::span<const std::int32_t> crcs,
                                      AppendOutcome& outcome, const ConsumeQueue** appended_to);
  StatusOr<std::int64_t> SyncCommitLog();
  Status WriteCheckpointNow(std::int64_t consume_queue_offset);
  void HousekeepingLoop();
  // Joins the housekeeping thread. REQUIRES: append_mu_ not held (a round takes it).
  void StopHousekeeping();
  void StopThreads(bool clean);
  // A Buffer over the record at `offset` of `size` bytes; nullopt when it is gone or not
  // (yet) written.
  std::optional<Buffer> RecordBuffer(std::int64_t offset, std::int32_t size) const;
  int DiskUsedPercent() const;

  PluginContext& context_;
  const CommitLogConfig config_;
  std::shared_ptr<spdlog::logger> logger_;
  std::string root_;
  std::string abort_path_;
  std::string checkpoint_path_;
  std::string queue_root_;
  int lock_fd_ = -1;

  std::unique_ptr<CommitLog> log_;
  mutable std::shared_mutex queues_mu_;  // guards queues_ (the map)
  std::unordered_map<std::string, std::unique_ptr<ConsumeQueue>> queues_;
  std::mutex append_mu_;  // serialises every write to the log and the queues

  std::unique_ptr<Flusher> flusher_;
  std::unique_ptr<CallbackThread> callbacks_;
  std::mutex listener_mu_;
  DispatchListener listener_;  // guarded by listener_mu_
  std::atomic<bool> has_listener_{false};

  std::mutex housekeeping_mu_;
  std::condition_variable housekeeping_cv_;
  bool housekeeping_stop_ = false;  // guarded by housekeeping_mu_
  std::thread housekeeping_;
  std::atomic<bool> open_{false};
};

class CommitLogStorageFactory final : public StorageFactory {
 public:
  StatusOr<std::unique_ptr<MessageStore>> CreateStore(PluginContext& context) override;
};

}  // namespace quiver::storage::commitlog
