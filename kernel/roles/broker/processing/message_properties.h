#pragma once
// Editing an encoded properties string (key \x01 value \x02 ..., rocketmq-protocol.md §4.2)
// in place of parse + re-encode: entries the broker does not touch stay byte for byte,
// and nothing can fail. Used where the broker rewrites a stored message (scheduled
// delivery, send-back, DLQ). Pure functions, thread-safe.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "quiver/protocol/message_record.h"

namespace quiver::broker {

// RocketMQ's property keys (MessageConst) the broker reads or writes.
inline constexpr std::string_view kPropertyDelayLevel = "DELAY";
inline constexpr std::string_view kPropertyRealTopic = "REAL_TOPIC";
inline constexpr std::string_view kPropertyRealQueueId = "REAL_QID";
inline constexpr std::string_view kPropertyRetryTopic = "RETRY_TOPIC";
inline constexpr std::string_view kPropertyOriginMessageId = "ORIGIN_MESSAGE_ID";
inline constexpr std::string_view kPropertyReconsumeTime = "RECONSUME_TIME";
inline constexpr std::string_view kPropertyMaxReconsumeTimes = "MAX_RECONSUME_TIMES";

// `properties` without the entries whose key is in `remove` or `set`, followed by the
// entries of `set` in order. Entries without a separator are kept unchanged.
inline std::string EditProperties(std::string_view properties,
                                  const std::vector<std::pair<std::string_view, std::string>>& set,
                                  const std::vector<std::string_view>& remove = {}) {
  std::string out;
  out.reserve(properties.size() + 32);
  std::size_t pos = 0;
  while (pos < properties.size()) {
    std::size_t end = properties.find(protocol::kPropertySeparator, pos);
    if (end == std::string_view::npos) end = properties.size();
    std::string_view entry = properties.substr(pos, end - pos);
    pos = end + 1;
    if (entry.empty()) continue;
    std::size_t eq = entry.find(protocol::kNameValueSeparator);
    std::string_view key = eq == std::string_view::npos ? entry : entry.substr(0, eq);
    bool drop = false;
    for (std::string_view k : remove) drop = drop || k == key;
    for (const auto& [k, v] : set) drop = drop || k == key;
    if (drop) continue;
    out.append(entry);
    out.push_back(protocol::kPropertySeparator);
  }
  for (const auto& [key, value] : set) {
    out.append(key);
    out.push_back(protocol::kNameValueSeparator);
    out.append(value);
    out.push_back(protocol::kPropertySeparator);
  }
  return out;
}

}  // namespace quiver::broker
