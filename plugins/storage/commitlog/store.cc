#include "store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <span>

#include <spdlog/logger.h>

#include "body_crc.h"
#include "checkpoint.h"
#include "quiver/protocol/message_record.h"
#include "status_macros.h"

namespace quiver::storage::commitlog {
namespace fs = std::filesystem;
namespace {

constexpr auto kConsumeQueueFlushInterval = std::chrono::seconds(1);
// Every round syncs only the queues with at least this many unsynced bytes, and every
// kThoroughRounds-th round syncs them all and writes the checkpoint (RocketMQ's
// flushConsumeQueueLeastPages = 2 and its thorough interval). With thousands of queues each
// taking a few entries a second, a sync per queue per second was thousands of msyncs a second
// (docs/BENCHMARKS.md, "Many topics"). Consume queues are rebuilt from the commit log past the
// checkpoint at recovery, so this bounds recovery work, not durability.
constexpr std::int64_t kConsumeQueueFlushLeastBytes = 2 * 4096;
constexpr int kThoroughRounds = 10;

std::string QueueKey(std::string_view topic, QueueId queue_id) {
  std::string key(topic);
  key += '\0';
  key += std::to_string(queue_id.value());
  return key;
}

std::int32_t GetI32(const std::uint8_t* p) {
  return static_cast<std::int32_t>((std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                                   (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]});
}

void RaiseFileLimit(spdlog::logger& logger) {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  rlim_t old = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) == 0) {
    logger.debug("raised the open-file limit from {} to {}", old, limit.rlim_max);
  }
}

}  // namespace

CommitLogStore::CommitLogStore(PluginContext& context, CommitLogConfig config)
    : context_(context), config_(std::move(config)), logger_(context.logger) {
  if (!logger_) logger_ = std::make_shared<spdlog::logger>("storage.commitlog");
}

CommitLogStore::~CommitLogStore() { Close(); }

ConsumeQueue* CommitLogStore::FindQueue(const std::string& topic, QueueId queue_id) const {
  std::shared_lock lock(queues_mu_);
  auto it = queues_.find(QueueKey(topic, queue_id));
  return it == queues_.end() ? nullptr : it->second.get();
}

StatusOr<ConsumeQueue*> CommitLogStore::GetOrCreateQueue(const std::string& topic,
                                                         QueueId queue_id) {
  if (ConsumeQueue* queue = FindQueue(topic, queue_id)) return queue;
  if (topic.empty() || topic == "." || topic == ".." || topic.find('/') != std::string::npos ||
      topic.find('\0') != std::string::npos) {
    return InvalidArgumentError("topic \"" + topic + "\" cannot name a consume-queue directory");
  }
  if (queue_id.value() < 0) {
    return InvalidArgumentError("queue id " + std::to_string(queue_id.value()) + " is negative");
  }
  auto queue = std::make_unique<ConsumeQueue>(
      queue_root_ + "/" + topic + "/" + std::to_string(queue_id.value()), topic, queue_id,
      config_.consume_queue_entries_per_file);
  COMMITLOG_RETURN_IF_ERROR(queue->Load());
  std::unique_lock lock(queues_mu_);
  auto [it, inserted] = queues_.emplace(QueueKey(topic, queue_id), std::move(queue));
  return it->second.get();
}

Status CommitLogStore::LoadQueues() {
  std::error_code ec;
  for (const auto& topic_dir : fs::directory_iterator(queue_root_, ec)) {
    if (!topic_dir.is_directory()) continue;
    std::string topic = topic_dir.path().filename().string();
    for (const auto& queue_dir : fs::directory_iterator(topic_dir.path(), ec)) {
      std::string name = queue_dir.path().filename().string();
      bool numeric =
          !name.empty() && name.size() < 10 && std::all_of(name.begin(), name.end(), ::isdigit);
      if (!queue_dir.is_directory() || !numeric) {
        return DataLossError("unexpected entry " + queue_dir.path().string() +
                             " in the consume-queue directory (expected <topic>/<queueId>/)");
      }
      auto queue = GetOrCreateQueue(topic, QueueId(std::stoi(name)));
      if (!queue.ok()) return queue.status();
    }
  }
  if (ec) return InternalError("cannot list " + queue_root_ + ": " + ec.message());
  return Status::Ok();
}

