#include "kernel/roles/broker/processing/send_processor.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "kernel/roles/broker/processing/message_properties.h"
#include "kernel/roles/broker/processing/schedule_service.h"
#include "kernel/roles/broker/processing/system_topics.h"
#include "quiver/protocol/codes.h"
#include "quiver/protocol/message_id.h"
#include "quiver/protocol/message_record.h"

namespace quiver::broker {

namespace rc = protocol::response_code;
using protocol::RemotingCommand;

namespace send_detail {

struct SendHeader {
  std::string producer_group;
  std::string topic;
  std::string default_topic;
  std::int32_t default_topic_queue_nums = 4;
  std::int32_t queue_id = 0;
  std::int32_t sys_flag = 0;
  std::int64_t born_timestamp = 0;
  std::int32_t flag = 0;
  std::string properties;
  std::int32_t reconsume_times = 0;
};

// A request error: response code and remark.
struct Rejection {
  std::int32_t code;
  std::string remark;
};

}  // namespace send_detail

using send_detail::Rejection;
using send_detail::SendHeader;

namespace {

constexpr std::string_view kPropertyCluster = "CLUSTER";

// Reads header fields under their SEND_MESSAGE name or their SEND_MESSAGE_V2 letter.
// String fields are moved out of the request (the handler owns it and reads each once).
class FieldReader {
 public:
  explicit FieldReader(RemotingCommand& request)
      : request_(request), v2_(request.code != protocol::request_code::kSendMessage) {}

  std::string* Find(std::string_view name, std::string_view letter) const {
    auto it = request_.ext_fields.find(v2_ ? letter : name);
    return it == request_.ext_fields.end() ? nullptr : &it->second;
  }
  std::string Label(std::string_view name, std::string_view letter) const {
    return v2_ ? std::string(name) + " (" + std::string(letter) + ")" : std::string(name);
  }
  std::optional<Rejection> String(std::string_view name, std::string_view letter, bool required,
                                  std::string& out) const {
    std::string* value = Find(name, letter);
    if (value == nullptr) {
      if (!required) return std::nullopt;
      return Rejection{rc::kSystemError, "the custom field " + Label(name, letter) + " is null"};
    }
    out = std::move(*value);
    return std::nullopt;
  }
  template <typename Int>
  std::optional<Rejection> Integer(std::string_view name, std::string_view letter, bool required,
                                   Int& out) const {
    const std::string* value = Find(name, letter);
    if (value == nullptr || value->empty()) {
      if (!required) return std::nullopt;
      return Rejection{rc::kSystemError, "the custom field " + Label(name, letter) + " is null"};
    }
    Int parsed{};
    auto [ptr, ec] = std::from_chars(value->data(), value->data() + value->size(), parsed);
    if (ec != std::errc() || ptr != value->data() + value->size()) {
      return Rejection{rc::kSystemError, "the custom field " + Label(name, letter) +
                                             " is not an integer: \"" + *value + "\""};
    }
    out = parsed;
    return std::nullopt;
  }

