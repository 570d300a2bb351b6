#include "kernel/roles/broker/processing/topic_config_manager.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "kernel/roles/broker/processing/metadata_json.h"

namespace quiver::broker {

namespace {

bool IsTopicChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '%' ||
         c == '|' || c == '_' || c == '-';
}

Status BadField(const std::string& path, std::string_view expected) {
  return InvalidArgumentError("field " + path + " is not " + std::string(expected));
}

Status ReadInt32(const rapidjson::Value& object, const char* name, const std::string& path,
                 std::int32_t& out) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || it->value.IsNull()) return Status::Ok();
  if (!it->value.IsInt()) return BadField(path + "." + name, "a 32-bit integer");
  out = it->value.GetInt();
  return Status::Ok();
}

StatusOr<TopicConfig> ParseTopicConfig(const std::string& key, const rapidjson::Value& value) {
  std::string path = "topicConfigTable." + key;
  if (!value.IsObject()) return BadField(path, "an object");
  TopicConfig config;
  config.topic_name = key;
  auto name = value.FindMember("topicName");
  if (name != value.MemberEnd() && !name->value.IsNull()) {
    if (!name->value.IsString()) return BadField(path + ".topicName", "a string");
    config.topic_name.assign(name->value.GetString(), name->value.GetStringLength());
  }
  QUIVER_RETURN_IF_ERROR(ReadInt32(value, "readQueueNums", path, config.read_queue_nums));
  QUIVER_RETURN_IF_ERROR(ReadInt32(value, "writeQueueNums", path, config.write_queue_nums));
  QUIVER_RETURN_IF_ERROR(ReadInt32(value, "perm", path, config.perm));
  QUIVER_RETURN_IF_ERROR(ReadInt32(value, "topicSysFlag", path, config.topic_sys_flag));
  auto filter = value.FindMember("topicFilterType");
  if (filter != value.MemberEnd() && !filter->value.IsNull()) {
    if (!filter->value.IsString()) return BadField(path + ".topicFilterType", "a string");
    config.topic_filter_type.assign(filter->value.GetString(), filter->value.GetStringLength());
  }
  auto order = value.FindMember("order");
  if (order != value.MemberEnd() && !order->value.IsNull()) {
    if (!order->value.IsBool()) return BadField(path + ".order", "a boolean");
    config.order = order->value.GetBool();
  }
  if (config.read_queue_nums < 0 || config.write_queue_nums < 0) {
    return InvalidArgumentError("field " + path + " has a negative queue count");
  }
  return config;
}

void WriteTopicConfig(rapidjson::Writer<rapidjson::StringBuffer>& w, const TopicConfig& c) {
  w.StartObject();
  w.Key("topicName");
  w.String(c.topic_name.data(), static_cast<rapidjson::SizeType>(c.topic_name.size()));
  w.Key("readQueueNums");
  w.Int(c.read_queue_nums);
  w.Key("writeQueueNums");
  w.Int(c.write_queue_nums);
  w.Key("perm");
  w.Int(c.perm);
  w.Key("topicFilterType");
  w.String(c.topic_filter_type.data(),
           static_cast<rapidjson::SizeType>(c.topic_filter_type.size()));
  w.Key("topicSysFlag");
  w.Int(c.topic_sys_flag);
  w.Key("order");
  w.Bool(c.order);
  w.EndObject();
}

}  // namespace

Status ValidateTopicName(std::string_view topic) {
  if (topic.empty()) return InvalidArgumentError("the topic name is empty");
  bool group_topic =
      topic.starts_with(kRetryGroupTopicPrefix) || topic.starts_with(kDlqGroupTopicPrefix);
  std::size_t limit = group_topic ? 255 : 127;
  if (topic.size() > limit) {
    return InvalidArgumentError("the topic name is longer than " + std::to_string(limit) +
                                " characters");
  }
  for (char c : topic) {
    if (!IsTopicChar(c)) {
      return InvalidArgumentError(
          "the topic[" + std::string(topic) +
          "] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$");
    }
  }
  return Status::Ok();
}

std::string TopicConfigTableJson(const std::map<std::string, TopicConfig>& topics,
                                 const DataVersion& version) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("topicConfigTable");
  w.StartObject();
  for (const auto& [name, config] : topics) {
    w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    WriteTopicConfig(w, config);
  }
  w.EndObject();
  WriteDataVersion(w, version);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Status TopicConfigManager::LoadJson(std::string_view json) {
  QUIVER_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJsonObject(json));
  Table topics;
  auto table = doc.FindMember("topicConfigTable");
  if (table != doc.MemberEnd() && !table->value.IsNull()) {
    if (!table->value.IsObject()) return BadField("topicConfigTable", "an object");
    for (const auto& member : table->value.GetObject()) {
      std::string key(member.name.GetString(), member.name.GetStringLength());
      QUIVER_ASSIGN_OR_RETURN(TopicConfig config, ParseTopicConfig(key, member.value));
      topics[key] = std::make_shared<const TopicConfig>(std::move(config));
    }
  }
  DataVersion version;
  QUIVER_RETURN_IF_ERROR(ReadDataVersion(doc, version));
  std::lock_guard<std::mutex> lock(mutex_);
  topics_ = std::move(topics);
  data_version_ = version;
  ++change_count_;
  return Status::Ok();
}

std::string TopicConfigManager::ExportJson() const {
  return TopicConfigTableJson(Snapshot(), data_version());
}

std::optional<TopicConfig> TopicConfigManager::Find(std::string_view topic) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = topics_.find(topic);
  if (it == topics_.end()) return std::nullopt;
  return *it->second;  // copied under the lock: no reference count traffic
}

TopicConfigPtr TopicConfigManager::FindShared(std::string_view topic) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = topics_.find(topic);
  if (it == topics_.end()) return nullptr;
  return it->second;
}

std::map<std::string, TopicConfig> TopicConfigManager::Snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::map<std::string, TopicConfig> out;
  for (const auto& [name, config] : topics_) out.emplace(name, *config);
  return out;
}

DataVersion TopicConfigManager::data_version() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return data_version_;
}

std::uint64_t TopicConfigManager::change_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return change_count_;
}

bool TopicConfigManager::Upsert(const TopicConfig& config) {
  auto replacement = std::make_shared<const TopicConfig>(config);
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = topics_.find(config.topic_name);
  if (it != topics_.end() && *it->second == config) return false;
  topics_.insert_or_assign(config.topic_name, std::move(replacement));
  NextVersionLocked();
  return true;
}

std::pair<TopicConfig, bool> TopicConfigManager::CreateIfAbsent(const TopicConfig& config) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = topics_.find(config.topic_name);
  if (it != topics_.end()) return {*it->second, false};
  topics_.emplace(config.topic_name, std::make_shared<const TopicConfig>(config));
  NextVersionLocked();
  return {config, true};
}

void TopicConfigManager::NextVersionLocked() {
  data_version_.timestamp_ms = clock_.WallMillis();
  ++data_version_.counter;
  ++change_count_;
}

}  // namespace quiver::broker