Status CommitLogStore::Open() {
  if (open_) return FailedPreconditionError("the commitlog store is already open");
  if (context_.data_dir.empty()) {
    return InvalidArgumentError(
        "storage.commitlog needs a data directory ([broker] store_dir), but none was given");
  }
  root_ = context_.data_dir;
  abort_path_ = root_ + "/abort";
  checkpoint_path_ = root_ + "/checkpoint";
  queue_root_ = root_ + "/consumequeue";
  std::error_code ec;
  fs::create_directories(queue_root_, ec);
  if (ec) return InternalError("cannot create directory " + queue_root_ + ": " + ec.message());
  RaiseFileLimit(*logger_);

  std::string lock_path = root_ + "/lock";
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) return FileError(errno, "cannot open", lock_path);
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd_);
    lock_fd_ = -1;
    return FailedPreconditionError("store directory " + root_ + " is in use by another process (" +
                                   lock_path + " is locked)");
  }

  const bool unclean = fs::exists(abort_path_, ec);
  log_ = std::make_unique<CommitLog>(
      root_ + "/commitlog", config_.segment_size, HugePages(config_.flush == FlushMode::kAsync),
      config_.flush == FlushMode::kSync ? WritePath::kPwrite : WritePath::kMapped);
  Status s = log_->Load();
  if (s.ok()) s = LoadQueues();
  if (s.ok()) s = Recover(unclean);
  if (s.ok()) {
    int fd = ::open(abort_path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      s = FileError(errno, "cannot create", abort_path_);
    } else {
      ::close(fd);
      s = SyncDirectory(root_);
    }
  }
  if (!s.ok()) {
    std::unique_lock lock(queues_mu_);
    queues_.clear();
    log_.reset();
    ::close(lock_fd_);
    lock_fd_ = -1;
    return s.WithContext("cannot open the commitlog store in " + root_);
  }

  flusher_ = std::make_unique<Flusher>(
      config_, context_.clock, [this] { return SyncCommitLog(); },
      [this] { return log_->write_position(); }, log_->write_position());
  callbacks_ = std::make_unique<CallbackThread>([this](const ConsumeQueue& queue) {
    std::lock_guard lock(listener_mu_);
    if (listener_) listener_(queue.topic(), queue.queue_id(), queue.max_offset());
  });
  flusher_->Start();
  callbacks_->Start();
  log_->StartPreparing(logger_);
  housekeeping_stop_ = false;
  housekeeping_ = std::thread([this] { HousekeepingLoop(); });
  open_ = true;
  logger_->info(
      "commitlog store open in {}: physical offsets [{}, {}), {} consume queues, {} flush", root_,
      log_->min_offset(), log_->write_position(), queues_.size(),
      config_.flush == FlushMode::kSync ? "sync" : "async");
  return Status::Ok();
}

void CommitLogStore::StopHousekeeping() {
  {
    std::lock_guard lock(housekeeping_mu_);
    housekeeping_stop_ = true;
  }
  housekeeping_cv_.notify_all();
  if (housekeeping_.joinable()) housekeeping_.join();
}

void CommitLogStore::StopThreads(bool clean) {
  StopHousekeeping();
  log_->StopPreparing();
  if (clean) {
    flusher_->Stop();
  } else {
    flusher_->Abandon();
  }
  callbacks_->Stop();
}

void CommitLogStore::Close() {
  if (!open_.exchange(false)) return;
  // Before the append lock: a housekeeping round takes it (and Close waiting for the thread
  // while holding the lock hung the benchmark).
  StopHousekeeping();
  std::lock_guard append_lock(append_mu_);  // waits for appends in progress
  StopThreads(/*clean=*/true);
  Status s = Status::Ok();
  {
    std::shared_lock lock(queues_mu_);
    for (auto& [key, queue] : queues_) {
      Status q = queue->Sync();
      if (s.ok()) s = q;
    }
  }
  if (s.ok()) s = WriteCheckpointNow(log_->write_position());
  if (s.ok() && flusher_->error().ok() && flusher_->flushed() >= log_->write_position()) {
    ::unlink(abort_path_.c_str());
    s = SyncDirectory(root_);
  } else {
    logger_->error(
        "commitlog store in {} did not close cleanly ({}); it will be recovered at "
        "the next open",
        root_, s.ok() ? flusher_->error().ToString() : s.ToString());
  }
  flusher_.reset();
  callbacks_.reset();
  {
    std::unique_lock lock(queues_mu_);
    queues_.clear();
  }
  log_.reset();
  ::close(lock_fd_);
  lock_fd_ = -1;
}

