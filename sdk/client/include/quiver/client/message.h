#pragma once
// Client-side message values: what a producer sends, what a consumer receives, where it
// went (RocketMQ's Message, MessageExt, MessageQueue, SendResult; ecosystem.md §1.6–1.7).
// Plain values; thread safety as any value type.

#include <compare>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/client/export.h"
#include "quiver/types.h"

namespace quiver {
inline namespace v1 {
namespace client {

struct MessageQueue {
  std::string topic;
  std::string broker_name;
  std::int32_t queue_id = 0;

  friend auto operator<=>(const MessageQueue&, const MessageQueue&) = default;
  friend bool operator==(const MessageQueue&, const MessageQueue&) = default;
  // "MessageQueue [topic=T, brokerName=b, queueId=0]", as Java prints it.
  QUIVER_CLIENT_API std::string ToString() const;
};

struct Message {
  Message() = default;
  Message(std::string topic, std::string tags, std::string keys, std::string body);

  std::string topic;
  std::string tags;               // one tag ("TagA"); "" = none
  std::vector<std::string> keys;  // stored space-separated in KEYS
  std::string body;               // bytes
  std::int32_t flag = 0;
  // User properties. Keys must not contain the separators \x01 \x02 and must not be one of
  // the system keys the client sets itself (TAGS, KEYS, UNIQ_KEY, WAIT).
  std::map<std::string, std::string> properties;
};

// A message as a consumer receives it.
struct MessageExt : Message {
  std::string msg_id;         // UNIQ_KEY when present, else offset_msg_id
  std::string offset_msg_id;  // store host + commit-log offset, 32 hex chars (IPv4)
  MessageQueue queue;
  QueueOffset queue_offset{0};
  CommitLogOffset commit_log_offset{0};
  std::int32_t sys_flag = 0;
  std::int64_t born_timestamp_ms = 0;
  std::int64_t store_timestamp_ms = 0;
  std::int32_t reconsume_times = 0;
};

enum class SendStatus { kSendOk, kFlushDiskTimeout, kFlushSlaveTimeout, kSlaveNotAvailable };
// "SEND_OK", "FLUSH_DISK_TIMEOUT", "FLUSH_SLAVE_TIMEOUT", "SLAVE_NOT_AVAILABLE".
QUIVER_CLIENT_API std::string_view SendStatusName(SendStatus status);

struct SendResult {
  SendStatus status = SendStatus::kSendOk;
  std::string msg_id;         // UNIQ_KEY (comma-joined for a batch)
  std::string offset_msg_id;  // from the broker (comma-joined for a batch)
  MessageQueue message_queue;
  QueueOffset queue_offset{0};  // of the first message of a batch
};

}  // namespace client
}  // namespace v1
}  // namespace quiver
