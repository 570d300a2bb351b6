#include "quiver/protocol/route_json.h"

#include <charconv>
#include <string>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "quiver/protocol/json.h"

namespace quiver {
inline namespace v1 {
namespace protocol {
namespace {

using rapidjson::Document;
using rapidjson::Value;
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// ---- Decoding helpers ------------------------------------------------------------------
// Every helper takes the name of the body being decoded (`what`) and the path of the
// value inside it, so errors read "TopicRouteData: queueDatas[0].perm: expected ...".

Status Malformed(std::string_view what, const std::string& path, std::string_view problem) {
  std::string message(what);
  message += ": ";
  if (!path.empty()) {
    message += path;
    message += ": ";
  }
  message += problem;
  return InvalidArgumentError(std::move(message));
}

std::string Join(const std::string& path, std::string_view name) {
  return path.empty() ? std::string(name) : path + "." + std::string(name);
}

// Parses `json` (after quoting fastjson's bare integer keys) into `doc`; the root must be
// an object. The iterative parser keeps deeply nested garbage from exhausting the stack.
Status ParseObject(std::string_view json, std::string_view what, Document& doc) {
  std::string text = NormalizeFastjson(json);
  doc.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    return Malformed(what, "",
                     "invalid JSON at offset " + std::to_string(doc.GetErrorOffset()) + ": " +
                         rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) return Malformed(what, "", "expected a JSON object");
  return Status::Ok();
}

// The member `name` of `object`, or nullptr when absent or null (fastjson omits nulls,
// other writers keep them).
const Value* FindMember(const Value& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

// Optional scalar members: absent or null leaves `out` unchanged.
Status ReadInt32(const Value& object, const char* name, std::string_view what,
                 const std::string& path, std::int32_t& out) {
  const Value* v = FindMember(object, name);
  if (v == nullptr) return Status::Ok();
  if (!v->IsInt()) return Malformed(what, Join(path, name), "expected a 32-bit integer");
  out = v->GetInt();
  return Status::Ok();
}

Status ReadInt64(const Value& object, const char* name, std::string_view what,
                 const std::string& path, std::int64_t& out) {
  const Value* v = FindMember(object, name);
  if (v == nullptr) return Status::Ok();
  if (!v->IsInt64()) return Malformed(what, Join(path, name), "expected a 64-bit integer");
  out = v->GetInt64();
  return Status::Ok();
}

Status ReadString(const Value& object, const char* name, std::string_view what,
                  const std::string& path, std::string& out) {
  const Value* v = FindMember(object, name);
  if (v == nullptr) return Status::Ok();
  if (!v->IsString()) return Malformed(what, Join(path, name), "expected a string");
  out.assign(v->GetString(), v->GetStringLength());
  return Status::Ok();
}

Status ReadBool(const Value& object, const char* name, std::string_view what,
                const std::string& path, bool& out) {
  const Value* v = FindMember(object, name);
  if (v == nullptr) return Status::Ok();
  if (!v->IsBool()) return Malformed(what, Join(path, name), "expected true or false");
  out = v->GetBool();
  return Status::Ok();
}

// Returns nullptr (absent/null) or the member, which must be of the expected kind.
StatusOr<const Value*> ObjectMember(const Value& object, const char* name, std::string_view what,
                                    const std::string& path) {
  const Value* v = FindMember(object, name);
  if (v != nullptr && !v->IsObject()) {
    return Malformed(what, Join(path, name), "expected an object");
  }
  return v;
}

StatusOr<const Value*> ArrayMember(const Value& object, const char* name, std::string_view what,
                                   const std::string& path) {
  const Value* v = FindMember(object, name);
  if (v != nullptr && !v->IsArray()) return Malformed(what, Join(path, name), "expected an array");
  return v;
}

Status ReadStringArray(const Value& array, std::string_view what, const std::string& path,
                       std::vector<std::string>& out) {
  for (rapidjson::SizeType i = 0; i < array.Size(); ++i) {
    const Value& item = array[i];
    if (!item.IsString()) {
      return Malformed(what, path + "[" + std::to_string(i) + "]", "expected a string");
    }
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return Status::Ok();
}

Status DecodeDataVersionValue(const Value& v, std::string_view what, const std::string& path,
                              DataVersion& out) {
  if (!v.IsObject()) return Malformed(what, path, "expected an object");
  QUIVER_RETURN_IF_ERROR(ReadInt64(v, "stateVersion", what, path, out.state_version));
  QUIVER_RETURN_IF_ERROR(ReadInt64(v, "timestamp", what, path, out.timestamp_ms));
  QUIVER_RETURN_IF_ERROR(ReadInt64(v, "counter", what, path, out.counter));
  return Status::Ok();
}

Status DecodeBrokerDataValue(const Value& v, std::string_view what, const std::string& path,
                             BrokerData& out) {
  if (!v.IsObject()) return Malformed(what, path, "expected an object");
  QUIVER_RETURN_IF_ERROR(ReadString(v, "cluster", what, path, out.cluster));
  QUIVER_RETURN_IF_ERROR(ReadString(v, "brokerName", what, path, out.broker_name));
  QUIVER_ASSIGN_OR_RETURN(const Value* addrs, ObjectMember(v, "brokerAddrs", what, path));
  if (addrs == nullptr) return Status::Ok();
  std::string addrs_path = Join(path, "brokerAddrs");
  for (auto it = addrs->MemberBegin(); it != addrs->MemberEnd(); ++it) {
    std::string_view key(it->name.GetString(), it->name.GetStringLength());
    std::int64_t id = 0;
    auto [ptr, ec] = std::from_chars(key.data(), key.data() + key.size(), id);
    if (key.empty() || ec != std::errc() || ptr != key.data() + key.size()) {
      return Malformed(what, addrs_path,
                       "key \"" + std::string(key) + "\" is not a broker id (an integer)");
    }
    if (it->value.IsNull()) continue;
    if (!it->value.IsString()) {
      return Malformed(what, addrs_path + "." + std::string(key), "expected a string");
    }
    out.broker_addrs[id].assign(it->value.GetString(), it->value.GetStringLength());
  }
  return Status::Ok();
}

Status DecodeQueueDataValue(const Value& v, std::string_view what, const std::string& path,
                            QueueData& out) {
  if (!v.IsObject()) return Malformed(what, path, "expected an object");
  QUIVER_RETURN_IF_ERROR(ReadString(v, "brokerName", what, path, out.broker_name));
  QUIVER_RETURN_IF_ERROR(ReadInt32(v, "readQueueNums", what, path, out.read_queue_nums));
  QUIVER_RETURN_IF_ERROR(ReadInt32(v, "writeQueueNums", what, path, out.write_queue_nums));
  QUIVER_RETURN_IF_ERROR(ReadInt32(v, "perm", what, path, out.perm));
  // Spelled topicSynFlag before RocketMQ 4.9.0; the new spelling wins when both appear.
  QUIVER_RETURN_IF_ERROR(ReadInt32(v, "topicSynFlag", what, path, out.topic_sys_flag));
  QUIVER_RETURN_IF_ERROR(ReadInt32(v, "topicSysFlag", what, path, out.topic_sys_flag));
  return Status::Ok();
}

Status DecodeTopicConfigValue(const Value& v, std::string_view what, const std::string& path,
                              TopicConfig& out) {
  if (!v.IsObject()) return Malformed(what, path, "expected an object");
  QUIVER_RETURN_IF_ERROR(ReadString(v, "topicName", what, path, out.topic_name));
  QUIVER_RETURN_IF_ERROR(ReadInt32(v, "readQueueNums", what, path, out.read_queue_nums));
  QUIVER_RETURN_IF_ERROR(ReadInt32(v, "writeQueueNums", what, path, out.write_queue_nums));
  QUIVER_RETURN_IF_ERROR(ReadInt32(v, "perm", what, path, out.perm));
  QUIVER_RETURN_IF_ERROR(ReadString(v, "topicFilterType", what, path, out.topic_filter_type));
  QUIVER_RETURN_IF_ERROR(ReadInt32(v, "topicSynFlag", what, path, out.topic_sys_flag));
  QUIVER_RETURN_IF_ERROR(ReadInt32(v, "topicSysFlag", what, path, out.topic_sys_flag));
  QUIVER_RETURN_IF_ERROR(ReadBool(v, "order", what, path, out.order));
  return Status::Ok();
}

// ---- Encoding helpers ------------------------------------------------------------------

void WriteKey(JsonWriter& w, std::string_view key) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}
void WriteString(JsonWriter& w, std::string_view value) {
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void WriteDataVersion(JsonWriter& w, const DataVersion& v) {
  w.StartObject();
  WriteKey(w, "stateVersion");
  w.Int64(v.state_version);
  WriteKey(w, "timestamp");
  w.Int64(v.timestamp_ms);
  WriteKey(w, "counter");
  w.Int64(v.counter);
  w.EndObject();
}

void WriteBrokerData(JsonWriter& w, const BrokerData& b) {
  w.StartObject();
  WriteKey(w, "cluster");
  WriteString(w, b.cluster);
  WriteKey(w, "brokerName");
  WriteString(w, b.broker_name);
  WriteKey(w, "brokerAddrs");
  w.StartObject();
  for (const auto& [id, addr] : b.broker_addrs) {
    WriteKey(w, std::to_string(id));
    WriteString(w, addr);
  }
  w.EndObject();
  w.EndObject();
}

void WriteQueueData(JsonWriter& w, const QueueData& q) {
  w.StartObject();
  WriteKey(w, "brokerName");
  WriteString(w, q.broker_name);
  WriteKey(w, "readQueueNums");
  w.Int(q.read_queue_nums);
  WriteKey(w, "writeQueueNums");
  w.Int(q.write_queue_nums);
  WriteKey(w, "perm");
  w.Int(q.perm);
  WriteKey(w, "topicSysFlag");
  w.Int(q.topic_sys_flag);
  w.EndObject();
}

void WriteTopicConfig(JsonWriter& w, const TopicConfig& t) {
  w.StartObject();
  WriteKey(w, "topicName");
  WriteString(w, t.topic_name);
  WriteKey(w, "readQueueNums");
  w.Int(t.read_queue_nums);
  WriteKey(w, "writeQueueNums");
  w.Int(t.write_queue_nums);
  WriteKey(w, "perm");
  w.Int(t.perm);
  WriteKey(w, "topicFilterType");
  WriteString(w, t.topic_filter_type);
  WriteKey(w, "topicSysFlag");
  w.Int(t.topic_sys_flag);
  WriteKey(w, "order");
  w.Bool(t.order);
  w.EndObject();
}

void WriteStringArray(JsonWriter& w, const std::vector<std::string>& items) {
  w.StartArray();
  for (const std::string& s : items) WriteString(w, s);
  w.EndArray();
}

std::string Finish(const rapidjson::StringBuffer& buffer) {
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

// ---- TopicRouteData ----------------------------------------------------------------------

std::string EncodeTopicRouteData(const TopicRouteData& route) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  WriteKey(w, "queueDatas");
  w.StartArray();
  for (const QueueData& q : route.queue_datas) WriteQueueData(w, q);
  w.EndArray();
  WriteKey(w, "brokerDatas");
  w.StartArray();
  for (const BrokerData& b : route.broker_datas) WriteBrokerData(w, b);
  w.EndArray();
  WriteKey(w, "filterServerTable");
  w.StartObject();
  w.EndObject();
  w.EndObject();
  return Finish(buffer);
}

StatusOr<TopicRouteData> DecodeTopicRouteData(std::string_view json) {
  constexpr std::string_view kWhat = "TopicRouteData";
  Document doc;
  QUIVER_RETURN_IF_ERROR(ParseObject(json, kWhat, doc));
  TopicRouteData route;
  QUIVER_ASSIGN_OR_RETURN(const Value* queues, ArrayMember(doc, "queueDatas", kWhat, ""));
  if (queues != nullptr) {
    for (rapidjson::SizeType i = 0; i < queues->Size(); ++i) {
      QueueData q;
      QUIVER_RETURN_IF_ERROR(
          DecodeQueueDataValue((*queues)[i], kWhat, "queueDatas[" + std::to_string(i) + "]", q));
      route.queue_datas.push_back(std::move(q));
    }
  }
  QUIVER_ASSIGN_OR_RETURN(const Value* brokers, ArrayMember(doc, "brokerDatas", kWhat, ""));
  if (brokers != nullptr) {
    for (rapidjson::SizeType i = 0; i < brokers->Size(); ++i) {
      BrokerData b;
      QUIVER_RETURN_IF_ERROR(
          DecodeBrokerDataValue((*brokers)[i], kWhat, "brokerDatas[" + std::to_string(i) + "]", b));
      route.broker_datas.push_back(std::move(b));
    }
  }
  return route;
}

// ---- ClusterInfo -------------------------------------------------------------------------

std::string EncodeClusterInfo(const ClusterInfo& info) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  WriteKey(w, "brokerAddrTable");
  w.StartObject();
  for (const auto& [name, data] : info.broker_addr_table) {
    WriteKey(w, name);
    WriteBrokerData(w, data);
  }
  w.EndObject();
  WriteKey(w, "clusterAddrTable");
  w.StartObject();
  for (const auto& [cluster, names] : info.cluster_addr_table) {
    WriteKey(w, cluster);
    WriteStringArray(w, names);
  }
  w.EndObject();
  w.EndObject();
  return Finish(buffer);
}

StatusOr<ClusterInfo> DecodeClusterInfo(std::string_view json) {
  constexpr std::string_view kWhat = "ClusterInfo";
  Document doc;
  QUIVER_RETURN_IF_ERROR(ParseObject(json, kWhat, doc));
  ClusterInfo info;
  QUIVER_ASSIGN_OR_RETURN(const Value* brokers, ObjectMember(doc, "brokerAddrTable", kWhat, ""));
  if (brokers != nullptr) {
    for (auto it = brokers->MemberBegin(); it != brokers->MemberEnd(); ++it) {
      std::string name(it->name.GetString(), it->name.GetStringLength());
      if (it->value.IsNull()) continue;
      BrokerData data;
      QUIVER_RETURN_IF_ERROR(
          DecodeBrokerDataValue(it->value, kWhat, "brokerAddrTable." + name, data));
      info.broker_addr_table[name] = std::move(data);
    }
  }
  QUIVER_ASSIGN_OR_RETURN(const Value* clusters, ObjectMember(doc, "clusterAddrTable", kWhat, ""));
  if (clusters != nullptr) {
    for (auto it = clusters->MemberBegin(); it != clusters->MemberEnd(); ++it) {
      std::string cluster(it->name.GetString(), it->name.GetStringLength());
      std::string path = "clusterAddrTable." + cluster;
      if (it->value.IsNull()) continue;
      if (!it->value.IsArray()) return Malformed(kWhat, path, "expected an array");
      std::vector<std::string>& names = info.cluster_addr_table[cluster];
      QUIVER_RETURN_IF_ERROR(ReadStringArray(it->value, kWhat, path, names));
    }
  }
  return info;
}

// ---- RegisterBrokerBody ------------------------------------------------------------------

std::string EncodeRegisterBrokerBody(const RegisterBrokerBody& body) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  WriteKey(w, "topicConfigSerializeWrapper");
  w.StartObject();
  WriteKey(w, "topicConfigTable");
  w.StartObject();
  for (const auto& [name, config] : body.topic_config_table) {
    WriteKey(w, name);
    WriteTopicConfig(w, config);
  }
  w.EndObject();
  WriteKey(w, "dataVersion");
  WriteDataVersion(w, body.data_version);
  w.EndObject();
  WriteKey(w, "filterServerList");
  WriteStringArray(w, body.filter_server_list);
  w.EndObject();
  return Finish(buffer);
}

StatusOr<RegisterBrokerBody> DecodeRegisterBrokerBody(std::string_view json) {
  constexpr std::string_view kWhat = "RegisterBrokerBody";
  Document doc;
  QUIVER_RETURN_IF_ERROR(ParseObject(json, kWhat, doc));
  RegisterBrokerBody body;
  QUIVER_ASSIGN_OR_RETURN(const Value* wrapper,
                          ObjectMember(doc, "topicConfigSerializeWrapper", kWhat, ""));
  if (wrapper != nullptr) {
    const std::string wrapper_path = "topicConfigSerializeWrapper";
    QUIVER_ASSIGN_OR_RETURN(const Value* table,
                            ObjectMember(*wrapper, "topicConfigTable", kWhat, wrapper_path));
    if (table != nullptr) {
      for (auto it = table->MemberBegin(); it != table->MemberEnd(); ++it) {
        std::string name(it->name.GetString(), it->name.GetStringLength());
        if (it->value.IsNull()) continue;
        TopicConfig config;
        config.topic_name = name;
        QUIVER_RETURN_IF_ERROR(DecodeTopicConfigValue(
            it->value, kWhat, wrapper_path + ".topicConfigTable." + name, config));
        body.topic_config_table[name] = std::move(config);
      }
    }
    if (const Value* version = FindMember(*wrapper, "dataVersion")) {
      QUIVER_RETURN_IF_ERROR(DecodeDataVersionValue(*version, kWhat, wrapper_path + ".dataVersion",
                                                    body.data_version));
    }
  }
  QUIVER_ASSIGN_OR_RETURN(const Value* filters, ArrayMember(doc, "filterServerList", kWhat, ""));
  if (filters != nullptr) {
    QUIVER_RETURN_IF_ERROR(
        ReadStringArray(*filters, kWhat, "filterServerList", body.filter_server_list));
  }
  return body;
}

// ---- TopicList ---------------------------------------------------------------------------

std::string EncodeTopicList(const std::vector<std::string>& topics) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  WriteKey(w, "topicList");
  WriteStringArray(w, topics);
  w.EndObject();
  return Finish(buffer);
}

StatusOr<std::vector<std::string>> DecodeTopicList(std::string_view json) {
  constexpr std::string_view kWhat = "TopicList";
  Document doc;
  QUIVER_RETURN_IF_ERROR(ParseObject(json, kWhat, doc));
  std::vector<std::string> topics;
  QUIVER_ASSIGN_OR_RETURN(const Value* list, ArrayMember(doc, "topicList", kWhat, ""));
  if (list != nullptr) QUIVER_RETURN_IF_ERROR(ReadStringArray(*list, kWhat, "topicList", topics));
  return topics;
}

// ---- DataVersion -------------------------------------------------------------------------

std::string EncodeDataVersion(const DataVersion& version) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  WriteDataVersion(w, version);
  return Finish(buffer);
}

StatusOr<DataVersion> DecodeDataVersion(std::string_view json) {
  constexpr std::string_view kWhat = "DataVersion";
  Document doc;
  QUIVER_RETURN_IF_ERROR(ParseObject(json, kWhat, doc));
  DataVersion version;
  QUIVER_RETURN_IF_ERROR(DecodeDataVersionValue(doc, kWhat, "", version));
  return version;
}

}  // namespace protocol
}  // namespace v1
}  // namespace quiver
