#pragma once
// HEART_BEAT bodies and consumer-group bodies as JSON (rocketmq-protocol.md §3.4, §3.5).
//
// HeartbeatData is what a client sends to every broker it uses (HEART_BEAT, code 34):
// its id, the producer groups it belongs to and, per consumer group, how it consumes and
// what it subscribes to. The broker answers GET_CONSUMER_LIST_BY_GROUP (38) with a
// GetConsumerListByGroupResponseBody. Field names and enum spellings are Java's.
//
// Decoding is lenient as Java's fastjson is: unknown fields are ignored, missing ones take
// the defaults below (ali-ons omits expressionType), fastjson's unquoted integer keys are
// accepted. Errors are kInvalidArgument naming the field.
//
// Thread safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/export.h"
#include "quiver/status.h"

namespace quiver {
inline namespace v1 {
namespace protocol {

inline constexpr std::string_view kSubscribeAll = "*";
inline constexpr std::string_view kExpressionTypeTag = "TAG";
inline constexpr std::string_view kExpressionTypeSql92 = "SQL92";

// ConsumeType names.
inline constexpr std::string_view kConsumeActively = "CONSUME_ACTIVELY";    // pull consumer
inline constexpr std::string_view kConsumePassively = "CONSUME_PASSIVELY";  // push consumer
// MessageModel names.
inline constexpr std::string_view kClustering = "CLUSTERING";
inline constexpr std::string_view kBroadcasting = "BROADCASTING";
// ConsumeFromWhere names (Java also accepts deprecated variants; they are kept as text).
inline constexpr std::string_view kConsumeFromLastOffset = "CONSUME_FROM_LAST_OFFSET";
inline constexpr std::string_view kConsumeFromFirstOffset = "CONSUME_FROM_FIRST_OFFSET";
inline constexpr std::string_view kConsumeFromTimestamp = "CONSUME_FROM_TIMESTAMP";

struct SubscriptionData {
  std::string topic;
  std::string sub_string = "*";  // "*", "TagA || TagB", or an SQL92 expression
  std::vector<std::string> tags_set;
  std::vector<std::int32_t> code_set;  // Java String.hashCode() of each tag
  std::int64_t sub_version = 0;
  std::string expression_type = "TAG";
  bool class_filter_mode = false;
  friend bool operator==(const SubscriptionData&, const SubscriptionData&) = default;
};

struct ConsumerData {
  std::string group_name;
  std::string consume_type = std::string(kConsumePassively);
  std::string message_model = std::string(kClustering);
  std::string consume_from_where = std::string(kConsumeFromLastOffset);
  bool unit_mode = false;
  std::vector<SubscriptionData> subscription_data_set;
  friend bool operator==(const ConsumerData&, const ConsumerData&) = default;
};

struct ProducerData {
  std::string group_name;
  friend bool operator==(const ProducerData&, const ProducerData&) = default;
};

struct HeartbeatData {
  std::string client_id;  // "ip@instance"
  std::vector<ProducerData> producer_data_set;
  std::vector<ConsumerData> consumer_data_set;
  friend bool operator==(const HeartbeatData&, const HeartbeatData&) = default;
};

// A TAG subscription as Java's FilterAPI.buildSubscriptionData builds it: "*" or empty
// subscribes to everything (empty sets, sub_string "*"); otherwise tags are split on
// "||", trimmed, empty ones dropped, and each tag's hash code added. `sub_version` is
// the caller's (Java: current time in ms).
QUIVER_SDK_API SubscriptionData BuildTagSubscription(std::string topic, std::string_view expression,
                                                     std::int64_t sub_version);
// True when `subscription` (a TAG one) matches every message.
QUIVER_SDK_API bool SubscribesAll(const SubscriptionData& subscription);

QUIVER_SDK_API std::string EncodeHeartbeatData(const HeartbeatData& data);
QUIVER_SDK_API StatusOr<HeartbeatData> DecodeHeartbeatData(std::string_view json);

// GetConsumerListByGroupResponseBody: {"consumerIdList":["ip@pid",...]}.
QUIVER_SDK_API std::string EncodeConsumerIdList(const std::vector<std::string>& consumer_ids);
QUIVER_SDK_API StatusOr<std::vector<std::string>> DecodeConsumerIdList(std::string_view json);

}  // namespace protocol
}  // namespace v1
}  // namespace quiver
