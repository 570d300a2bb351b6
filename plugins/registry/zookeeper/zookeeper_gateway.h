#pragma once
// The name-server facet of the `zookeeper` plugin: a stateless route gateway. A node with
// role = "nameserver" and [registry] plugin = "zookeeper" answers RocketMQ clients that
// only speak the name-server protocol (mqadmin, ali-ons, `quiver ... -n`) from a watched
// copy of ZooKeeper (BrokerTree):
//
//   GET_ROUTEINFO_BY_TOPIC (105), GET_BROKER_CLUSTER_INFO (106),
//   GET_ALL_TOPIC_LIST_FROM_NAMESERVER (206), GET_TOPICS_BY_CLUSTER (224)
//
// Writes are refused with SYSTEM_ERROR and a remark saying where brokers register:
// REGISTER_BROKER (103), UNREGISTER_BROKER (104), DELETE_TOPIC_IN_NAMESRV (216),
// QUERY_DATA_VERSION (322). Any number of gateways can run; they share nothing but
// ZooKeeper. While ZooKeeper is unreachable they answer from the last known state.
//
// Threading: handlers run on transport I/O threads and never block.

#include <memory>

#include "broker_tree.h"
#include "quiver/plugin_context.h"
#include "quiver/protocol/remoting_command.h"
#include "quiver/registry.h"
#include "quiver/transport.h"
#include "zookeeper_config.h"

namespace quiver::registry::zookeeper {

class ZookeeperGateway final : public RegistryServer {
 public:
  // `context` must outlive this object.
  ZookeeperGateway(PluginContext& context, ZookeeperConfig config);
  ~ZookeeperGateway() override;

  // kUnavailable when the ensemble cannot be reached (the node refuses to start);
  // kFailedPrecondition without a transport server or when already started.
  Status Start() override;
  void Stop() override;

  // The answer to one request, from `brokers`; public for tests.
  static RemotingCommand Answer(const BrokerSnapshot& brokers, const RemotingCommand& request);

 private:
  PluginContext& context_;
  std::shared_ptr<BrokerTree> tree_;
  bool started_ = false;
};

}  // namespace quiver::registry::zookeeper
