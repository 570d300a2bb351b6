#include "kernel/roles/broker/processing/schedule_service.h"

#include <algorithm>
#include <charconv>
#include <string>

#include <spdlog/logger.h>

#include "kernel/roles/broker/processing/message_properties.h"
#include "quiver/protocol/message_record.h"

namespace quiver::broker {

namespace {

using std::chrono::milliseconds;

// How long a level waits before looking again when it cannot make progress by itself:
// the queue is empty (a dispatch wakes it sooner), the broker is a slave, or the store
// or replicator failed.
constexpr Duration kIdlePoll = std::chrono::seconds(1);
constexpr Duration kRetryAfterFailure = std::chrono::seconds(1);

std::optional<std::int32_t> ParseInt32(std::string_view text) {
  std::int32_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::int64_t Millis(Duration d) { return std::chrono::duration_cast<milliseconds>(d).count(); }

}  // namespace

std::int32_t ToScheduleTopic(Message& message, const std::vector<Duration>& levels,
                             std::int64_t now_ms) {
  auto delay = protocol::FindProperty(message.properties, kPropertyDelayLevel);
  if (!delay) return 0;
  std::optional<std::int32_t> level = ParseInt32(*delay);
  if (!level || *level <= 0) return 0;
  std::int32_t tx = message.sys_flag & sys_flag::kTransactionRollback;
  if (tx != 0 && tx != sys_flag::kTransactionCommit) return 0;
  std::int32_t max_level = static_cast<std::int32_t>(levels.size());
  *level = std::min(*level, max_level);
  message.properties = EditProperties(
      message.properties, {{kPropertyRealTopic, message.topic},
                           {kPropertyRealQueueId, std::to_string(message.queue_id.value())},
                           {kPropertyDelayLevel, std::to_string(*level)}});
  message.topic = std::string(kScheduleTopic);
  message.queue_id = QueueId(*level - 1);
  message.tags_code = now_ms + Millis(levels[static_cast<std::size_t>(*level - 1)]);
  return *level;
}

struct ScheduleService::Level {
  std::int32_t number = 0;
  Duration delay{};
  bool running = false;  // a step is posted or in progress
  bool rerun = false;    // kicked while running: step again when it ends
  TimerPtr timer;
};

ScheduleService::ScheduleService(ProcessingContext& context) : context_(context) {
  std::int32_t n = 0;
  for (Duration delay : context_.settings.delay_levels) {
    auto level = std::make_unique<Level>();
    level->number = ++n;
    level->delay = delay;
    levels_.push_back(std::move(level));
  }
}

ScheduleService::~ScheduleService() {
  Stop();
  std::unique_lock<std::shared_mutex> lock(guard_->mutex);
  guard_->alive = false;
}

void ScheduleService::PostStep(std::int32_t number) {
  // No task token: a step posted to an executor that never runs it again must not hold
  // up Stop(). The guard keeps a late step from touching a destroyed service.
  context_.executor.Post([guard = guard_, this, number] {
    std::shared_lock<std::shared_mutex> lock(guard->mutex);
    if (guard->alive) Step(number);
  });
}

Status ScheduleService::Start() {
  if (levels_.empty()) return InvalidArgumentError("[broker] delay_levels is empty");
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (started_) return FailedPreconditionError("ScheduleService::Start called twice");
    started_ = true;
  }
  flush_timer_ = context_.clock.RunEvery(context_.settings.delay_offset_flush_interval,
                                         [this] { FlushOffsets(); });
  for (const auto& level : levels_) Kick(level->number);
  return Status::Ok();
}

void ScheduleService::Stop() {
  std::vector<TimerPtr> timers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!started_ || stopped_) return;
    stopped_ = true;
    for (const auto& level : levels_) timers.push_back(std::move(level->timer));
  }
  // Outside the lock: cancelling waits for a running timer callback, which may Kick.
  timers.clear();
  flush_timer_.reset();
}

std::int64_t ScheduleService::Delivered() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return delivered_;
}

void ScheduleService::OnDispatch(QueueId queue_id) {
  std::int32_t level = queue_id.value() + 1;
  if (level >= 1 && level <= static_cast<std::int32_t>(levels_.size())) Kick(level);
}

void ScheduleService::Kick(std::int32_t number) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!started_ || stopped_) return;
    Level& level = *levels_[static_cast<std::size_t>(number - 1)];
    if (level.running) {
      level.rerun = true;
      return;
    }
    level.running = true;
  }
  PostStep(number);
}

void ScheduleService::Finish(std::int32_t number, std::optional<Duration> wait) {
  TimerPtr old;
  bool again = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    Level& level = *levels_[static_cast<std::size_t>(number - 1)];
    if (stopped_) {
      level.running = false;
      return;
    }
    again = level.rerun || (wait && *wait <= Duration::zero());
    level.rerun = false;
    if (!again) {
      level.running = false;
      if (wait) {
        old = std::move(level.timer);
        level.timer = context_.clock.RunAfter(*wait, [this, number] { Kick(number); });
      }
    }
  }
  if (again) {
    PostStep(number);
  }
}

