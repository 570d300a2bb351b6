#pragma once
// A message as the broker hands it to replication and storage, and what storing it returns.
//
// The storage plugin encodes a Message into RocketMQ's commit-log record layout
// (reference: rocketmq-protocol.md §4.1), assigning the physical and queue offsets under
// its append lock; a stored record is exactly what a PULL response carries.

#include <cstdint>
#include <string>
#include <vector>

#include "quiver/buffer.h"
#include "quiver/types.h"

namespace quiver {
inline namespace v1 {

// An IPv4 or IPv6 address and port as stored in records (born host, store host).
struct HostAddress {
  std::vector<std::uint8_t> ip;  // 4 bytes (IPv4) or 16 bytes (IPv6)
  std::int32_t port = 0;

  bool is_v6() const { return ip.size() == 16; }
};

// MessageSysFlag bits (rocketmq-protocol.md §2.5).
namespace sys_flag {
inline constexpr std::int32_t kCompressed = 0x1;
inline constexpr std::int32_t kMultiTags = 0x2;
inline constexpr std::int32_t kTransactionPrepared = 0x4;
inline constexpr std::int32_t kTransactionCommit = 0x8;
inline constexpr std::int32_t kTransactionRollback = 0xC;
inline constexpr std::int32_t kBornHostV6 = 0x10;
inline constexpr std::int32_t kStoreHostV6 = 0x20;
inline constexpr std::int32_t kNeedUnwrap = 0x40;
inline constexpr std::int32_t kInnerBatch = 0x80;
}  // namespace sys_flag

struct Message {
  std::string topic;
  QueueId queue_id{0};
  std::int32_t flag = 0;      // user flag from the producer
  std::int32_t sys_flag = 0;  // sys_flag:: bits; host v6 bits are derived from the hosts
  std::int64_t born_timestamp_ms = 0;
  HostAddress born_host;
  HostAddress store_host;  // the broker's address; stamped by the broker
  std::int32_t reconsume_times = 0;
  std::int64_t prepared_transaction_offset = 0;
  // Encoded properties: key \x01 value \x02 ... (rocketmq-protocol.md §4.2).
  std::string properties;
  Buffer body;
  // Consume-queue tag code: Java String.hashCode() of the TAGS property (0 if none), or
  // for scheduled messages their delivery time. Filled by the broker.
  std::int64_t tags_code = 0;
};

// Messages appended as one unit: all or none are stored, with consecutive offsets.
// A SEND_BATCH_MESSAGE arrives as one batch (one topic and queue).
struct MessageBatch {
  std::vector<Message> messages;
};

// Where one message was stored.
struct AppendResult {
  CommitLogOffset physical_offset{0};
  QueueOffset queue_offset{0};
  std::int32_t size = 0;  // record bytes
  std::int64_t store_timestamp_ms = 0;
};

}  // namespace v1
}  // namespace quiver