void CommitLogStore::SimulateCrashForTesting() {
  if (!open_.exchange(false)) return;
  StopHousekeeping();  // before the append lock, as in Close
  std::lock_guard append_lock(append_mu_);
  StopThreads(/*clean=*/false);
  flusher_.reset();
  callbacks_.reset();
  {
    std::unique_lock lock(queues_mu_);
    queues_.clear();
  }
  log_.reset();
  ::close(lock_fd_);
  lock_fd_ = -1;
}

void CommitLogStore::SetDispatchListener(DispatchListener listener) {
  std::lock_guard lock(listener_mu_);
  listener_ = std::move(listener);
  has_listener_ = static_cast<bool>(listener_);
}

StatusOr<std::int64_t> CommitLogStore::SyncCommitLog() {
  std::int64_t to = log_->write_position();
  std::int64_t from = flusher_ ? flusher_->flushed() : 0;
  if (from >= to) return to;
  COMMITLOG_RETURN_IF_ERROR(log_->Sync(from, to));
  return to;
}

Status CommitLogStore::WriteCheckpointNow(std::int64_t consume_queue_offset) {
  Checkpoint c;
  c.physic_timestamp_ms = context_.clock->WallMillis();
  c.logics_timestamp_ms = c.physic_timestamp_ms;
  c.flushed_offset = flusher_ ? flusher_->flushed() : log_->write_position();
  c.consume_queue_offset = consume_queue_offset;
  {
    std::shared_lock lock(queues_mu_);
    c.queue_count = static_cast<std::int64_t>(queues_.size());
  }
  return WriteCheckpoint(checkpoint_path_, c);
}

void CommitLogStore::HousekeepingLoop() {
  TimePoint next_retention = context_.clock->Now() + config_.retention_check_interval;
  std::unique_lock lock(housekeeping_mu_);
  for (int round = 1; !housekeeping_stop_; ++round) {
    housekeeping_cv_.wait_for(lock, kConsumeQueueFlushInterval, [&] { return housekeeping_stop_; });
    if (housekeeping_stop_) break;
    lock.unlock();
    const bool thorough = round % kThoroughRounds == 0;
    // Consume queues: capture the dispatched position first, then sync, so the checkpoint
    // never claims entries that were written after the sync began.
    std::int64_t dispatched;
    {
      std::lock_guard append_lock(append_mu_);
      dispatched = log_->write_position();
    }
    Status s = Status::Ok();
    {
      std::shared_lock queues_lock(queues_mu_);
      for (auto& [key, queue] : queues_) {
        if (!thorough && queue->UnsyncedBytes() < kConsumeQueueFlushLeastBytes) continue;
        Status q = queue->Sync();
        if (s.ok()) s = q;
      }
    }
    if (s.ok() && thorough) s = WriteCheckpointNow(dispatched);
    if (!s.ok()) logger_->error("consume-queue flush or checkpoint failed: {}", s.ToString());
    if (context_.clock->Now() >= next_retention) {
      next_retention = context_.clock->Now() + config_.retention_check_interval;
      RunRetention(context_.clock->WallMillis(), DiskUsedPercent());
    }
    lock.lock();
  }
}

int CommitLogStore::DiskUsedPercent() const {
  struct statvfs st {};
  if (::statvfs(root_.c_str(), &st) != 0 || st.f_blocks == 0) return 0;
  double used = 1.0 - static_cast<double>(st.f_bavail) / static_cast<double>(st.f_blocks);
  return static_cast<int>(used * 100.0);
}

// ---------------------------------------------------------------------------------------
// Append

StatusOr<std::int64_t> CommitLogStore::AppendLocked(const MessageBatch& batch,
                                                    std::span<const std::int32_t> crcs,
                                                    AppendOutcome& outcome,
                                                    const ConsumeQueue** appended_to) {
  std::size_t total = 0;
  for (const AppendResult& r : outcome.results) total += static_cast<std::size_t>(r.size);
  const Message& first = batch.messages.front();
  std::lock_guard lock(append_mu_);
  if (!open_) return FailedPreconditionError("the commitlog store is not open");
  QUIVER_ASSIGN_OR_RETURN(ConsumeQueue * queue, GetOrCreateQueue(first.topic, first.queue_id));
  COMMITLOG_RETURN_IF_ERROR(queue->Reserve(static_cast<std::int64_t>(batch.messages.size())));
  QUIVER_ASSIGN_OR_RETURN(WriteSlot slot, log_->Reserve(total));
  const std::int64_t store_ts = context_.clock->WallMillis();
  const QueueOffset queue_offset = queue->max_offset();
  std::int64_t phys = slot.offset;
  std::uint8_t* out = slot.data;
  for (std::size_t i = 0; i < batch.messages.size(); ++i) {
    AppendResult& r = outcome.results[i];
    protocol::EncodeRecordWithCrc(batch.messages[i], crcs[i], CommitLogOffset(phys),
                                  queue_offset + i, store_ts, out);
    r.physical_offset = CommitLogOffset(phys);
    r.queue_offset = queue_offset + i;
    r.store_timestamp_ms = store_ts;
    phys += r.size;
    out += r.size;
  }
  COMMITLOG_RETURN_IF_ERROR(log_->Commit(slot, static_cast<std::size_t>(phys - slot.offset)));
  log_->Publish(phys);
  for (std::size_t i = 0; i < batch.messages.size(); ++i) {
    const Message& m = batch.messages[i];
    std::int64_t tags = m.tags_code != 0 ? m.tags_code : protocol::TagsCodeOf(m.properties);
    queue->Append(QueueEntry{outcome.results[i].physical_offset, outcome.results[i].size, tags});
  }
  *appended_to = queue;
  return phys;
}

