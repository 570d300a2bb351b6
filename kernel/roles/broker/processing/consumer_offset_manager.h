#pragma once
// Committed consumer offsets per (topic, group, queue) (RocketMQ's ConsumerOffsetManager),
// in memory, plus the delay-level offsets of the scheduled-message service (same JSON shape).
//
// JSON shape (consumerOffset.json, GET_ALL_CONSUMER_OFFSET body; §5.1):
//   {"offsetTable":{"topic@group":{"0":123,"1":7}}}
// fastjson's unquoted integer keys ({0:123}) are accepted on input.
//
// Thread safety: all methods, any thread (one mutex).

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/status.h"
#include "quiver/types.h"

namespace quiver::broker {

class ConsumerOffsetManager {
 public:
  // The committed offset, or nullopt when the group never committed one for the queue.
  std::optional<std::int64_t> Query(std::string_view group, std::string_view topic,
                                    QueueId queue_id) const;
  // Stores `offset` (REQUIRES: >= 0; callers drop negative commits).
  void Commit(std::string_view group, std::string_view topic, QueueId queue_id,
              std::int64_t offset);

  // The topics `group` has committed offsets for (RocketMQ's whichTopicByConsumer), sorted.
  std::vector<std::string> TopicsOf(std::string_view group) const;

  // kInvalidArgument describing the first problem; the table is unchanged then.
  Status LoadJson(std::string_view json);
  std::string ExportJson() const;

  // A counter bumped by every change, so a periodic flush writes only when it moved.
  std::uint64_t version() const;

 private:
  mutable std::mutex mutex_;
  // "topic@group" -> queue id -> offset
  std::map<std::string, std::map<std::int32_t, std::int64_t>, std::less<>> table_;
  std::uint64_t version_ = 0;
};

// delayOffset.json: {"offsetTable":{"1":0,"2":17}} (delay level -> offset).
class DelayOffsetTable {
 public:
  Status LoadJson(std::string_view json);
  std::string ExportJson() const;
  std::map<std::int32_t, std::int64_t> Snapshot() const;
  // The next offset of SCHEDULE_TOPIC_XXXX queue level-1 to deliver; nullopt when none
  // was recorded (start at the queue's min offset).
  std::optional<std::int64_t> Get(std::int32_t level) const;
  void Set(std::int32_t level, std::int64_t offset);
  // A counter bumped by every change (Set, LoadJson), so a flush writes only when it moved.
  std::uint64_t version() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::int32_t, std::int64_t> table_;
  std::uint64_t version_ = 0;
};

}  // namespace quiver::broker
