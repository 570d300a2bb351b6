#include "quiver/protocol/heartbeat_json.h"

#include <algorithm>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "quiver/protocol/json.h"
#include "quiver/protocol/message_record.h"

namespace quiver {
inline namespace v1 {
namespace protocol {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Key(Writer& w, std::string_view key) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}
void Str(Writer& w, std::string_view value) {
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

Status FieldError(std::string_view path, std::string_view expected) {
  return InvalidArgumentError("heartbeat JSON field " + std::string(path) + " is not " +
                              std::string(expected));
}

// Reads an optional string member; a JSON null keeps the default.
Status ReadString(const rapidjson::Value& object, const char* name, std::string_view path,
                  std::string& out) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || it->value.IsNull()) return Status::Ok();
  if (!it->value.IsString()) return FieldError(std::string(path) + name, "a string");
  out.assign(it->value.GetString(), it->value.GetStringLength());
  return Status::Ok();
}

Status ReadBool(const rapidjson::Value& object, const char* name, std::string_view path,
                bool& out) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || it->value.IsNull()) return Status::Ok();
  if (!it->value.IsBool()) return FieldError(std::string(path) + name, "a boolean");
  out = it->value.GetBool();
  return Status::Ok();
}

Status ReadInt64(const rapidjson::Value& object, const char* name, std::string_view path,
                 std::int64_t& out) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || it->value.IsNull()) return Status::Ok();
  if (!it->value.IsInt64()) return FieldError(std::string(path) + name, "an integer");
  out = it->value.GetInt64();
  return Status::Ok();
}

// An optional array member; null or absent yields nullptr.
StatusOr<const rapidjson::Value*> ReadArray(const rapidjson::Value& object, const char* name,
                                            std::string_view path) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || it->value.IsNull()) return nullptr;
  if (!it->value.IsArray()) return FieldError(std::string(path) + name, "an array");
  return &it->value;
}

StatusOr<SubscriptionData> DecodeSubscription(const rapidjson::Value& value,
                                              const std::string& path) {
  if (!value.IsObject()) return FieldError(path, "an object");
  SubscriptionData sub;
  std::string prefix = path + ".";
  QUIVER_RETURN_IF_ERROR(ReadString(value, "topic", prefix, sub.topic));
  QUIVER_RETURN_IF_ERROR(ReadString(value, "subString", prefix, sub.sub_string));
  QUIVER_RETURN_IF_ERROR(ReadInt64(value, "subVersion", prefix, sub.sub_version));
  QUIVER_RETURN_IF_ERROR(ReadString(value, "expressionType", prefix, sub.expression_type));
  if (sub.expression_type.empty()) sub.expression_type = std::string(kExpressionTypeTag);
  QUIVER_RETURN_IF_ERROR(ReadBool(value, "classFilterMode", prefix, sub.class_filter_mode));
  QUIVER_ASSIGN_OR_RETURN(const rapidjson::Value* tags, ReadArray(value, "tagsSet", prefix));
  if (tags != nullptr) {
    for (const auto& tag : tags->GetArray()) {
      if (!tag.IsString()) return FieldError(prefix + "tagsSet[]", "a string");
      sub.tags_set.emplace_back(tag.GetString(), tag.GetStringLength());
    }
  }
  QUIVER_ASSIGN_OR_RETURN(const rapidjson::Value* codes, ReadArray(value, "codeSet", prefix));
  if (codes != nullptr) {
    for (const auto& code : codes->GetArray()) {
      if (!code.IsInt()) return FieldError(prefix + "codeSet[]", "a 32-bit integer");
      sub.code_set.push_back(code.GetInt());
    }
  }
  return sub;
}

}  // namespace

SubscriptionData BuildTagSubscription(std::string topic, std::string_view expression,
                                      std::int64_t sub_version) {
  SubscriptionData sub;
  sub.topic = std::move(topic);
  sub.sub_version = sub_version;
  std::string_view trimmed = Trim(expression);
  if (trimmed.empty() || trimmed == kSubscribeAll) {
    sub.sub_string = std::string(kSubscribeAll);
    return sub;
  }
  sub.sub_string = std::string(expression);
  std::string_view rest = expression;
  while (true) {
    std::size_t bar = rest.find("||");
    std::string_view tag = Trim(rest.substr(0, bar));
    if (!tag.empty() &&
        std::find(sub.tags_set.begin(), sub.tags_set.end(), tag) == sub.tags_set.end()) {
      sub.tags_set.emplace_back(tag);
      sub.code_set.push_back(JavaStringHashCode(tag));
    }
    if (bar == std::string_view::npos) break;
    rest = rest.substr(bar + 2);
  }
  return sub;
}

bool SubscribesAll(const SubscriptionData& subscription) {
  std::string_view s = Trim(subscription.sub_string);
  return s.empty() || s == kSubscribeAll;
}

