#include "kernel/roles/broker/processing/subscription_group_table.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "kernel/roles/broker/processing/metadata_json.h"

namespace quiver::broker {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

Status Bad(const std::string& path, std::string_view expected) {
  return InvalidArgumentError("field " + path + " is not " + std::string(expected));
}

template <typename Int>
Status ReadInt(const rapidjson::Value& object, const char* name, const std::string& path,
               Int& out) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || it->value.IsNull()) return Status::Ok();
  if (!it->value.IsInt64()) return Bad(path + "." + name, "an integer");
  out = static_cast<Int>(it->value.GetInt64());
  return Status::Ok();
}

Status ReadBool(const rapidjson::Value& object, const char* name, const std::string& path,
                bool& out) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || it->value.IsNull()) return Status::Ok();
  if (!it->value.IsBool()) return Bad(path + "." + name, "a boolean");
  out = it->value.GetBool();
  return Status::Ok();
}

StatusOr<SubscriptionGroupConfig> ParseConfig(const rapidjson::Value& value,
                                              const std::string& path, std::string_view key) {
  if (!value.IsObject()) return Bad(path, "an object");
  SubscriptionGroupConfig c;
  c.group_name = std::string(key);
  auto name = value.FindMember("groupName");
  if (name != value.MemberEnd() && !name->value.IsNull()) {
    if (!name->value.IsString()) return Bad(path + ".groupName", "a string");
    c.group_name.assign(name->value.GetString(), name->value.GetStringLength());
  }
  if (c.group_name.empty()) return Bad(path + ".groupName", "a non-empty group name");
  QUIVER_RETURN_IF_ERROR(ReadBool(value, "consumeEnable", path, c.consume_enable));
  QUIVER_RETURN_IF_ERROR(ReadBool(value, "consumeFromMinEnable", path, c.consume_from_min_enable));
  QUIVER_RETURN_IF_ERROR(
      ReadBool(value, "consumeBroadcastEnable", path, c.consume_broadcast_enable));
  QUIVER_RETURN_IF_ERROR(ReadInt(value, "retryQueueNums", path, c.retry_queue_nums));
  QUIVER_RETURN_IF_ERROR(ReadInt(value, "retryMaxTimes", path, c.retry_max_times));
  QUIVER_RETURN_IF_ERROR(ReadInt(value, "brokerId", path, c.broker_id));
  QUIVER_RETURN_IF_ERROR(
      ReadInt(value, "whichBrokerWhenConsumeSlowly", path, c.which_broker_when_consume_slowly));
  QUIVER_RETURN_IF_ERROR(ReadBool(value, "notifyConsumerIdsChangedEnable", path,
                                  c.notify_consumer_ids_changed_enable));
  if (c.retry_max_times < 0) return Bad(path + ".retryMaxTimes", "an integer >= 0");
  if (c.retry_queue_nums < 0) return Bad(path + ".retryQueueNums", "an integer >= 0");
  return c;
}

void WriteConfig(Writer& w, const SubscriptionGroupConfig& c) {
  w.StartObject();
  w.Key("groupName");
  w.String(c.group_name.data(), static_cast<rapidjson::SizeType>(c.group_name.size()));
  w.Key("consumeEnable");
  w.Bool(c.consume_enable);
  w.Key("consumeFromMinEnable");
  w.Bool(c.consume_from_min_enable);
  w.Key("consumeBroadcastEnable");
  w.Bool(c.consume_broadcast_enable);
  w.Key("retryQueueNums");
  w.Int(c.retry_queue_nums);
  w.Key("retryMaxTimes");
  w.Int(c.retry_max_times);
  w.Key("brokerId");
  w.Int64(c.broker_id);
  w.Key("whichBrokerWhenConsumeSlowly");
  w.Int64(c.which_broker_when_consume_slowly);
  w.Key("notifyConsumerIdsChangedEnable");
  w.Bool(c.notify_consumer_ids_changed_enable);
  w.EndObject();
}

}  // namespace

Status SubscriptionGroupTable::LoadJson(std::string_view json) {
  QUIVER_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJsonObject(json));
  std::map<std::string, SubscriptionGroupConfig, std::less<>> groups;
  auto table = doc.FindMember("subscriptionGroupTable");
  if (table != doc.MemberEnd() && !table->value.IsNull()) {
    if (!table->value.IsObject()) return Bad("subscriptionGroupTable", "an object");
    for (const auto& member : table->value.GetObject()) {
      std::string key(member.name.GetString(), member.name.GetStringLength());
      QUIVER_ASSIGN_OR_RETURN(SubscriptionGroupConfig config,
                              ParseConfig(member.value, "subscriptionGroupTable." + key, key));
      groups[key] = std::move(config);
    }
  }
  DataVersion version;
  QUIVER_RETURN_IF_ERROR(ReadDataVersion(doc, version));
  std::lock_guard<std::mutex> lock(mutex_);
  groups_ = std::move(groups);
  data_version_ = version;
  ++version_;
  return Status::Ok();
}

std::string SubscriptionGroupTable::ExportJson() const {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  std::lock_guard<std::mutex> lock(mutex_);
  w.StartObject();
  w.Key("subscriptionGroupTable");
  w.StartObject();
  for (const auto& [name, config] : groups_) {
    w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    WriteConfig(w, config);
  }
  w.EndObject();
  WriteDataVersion(w, data_version_);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

StatusOr<SubscriptionGroupConfig> SubscriptionGroupTable::ParseConfigJson(std::string_view json) {
  QUIVER_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJsonObject(json));
  return ParseConfig(doc, "SubscriptionGroupConfig", "");
}

std::optional<SubscriptionGroupConfig> SubscriptionGroupTable::Find(std::string_view group) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = groups_.find(group);
  if (it == groups_.end()) return std::nullopt;
  return it->second;
}

std::pair<SubscriptionGroupConfig, bool> SubscriptionGroupTable::CreateIfAbsent(
    std::string_view group) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = groups_.find(group);
  if (it != groups_.end()) return {it->second, false};
  SubscriptionGroupConfig config;
  config.group_name = std::string(group);
  groups_.emplace(config.group_name, config);
  NextVersionLocked();
  return {config, true};
}

bool SubscriptionGroupTable::Upsert(const SubscriptionGroupConfig& config) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = groups_.find(config.group_name);
  if (it != groups_.end()) {
    const SubscriptionGroupConfig& old = it->second;
    if (old.consume_enable == config.consume_enable &&
        old.consume_from_min_enable == config.consume_from_min_enable &&
        old.consume_broadcast_enable == config.consume_broadcast_enable &&
        old.retry_queue_nums == config.retry_queue_nums &&
        old.retry_max_times == config.retry_max_times && old.broker_id == config.broker_id &&
        old.which_broker_when_consume_slowly == config.which_broker_when_consume_slowly &&
        old.notify_consumer_ids_changed_enable == config.notify_consumer_ids_changed_enable) {
      return false;
    }
  }
  groups_[config.group_name] = config;
  NextVersionLocked();
  return true;
}

std::uint64_t SubscriptionGroupTable::version() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return version_;
}

void SubscriptionGroupTable::NextVersionLocked() {
  data_version_.timestamp_ms = clock_.WallMillis();
  ++data_version_.counter;
  ++version_;
}

}  // namespace quiver::broker