 private:
  RemotingCommand& request_;
  bool v2_;
};

std::optional<Rejection> ParseHeader(RemotingCommand& request, SendHeader& h) {
  FieldReader f(request);
  std::optional<Rejection> r;
  if ((r = f.String("producerGroup", "a", true, h.producer_group))) return r;
  if ((r = f.String("topic", "b", true, h.topic))) return r;
  h.default_topic = "TBW102";
  if ((r = f.String("defaultTopic", "c", false, h.default_topic))) return r;
  if ((r = f.Integer("defaultTopicQueueNums", "d", false, h.default_topic_queue_nums))) return r;
  if ((r = f.Integer("queueId", "e", true, h.queue_id))) return r;
  if ((r = f.Integer("sysFlag", "f", true, h.sys_flag))) return r;
  if ((r = f.Integer("bornTimestamp", "g", true, h.born_timestamp))) return r;
  if ((r = f.Integer("flag", "h", true, h.flag))) return r;
  if ((r = f.String("properties", "i", false, h.properties))) return r;
  if ((r = f.Integer("reconsumeTimes", "j", false, h.reconsume_times))) return r;
  return std::nullopt;
}

// Adds CLUSTER=<cluster> unless present (Java's broker does on every stored message).
std::string WithCluster(std::string properties, const std::string& cluster) {
  if (protocol::FindProperty(properties, kPropertyCluster)) return properties;
  if (!properties.empty() && properties.back() != protocol::kPropertySeparator) {
    properties.push_back(protocol::kPropertySeparator);
  }
  properties.append(kPropertyCluster);
  properties.push_back(protocol::kNameValueSeparator);
  properties.append(cluster);
  properties.push_back(protocol::kPropertySeparator);
  return properties;
}

std::int32_t GetI32(const std::uint8_t* p) {
  return static_cast<std::int32_t>(std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 |
                                   std::uint32_t{p[2]} << 8 | std::uint32_t{p[3]});
}
std::int16_t GetI16(const std::uint8_t* p) {
  return static_cast<std::int16_t>(std::uint16_t{p[0]} << 8 | std::uint16_t{p[1]});
}

struct BatchEntry {
  std::int32_t flag = 0;
  Buffer body;
  std::string properties;
};

// Decodes a SEND_BATCH_MESSAGE body: per message int32 totalSize, int32 magic, int32
// bodyCRC, int32 flag, int32 bodyLen, body, int16 propsLen, props. Bodies are slices of
// `body` (no copy).
StatusOr<std::vector<BatchEntry>> DecodeBatch(const Buffer& body) {
  std::vector<BatchEntry> entries;
  std::size_t pos = 0;
  const std::uint8_t* data = body.data();
  while (pos < body.size()) {
    std::size_t index = entries.size();
    auto bad = [&](const std::string& what) {
      return InvalidArgumentError("batch message " + std::to_string(index) + " at byte " +
                                  std::to_string(pos) + ": " + what);
    };
    if (body.size() - pos < 20) return bad("truncated header");
    std::int32_t total = GetI32(data + pos);
    if (total < 22 || static_cast<std::size_t>(total) > body.size() - pos) {
      return bad("totalSize " + std::to_string(total) + " does not fit the body");
    }
    BatchEntry entry;
    entry.flag = GetI32(data + pos + 12);
    std::int32_t body_len = GetI32(data + pos + 16);
    if (body_len < 0 || 20 + static_cast<std::int64_t>(body_len) + 2 > total) {
      return bad("bodyLen " + std::to_string(body_len) + " does not fit totalSize");
    }
    entry.body = body.Slice(pos + 20, static_cast<std::size_t>(body_len));
    std::size_t props_at = pos + 20 + static_cast<std::size_t>(body_len);
    std::int16_t props_len = GetI16(data + props_at);
    if (props_len < 0 || 20 + body_len + 2 + props_len != total) {
      return bad("propertiesLen " + std::to_string(props_len) + " does not match totalSize");
    }
    entry.properties.assign(reinterpret_cast<const char*>(data + props_at + 2),
                            static_cast<std::size_t>(props_len));
    entries.push_back(std::move(entry));
    pos += static_cast<std::size_t>(total);
  }
  if (entries.empty()) return InvalidArgumentError("batch body holds no message");
  return entries;
}

std::int32_t CodeOf(SendOutcome outcome) {
  switch (outcome) {
    case SendOutcome::kOk:
      return rc::kSuccess;
    case SendOutcome::kFlushDiskTimeout:
      return rc::kFlushDiskTimeout;
    case SendOutcome::kFlushSlaveTimeout:
      return rc::kFlushSlaveTimeout;
    case SendOutcome::kSlaveNotAvailable:
      return rc::kSlaveNotAvailable;
  }
  return rc::kSystemError;
}

Rejection RejectionOf(const Status& status) {
  switch (status.code()) {
    case StatusCode::kFailedPrecondition:
    case StatusCode::kUnavailable:
    case StatusCode::kResourceExhausted:
      return {rc::kServiceNotAvailable, "service not available now: " + status.message()};
    case StatusCode::kInvalidArgument:
      return {rc::kMessageIllegal, "the message is illegal: " + status.message()};
    default:
      return {rc::kSystemError, "storing the message failed: " + status.ToString()};
  }
}

RemotingCommand SendReply(const RemotingCommand& request, std::int32_t code, std::string remark) {
  RemotingCommand response = Reply(request, code, std::move(remark));
  response.ext_fields.reserve(6);  // these two, msgId, queueId, queueOffset, transactionId
  response.SetExt("MSG_REGION", std::string("DefaultRegion"));
  response.SetExt("TRACE_ON", std::string("true"));
  return response;
}

}  // namespace

// RocketMQ's handleRetryAndDLQ: a message sent to %RETRY%<group> that was already
// reconsumed as often as the group allows goes to %DLQ%<group>, without delay.
std::optional<Rejection> SendProcessor::RouteRetryToDlq(SendHeader& header) {
  if (!header.topic.starts_with(kRetryGroupTopicPrefix)) return std::nullopt;
  std::string group = header.topic.substr(kRetryGroupTopicPrefix.size());
  // An unknown group gets RocketMQ's defaults (autoCreateSubscriptionGroup) without being
  // created: a client's fallback re-send must not fail on a broker that restarted.
  std::int32_t max_times = SubscriptionGroupConfig{}.retry_max_times;
  if (auto config = context_.metadata.subscription_groups().Find(group)) {
    max_times = config->retry_max_times;
  }
  if (auto given = protocol::FindProperty(header.properties, kPropertyMaxReconsumeTimes)) {
    std::int32_t value = 0;
    auto [ptr, ec] = std::from_chars(given->data(), given->data() + given->size(), value);
    if (ec == std::errc() && ptr == given->data() + given->size()) max_times = value;
  }
  if (header.reconsume_times < max_times) return std::nullopt;
  std::string dlq = DlqTopicOf(group);
  if (Status s = ValidateTopicName(dlq); !s.ok()) return Rejection{rc::kSystemError, s.message()};
  TopicConfig config = CreateTopicIfAbsent(context_, dlq, kDlqQueuesPerGroup, perm::kWrite);
  if ((config.perm & perm::kWrite) == 0) {
    return Rejection{rc::kNoPermission, "the topic[" + dlq + "] sending message is forbidden"};
  }
  header.topic = dlq;
  header.queue_id = 0;
  header.properties = EditProperties(header.properties, {}, {kPropertyDelayLevel});
  return std::nullopt;
}

void SendProcessor::Register(TransportServer& server) {
  for (std::int32_t code :
       {protocol::request_code::kSendMessage, protocol::request_code::kSendMessageV2,
        protocol::request_code::kSendBatchMessage}) {
    server.RegisterHandler(code, [this](const ConnectionPtr& connection, RemotingCommand request,
                                        Responder responder) {
      Handle(connection, std::move(request), std::move(responder));
    });
  }
}

void SendProcessor::Handle(const ConnectionPtr& connection, RemotingCommand request,
                           Responder responder) {
  const BrokerSettings& settings = context_.settings;
  auto reject = [&](Rejection r) {
    responder.Send(SendReply(request, r.code, std::move(r.remark)));
  };
  if (context_.replicator.Role() != ReplicaRole::kMaster) {
    // Before anything else (a slave must not auto-create topics): RocketMQ's slave answers
    // SERVICE_NOT_AVAILABLE.
    const std::string master = context_.replicator.MasterAddress();
    return reject({rc::kServiceNotAvailable,
                   master.empty() ? std::string("service not available now: not master")
                                  : "service not available now: not master; the master is " +
                                        master});
  }
  SendHeader header;
  if (auto r = ParseHeader(request, header)) return reject(std::move(*r));
  if (Status s = ValidateTopicName(header.topic); !s.ok()) {
    return reject({rc::kSystemError, s.message()});
  }
  if (header.topic == kAutoCreateTopicKey) {
    return reject({rc::kSystemError,
                   "the topic[" + header.topic + "] is a system topic and cannot take messages"});
  }

  // The topic, created on first send when allowed (retry topics always: consumers send
  // failed messages back to them).
  // Shared, not copied: this runs for every message.
  TopicConfigPtr topic = context_.metadata.topics().FindShared(header.topic);
  if (!topic) {
    bool retry = header.topic.starts_with(kRetryGroupTopicPrefix);
    if (!settings.auto_create_topic && !retry) {
      return reject({rc::kTopicNotExist, "topic[" + header.topic +
                                             "] not exist, apply first please! "
                                             "(auto_create_topic is off on broker " +
                                             settings.name + ")"});
    }
    TopicConfig created;
    created.topic_name = header.topic;
    std::int32_t queues = retry ? 1 : settings.default_queues;
    if (!retry && header.default_topic_queue_nums > 0) {
      queues = std::min(queues, header.default_topic_queue_nums);
    }
    created.read_queue_nums = created.write_queue_nums = std::max(queues, 1);
    auto [config, was_created] = context_.metadata.topics().CreateIfAbsent(created);
    if (was_created) {
      if (context_.logger) {
        context_.logger->info("auto-created topic {} with {} queues (producer group {})",
                              header.topic, config.write_queue_nums, header.producer_group);
      }
      Status s = context_.topics_changed();
      if (!s.ok() && context_.logger) {
        context_.logger->error("persisting topics after creating {}: {}", header.topic,
                               s.ToString());
      }
    }
    topic = std::make_shared<const TopicConfig>(std::move(config));
  }
  if ((topic->perm & perm::kWrite) == 0) {
    return reject(
        {rc::kNoPermission, "the topic[" + header.topic + "] sending message is forbidden"});
  }
  std::int32_t queue_limit = std::max(topic->write_queue_nums, topic->read_queue_nums);
  if (header.queue_id >= queue_limit) {
    return reject({rc::kSystemError, "request queueId[" + std::to_string(header.queue_id) +
                                         "] is illegal, topic " + header.topic + " has " +
                                         std::to_string(queue_limit) + " queues, producer " +
                                         connection->RemoteAddress()});
  }
  if (header.queue_id < 0) {
    if (topic->write_queue_nums <= 0) {
      return reject({rc::kNoPermission, "the topic[" + header.topic + "] has no write queue"});
    }
    header.queue_id = static_cast<std::int32_t>(
        round_robin_.fetch_add(1) % static_cast<std::uint32_t>(topic->write_queue_nums));
  }
  if (auto r = RouteRetryToDlq(header)) return reject(std::move(*r));
  if ((header.sys_flag & sys_flag::kTransactionCommit) == sys_flag::kTransactionPrepared) {
    return reject({rc::kNoPermission, "the broker[" + settings.name +
                                          "] sending transaction message is forbidden: "
                                          "transactions are not supported yet"});
  }
  Buffer body = request.body.Contiguous();
  if (static_cast<std::int64_t>(body.size()) > settings.max_message_size) {
    return reject({rc::kMessageIllegal, "the message body size " + std::to_string(body.size()) +
                                            " bytes is larger than the broker's max_message_size " +
                                            std::to_string(settings.max_message_size) + " bytes"});
  }

  // Build the batch.
  Message prototype;
  prototype.topic = header.topic;
  prototype.queue_id = QueueId(header.queue_id);
  prototype.flag = header.flag;
  prototype.sys_flag = header.sys_flag & ~(sys_flag::kBornHostV6 | sys_flag::kStoreHostV6);
  prototype.born_timestamp_ms = header.born_timestamp;
  if (auto born = protocol::ParseHostAddress(connection->RemoteAddress()); born.ok()) {
    prototype.born_host = *born;
  }
  prototype.store_host = context_.store_host;
  prototype.reconsume_times = header.reconsume_times;

  MessageBatch batch;
  std::string first_uniq_key;  // answered as transactionId for a single message
  auto add = [&](std::int32_t flag, Buffer message_body,
                 std::string properties) -> std::optional<Rejection> {
    if (properties.size() > protocol::kMaxPropertiesLength) {
      return Rejection{rc::kMessageIllegal, "the message properties are " +
                                                std::to_string(properties.size()) +
                                                " bytes, longer than the limit of " +
                                                std::to_string(protocol::kMaxPropertiesLength)};
    }
    Message message = prototype;
    message.flag = flag;
    message.body = std::move(message_body);
    message.properties = WithCluster(std::move(properties), settings.cluster);
    message.tags_code = protocol::TagsCodeOf(message.properties);
    if (batch.messages.empty()) {
      auto uniq = protocol::FindProperty(message.properties, protocol::kPropertyUniqKey);
      if (uniq) first_uniq_key.assign(*uniq);
    }
    batch.messages.push_back(std::move(message));
    return std::nullopt;
  };
  if (request.code == protocol::request_code::kSendBatchMessage) {
    auto entries = DecodeBatch(body);
    if (!entries.ok()) {
      return reject({rc::kSystemError, "malformed batch body: " + entries.status().message()});
    }
    for (BatchEntry& entry : *entries) {
      if (auto delay = protocol::FindProperty(entry.properties, kPropertyDelayLevel);
          delay && !delay->empty() && *delay != "0" && delay->front() != '-') {
        return reject({rc::kMessageIllegal,
                       "DELAY (delay level " + std::string(*delay) +
                           ") is not supported for batch messages; send them one by one"});
      }
      if (auto r = add(entry.flag, std::move(entry.body), std::move(entry.properties))) {
        return reject(std::move(*r));
      }
    }
  } else {
    if (auto r = add(header.flag, std::move(body), std::move(header.properties))) {
      return reject(std::move(*r));
    }
    Message& message = batch.messages.front();
    if (ToScheduleTopic(message, settings.delay_levels, context_.clock.WallMillis()) > 0) {
      CreateTopicIfAbsent(context_, kScheduleTopic,
                          static_cast<std::int32_t>(settings.delay_levels.size()),
                          perm::kReadWrite);
    }
  }

  std::size_t count = batch.messages.size();
  QueueId queue_id(header.queue_id);
  HostAddress store_host = context_.store_host;
  // May complete inline (async flush): the last statement, with no lock held.
  context_.replicator.Append(
      std::move(batch),
      [this, token = context_.tasks.Acquire(), request = std::move(request),
       responder = std::move(responder), first_uniq_key = std::move(first_uniq_key), count,
       queue_id, store_host,
       topic_name = std::move(header.topic)](StatusOr<ReplicatedAppend> result) mutable {
        if (!result.ok()) {
          Rejection r = RejectionOf(result.status());
          if (context_.logger) {
            context_.logger->warn("send to topic {} refused: {}", topic_name,
                                  result.status().ToString());
          }
          responder.Send(SendReply(request, r.code, std::move(r.remark)));
          return;
        }
        const ReplicatedAppend& stored = *result;
        if (stored.results.size() != count || stored.results.empty()) {
          responder.Send(SendReply(request, rc::kSystemError,
                                   "the replicator returned " +
                                       std::to_string(stored.results.size()) + " results for " +
                                       std::to_string(count) + " messages"));
          return;
        }
        context_.stats.AddPut(static_cast<std::int64_t>(count), context_.clock.WallMillis());
        RemotingCommand response = SendReply(request, CodeOf(stored.outcome), "");
        std::string msg_id =
            protocol::EncodeOffsetMessageId(store_host, stored.results.front().physical_offset);
        for (std::size_t i = 1; i < stored.results.size(); ++i) {
          msg_id.push_back(',');
          msg_id += protocol::EncodeOffsetMessageId(store_host, stored.results[i].physical_offset);
        }
        response.SetExt("msgId", std::move(msg_id));
        response.SetExt("queueId", std::int64_t{queue_id.value()});
        response.SetExt("queueOffset", stored.results.front().queue_offset.value());
        if (count == 1 && !first_uniq_key.empty()) {
          response.SetExt("transactionId", std::move(first_uniq_key));
        }
        responder.Send(std::move(response));
      });
}

}  // namespace quiver::broker
