#pragma once
// Internal: how client messages become wire bytes and back (rocketmq-protocol.md §4).
// Pure functions except UniqueIdGenerator (thread-safe).

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/client/message.h"
#include "quiver/clock.h"
#include "quiver/message.h"
#include "quiver/protocol/message_record.h"
#include "quiver/status.h"

namespace quiver::inline v1::client::internal {

// Property keys the client sets itself.
inline constexpr std::string_view kPropertyWait = "WAIT";

// Validates `message` (topic, body, size limit, user property keys) for sending.
Status ValidateMessage(const Message& message, std::size_t max_message_size);

// TAGS, KEYS, user properties, UNIQ_KEY and WAIT=true, encoded (§4.2).
StatusOr<std::string> EncodeMessageProperties(const Message& message, const std::string& uniq_key);

// RocketMQ's MessageClientIDSetter: 32 hex chars = client IPv4 (4 bytes) + pid (2) +
// a per-generator random number (4) + ms since the start of the month (4) + counter (2).
class UniqueIdGenerator {
 public:
  // `client_id` is "ip@instance"; a non-IPv4 ip part is replaced by 127.0.0.1.
  UniqueIdGenerator(const std::string& client_id, Clock& clock);
  std::string Next();

 private:
  Clock& clock_;
  std::string prefix_;  // hex of ip + pid + random
  std::atomic<std::uint32_t> counter_{0};
};

// Upper-case hex of bytes.
std::string ToHex(std::span<const std::uint8_t> bytes);
// offsetMsgId: hex(store ip + int32 port + int64 commit-log offset) (§4.5).
std::string OffsetMsgId(const HostAddress& store_host, std::int64_t physical_offset);

// A decoded PULL record as the consumer hands it out.
MessageExt ToMessageExt(const protocol::DecodedRecord& record, const std::string& broker_name);

// "TagA || TagB" -> {"TagA", "TagB"}; "*" or "" -> {} (every tag).
std::vector<std::string> ParseTagExpression(std::string_view expression);
// True when `tags` is empty (all) or contains `tag` (exact string match, as Java does).
bool TagMatches(const std::vector<std::string>& tags, std::string_view tag);

}  // namespace quiver::inline v1::client::internal
