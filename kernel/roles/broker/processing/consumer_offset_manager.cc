#include "kernel/roles/broker/processing/consumer_offset_manager.h"

#include <charconv>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "kernel/roles/broker/processing/metadata_json.h"

namespace quiver::broker {

namespace {

std::string Key(std::string_view topic, std::string_view group) {
  std::string key;
  key.reserve(topic.size() + group.size() + 1);
  key.append(topic).push_back('@');
  key.append(group);
  return key;
}

// Parses {"0":123,...} at `path`.
StatusOr<std::map<std::int32_t, std::int64_t>> ParseQueueOffsets(const rapidjson::Value& value,
                                                                 const std::string& path) {
  if (!value.IsObject()) return InvalidArgumentError("field " + path + " is not an object");
  std::map<std::int32_t, std::int64_t> offsets;
  for (const auto& member : value.GetObject()) {
    std::string_view key(member.name.GetString(), member.name.GetStringLength());
    std::int32_t queue = 0;
    auto [ptr, ec] = std::from_chars(key.data(), key.data() + key.size(), queue);
    if (ec != std::errc() || ptr != key.data() + key.size()) {
      return InvalidArgumentError("field " + path + " has a key that is not an integer: \"" +
                                  std::string(key) + "\"");
    }
    if (!member.value.IsInt64()) {
      return InvalidArgumentError("field " + path + "." + std::string(key) + " is not an integer");
    }
    offsets[queue] = member.value.GetInt64();
  }
  return offsets;
}

void WriteQueueOffsets(rapidjson::Writer<rapidjson::StringBuffer>& w,
                       const std::map<std::int32_t, std::int64_t>& offsets) {
  w.StartObject();
  for (const auto& [queue, offset] : offsets) {
    std::string key = std::to_string(queue);
    w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    w.Int64(offset);
  }
  w.EndObject();
}

}  // namespace

std::optional<std::int64_t> ConsumerOffsetManager::Query(std::string_view group,
                                                         std::string_view topic,
                                                         QueueId queue_id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = table_.find(Key(topic, group));
  if (it == table_.end()) return std::nullopt;
  auto q = it->second.find(queue_id.value());
  if (q == it->second.end()) return std::nullopt;
  return q->second;
}

void ConsumerOffsetManager::Commit(std::string_view group, std::string_view topic, QueueId queue_id,
                                   std::int64_t offset) {
  std::lock_guard<std::mutex> lock(mutex_);
  table_[Key(topic, group)][queue_id.value()] = offset;
  ++version_;
}

std::vector<std::string> ConsumerOffsetManager::TopicsOf(std::string_view group) const {
  std::vector<std::string> topics;
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [key, offsets] : table_) {
    // "topic@group": topics cannot contain '@', groups could in principle, so split at the
    // first '@'.
    std::size_t at = key.find('@');
    if (at != std::string::npos && std::string_view(key).substr(at + 1) == group) {
      topics.push_back(key.substr(0, at));
    }
  }
  return topics;  // the map is ordered by key, and so by topic within one group
}

Status ConsumerOffsetManager::LoadJson(std::string_view json) {
  QUIVER_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJsonObject(json));
  std::map<std::string, std::map<std::int32_t, std::int64_t>, std::less<>> table;
  auto it = doc.FindMember("offsetTable");
  if (it != doc.MemberEnd() && !it->value.IsNull()) {
    if (!it->value.IsObject()) return InvalidArgumentError("field offsetTable is not an object");
    for (const auto& member : it->value.GetObject()) {
      std::string key(member.name.GetString(), member.name.GetStringLength());
      if (key.find('@') == std::string::npos) {
        return InvalidArgumentError("field offsetTable has a key that is not topic@group: \"" +
                                    key + "\"");
      }
      QUIVER_ASSIGN_OR_RETURN(auto offsets, ParseQueueOffsets(member.value, "offsetTable." + key));
      table[key] = std::move(offsets);
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  table_ = std::move(table);
  ++version_;
  return Status::Ok();
}

std::string ConsumerOffsetManager::ExportJson() const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  std::lock_guard<std::mutex> lock(mutex_);
  w.StartObject();
  w.Key("offsetTable");
  w.StartObject();
  for (const auto& [key, offsets] : table_) {
    w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    WriteQueueOffsets(w, offsets);
  }
  w.EndObject();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::uint64_t ConsumerOffsetManager::version() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return version_;
}

Status DelayOffsetTable::LoadJson(std::string_view json) {
  QUIVER_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJsonObject(json));
  std::map<std::int32_t, std::int64_t> table;
  auto it = doc.FindMember("offsetTable");
  if (it != doc.MemberEnd() && !it->value.IsNull()) {
    QUIVER_ASSIGN_OR_RETURN(table, ParseQueueOffsets(it->value, "offsetTable"));
  }
  std::lock_guard<std::mutex> lock(mutex_);
  table_ = std::move(table);
  ++version_;
  return Status::Ok();
}

std::string DelayOffsetTable::ExportJson() const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  std::lock_guard<std::mutex> lock(mutex_);
  w.StartObject();
  w.Key("offsetTable");
  WriteQueueOffsets(w, table_);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::map<std::int32_t, std::int64_t> DelayOffsetTable::Snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return table_;
}

std::optional<std::int64_t> DelayOffsetTable::Get(std::int32_t level) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = table_.find(level);
  if (it == table_.end()) return std::nullopt;
  return it->second;
}

void DelayOffsetTable::Set(std::int32_t level, std::int64_t offset) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto [it, inserted] = table_.try_emplace(level, offset);
  if (!inserted && it->second == offset) return;
  it->second = offset;
  ++version_;
}

std::uint64_t DelayOffsetTable::version() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return version_;
}

}  // namespace quiver::broker