void CommitLogStore::Append(MessageBatch batch, AppendCallback done) {
  auto fail = [&](Status s) {
    if (callbacks_ && open_) {
      callbacks_->Post([done = std::move(done), s = std::move(s)] { done(s); });
    } else {
      done(s);  // the store is closed: no thread of ours is left to run it
    }
  };
  if (!open_) return fail(FailedPreconditionError("the commitlog store is not open"));
  if (batch.messages.empty()) return fail(InvalidArgumentError("empty message batch"));
  if (flusher_->failed()) {
    return fail(DataLossError("the store refuses appends after a failed flush: " +
                              flusher_->error().message()));
  }
  // Sizes (in the results) and body CRCs are computed before the append lock, so that
  // concurrent appenders hash in parallel. The common single-message batch keeps its CRC on
  // the stack: the results vector is the only allocation of an append.
  AppendOutcome outcome;
  outcome.results.resize(batch.messages.size());
  std::int32_t one_crc = 0;
  std::vector<std::int32_t> many_crcs;
  if (batch.messages.size() > 1) many_crcs.resize(batch.messages.size());
  std::span<std::int32_t> crcs =
      many_crcs.empty() ? std::span<std::int32_t>(&one_crc, 1) : std::span<std::int32_t>(many_crcs);
  const Message& first = batch.messages.front();
  for (std::size_t i = 0; i < batch.messages.size(); ++i) {
    const Message& m = batch.messages[i];
    if (m.topic != first.topic || m.queue_id != first.queue_id) {
      return fail(InvalidArgumentError("a batch must hold messages of one topic and queue; found " +
                                       first.topic + "/" + std::to_string(first.queue_id.value()) +
                                       " and " + m.topic + "/" +
                                       std::to_string(m.queue_id.value())));
    }
    auto size = protocol::EncodedRecordSize(m);
    if (!size.ok()) return fail(size.status());
    outcome.results[i].size = static_cast<std::int32_t>(*size);
    crcs[i] = BodyCrc(m.body.span());
  }
  const ConsumeQueue* queue = nullptr;
  auto end = AppendLocked(batch, crcs, outcome, &queue);
  if (!end.ok()) return fail(end.status());
  if (config_.flush == FlushMode::kSync) {
    flusher_->Request(*end, [done = std::move(done), outcome = std::move(outcome)](
                                Status s, FlushOutcome flush) mutable {
      if (!s.ok()) return done(s);
      outcome.flush = flush;
      done(std::move(outcome));
    });
  } else {
    // Async flush: stored in the page cache is what kFlushed promises (storage.h), so the
    // completion runs here, outside the append lock: a hand-off to another thread would
    // cost two wake-ups per request (to it, and back to the caller's I/O thread).
    done(std::move(outcome));
  }
  // After the flush request: waking the callback thread for the dispatch notification must
  // not delay the flusher's wake-up (the durable latency).
  if (has_listener_) callbacks_->MarkReadable(queue);
}

void CommitLogStore::Flush(std::function<void(Status)> done) {
  if (!open_) return done(FailedPreconditionError("the commitlog store is not open"));
  flusher_->Request(log_->write_position(), [done = std::move(done)](Status s, FlushOutcome f) {
    if (s.ok() && f == FlushOutcome::kFlushTimeout) {
      s = DeadlineExceededError("the flush did not finish within sync_flush_timeout");
    }
    done(s);
  });
}

// ---------------------------------------------------------------------------------------
// Reads

