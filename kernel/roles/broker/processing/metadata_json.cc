#include "kernel/roles/broker/processing/metadata_json.h"

#include <string>

#include <rapidjson/error/en.h>

#include "quiver/protocol/json.h"

namespace quiver::broker {

StatusOr<rapidjson::Document> ParseJsonObject(std::string_view json, std::string_view what) {
  std::string normalized = protocol::NormalizeFastjson(json);
  rapidjson::Document doc;
  doc.Parse(normalized.data(), normalized.size());
  if (doc.HasParseError()) {
    return InvalidArgumentError(std::string("invalid JSON at offset ") +
                                std::to_string(doc.GetErrorOffset()) + ": " +
                                rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) {
    return InvalidArgumentError("the " + std::string(what) + " is not a JSON object");
  }
  return doc;
}

Status BadJsonField(std::string_view path, std::string_view expected) {
  return InvalidArgumentError("field " + std::string(path) + " is not " + std::string(expected));
}

Status ReadDataVersion(const rapidjson::Value& root, DataVersion& out) {
  auto dv = root.FindMember("dataVersion");
  if (dv == root.MemberEnd() || dv->value.IsNull()) return Status::Ok();
  if (!dv->value.IsObject()) return BadJsonField("dataVersion", "an object");
  DataVersion version = out;
  for (auto [name, field] : {std::pair{"stateVersion", &version.state_version},
                             std::pair{"timestamp", &version.timestamp_ms},
                             std::pair{"counter", &version.counter}}) {
    auto it = dv->value.FindMember(name);
    if (it == dv->value.MemberEnd() || it->value.IsNull()) continue;
    if (!it->value.IsInt64()) return BadJsonField(std::string("dataVersion.") + name, "an integer");
    *field = it->value.GetInt64();
  }
  out = version;
  return Status::Ok();
}

void WriteDataVersion(JsonWriter& w, const DataVersion& version) {
  w.Key("dataVersion");
  w.StartObject();
  w.Key("stateVersion");
  w.Int64(version.state_version);
  w.Key("timestamp");
  w.Int64(version.timestamp_ms);
  w.Key("counter");
  w.Int64(version.counter);
  w.EndObject();
}

}  // namespace quiver::broker
