#include "message_codec.h"

#include <unistd.h>

#include <arpa/inet.h>

#include <cstring>
#include <random>

#include "quiver/client/producer.h"

namespace quiver {
inline namespace v1 {
namespace client {

std::string MessageQueue::ToString() const {
  return "MessageQueue [topic=" + topic + ", brokerName=" + broker_name +
         ", queueId=" + std::to_string(queue_id) + "]";
}

Message::Message(std::string topic_in, std::string tags_in, std::string keys_in,
                 std::string body_in)
    : topic(std::move(topic_in)), tags(std::move(tags_in)), body(std::move(body_in)) {
  if (!keys_in.empty()) keys.push_back(std::move(keys_in));
}

std::string_view SendStatusName(SendStatus status) {
  switch (status) {
    case SendStatus::kSendOk:
      return "SEND_OK";
    case SendStatus::kFlushDiskTimeout:
      return "FLUSH_DISK_TIMEOUT";
    case SendStatus::kFlushSlaveTimeout:
      return "FLUSH_SLAVE_TIMEOUT";
    case SendStatus::kSlaveNotAvailable:
      return "SLAVE_NOT_AVAILABLE";
  }
  return "UNKNOWN";
}

namespace {
void PutInt32(std::string& out, std::int32_t v) {
  auto u = static_cast<std::uint32_t>(v);
  out.push_back(static_cast<char>(u >> 24));
  out.push_back(static_cast<char>(u >> 16));
  out.push_back(static_cast<char>(u >> 8));
  out.push_back(static_cast<char>(u));
}
void PutInt16(std::string& out, std::int16_t v) {
  auto u = static_cast<std::uint16_t>(v);
  out.push_back(static_cast<char>(u >> 8));
  out.push_back(static_cast<char>(u));
}
}  // namespace

std::string EncodeBatchBody(const std::vector<EncodedBatchEntry>& entries) {
  std::string out;
  for (const EncodedBatchEntry& e : entries) {
    const auto total = static_cast<std::int32_t>(4 + 4 + 4 + 4 + 4 + e.body.size() + 2 +
                                                 e.encoded_properties.size());
    PutInt32(out, total);
    PutInt32(out, 0);  // magic
    PutInt32(out, 0);  // body crc
    PutInt32(out, e.flag);
    PutInt32(out, static_cast<std::int32_t>(e.body.size()));
    out += e.body;
    PutInt16(out, static_cast<std::int16_t>(e.encoded_properties.size()));
    out += e.encoded_properties;
  }
  return out;
}

namespace internal {

namespace {
bool IsSystemKey(std::string_view key) {
  return key == protocol::kPropertyTags || key == protocol::kPropertyKeys ||
         key == protocol::kPropertyUniqKey || key == kPropertyWait;
}
}  // namespace

Status ValidateMessage(const Message& message, std::size_t max_message_size) {
  if (message.topic.empty()) return InvalidArgumentError("the message topic is empty");
  if (message.topic.size() > protocol::kMaxTopicLengthV1) {
    return InvalidArgumentError("the message topic is longer than 127 bytes: " + message.topic);
  }
  if (message.body.empty()) return InvalidArgumentError("the message body is empty");
  if (message.body.size() > max_message_size) {
    return InvalidArgumentError("the message body size " + std::to_string(message.body.size()) +
                                " exceeds the maximum " + std::to_string(max_message_size));
  }
  for (const auto& [key, value] : message.properties) {
    if (IsSystemKey(key)) {
      return InvalidArgumentError("the user property key " + key + " is reserved");
    }
  }
  return Status::Ok();
}

StatusOr<std::string> EncodeMessageProperties(const Message& message, const std::string& uniq_key) {
  std::vector<protocol::Property> props;
  if (!message.tags.empty()) props.emplace_back(std::string(protocol::kPropertyTags), message.tags);
  if (!message.keys.empty()) {
    std::string keys;
    for (const std::string& k : message.keys) {
      if (!keys.empty()) keys += ' ';
      keys += k;
    }
    props.emplace_back(std::string(protocol::kPropertyKeys), std::move(keys));
  }
  for (const auto& [key, value] : message.properties) props.emplace_back(key, value);
  props.emplace_back(std::string(protocol::kPropertyUniqKey), uniq_key);
  props.emplace_back(std::string(kPropertyWait), "true");
  return protocol::EncodeProperties(props);
}

protocol::UniqueKeyGenerator UniqueKeyGeneratorFor(const std::string& client_id) {
  std::vector<std::uint8_t> ip = {127, 0, 0, 1};
  const std::string ip_text = client_id.substr(0, client_id.find('@'));
  in_addr addr{};
  if (inet_pton(AF_INET, ip_text.c_str(), &addr) == 1) std::memcpy(ip.data(), &addr, 4);
  return protocol::UniqueKeyGenerator(ip, static_cast<std::int32_t>(getpid()),
                                      static_cast<std::int32_t>(std::random_device{}()));
}

namespace {
// Calls visit(key, value) for each entry of encoded properties, exactly as
// protocol::ParseProperties splits them, on views into `properties` (a pulled message's
// properties are decoded straight into its map, without an intermediate vector).
template <typename Visit>
void ForEachProperty(std::string_view properties, Visit visit) {
  while (!properties.empty()) {
    const std::size_t end = properties.find(protocol::kPropertySeparator);
    const std::string_view entry = properties.substr(0, end);
    properties = end == std::string_view::npos ? std::string_view{} : properties.substr(end + 1);
    const std::size_t sep = entry.find(protocol::kNameValueSeparator);
    if (sep != std::string_view::npos) visit(entry.substr(0, sep), entry.substr(sep + 1));
  }
}
}  // namespace

MessageExt ToMessageExt(const protocol::DecodedRecord& record, const std::string& broker_name) {
  MessageExt m;
  m.topic = std::string(record.topic);
  m.body.assign(reinterpret_cast<const char*>(record.body.data()), record.body.size());
  m.flag = record.flag;
  std::string_view uniq_key;
  bool has_uniq_key = false;
  ForEachProperty(record.properties, [&](std::string_view key, std::string_view value) {
    if (key == protocol::kPropertyTags) {
      m.tags = value;
    } else if (key == protocol::kPropertyKeys) {
      std::size_t start = 0;
      while (start <= value.size()) {
        std::size_t end = value.find(' ', start);
        if (end == std::string_view::npos) end = value.size();
        if (end > start) m.keys.emplace_back(value.substr(start, end - start));
        start = end + 1;
      }
    } else {
      if (key == protocol::kPropertyUniqKey) {
        uniq_key = value;
        has_uniq_key = true;
      }
      m.properties.insert_or_assign(std::string(key), std::string(value));
    }
  });
  m.offset_msg_id = protocol::EncodeOffsetMessageId(record.store_host, record.physical_offset);
  m.msg_id = has_uniq_key ? std::string(uniq_key) : m.offset_msg_id;
  m.queue = MessageQueue{m.topic, broker_name, record.queue_id.value()};
  m.queue_offset = record.queue_offset;
  m.commit_log_offset = record.physical_offset;
  m.sys_flag = record.sys_flag;
  m.born_timestamp_ms = record.born_timestamp_ms;
  m.store_timestamp_ms = record.store_timestamp_ms;
  m.reconsume_times = record.reconsume_times;
  return m;
}

std::vector<std::string> ParseTagExpression(std::string_view expression) {
  std::vector<std::string> tags;
  std::size_t start = 0;
  while (start <= expression.size()) {
    std::size_t end = expression.find("||", start);
    if (end == std::string_view::npos) end = expression.size();
    std::string_view part = expression.substr(start, end - start);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (part == "*") return {};
    if (!part.empty()) tags.emplace_back(part);
    start = end + 2;
  }
  return tags;
}

bool TagMatches(const std::vector<std::string>& tags, std::string_view tag) {
  if (tags.empty()) return true;
  for (const std::string& t : tags) {
    if (t == tag) return true;
  }
  return false;
}

}  // namespace internal
}  // namespace client
}  // namespace v1
}  // namespace quiver
