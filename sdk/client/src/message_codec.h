#pragma once
// Internal: how client messages become wire bytes and back (rocketmq-protocol.md §4).
// Pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/client/client_runtime.h"
#include "quiver/client/message.h"
#include "quiver/message.h"
#include "quiver/protocol/message_id.h"
#include "quiver/protocol/message_record.h"
#include "quiver/protocol/remoting_command.h"
#include "quiver/status.h"

namespace quiver::inline v1::client::internal {

// Property keys the client sets itself.
inline constexpr std::string_view kPropertyWait = "WAIT";

// Validates `message` (topic, body, size limit, user property keys) for sending.
Status ValidateMessage(const Message& message, std::size_t max_message_size);

// TAGS, KEYS, user properties, UNIQ_KEY and WAIT=true, encoded (§4.2).
StatusOr<std::string> EncodeMessageProperties(const Message& message, const std::string& uniq_key);

// The UNIQ_KEY generator of the client `client_id` ("ip@instance"): its IPv4 address (a
// non-IPv4 ip part is replaced by 127.0.0.1), this process's pid and a random discriminator.
protocol::UniqueKeyGenerator UniqueKeyGeneratorFor(const std::string& client_id);

// The remoting serialize type of a header encoding.
inline protocol::SerializeType WireSerialization(HeaderEncoding encoding) {
  return encoding == HeaderEncoding::kJson ? protocol::SerializeType::kJson
                                           : protocol::SerializeType::kRocketMq;
}

// A decoded PULL record as the consumer hands it out.
MessageExt ToMessageExt(const protocol::DecodedRecord& record, const std::string& broker_name);

// "TagA || TagB" -> {"TagA", "TagB"}; "*" or "" -> {} (every tag).
std::vector<std::string> ParseTagExpression(std::string_view expression);
// True when `tags` is empty (all) or contains `tag` (exact string match, as Java does).
bool TagMatches(const std::vector<std::string>& tags, std::string_view tag);

}  // namespace quiver::inline v1::client::internal
