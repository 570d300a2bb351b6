#include "requests.h"

#include <span>

#include "quiver/protocol/codes.h"
#include "quiver/protocol/message_record.h"
#include "quiver/protocol/route_json.h"

namespace quiver::registry::nameserver {

RemotingCommand MakeRegisterBrokerRequest(const BrokerRegistration& self) {
  const BrokerIdentity& id = self.identity;
  protocol::RegisterBrokerBody body;
  body.topic_config_table = self.topics;
  body.data_version = self.data_version;
  std::string json = protocol::EncodeRegisterBrokerBody(body);
  std::int32_t crc = protocol::BodyCrc(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(json.data()), json.size()));

  RemotingCommand request = RemotingCommand::Request(protocol::request_code::kRegisterBroker);
  request.SetExt("brokerName", id.broker_name);
  request.SetExt("brokerAddr", id.address);
  request.SetExt("clusterName", id.cluster);
  request.SetExt("haServerAddr", id.ha_address);
  request.SetExt("brokerId", id.broker_id.value());
  request.SetExt("compressed", "false");
  request.SetExt("bodyCrc32", static_cast<std::int64_t>(crc));
  request.body = BufferList(Buffer::FromString(std::move(json)));
  return request;
}

RemotingCommand MakeUnregisterBrokerRequest(const BrokerIdentity& id) {
  RemotingCommand request = RemotingCommand::Request(protocol::request_code::kUnregisterBroker);
  request.SetExt("brokerName", id.broker_name);
  request.SetExt("brokerAddr", id.address);
  request.SetExt("clusterName", id.cluster);
  request.SetExt("brokerId", id.broker_id.value());
  return request;
}

Status StatusFromResponse(std::string_view what, const RemotingCommand& response) {
  if (response.code == protocol::response_code::kSuccess) return Status::Ok();
  std::string message = std::string(what) + ": response code " + std::to_string(response.code);
  if (response.remark && !response.remark->empty()) message += " (" + *response.remark + ")";
  switch (response.code) {
    case protocol::response_code::kTopicNotExist:
      return NotFoundError(std::move(message));
    case protocol::response_code::kSystemBusy:
    case protocol::response_code::kServiceNotAvailable:
      return UnavailableError(std::move(message));
    case protocol::response_code::kNoPermission:
      return PermissionDeniedError(std::move(message));
    case protocol::response_code::kRequestCodeNotSupported:
      return UnimplementedError(std::move(message));
    default:
      return InternalError(std::move(message));
  }
}

}  // namespace quiver::registry::nameserver