void ScheduleService::Step(std::int32_t number) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_) {
      levels_[static_cast<std::size_t>(number - 1)]->running = false;
      return;
    }
  }
  if (context_.replicator.Role() != ReplicaRole::kMaster) return Finish(number, kIdlePoll);
  const Level& level = *levels_[static_cast<std::size_t>(number - 1)];
  DelayOffsetTable& offsets = context_.metadata.delay_offsets();
  const std::string topic(kScheduleTopic);
  const QueueId queue(number - 1);
  std::int64_t offset =
      offsets.Get(number).value_or(context_.store.MinOffset(topic, queue).value());

  ReadRequest read;
  read.topic = topic;
  read.queue_id = queue;
  read.offset = QueueOffset(offset);
  read.max_messages = 1;
  StatusOr<ReadResult> result = context_.store.Read(read);
  if (!result.ok()) {
    if (context_.logger) {
      context_.logger->warn("delay level {}: reading {} queue {} at {} failed: {}", number, topic,
                            queue.value(), offset, result.status().ToString());
    }
    return Finish(number, kRetryAfterFailure);
  }
  switch (result->status) {
    case ReadStatus::kFound: {
      const Buffer& record = result->records.front();
      auto decoded =
          protocol::DecodeRecord({record.data(), record.size()}, protocol::CheckCrc::kNo);
      if (!decoded.ok()) {
        if (context_.logger) {
          context_.logger->error("delay level {}: skipping undecodable record at offset {}: {}",
                                 number, offset, decoded.status().ToString());
        }
        offsets.Set(number, result->next_offset.value());
        return Finish(number, Duration::zero());
      }
      std::int64_t now = context_.clock.WallMillis();
      std::int64_t delay_ms = Millis(level.delay);
      std::int64_t deliver = decoded->store_timestamp_ms + delay_ms;
      if (deliver > now + delay_ms) deliver = now;  // the clock went back
      if (deliver > now) return Finish(number, milliseconds(deliver - now));
      return Deliver(number, record, result->next_offset);
    }
    case ReadStatus::kNoMatchedMessage:
    case ReadStatus::kOffsetFoundNull:
      if (result->next_offset.value() > offset) {
        offsets.Set(number, result->next_offset.value());
        return Finish(number, Duration::zero());
      }
      return Finish(number, kIdlePoll);
    case ReadStatus::kOffsetOverflowBadly:
      offsets.Set(number, result->max_offset.value());
      return Finish(number, Duration::zero());
    case ReadStatus::kOffsetTooSmall:
      offsets.Set(number, result->min_offset.value());
      return Finish(number, Duration::zero());
    case ReadStatus::kOffsetOverflowOne:
    case ReadStatus::kNoMessageInQueue:
      return Finish(number, kIdlePoll);
  }
  Finish(number, kIdlePoll);
}

void ScheduleService::Deliver(std::int32_t number, const Buffer& record, QueueOffset next_offset) {
  DelayOffsetTable& offsets = context_.metadata.delay_offsets();
  auto decoded = protocol::DecodeRecord({record.data(), record.size()}, protocol::CheckCrc::kNo);
  auto skip = [&](const std::string& why) {
    if (context_.logger) {
      context_.logger->error("delay level {}: dropping scheduled message at offset {}: {}", number,
                             next_offset.value() - 1, why);
    }
    offsets.Set(number, next_offset.value());
    Finish(number, Duration::zero());
  };
  if (!decoded.ok()) return skip(decoded.status().ToString());
  auto real_topic = protocol::FindProperty(decoded->properties, kPropertyRealTopic);
  auto real_qid = protocol::FindProperty(decoded->properties, kPropertyRealQueueId);
  std::optional<std::int32_t> queue = real_qid ? ParseInt32(*real_qid) : std::nullopt;
  if (!real_topic || real_topic->empty() || !queue || *queue < 0) {
    return skip("no valid REAL_TOPIC / REAL_QID property");
  }
  Message message;
  message.topic = std::string(*real_topic);
  message.queue_id = QueueId(*queue);
  message.flag = decoded->flag;
  message.sys_flag = decoded->sys_flag & ~(sys_flag::kBornHostV6 | sys_flag::kStoreHostV6);
  message.born_timestamp_ms = decoded->born_timestamp_ms;
  message.born_host = decoded->born_host;
  message.store_host = context_.store_host;
  message.reconsume_times = decoded->reconsume_times;
  message.prepared_transaction_offset = decoded->prepared_transaction_offset;
  message.properties = EditProperties(decoded->properties, {}, {kPropertyDelayLevel});
  message.tags_code = protocol::TagsCodeOf(message.properties);
  std::size_t body_at = static_cast<std::size_t>(decoded->body.data() - record.data());
  message.body = record.Slice(body_at, decoded->body.size());
  MessageBatch batch;
  batch.messages.push_back(std::move(message));
  context_.replicator.Append(
      std::move(batch), [this, number, next_offset,
                         token = context_.tasks.Acquire()](StatusOr<ReplicatedAppend> result) {
        DelayOffsetTable& table = context_.metadata.delay_offsets();
        if (!result.ok()) {
          if (result.status().code() == StatusCode::kInvalidArgument) {
            if (context_.logger) {
              context_.logger->error("delay level {}: dropping message the store refuses: {}",
                                     number, result.status().ToString());
            }
            table.Set(number, next_offset.value());
            return Finish(number, Duration::zero());
          }
          if (context_.logger) {
            context_.logger->warn("delay level {}: delivering failed, retrying: {}", number,
                                  result.status().ToString());
          }
          return Finish(number, kRetryAfterFailure);
        }
        table.Set(number, next_offset.value());
        {
          std::lock_guard<std::mutex> lock(mutex_);
          ++delivered_;
        }
        Finish(number, Duration::zero());
      });
}

void ScheduleService::FlushOffsets() {
  Status s = context_.metadata.PersistDelayOffsets(BrokerMetadataTables::Force::kNo);
  if (!s.ok() && context_.logger) context_.logger->error("writing delay offsets: {}", s.ToString());
}

}  // namespace quiver::broker
