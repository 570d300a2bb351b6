#include "znode_codec.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "quiver/protocol/route_json.h"

namespace quiver::registry::zookeeper {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Key(Writer& w, const char* key) { w.Key(key); }

void String(Writer& w, const std::string& value) {
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

Status Bad(const std::string& what) { return InvalidArgumentError("broker znode: " + what); }

StatusOr<std::string> RequireString(const rapidjson::Value& object, const char* key) {
  auto it = object.FindMember(key);
  if (it == object.MemberEnd()) return Bad(std::string(key) + ": missing");
  if (!it->value.IsString()) return Bad(std::string(key) + ": expected a string");
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

StatusOr<std::int64_t> RequireInt(const rapidjson::Value& object, const char* key) {
  auto it = object.FindMember(key);
  if (it == object.MemberEnd()) return Bad(std::string(key) + ": missing");
  if (!it->value.IsInt64()) return Bad(std::string(key) + ": expected an integer");
  return it->value.GetInt64();
}

}  // namespace

std::string_view BrokerRoleName(BrokerRole role) {
  switch (role) {
    case BrokerRole::kAsyncMaster:
      return "ASYNC_MASTER";
    case BrokerRole::kSyncMaster:
      return "SYNC_MASTER";
    case BrokerRole::kSlave:
      return "SLAVE";
  }
  return "ASYNC_MASTER";
}

std::string EncodeBrokerZnode(const BrokerRegistration& registration) {
  const BrokerIdentity& id = registration.identity;
  protocol::RegisterBrokerBody body;
  body.topic_config_table = registration.topics;
  body.data_version = registration.data_version;
  const std::string body_json = protocol::EncodeRegisterBrokerBody(body);

  rapidjson::StringBuffer out;
  Writer w(out);
  w.StartObject();
  Key(w, "cluster");
  String(w, id.cluster);
  Key(w, "brokerName");
  String(w, id.broker_name);
  Key(w, "brokerId");
  w.Int64(id.broker_id.value());
  Key(w, "brokerAddr");
  String(w, id.address);
  Key(w, "haServerAddr");
  String(w, id.ha_address);
  Key(w, "role");
  std::string_view role = BrokerRoleName(id.role);
  w.String(role.data(), static_cast<rapidjson::SizeType>(role.size()));
  Key(w, "maxPhysicalOffset");
  w.Int64(registration.max_physical_offset);
  Key(w, "registerBrokerBody");
  w.RawValue(body_json.data(), body_json.size(), rapidjson::kObjectType);
  w.EndObject();
  return std::string(out.GetString(), out.GetSize());
}

StatusOr<BrokerRegistration> DecodeBrokerZnode(std::string_view data) {
  if (data.empty()) return Bad("empty data");
  rapidjson::Document doc;
  // Iterative parsing: nesting depth in a znode cannot exhaust the stack.
  doc.Parse<rapidjson::kParseIterativeFlag>(data.data(), data.size());
  if (doc.HasParseError()) {
    return Bad("not JSON (error at byte " + std::to_string(doc.GetErrorOffset()) + ")");
  }
  if (!doc.IsObject()) return Bad("expected a JSON object");
  BrokerRegistration r;
  BrokerIdentity& id = r.identity;
  QUIVER_ASSIGN_OR_RETURN(id.cluster, RequireString(doc, "cluster"));
  QUIVER_ASSIGN_OR_RETURN(id.broker_name, RequireString(doc, "brokerName"));
  QUIVER_ASSIGN_OR_RETURN(std::int64_t broker_id, RequireInt(doc, "brokerId"));
  if (broker_id < 0) return Bad("brokerId: expected 0 or more");
  id.broker_id = BrokerId(broker_id);
  QUIVER_ASSIGN_OR_RETURN(id.address, RequireString(doc, "brokerAddr"));
  if (id.address.empty()) return Bad("brokerAddr: empty");
  QUIVER_ASSIGN_OR_RETURN(id.ha_address, RequireString(doc, "haServerAddr"));
  QUIVER_ASSIGN_OR_RETURN(std::string role, RequireString(doc, "role"));
  if (role == "ASYNC_MASTER") {
    id.role = BrokerRole::kAsyncMaster;
  } else if (role == "SYNC_MASTER") {
    id.role = BrokerRole::kSyncMaster;
  } else if (role == "SLAVE") {
    id.role = BrokerRole::kSlave;
  } else {
    return Bad("role: expected ASYNC_MASTER, SYNC_MASTER or SLAVE, found \"" + role + "\"");
  }
  QUIVER_ASSIGN_OR_RETURN(r.max_physical_offset, RequireInt(doc, "maxPhysicalOffset"));
  auto body = doc.FindMember("registerBrokerBody");
  if (body == doc.MemberEnd() || !body->value.IsObject()) {
    return Bad("registerBrokerBody: expected an object");
  }
  rapidjson::StringBuffer body_json;
  Writer w(body_json);
  body->value.Accept(w);
  StatusOr<protocol::RegisterBrokerBody> decoded = protocol::DecodeRegisterBrokerBody(
      std::string_view(body_json.GetString(), body_json.GetSize()));
  if (!decoded.ok()) return decoded.status().WithContext("broker znode: registerBrokerBody");
  r.topics = std::move(decoded->topic_config_table);
  r.data_version = decoded->data_version;
  return r;
}

Status ValidateSegment(std::string_view what, std::string_view name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos) {
    return InvalidArgumentError(std::string(what) + " \"" + std::string(name) +
                                "\" cannot be a ZooKeeper path segment (empty, '/', \".\" or "
                                "\"..\")");
  }
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return InvalidArgumentError(std::string(what) + " contains a control character");
    }
  }
  return Status::Ok();
}

std::string BrokerZnodePath(const std::string& root, const BrokerIdentity& identity) {
  return root + "/" + identity.cluster + "/brokers/" + identity.broker_name + "/" +
         std::to_string(identity.broker_id.value());
}

std::optional<ZnodeLocation> Locate(std::string_view root, std::string_view path) {
  if (path.substr(0, root.size()) != root) return std::nullopt;
  std::string_view rest = path.substr(root.size());
  ZnodeLocation at;
  if (rest.empty()) return at;
  if (rest.front() != '/') return std::nullopt;
  rest.remove_prefix(1);
  std::string parts[4];
  while (true) {
    if (at.depth == 4) return std::nullopt;
    std::size_t slash = rest.find('/');
    parts[at.depth] = std::string(rest.substr(0, slash));
    if (parts[at.depth].empty()) return std::nullopt;
    ++at.depth;
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  if (at.depth >= 2 && parts[1] != "brokers") return std::nullopt;
  at.cluster = parts[0];
  at.group = parts[2];
  at.id = parts[3];
  return at;
}

}  // namespace quiver::registry::zookeeper
