#pragma once
// What Quiver keeps in ZooKeeper (the layout is documented in README.md):
//
//   <root>/<cluster>/brokers/<broker_name>/<broker_id>   ephemeral, one per broker process
//
// The data of a broker znode is JSON: the broker's identity plus RocketMQ's
// REGISTER_BROKER body (rocketmq-protocol.md §3.2) under "registerBrokerBody", so a reader
// holds exactly what a name server would:
//
//   {"cluster":"DefaultCluster","brokerName":"broker-a","brokerId":0,
//    "brokerAddr":"127.0.0.1:10911","haServerAddr":"","role":"ASYNC_MASTER",
//    "maxPhysicalOffset":0,"registerBrokerBody":{"topicConfigSerializeWrapper":{...},
//    "filterServerList":[]}}
//
// Decoding never trusts the znode: anything else anyone wrote there is kInvalidArgument
// naming the field, never a crash. Thread safety: pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "quiver/route.h"
#include "quiver/status.h"

namespace quiver::registry::zookeeper {

std::string EncodeBrokerZnode(const BrokerRegistration& registration);
StatusOr<BrokerRegistration> DecodeBrokerZnode(std::string_view data);

// "ASYNC_MASTER" | "SYNC_MASTER" | "SLAVE" (RocketMQ's BrokerRole names).
std::string_view BrokerRoleName(BrokerRole role);

// OK when `name` can be one znode path segment (non-empty, no '/', not "." or "..", no
// control character); else kInvalidArgument naming `what`.
Status ValidateSegment(std::string_view what, std::string_view name);

// <root>/<cluster>/brokers/<broker_name>/<broker_id>.
std::string BrokerZnodePath(const std::string& root, const BrokerIdentity& identity);

// A path below `root`, split: {cluster, "brokers", name, id} (fewer for shallower paths).
struct ZnodeLocation {
  int depth = 0;  // 0 = root, 1 = cluster, 2 = brokers dir, 3 = group, 4 = broker
  std::string cluster;
  std::string group;
  std::string id;
};
// nullopt when `path` is not `root` or below it, or deeper than a broker znode.
std::optional<ZnodeLocation> Locate(std::string_view root, std::string_view path);

}  // namespace quiver::registry::zookeeper
