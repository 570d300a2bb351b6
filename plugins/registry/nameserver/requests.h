#pragma once
// Requests the broker and client facets send to name servers, and how responses map to
// Status (rocketmq-protocol.md §2.2). Pure functions.

#include <string_view>

#include "quiver/protocol/remoting_command.h"
#include "quiver/route.h"
#include "quiver/status.h"

namespace quiver::registry::nameserver {

using protocol::RemotingCommand;

// REGISTER_BROKER for `self`: extFields brokerName, brokerAddr, clusterName, haServerAddr,
// brokerId, compressed=false, bodyCrc32 (CRC32 & 0x7FFFFFFF of the body); body =
// RegisterBrokerBody JSON with the full topic table and data version.
RemotingCommand MakeRegisterBrokerRequest(const BrokerRegistration& self);
// UNREGISTER_BROKER for `identity`.
RemotingCommand MakeUnregisterBrokerRequest(const BrokerIdentity& identity);
// OK for SUCCESS; otherwise an error "<what>: response code N (remark)": kNotFound for
// TOPIC_NOT_EXIST, kUnavailable for SYSTEM_BUSY / SERVICE_NOT_AVAILABLE,
// kPermissionDenied for NO_PERMISSION, kUnimplemented for REQUEST_CODE_NOT_SUPPORTED,
// kInternal otherwise.
Status StatusFromResponse(std::string_view what, const RemotingCommand& response);

}  // namespace quiver::registry::nameserver