std::string EncodeHeartbeatData(const HeartbeatData& data) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Key(w, "clientID");
  Str(w, data.client_id);
  Key(w, "producerDataSet");
  w.StartArray();
  for (const ProducerData& producer : data.producer_data_set) {
    w.StartObject();
    Key(w, "groupName");
    Str(w, producer.group_name);
    w.EndObject();
  }
  w.EndArray();
  Key(w, "consumerDataSet");
  w.StartArray();
  for (const ConsumerData& consumer : data.consumer_data_set) {
    w.StartObject();
    Key(w, "groupName");
    Str(w, consumer.group_name);
    Key(w, "consumeType");
    Str(w, consumer.consume_type);
    Key(w, "messageModel");
    Str(w, consumer.message_model);
    Key(w, "consumeFromWhere");
    Str(w, consumer.consume_from_where);
    Key(w, "unitMode");
    w.Bool(consumer.unit_mode);
    Key(w, "subscriptionDataSet");
    w.StartArray();
    for (const SubscriptionData& sub : consumer.subscription_data_set) {
      w.StartObject();
      Key(w, "topic");
      Str(w, sub.topic);
      Key(w, "subString");
      Str(w, sub.sub_string);
      Key(w, "tagsSet");
      w.StartArray();
      for (const std::string& tag : sub.tags_set) Str(w, tag);
      w.EndArray();
      Key(w, "codeSet");
      w.StartArray();
      for (std::int32_t code : sub.code_set) w.Int(code);
      w.EndArray();
      Key(w, "subVersion");
      w.Int64(sub.sub_version);
      Key(w, "expressionType");
      Str(w, sub.expression_type);
      Key(w, "classFilterMode");
      w.Bool(sub.class_filter_mode);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

StatusOr<HeartbeatData> DecodeHeartbeatData(std::string_view json) {
  std::string normalized = NormalizeFastjson(json);
  rapidjson::Document doc;
  doc.Parse(normalized.data(), normalized.size());
  if (doc.HasParseError()) {
    return InvalidArgumentError(std::string("heartbeat body is not JSON: ") +
                                rapidjson::GetParseError_En(doc.GetParseError()) + " at offset " +
                                std::to_string(doc.GetErrorOffset()));
  }
  if (!doc.IsObject()) return InvalidArgumentError("heartbeat body is not a JSON object");
  HeartbeatData data;
  QUIVER_RETURN_IF_ERROR(ReadString(doc, "clientID", "", data.client_id));
  QUIVER_ASSIGN_OR_RETURN(const rapidjson::Value* producers, ReadArray(doc, "producerDataSet", ""));
  if (producers != nullptr) {
    for (rapidjson::SizeType i = 0; i < producers->Size(); ++i) {
      std::string path = "producerDataSet[" + std::to_string(i) + "]";
      const rapidjson::Value& p = (*producers)[i];
      if (!p.IsObject()) return FieldError(path, "an object");
      ProducerData producer;
      QUIVER_RETURN_IF_ERROR(ReadString(p, "groupName", path + ".", producer.group_name));
      data.producer_data_set.push_back(std::move(producer));
    }
  }
  QUIVER_ASSIGN_OR_RETURN(const rapidjson::Value* consumers, ReadArray(doc, "consumerDataSet", ""));
  if (consumers != nullptr) {
    for (rapidjson::SizeType i = 0; i < consumers->Size(); ++i) {
      std::string path = "consumerDataSet[" + std::to_string(i) + "]";
      const rapidjson::Value& c = (*consumers)[i];
      if (!c.IsObject()) return FieldError(path, "an object");
      std::string prefix = path + ".";
      ConsumerData consumer;
      QUIVER_RETURN_IF_ERROR(ReadString(c, "groupName", prefix, consumer.group_name));
      QUIVER_RETURN_IF_ERROR(ReadString(c, "consumeType", prefix, consumer.consume_type));
      QUIVER_RETURN_IF_ERROR(ReadString(c, "messageModel", prefix, consumer.message_model));
      QUIVER_RETURN_IF_ERROR(
          ReadString(c, "consumeFromWhere", prefix, consumer.consume_from_where));
      QUIVER_RETURN_IF_ERROR(ReadBool(c, "unitMode", prefix, consumer.unit_mode));
      QUIVER_ASSIGN_OR_RETURN(const rapidjson::Value* subs,
                              ReadArray(c, "subscriptionDataSet", prefix));
      if (subs != nullptr) {
        for (rapidjson::SizeType j = 0; j < subs->Size(); ++j) {
          QUIVER_ASSIGN_OR_RETURN(SubscriptionData sub,
                                  DecodeSubscription((*subs)[j], prefix + "subscriptionDataSet[" +
                                                                     std::to_string(j) + "]"));
          consumer.subscription_data_set.push_back(std::move(sub));
        }
      }
      data.consumer_data_set.push_back(std::move(consumer));
    }
  }
  return data;
}

std::string EncodeConsumerIdList(const std::vector<std::string>& consumer_ids) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Key(w, "consumerIdList");
  w.StartArray();
  for (const std::string& id : consumer_ids) Str(w, id);
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

StatusOr<std::vector<std::string>> DecodeConsumerIdList(std::string_view json) {
  std::string normalized = NormalizeFastjson(json);
  rapidjson::Document doc;
  doc.Parse(normalized.data(), normalized.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return InvalidArgumentError("consumer list body is not a JSON object");
  }
  std::vector<std::string> ids;
  auto it = doc.FindMember("consumerIdList");
  if (it == doc.MemberEnd() || it->value.IsNull()) return ids;
  if (!it->value.IsArray()) return InvalidArgumentError("consumerIdList is not an array");
  for (const auto& id : it->value.GetArray()) {
    if (!id.IsString()) return InvalidArgumentError("consumerIdList[] is not a string");
    ids.emplace_back(id.GetString(), id.GetStringLength());
  }
  return ids;
}

}  // namespace protocol
}  // namespace v1
}  // namespace quiver