std::optional<Buffer> CommitLogStore::RecordBuffer(std::int64_t offset, std::int32_t size) const {
  if (size <= 0 || offset < 0 || offset + size > log_->write_position()) return std::nullopt;
  auto segment = log_->SegmentFor(offset);
  if (!segment || offset + size > segment->end()) return std::nullopt;
  const std::uint8_t* p = segment->data() + (offset - segment->start());
  return Buffer(std::move(segment), p, static_cast<std::size_t>(size));
}

StatusOr<ReadResult> CommitLogStore::Read(const ReadRequest& request) const {
  if (!open_) return FailedPreconditionError("the commitlog store is not open");
  ReadResult r;
  r.max_physical_offset = CommitLogOffset(log_->write_position());
  const ConsumeQueue* queue = FindQueue(request.topic, request.queue_id);
  const std::int64_t offset = request.offset.value();
  if (queue == nullptr) {
    r.status = ReadStatus::kNoMessageInQueue;
    r.next_offset = QueueOffset(0);
    return r;
  }
  const std::int64_t min = queue->min_offset().value();
  const std::int64_t max = queue->max_offset().value();
  r.min_offset = QueueOffset(min);
  r.max_offset = QueueOffset(max);
  if (max == 0) {
    r.status = ReadStatus::kNoMessageInQueue;
    r.next_offset = QueueOffset(0);
    return r;
  }
  if (offset < min) {
    r.status = ReadStatus::kOffsetTooSmall;
    r.next_offset = QueueOffset(min);
    return r;
  }
  if (offset == max) {
    r.status = ReadStatus::kOffsetOverflowOne;
    r.next_offset = QueueOffset(offset);
    return r;
  }
  if (offset > max) {
    r.status = ReadStatus::kOffsetOverflowBadly;
    r.next_offset = QueueOffset(min == 0 ? min : max);
    return r;
  }
  const std::int32_t max_messages = std::max(1, request.max_messages);
  // RocketMQ scans at most max(16000 bytes, max_messages * 20) of index per call.
  const std::int64_t max_scan = std::max<std::int64_t>(16000 / 20, max_messages);
  std::int64_t bytes = 0;
  std::int64_t i = offset;
  bool missing = false;
  for (; i < max && i - offset < max_scan; ++i) {
    auto entry = queue->Get(QueueOffset(i));
    if (!entry) {
      missing = true;
      continue;
    }
    if (!r.records.empty() && (static_cast<std::int32_t>(r.records.size()) >= max_messages ||
                               bytes + entry->size > request.max_bytes)) {
      break;
    }
    if (!request.tag_codes.empty()) {
      auto code = static_cast<std::int32_t>(entry->tags_code);
      bool match =
          std::any_of(request.tag_codes.begin(), request.tag_codes.end(),
                      [code](std::int64_t c) { return static_cast<std::int32_t>(c) == code; });
      if (!match) continue;
    }
    auto record = RecordBuffer(entry->physical_offset.value(), entry->size);
    if (!record) {
      missing = true;
      continue;
    }
    bytes += entry->size;
    r.last_physical_offset = entry->physical_offset;
    r.records.push_back(std::move(*record));
  }
  r.next_offset = QueueOffset(i);
  if (!r.records.empty()) {
    r.status = ReadStatus::kFound;
  } else if (missing) {
    r.status = ReadStatus::kOffsetFoundNull;
  } else {
    r.status = ReadStatus::kNoMatchedMessage;
  }
  return r;
}

QueueOffset CommitLogStore::MinOffset(const std::string& topic, QueueId queue_id) const {
  if (!open_) return QueueOffset(0);
  const ConsumeQueue* queue = FindQueue(topic, queue_id);
  return queue ? queue->min_offset() : QueueOffset(0);
}

QueueOffset CommitLogStore::MaxOffset(const std::string& topic, QueueId queue_id) const {
  if (!open_) return QueueOffset(0);
  const ConsumeQueue* queue = FindQueue(topic, queue_id);
  return queue ? queue->max_offset() : QueueOffset(0);
}

StatusOr<std::int64_t> CommitLogStore::StoreTimestamp(const std::string& topic, QueueId queue_id,
                                                      QueueOffset offset) const {
  auto not_found = [&] {
    return NotFoundError("no message at offset " + std::to_string(offset.value()) + " of " + topic +
                         "/" + std::to_string(queue_id.value()));
  };
  if (!open_) return FailedPreconditionError("the commitlog store is not open");
  const ConsumeQueue* queue = FindQueue(topic, queue_id);
  if (queue == nullptr) return not_found();
  auto entry = queue->Get(offset);
  if (!entry) return not_found();
  auto record = RecordBuffer(entry->physical_offset.value(), entry->size);
  if (!record) return not_found();
  auto decoded = protocol::DecodeRecord(record->span(), protocol::CheckCrc::kNo);
  if (!decoded.ok()) return decoded.status();
  return decoded->store_timestamp_ms;
}

