#pragma once
// An in-memory MessageStore for tests of replication plugins: Append assigns consecutive
// physical offsets (body bytes) and queue offsets per (topic, queue), keeps the bodies,
// and completes inline with a configurable flush outcome or error. Only what replicators
// use (Append, Stats) does work; the rest reports kUnimplemented.
//
// Thread safety: all methods are safe to call concurrently.

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "quiver/storage.h"

namespace quiver::testing {

class FakeStore final : public MessageStore {
 public:
  // The next appends complete with this error (OK = store normally).
  void FailAppendsWith(Status error) {
    std::lock_guard lock(mu_);
    append_error_ = std::move(error);
  }
  void SetFlushOutcome(FlushOutcome outcome) {
    std::lock_guard lock(mu_);
    flush_outcome_ = outcome;
  }
  // Bodies of every stored message, in append order.
  std::vector<std::string> bodies() const {
    std::lock_guard lock(mu_);
    return bodies_;
  }

  Status Open() override { return Status::Ok(); }
  void Close() override {}
  void SetDispatchListener(DispatchListener) override {}

  void Append(MessageBatch batch, AppendCallback done) override {
    StatusOr<AppendOutcome> outcome = AppendLocked(std::move(batch));
    done(std::move(outcome));
  }

  StatusOr<ReadResult> Read(const ReadRequest&) const override { return Unimplemented(); }
  QueueOffset MinOffset(const std::string&, QueueId) const override { return QueueOffset{0}; }
  QueueOffset MaxOffset(const std::string& topic, QueueId queue_id) const override {
    std::lock_guard lock(mu_);
    auto it = queue_max_.find({topic, queue_id.value()});
    return it == queue_max_.end() ? QueueOffset{0} : it->second;
  }
  QueueOffset OffsetByTimestamp(const std::string& topic, QueueId queue_id,
                                std::int64_t) const override {
    return MaxOffset(topic, queue_id);
  }
  StatusOr<std::int64_t> StoreTimestamp(const std::string&, QueueId, QueueOffset) const override {
    return Unimplemented();
  }
  StatusOr<Buffer> ReadRecord(CommitLogOffset) const override { return Unimplemented(); }
  StatusOr<BufferList> ReadRaw(CommitLogOffset, std::int64_t) const override {
    return Unimplemented();
  }
  void AppendRaw(CommitLogOffset, BufferList, std::function<void(Status)> done) override {
    done(Unimplemented());
  }
  Status Truncate(CommitLogOffset) override { return Unimplemented(); }
  void Flush(std::function<void(Status)> done) override { done(Status::Ok()); }
  StoreStats Stats() const override {
    std::lock_guard lock(mu_);
    StoreStats stats;
    stats.max_physical_offset = max_physical_;
    stats.flushed_physical_offset = max_physical_;
    return stats;
  }

 private:
  static Status Unimplemented() { return UnimplementedError("FakeStore: not supported"); }

  StatusOr<AppendOutcome> AppendLocked(MessageBatch batch) {
    std::lock_guard lock(mu_);
    if (!append_error_.ok()) return append_error_;
    AppendOutcome outcome;
    outcome.flush = flush_outcome_;
    for (Message& message : batch.messages) {
      QueueOffset& queue_max = queue_max_[{message.topic, message.queue_id.value()}];
      AppendResult result;
      result.physical_offset = max_physical_;
      result.queue_offset = queue_max;
      result.size = static_cast<std::int32_t>(message.body.size());
      outcome.results.push_back(result);
      bodies_.emplace_back(message.body.view());
      max_physical_ += static_cast<std::int64_t>(message.body.size());
      queue_max += 1;
    }
    return outcome;
  }

  mutable std::mutex mu_;
  Status append_error_;
  FlushOutcome flush_outcome_ = FlushOutcome::kFlushed;
  CommitLogOffset max_physical_{0};
  std::map<std::pair<std::string, std::int32_t>, QueueOffset> queue_max_;
  std::vector<std::string> bodies_;
};

// A message of `topic`/`queue` whose body is `body`.
inline Message TestMessage(std::string topic, std::int32_t queue, std::string_view body) {
  Message message;
  message.topic = std::move(topic);
  message.queue_id = QueueId{queue};
  message.body = Buffer::CopyOf(body);
  return message;
}

}  // namespace quiver::testing
