#pragma once
// Routes, cluster info and the topic list computed from the broker znodes a reader holds,
// in the shape a name server answers (rocketmq-protocol.md §3.1, §3.3), so a client cannot
// tell which registry it talks to.
//
// A broker group's queue data comes from its master's registration (broker id 0), as on a
// name server where slave registrations never change queue data; while the master is gone
// it comes from the lowest-id slave (slaves copy the master's topic table), so consumers
// keep reading from slaves. Thread safety: pure functions.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "quiver/route.h"

namespace quiver::registry::zookeeper {

// Broker znode path -> its decoded registration.
using BrokerSnapshot = std::map<std::string, BrokerRegistration>;

// Queue and broker data sorted by broker name; nullopt when no group serves `topic`.
std::optional<TopicRouteData> BuildRoute(const BrokerSnapshot& brokers, const std::string& topic);
ClusterInfo BuildClusterInfo(const BrokerSnapshot& brokers);
// Sorted, without duplicates.
std::vector<std::string> BuildTopicList(const BrokerSnapshot& brokers);

}  // namespace quiver::registry::zookeeper