QueueOffset CommitLogStore::OffsetByTimestamp(const std::string& topic, QueueId queue_id,
                                              std::int64_t timestamp_ms) const {
  if (!open_) return QueueOffset(0);
  const ConsumeQueue* queue = FindQueue(topic, queue_id);
  if (queue == nullptr) return QueueOffset(0);
  std::int64_t lo = queue->min_offset().value(), hi = queue->max_offset().value();
  // First offset whose store time is >= timestamp_ms; records that are gone count as older.
  while (lo < hi) {
    std::int64_t mid = lo + (hi - lo) / 2;
    auto ts = StoreTimestamp(topic, queue_id, QueueOffset(mid));
    if (!ts.ok() || *ts < timestamp_ms) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return QueueOffset(lo);
}

StatusOr<Buffer> CommitLogStore::ReadRecord(CommitLogOffset offset) const {
  if (!open_) return FailedPreconditionError("the commitlog store is not open");
  auto not_found = [&] {
    return NotFoundError("no record starts at commit-log offset " + std::to_string(offset.value()));
  };
  auto segment = log_->SegmentFor(offset.value());
  std::int64_t limit = log_->write_position();
  if (!segment || offset.value() + 8 > limit) return not_found();
  limit = std::min(limit, segment->end());
  const std::uint8_t* p = segment->data() + (offset.value() - segment->start());
  auto decoded = protocol::DecodeRecord(
      std::span<const std::uint8_t>(p, static_cast<std::size_t>(limit - offset.value())),
      protocol::CheckCrc::kNo);
  if (!decoded.ok() || decoded->physical_offset != offset) return not_found();
  return Buffer(std::move(segment), p, static_cast<std::size_t>(decoded->total_size));
}

// ---------------------------------------------------------------------------------------
// Replication hooks

StatusOr<BufferList> CommitLogStore::ReadRaw(CommitLogOffset from, std::int64_t max_bytes) const {
  if (!open_) return FailedPreconditionError("the commitlog store is not open");
  const std::int64_t max = log_->write_position();
  const std::int64_t min = log_->min_offset();
  if (from.value() == max) return BufferList();
  if (from.value() > max || from.value() < min) {
    return OutOfRangeError("commit-log offset " + std::to_string(from.value()) +
                           " is outside the stored range [" + std::to_string(min) + ", " +
                           std::to_string(max) + ")");
  }
  BufferList out;
  std::int64_t pos = from.value();
  std::int64_t taken = 0;
  while (pos < max) {
    auto segment = log_->SegmentFor(pos);
    if (!segment) break;
    const std::int64_t limit = std::min(max, segment->end());
    const std::int64_t run_start = pos;
    while (pos < limit) {
      const std::uint8_t* p = segment->data() + (pos - segment->start());
      if (pos + 8 > limit) {
        return DataLossError("commit log corrupt at offset " + std::to_string(pos) +
                             ": fewer than 8 bytes before the end of its segment");
      }
      std::int32_t size = GetI32(p);
      std::int32_t magic = GetI32(p + 4);
      std::int64_t len;
      if (magic == protocol::kBlankMagic) {
        len = segment->end() - pos;
      } else if (magic == protocol::kMessageMagicV1 || magic == protocol::kMessageMagicV2) {
        len = size;
      } else {
        return pos == from.value()
                   ? InvalidArgumentError("commit-log offset " + std::to_string(pos) +
                                          " is not the start of a record")
                   : DataLossError("commit log corrupt at offset " + std::to_string(pos) +
                                   ": bad magic code");
      }
      if (len < 8 || pos + len > segment->end() ||
          (magic != protocol::kBlankMagic && pos + len > limit)) {
        return DataLossError("commit log corrupt at offset " + std::to_string(pos) +
                             ": record size " + std::to_string(size) + " out of range");
      }
      if (taken > 0 && taken + len > max_bytes) break;
      taken += len;
      pos += len;
    }
    if (pos > run_start) {
      const std::uint8_t* p = segment->data() + (run_start - segment->start());
      out.Append(Buffer(segment, p, static_cast<std::size_t>(pos - run_start)));
    }
    if (pos < limit || taken >= max_bytes) break;
  }
  return out;
}

void CommitLogStore::AppendRaw(CommitLogOffset at, BufferList bytes,
                               std::function<void(Status)> done) {
  auto finish = [&](Status s) {
    if (callbacks_ && open_) {
      callbacks_->Post([done = std::move(done), s = std::move(s)] { done(s); });
    } else {
      done(s);
    }
  };
  if (!open_) return finish(FailedPreconditionError("the commitlog store is not open"));
  Buffer data = bytes.Contiguous();
  const std::int64_t seg = static_cast<std::int64_t>(config_.segment_size);
  struct Item {
    std::int64_t pos;
    std::size_t len;
    bool blank;
    protocol::DecodedRecord record;
  };
  std::vector<Item> items;
  // Validate everything before writing anything.
  std::size_t off = 0;
  while (off < data.size()) {
    const std::int64_t pos = at.value() + static_cast<std::int64_t>(off);
    auto rest = data.span().subspan(off);
    if (rest.size() < 8) {
      return finish(InvalidArgumentError("AppendRaw: the bytes end inside a record at offset " +
                                         std::to_string(pos)));
    }
    std::int32_t size = GetI32(rest.data());
    std::int32_t magic = GetI32(rest.data() + 4);
    const std::int64_t segment_end = (pos / seg + 1) * seg;
    if (magic == protocol::kBlankMagic) {
      if (size < 8 || pos + size != segment_end || static_cast<std::size_t>(size) > rest.size()) {
        return finish(InvalidArgumentError(
            "AppendRaw: blank marker at offset " + std::to_string(pos) + " of " +
            std::to_string(size) + " bytes does not end at this store's segment end " +
            std::to_string(segment_end) + " (segment_size must match the master's)"));
      }
      items.push_back(Item{pos, static_cast<std::size_t>(size), true, {}});
      off += static_cast<std::size_t>(size);
      continue;
    }
    auto record = protocol::DecodeRecord(rest, protocol::CheckCrc::kYes);
    if (!record.ok()) {
      return finish(InvalidArgumentError("AppendRaw: bad record at offset " + std::to_string(pos) +
                                         ": " + record.status().message()));
    }
    if (Status complete = CheckComplete(*record); !complete.ok()) {
      return finish(InvalidArgumentError("AppendRaw: bad record at offset " + std::to_string(pos) +
                                         ": " + complete.message()));
    }
    if (record->physical_offset.value() != pos) {
      return finish(InvalidArgumentError("AppendRaw: the record at offset " + std::to_string(pos) +
                                         " says it belongs at " +
                                         std::to_string(record->physical_offset.value())));
    }
    if (pos + record->total_size + static_cast<std::int64_t>(protocol::kBlankMarkerSize) >
        segment_end) {
      return finish(InvalidArgumentError("AppendRaw: the record at offset " + std::to_string(pos) +
                                         " crosses this store's segment end (segment_size must "
                                         "match the master's)"));
    }
    items.push_back(Item{pos, static_cast<std::size_t>(record->total_size), false, *record});
    off += static_cast<std::size_t>(record->total_size);
  }
  std::int64_t end;
  {
    std::lock_guard lock(append_mu_);
    if (!open_) return finish(FailedPreconditionError("the commitlog store is not open"));
    if (at.value() != log_->write_position()) {
      return finish(FailedPreconditionError("AppendRaw at offset " + std::to_string(at.value()) +
                                            " but the max physical offset is " +
                                            std::to_string(log_->write_position())));
    }
    for (const Item& item : items) {
      if (item.blank) continue;
      auto queue = GetOrCreateQueue(std::string(item.record.topic), item.record.queue_id);
      if (!queue.ok()) return finish(queue.status());
      if (Status s = (*queue)->Reserve(1); !s.ok()) return finish(s);
    }
    // Write: whole items into their segments (a blank item closes a segment).
    std::int64_t pos = at.value();
    for (const Item& item : items) {
      if (item.blank) {
        // Reserve(size of the rest) cannot be used for a blank; write the marker directly.
        auto segment = log_->SegmentFor(pos);
        if (!segment) {
          auto slot = log_->Reserve(0);  // creates the segment holding `pos`
          if (!slot.ok()) return finish(slot.status());
          segment = slot->segment;
        }
        log_->WriteDirect(*segment, pos,
                          std::span<const std::uint8_t>(data.data() + (pos - at.value()),
                                                        protocol::kBlankMarkerSize));
      } else {
        auto slot = log_->Reserve(item.len);
        if (!slot.ok()) return finish(slot.status());
        if (slot->offset != pos) {
          return finish(InternalError("AppendRaw: write landed at " + std::to_string(slot->offset) +
                                      " instead of " + std::to_string(pos)));
        }
        std::memcpy(slot->data, data.data() + (pos - at.value()), item.len);
        if (Status s = log_->Commit(*slot, item.len); !s.ok()) return finish(s);
      }
      pos += static_cast<std::int64_t>(item.len);
      log_->Publish(pos);
    }
    end = pos;
    for (const Item& item : items) {
      if (item.blank) continue;
      ConsumeQueue* queue = FindQueue(std::string(item.record.topic), item.record.queue_id);
      QueueEntry entry{CommitLogOffset(item.pos), static_cast<std::int32_t>(item.len),
                       protocol::TagsCodeOf(item.record.properties)};
      Status s = queue->Put(item.record.queue_offset, entry);
      if (s.code() == StatusCode::kFailedPrecondition) {
        logger_->warn("AppendRaw: {}; the queue restarts at the follower's first entry",
                      s.message());
        s = queue->Reset();
        if (s.ok()) s = queue->Put(item.record.queue_offset, entry);
      }
      if (!s.ok()) return finish(s);
      if (has_listener_) callbacks_->MarkReadable(queue);
    }
  }
  if (config_.flush == FlushMode::kSync) {
    flusher_->Request(end, [done = std::move(done)](Status s, FlushOutcome f) {
      if (s.ok() && f == FlushOutcome::kFlushTimeout) {
        s = DeadlineExceededError("the sync flush did not finish within sync_flush_timeout");
      }
      done(s);
    });
  } else {
    finish(Status::Ok());
  }
}

Status CommitLogStore::Truncate(CommitLogOffset offset) {
  if (!open_) return FailedPreconditionError("the commitlog store is not open");
  std::lock_guard lock(append_mu_);
  const std::int64_t max = log_->write_position();
  const std::int64_t min = log_->min_offset();
  if (offset.value() == max) return Status::Ok();
  if (offset.value() > max || offset.value() < min) {
    return OutOfRangeError("cannot truncate to " + std::to_string(offset.value()) +
                           ": the commit log holds [" + std::to_string(min) + ", " +
                           std::to_string(max) + ")");
  }
  bool boundary = offset.value() == min ||
                  offset.value() % static_cast<std::int64_t>(config_.segment_size) == 0 ||
                  ReadRecord(offset).ok();
  if (!boundary) {
    return InvalidArgumentError("cannot truncate to " + std::to_string(offset.value()) +
                                ": no record starts there");
  }
  QUIVER_ASSIGN_OR_RETURN(std::int64_t cut, log_->CutAt(offset.value()));
  flusher_->LowerFlushed(offset.value());
  {
    std::shared_lock queues_lock(queues_mu_);
    for (auto& [key, queue] : queues_) {
      COMMITLOG_RETURN_IF_ERROR(queue->TruncateFromPhysical(offset));
    }
  }
  logger_->warn("commit log truncated to offset {} ({} bytes discarded)", offset.value(), cut);
  return WriteCheckpointNow(offset.value());
}

Flusher::Stats CommitLogStore::FlushStats() const {
  if (!open_) return {};
  return flusher_->stats();
}

StoreStats CommitLogStore::Stats() const {
  StoreStats s;
  if (!open_) return s;
  s.min_physical_offset = CommitLogOffset(log_->min_offset());
  s.max_physical_offset = CommitLogOffset(log_->write_position());
  s.flushed_physical_offset = CommitLogOffset(flusher_->flushed());
  s.disk_used_bytes = static_cast<std::int64_t>(log_->Segments().size() * config_.segment_size);
  std::shared_lock lock(queues_mu_);
  for (const auto& [key, queue] : queues_) {
    s.disk_used_bytes += queue->file_count() * config_.consume_queue_entries_per_file *
                         static_cast<std::int64_t>(kConsumeQueueEntrySize);
  }
  s.topic_queue_count = static_cast<std::int64_t>(queues_.size());
  return s;
}

StatusOr<std::unique_ptr<MessageStore>> CommitLogStorageFactory::CreateStore(
    PluginContext& context) {
  if (!context.config) return InternalError("storage.commitlog: the context has no config view");
  if (context.clock == nullptr) return InternalError("storage.commitlog: the context has no clock");
  QUIVER_ASSIGN_OR_RETURN(CommitLogConfig config, ParseConfig(*context.config));
  return std::unique_ptr<MessageStore>(std::make_unique<CommitLogStore>(context, config));
}

}  // namespace quiver::storage::commitlog
